"""Renditions over a real archive: an HTML report page and the PDF of the same report (reportlab,
parsed by the real parser) are one report, its preferred source marked, counted once; reports
of other bodies or other years stay apart."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from analyze_helpers import PROSE_A, PROSE_B, prose, store_document, store_report
from conftest import DemoCrawl
from gkcrawl.analyze import analyze_archive
from gkcrawl.archive.store import open_archive
from gkcrawl.demo.report_content import make_report
from portals.make_attachments import write_pdf

A, B = "示范市交通运输局", "示范市文化和旅游局"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[sqlite_utils.Database, dict[str, int]]:
    tmp = tmp_path_factory.mktemp("renditions")
    db = open_archive(tmp / "gkcrawl.db")
    a21 = make_report(A, 2021, seed=2, prose=prose(PROSE_A, A))
    pdf = tmp / "a21.pdf"
    write_pdf(a21, pdf)
    page = "http://www.demo.gov.cn/nb/t20220120_1.html"
    ids = {"page": store_report(db, a21, page, "2022-01-20"),
           "attachment": store_document(db, pdf.read_bytes(), "http://www.demo.gov.cn/nb/P020220120.pdf",
                                        referer=page)}
    # The same body's 2020 report as HTML and, elsewhere on the site, as PDF: linked by their cells.
    a20 = make_report(A, 2020, seed=1, prose=prose(PROSE_A, A))
    write_pdf(a20, tmp / "a20.pdf")
    ids["a20_html"] = store_report(db, a20, "http://www.demo.gov.cn/nb/a20.html", "2021-01-20")
    ids["a20_pdf"] = store_document(db, (tmp / "a20.pdf").read_bytes(), "http://www.demo.gov.cn/files/a20.pdf")
    ids["b21"] = store_report(db, make_report(B, 2021, seed=3, prose=prose(PROSE_B, B)),
                              "http://www.demo.gov.cn/nb/b21.html", "2022-01-20")
    analyze_archive(db)
    return db, ids


def groups(db: sqlite_utils.Database) -> dict[int, dict[int, tuple]]:
    found: dict[int, dict[int, tuple]] = {}
    for report_id, group_id, preferred, reason, kind in db.execute("SELECT * FROM renditions"):
        found.setdefault(group_id, {})[report_id] = (preferred, reason, kind)
    return found


def test_page_and_its_attachment_are_one_report(archive) -> None:  # type: ignore[no-untyped-def]
    db, ids = archive
    group = next(g for g in groups(db).values() if ids["page"] in g)
    assert set(group) == {ids["page"], ids["attachment"]}
    assert group[ids["attachment"]][1] == "attachment of the page"
    assert {kind for _, _, kind in group.values()} == {"html", "pdf"}
    assert sum(preferred for preferred, _, _ in group.values()) == 1


def test_the_preferred_source_reads_the_most_cells(archive) -> None:  # type: ignore[no-untyped-def]
    db, ids = archive
    for group_id, members in groups(db).items():
        cells = dict(db.execute(f"SELECT id, cells_found FROM reports WHERE id IN ({','.join('?' * len(members))})",
                                list(members)).fetchall())
        preferred = next(report_id for report_id, (flag, _, _) in members.items() if flag)
        assert preferred == group_id and cells[preferred] == max(cells.values())


def test_same_body_and_year_link_by_their_cells(archive) -> None:  # type: ignore[no-untyped-def]
    db, ids = archive
    group = next(g for g in groups(db).values() if ids["a20_html"] in g)
    assert set(group) == {ids["a20_html"], ids["a20_pdf"]}
    assert group[ids["a20_pdf"]][1].startswith("same body and year")


def test_other_bodies_and_years_stay_apart_and_counts_are_of_reports(archive) -> None:  # type: ignore[no-untyped-def]
    db, ids = archive
    assert ids["b21"] not in {r for g in groups(db).values() for r in g}
    assert len(groups(db)) == 2  # 2020 and 2021 of body A are two reports, not one
    files = db.execute("SELECT count(*) FROM latest_reports").fetchone()[0]
    reports = db.execute("SELECT count(*) FROM counted_reports").fetchone()[0]
    assert (files, reports) == (5, 3)
    # Renditions are not copies of each other, nor does carry-over compare a report with its own PDF.
    members = {r for g in groups(db).values() for r in g}
    copies = db.execute("SELECT report_id, other_report_id FROM similar_reports").fetchall()
    assert not [pair for pair in copies if set(pair) <= members and
                db.execute("SELECT group_id FROM renditions WHERE report_id = ?", [pair[0]]).fetchone()
                == db.execute("SELECT group_id FROM renditions WHERE report_id = ?", [pair[1]]).fetchone()]


@pytest.mark.slow
def test_a_crawl_ends_with_the_analysis_and_links_a_page_to_its_pdf(demo_crawl: DemoCrawl) -> None:
    """The demo portal publishes one report as a page and its PDF; `gkcrawl crawl` alone (no
    `gkcrawl analyze`) leaves them linked as one report. (The run's one crawl of the demo portal: conftest.py.)"""
    from crawl_helpers import absolute, rows
    from portals import EXPECTED

    reports = absolute(demo_crawl.portal_url, EXPECTED["demo"]["reports"])
    pair = absolute(demo_crawl.portal_url, next(iter(EXPECTED["demo"]["renditions"])))
    found = rows(demo_crawl.db, "SELECT r.url, n.group_id, n.preferred, n.reason FROM renditions n "
                                "JOIN reports r ON r.id = n.report_id")
    assert {url for url, *_ in found} == pair
    assert len({group for _, group, _, _ in found}) == 1 and sum(preferred for _, _, preferred, _ in found) == 1
    assert rows(demo_crawl.db, "SELECT count(*) FROM report_bodies") == [(len(reports),)]


def test_a_neighbouring_report_linked_from_a_page_is_not_its_rendition(tmp_path: Path) -> None:
    """Report pages link 上一篇/下一篇 and last year's report: fetched from the page, still another report."""
    db = open_archive(tmp_path / "gkcrawl.db")
    page = "http://www.demo.gov.cn/nb/a21.html"
    store_report(db, make_report(A, 2021, seed=2, prose=prose(PROSE_A, A)), page, "2022-01-20")
    store_report(db, make_report(A, 2020, seed=1, prose=prose(PROSE_A, A)), "http://www.demo.gov.cn/nb/a20.html",
                 "2021-01-20", referer=page)
    store_report(db, make_report(B, 2021, seed=3, prose=prose(PROSE_B, B)), "http://www.demo.gov.cn/nb/b21.html",
                 "2022-01-20", referer=page)
    analyze_archive(db)
    assert db.execute("SELECT count(*) FROM renditions").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM counted_reports").fetchone()[0] == 3
