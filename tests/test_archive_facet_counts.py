"""facet_counts and facet_pair_counts (kept by triggers on reports) always equal counting the reports:
after inserts, a new version superseding an old one, a reparse changing derived columns, a delete, a
shard merge, a bulk load, and for an archive from before the tables (backfilled on open)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive_helpers import reopened_without
from gkcrawl.archive import facet_pairs
from gkcrawl.archive.bulk import bulk_load
from gkcrawl.archive.merge import merge_shard
from gkcrawl.archive.schema import FACET_COLUMNS
from gkcrawl.archive.store import open_archive, record_report, transaction
from samples import sample_result


def _counted(conn: sqlite3.Connection) -> list[tuple]:
    rows = []
    for source, where in (("reports", ""), ("latest_reports", " where superseded = 0")):
        for column in FACET_COLUMNS:
            rows += [(source, column, *row) for row in conn.execute(
                f"select quote([{column}]), count(*) from reports{where} group by 1")]
    return sorted(rows)


def _kept(conn: sqlite3.Connection) -> list[tuple]:
    return sorted(conn.execute("select source, facet, value_key, count from facet_counts where count > 0"))


def _pairs_counted(conn: sqlite3.Connection) -> list[tuple]:
    rows = []
    for latest, where in ((0, ""), (1, " and superseded = 0")):
        for f, g in facet_pairs.PAIRS:
            rows += [(latest, f, *row) for row in conn.execute(
                f"select quote([{f}]), '{g}', quote([{g}]), count(*) from reports "
                f"where [{f}] is not null and [{g}] is not null{where} group by 1, 3")]
    return sorted(rows)


def _pairs_kept(conn: sqlite3.Connection) -> list[tuple]:
    return sorted(conn.execute("select latest, filter, quote(filter_value), facet, quote(value), count "
                               "from facet_pair_counts where count > 0"))


def _assert_kept(conn: sqlite3.Connection) -> None:
    assert _kept(conn) == _counted(conn)
    assert _pairs_kept(conn) == _pairs_counted(conn)


def _add(db: object, index: int, url: str, sha: str) -> int:
    return record_report(db, None, sample_result(index, spam=index % 5 == 0), url=url,  # type: ignore[arg-type]
                         fetched_at="2025", sha256=sha, site=None)[0]


def test_facet_counts_follow_every_change_of_reports(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "gkcrawl.db")
    ids = [_add(db, index, f"http://a.gov.cn/{index}", str(index)) for index in range(12)]
    _assert_kept(db.conn)
    _add(db, 40, "http://a.gov.cn/3", "changed")  # supersedes report 3
    latest_regions = dict(db.execute("select value_key, count from facet_counts "
                                     "where source = 'latest_reports' and facet = 'region'").fetchall())
    assert sum(latest_regions.values()) == 12
    _assert_kept(db.conn)
    with transaction(db) as conn:  # a reparse rewrites the derived columns
        conn.execute("update reports set region = '新疆维吾尔自治区', year = NULL, arithmetic = 'failed' where id = ?",
                     [ids[1]])
        conn.execute("update reports set gone_at = '2026' where id = ?", [ids[2]])  # not a facet: no change
    _assert_kept(db.conn)
    assert ("reports", "year", "NULL", 1) in _kept(db.conn)
    with transaction(db) as conn:
        for table in ("cells", "check_results", "spam_findings", "requests_wide_values", "appeals_wide_values",
                      "active_disclosure_wide_values"):
            conn.execute(f"delete from [{table}] where report_id = ?", [ids[5]])
        conn.execute("delete from reports where id = ?", [ids[5]])
    _assert_kept(db.conn)
    # A shard merged in: its reports (and a new version of a known URL) are counted too.
    shard_path = tmp_path / "shard" / "gkcrawl.db"
    shard = open_archive(shard_path)
    for index in range(20, 26):
        _add(shard, index, f"http://b.gov.cn/{index}", str(index))
    _add(shard, 41, "http://a.gov.cn/4", "changed-in-shard")
    shard.conn.close()
    (tmp_path / "shard" / "warc").mkdir()
    merge_shard(db, shard_path, target_warc=tmp_path / "warc")
    assert db.execute("select count(*) from reports").fetchone()[0] == 19
    _assert_kept(db.conn)


@pytest.mark.parametrize("table", ["facet_counts", "facet_pair_counts"])
def test_an_archive_from_before_the_kept_counts_is_backfilled_on_open(table: str, tmp_path: Path) -> None:
    path = tmp_path / "gkcrawl.db"
    db = open_archive(path)
    for index in range(8):
        _add(db, index, f"http://a.gov.cn/{index % 6}", str(index))
    db.conn.close()
    db = reopened_without(path, table)
    _assert_kept(db.conn)
    assert len(_kept(db.conn)) > 20
    assert {(f, g) for _, f, _, g, _, _ in _pairs_kept(db.conn)} == set(facet_pairs.PAIRS)
    _add(db, 9, "http://a.gov.cn/9", "9")
    _assert_kept(db.conn)


def test_a_bulk_load_rebuilds_the_pair_counts_once_and_they_stay_exact(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "gkcrawl.db")
    _add(db, 0, "http://a.gov.cn/0", "0")
    with bulk_load(db, batch=4) as writer:
        for index in range(1, 11):
            writer.add(None, sample_result(index), url=f"http://a.gov.cn/{index % 7}", fetched_at="2025",
                       sha256=str(index), site=None)
        triggers = {row[0] for row in db.execute("select name from sqlite_master where type = 'trigger'")}
        assert not triggers & set(facet_pairs.TRIGGER_NAMES)  # deferred: one GROUP BY a pair at the end
    _assert_kept(db.conn)
    _add(db, 12, "http://a.gov.cn/1", "12")
    _assert_kept(db.conn)
