"""`gkcrawl demo` builds an archive whose cross-report tables show each finding: a consistent
and a broken carry-over of one body, a copied report, a rendition pair, a late department."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import DemoBuild
from portals import EXPECTED

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_db(demo_build: DemoBuild) -> tuple[sqlite3.Connection, dict[str, int]]:
    assert "analysing the archive" in demo_build.stderr
    path, port = demo_build.db, demo_build.portal_port  # read only: the run's one demo build (conftest.py)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    base = f"http://127.0.0.1:{port}"
    ids = {key: conn.execute("SELECT id FROM latest_reports WHERE url = ?", [base + page]).fetchone()[0]
           for key, page in EXPECTED["demo"]["cross_year"].items()}
    ((page, pdf),) = EXPECTED["demo"]["renditions"]
    ids["pdf"] = conn.execute("SELECT id FROM latest_reports WHERE url = ?", [base + pdf]).fetchone()[0]
    return conn, ids


def test_demo_shows_a_consistent_and_a_broken_carry_over(demo_db) -> None:  # type: ignore[no-untyped-def]
    conn, ids = demo_db
    consistent = conn.execute("SELECT previous_report_id, min(ok), count(*) FROM carry_over WHERE report_id = ?",
                              [ids["transport_2021"]]).fetchone()
    assert consistent == (ids["transport_2020"], 1, 7)
    broken = conn.execute("SELECT report_id, previous_report_id, group_concat(column_key) FROM carry_over "
                          "WHERE ok = 0 GROUP BY report_id").fetchall()
    assert len(broken) == 1
    report_id, previous, columns = broken[0]
    assert report_id in (ids["transport_2022"], ids["pdf"]) and previous == ids["transport_2021"]
    assert set(columns.split(",")) == {"natural", "commercial", "total"}


def test_demo_shows_a_copied_report_and_a_rendition_pair(demo_db) -> None:  # type: ignore[no-untyped-def]
    conn, ids = demo_db
    copied = conn.execute("SELECT other_report_id, similarity FROM similar_reports WHERE report_id = ? "
                          "AND same_body = 0 AND what = 'prose'", [ids["culture_2022"]]).fetchall()
    assert {other for other, _ in copied} >= {ids["transport_2021"], ids["transport_2020"]}
    assert all(0.8 <= similarity < 1 for _, similarity in copied)
    group = conn.execute("SELECT report_id, preferred FROM renditions WHERE group_id = "
                         "(SELECT group_id FROM renditions WHERE report_id = ?)", [ids["pdf"]]).fetchall()
    assert {report_id for report_id, _ in group} == {ids["transport_2022"], ids["pdf"]}
    assert sum(preferred for _, preferred in group) == 1
    files, reports = (conn.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
                      for view in ("latest_reports", "counted_reports"))
    assert files == reports + 1


def test_demo_shows_a_late_department(demo_db) -> None:  # type: ignore[no-untyped-def]
    conn, ids = demo_db
    late = {row[0] for row in conn.execute("SELECT report_id FROM report_deadlines WHERE late = 1")}
    assert late == {ids["transport_2021"]}
    pdf = conn.execute("SELECT published, late FROM report_deadlines WHERE report_id = ?", [ids["pdf"]]).fetchone()
    assert pdf == ("2023-01-18", 0)  # the attachment takes its page's date
