"""The bulk writer (gkcrawl.archive.bulk) writes exactly what record_report writes: the same rows in
every table, the same search hits, the same answers for known (url, sha256) and new versions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gkcrawl.archive.bulk import bulk_load
from gkcrawl.archive.schema import CHARS_FTS_TABLE
from gkcrawl.archive.search import search_ids
from gkcrawl.archive.store import open_archive, record_report
from gkcrawl.parse import parse_document
from samples import sample_result

FIXTURES = Path(__file__).parent / "fixtures" / "reports"
WORDS = ["复议", "行政复议", "信息公开", "公开", "局", "诉讼", "2021"]


def _reports() -> list[tuple[str, str, object]]:
    """(url, sha256, parse result): parsed fixtures (real provenance), samples, a spammed one, an
    uncertain cell, a repeat of a known (url, sha256) and a second version of a URL."""
    parsed = [parse_document((FIXTURES / name).read_bytes(), name)
              for name in ("var01_2019_canonical.html", "gen2021_ningan.pdf", "spam_shuozhou_2020.html")]
    samples = [sample_result(index, seed=3, spam=index == 4) for index in range(12)]
    samples[2].uncertain = ["requests.new.natural", "requests.unknown.row"]
    samples[2].uncertain_reasons = {"requests.new.natural": "two readings"}
    samples[3].sources = dict(parsed[1].sources)
    items: list[tuple[str, str, object]] = [(f"http://b.gov.cn/{i}", f"p{i}", r) for i, r in enumerate(parsed)]
    items += [(f"http://a.gov.cn/{i}", f"s{i}", r) for i, r in enumerate(samples)]
    items.append(("http://a.gov.cn/1", "s1", samples[1]))  # known: nothing new
    items.append(("http://a.gov.cn/1", "s1-changed", samples[5]))  # version 2
    return items


def _tables(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    names = [row[0] for row in conn.execute(
        "select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%' "
        f"and name not like '{CHARS_FTS_TABLE}%' order by name")]
    return {name: sorted(conn.execute(f"select * from [{name}]").fetchall(), key=repr) for name in names}


def _hits(conn: sqlite3.Connection) -> dict[str, list[int]]:
    return {word: search_ids(conn, word) for word in WORDS}


def test_bulk_writes_the_same_rows_as_record_report(tmp_path: Path) -> None:
    items = _reports()
    one = open_archive(tmp_path / "one.db")
    answers_one = [record_report(one, None, result, url=url, fetched_at="2025-01-01T00:00:00Z", sha256=sha,  # type: ignore[arg-type]
                                 site=None, parsed_at="2025-01-02T00:00:00Z") for url, sha, result in items]
    bulk = open_archive(tmp_path / "bulk.db")
    with bulk_load(bulk, batch=4) as writer:  # batches end mid-list and across the repeat and the new version
        answers_bulk = [writer.add(None, result, url=url, fetched_at="2025-01-01T00:00:00Z", sha256=sha,  # type: ignore[arg-type]
                                   site=None, parsed_at="2025-01-02T00:00:00Z") for url, sha, result in items]
    assert answers_bulk == answers_one
    assert answers_one[-2] == (answers_one[4][0], False) and answers_one[-1][1] is True
    first, second = _tables(one.conn), _tables(bulk.conn)
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name
    assert len(first["report_cells"]) > 2000
    assert any(row[9] and row[9].startswith('{"where"') for row in first["report_cells"])  # provenance written
    assert _hits(one.conn) == _hits(bulk.conn)
    assert all(_hits(one.conn)[word] for word in ("复议", "信息公开"))
    # The deferred indexes are back after the load.
    indexes = {row[0] for row in bulk.conn.execute("select name from sqlite_master where type = 'index'")}
    assert {"idx_reports_region_facets", "idx_reports_latest", "idx_check_results_report"} <= indexes


def test_a_failed_batch_loses_the_batch_and_nothing_else(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "bulk.db")
    bad = sample_result(1)
    bad.cells = {"requests.new.total": object()}  # type: ignore[dict-item]  # not storable
    try:
        with bulk_load(db, batch=2) as writer:
            writer.add(None, sample_result(0), url="http://a.gov.cn/0", fetched_at="t", sha256="0", site=None)
            writer.add(None, sample_result(2), url="http://a.gov.cn/2", fetched_at="t", sha256="2", site=None)
            writer.add(None, bad, url="http://a.gov.cn/1", fetched_at="t", sha256="1", site=None)
            writer.flush()
    except Exception:  # noqa: BLE001 -- sqlite3 raises its own error type for the unstorable value
        pass
    else:
        raise AssertionError("an unstorable cell must fail the write")
    urls = [row[0] for row in db.execute("select url from reports order by id")]
    assert urls == ["http://a.gov.cn/0", "http://a.gov.cn/2"]
    assert db.execute("select count(distinct report_id) from cells").fetchone()[0] == 2
