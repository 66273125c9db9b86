"""latest_year_totals (kept by triggers on reports) answers the per-year canned queries exactly as
their original form over latest_reports did: after inserts, new versions, empty totals, a reparse,
a delete, and for an archive from before the table (backfilled on open)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import yaml

from archive_helpers import reopened_without
from gkcrawl.archive.store import open_archive, record_report, transaction
from samples import sample_result

METADATA = Path(__file__).resolve().parents[1] / "metadata.yml"
# The canned queries as they were written over latest_reports (a scan of every latest report).
ORIGINAL = {
    "applications_per_year": "select year, sum(requests_new) as applications, count(*) as reports "
                             "from latest_reports where year is not null group by year order by year",
    "applications_by_region": "select year, region, sum(requests_new) as applications, count(*) as reports "
                              "from latest_reports where year is not null group by year, region "
                              "order by year, applications desc",
    "outcome_shares": (
        "select year, sum(requests_total) as outcomes, "
        + ", ".join(f"round(100.0 * sum(requests_{c}) / sum(requests_total), 1) as {c}_pct"
                    for c in ("granted", "partial", "withheld", "unable", "not_processed", "other"))
        + " from latest_reports where year is not null and requests_total > 0 group by year order by year"),
    "outcomes_per_year": " union all ".join(
        f"select year, '{label}' as outcome, sum(requests_{c}) as applications from latest_reports "
        "where year is not null group by year"
        for label, c in (("予以公开 granted", "granted"), ("部分公开 partial", "partial"), ("不予公开 withheld", "withheld"),
                         ("无法提供 unable", "unable"), ("不予处理 not processed", "not_processed"),
                         ("其他处理 other", "other"))) + " order by year, outcome",
    "appeals_and_lawsuits": "select year, sum(review_total) as reviews, sum(litigation_direct_total) as "
                            "lawsuits_direct, sum(litigation_after_review_total) as lawsuits_after_review, "
                            "count(*) as reports from latest_reports where year is not null group by year order by year",
}


def _canned() -> dict[str, str]:
    queries = yaml.safe_load(METADATA.read_text(encoding="utf-8"))["databases"]["gkcrawl"]["queries"]
    return {name: queries[name]["sql"] for name in ORIGINAL}


def _same(conn: sqlite3.Connection) -> None:
    for name, sql in _canned().items():
        assert "latest_year_totals" in sql, name
        assert sorted(conn.execute(sql).fetchall(), key=repr) == sorted(conn.execute(ORIGINAL[name]).fetchall(),
                                                                        key=repr), name


def _add(db: object, index: int, url: str, sha: str, **changes: object) -> int:
    result = sample_result(index, broken=index % 3 == 0)
    result.meta.update(changes)
    if index % 4 == 0:  # a report whose tables were not read: its totals are empty
        result.cells = {}
    return record_report(db, None, result, url=url, fetched_at="2025", sha256=sha, site=None)[0]  # type: ignore[arg-type]


def test_year_totals_answer_the_canned_queries_as_before(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "gkcrawl.db")
    ids = [_add(db, index, f"http://a.gov.cn/{index}", str(index)) for index in range(24)]
    _add(db, 30, "http://a.gov.cn/no-year", "n", year=None)
    _same(db.conn)
    _add(db, 31, "http://a.gov.cn/2", "v2")  # supersedes
    _add(db, 32, "http://a.gov.cn/5", "v2")
    _same(db.conn)
    with transaction(db) as conn:  # a reparse changes totals, year and region
        conn.execute("update reports set requests_new = 7, requests_total = 0, year = 2030, region = NULL where id = ?",
                     [ids[7]])
        conn.execute("update reports set requests_new = NULL where id = ?", [ids[9]])
        for table in ("cells", "check_results", "spam_findings", "requests_wide_values", "appeals_wide_values",
                      "active_disclosure_wide_values"):
            conn.execute(f"delete from [{table}] where report_id = ?", [ids[11]])
        conn.execute("delete from reports where id = ?", [ids[11]])
    _same(db.conn)
    assert db.execute("select count(*) from latest_year_totals").fetchone()[0] < 30


def test_an_archive_from_before_year_totals_is_backfilled_on_open(tmp_path: Path) -> None:
    path = tmp_path / "gkcrawl.db"
    db = open_archive(path)
    for index in range(10):
        _add(db, index, f"http://a.gov.cn/{index % 7}", str(index))
    db.conn.close()
    db = reopened_without(path, "latest_year_totals")
    _same(db.conn)
    _add(db, 12, "http://a.gov.cn/12", "12")
    _same(db.conn)
