"""End-to-end: `gkcrawl crawl` on the `wild` portal (patterns of real gov.cn portals).

The crawler knows nothing of this portal: it must reach the 政府信息公开 section through an
image link, read both TRS pager signatures, honour `<base href>`, open scripted links, walk
frames and `?page=` / `?pageNo=` lists, and store exactly the manifest's reports.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import pytest

from crawl_helpers import absolute, crawl, rows
from portals import EXPECTED, start_portal

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def wild_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """One crawl of the wild portal, shared by the assertions below."""
    db = tmp_path_factory.mktemp("wild") / "a.db"
    with start_portal("wild") as portal:
        crawl([portal.url], db, "--no-js")
        return portal.url, db


def test_wild_portal_reports_are_found_exactly(wild_crawl: tuple[str, Path]) -> None:
    base, db = wild_crawl
    manifest = EXPECTED["wild"]
    found = {row[0] for row in rows(db, "select url from reports")}
    expected = absolute(base, manifest["reports"])
    assert found == expected, f"missing {sorted(expected - found)}; extra {sorted(found - expected)}"
    assert not found & absolute(base, manifest["distractors"])
    assert not found & absolute(base, manifest["notices"])


def test_wps_attachment_is_archived_with_the_parsers_error(wild_crawl: tuple[str, Path]) -> None:
    base, db = wild_crawl
    url = urljoin(base, str(EXPECTED["wild"]["wps"]))
    (error,) = rows(db, f"select error from reports where url = '{url}'")[0]
    assert error  # unreadable, recorded, archived all the same


def test_chinese_named_attachment_is_parsed_as_a_pdf(wild_crawl: tuple[str, Path]) -> None:
    base, db = wild_crawl
    url = urljoin(base, str(EXPECTED["wild"]["chinese_name"]))
    assert "%E9%99%84%E4%BB%B6" in url
    kind, template = rows(db, f"select kind, template from reports where url = '{url}'")[0]
    assert kind == "pdf" and template == "2021"


def test_open_affairs_reports_are_kept_only_with_their_tables(wild_crawl: tuple[str, Path]) -> None:
    _, db = wild_crawl
    titled = rows(db, "select template from reports where title like '%政务公开工作年度报告%'")
    assert len(titled) == 6 and all(template for (template,) in titled)
    # The 2021 work summary of 青石镇 was fetched (it is listed) but is not a report.
    fetched = {row[0] for row in rows(db, "select url from captures")}
    summary = [p for p in EXPECTED["wild"]["distractors"] if "/site/c106/" in p]
    assert summary and all(any(u.endswith(p) for u in fetched) for p in summary)
