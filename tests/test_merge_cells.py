"""A merged report's cells are stored as compactly as its shard stored them (spans, bits, the rare
fields in cell_extras) and publish the same report_cells rows, though the target numbers its cell
keys and hows differently; a shard of an older schema is upgraded in a copy, never changed, and one
of a newer schema is refused."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from gkcrawl.archive.merge import MergeError, merge_shard
from gkcrawl.archive.store import open_archive, record_report
from samples import sample_result
from test_archive_compact_cells import _canonical_and_odd, _to_schema_5

PUBLISHED = ("select r.url, c.key, c.value, c.uncertain, c.note, c.part, c.parser_version, c.uncertain_reason, "
             "c.how, c.location, c.source from report_cells c join reports r on r.id = c.report_id "
             "where r.url like 'http://a.gov.cn/%' order by r.url, c.key")
STORED = ("select (select count(*) from cell_spans s join reports r on r.id = s.report_id "
          "where r.url like 'http://a.gov.cn/%'), "
          "(select count(location) from cell_extras x join reports r on r.id = x.report_id "
          "where r.url like 'http://a.gov.cn/%')")


def _rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def _target(path: Path) -> object:
    """An archive that already holds a report and numbers hows its own way: how_19 (a high id in the
    shard, kept in cell_extras there) first, then enough others that the shard's low ids land above 15."""
    db = open_archive(path)
    record_report(db, None, sample_result(3), url="http://b.gov.cn/1", fetched_at="t", sha256="b", site=None)
    db.execute("insert or ignore into cell_hows (how) values ('how_19')")
    db.conn.executemany("insert or ignore into cell_hows (how) values (?)", [(f"target_{n}",) for n in range(16)])
    db.execute("insert or ignore into cell_keys (key, part) values ('zz.first', 'zz')")
    db.conn.commit()
    return db


def test_merged_cells_keep_the_shards_compact_storage_and_publish_the_same_rows(tmp_path: Path) -> None:
    shard_path = tmp_path / "shard" / "gkcrawl.db"
    shard = _canonical_and_odd(shard_path, more_hows=20)
    assert shard.execute("select count(*) from cell_extras where how_id > 15").fetchone()[0] > 0
    shard.conn.close()
    (tmp_path / "shard" / "warc").mkdir()
    published, stored = _rows(shard_path, PUBLISHED), _rows(shard_path, STORED)
    assert len(published) > 300 and stored[0][0] > 20 and 0 < stored[0][1] <= 8
    before = hashlib.sha256(shard_path.read_bytes()).hexdigest()

    target_path = tmp_path / "merged" / "gkcrawl.db"
    db = _target(target_path)
    result = merge_shard(db, shard_path, target_warc=tmp_path / "merged" / "warc")  # type: ignore[arg-type]
    assert result.reports == 2
    assert _rows(target_path, PUBLISHED) == published
    # As compact as the shard: the same spans, and no location turned into JSON text.
    assert _rows(target_path, STORED) == stored
    # The how ids moved: some the shard kept in bits now live in cell_extras, and how_19 the other way.
    moved = _rows(target_path, "select count(*) from cell_extras x join cell_hows h on h.id = x.how_id "
                                "where h.how like 'how_%' and x.report_id > 1")[0][0]
    assert moved > 0
    assert _rows(target_path, "select count(*) from cell_extras x join reports r on r.id = x.report_id "
                              "where r.url like 'http://a.gov.cn/%' and coalesce(note, uncertain_reason, row, "
                              "location, source, printed, how_id) is null") == [(0,)]
    # The merged reports are in the wide tables, from their cells.
    wide = _rows(target_path, "select count(*) from requests_wide w join reports r on r.id = w.report_id "
                              "where r.url like 'http://a.gov.cn/%'")[0][0]
    assert wide == 2

    again = merge_shard(db, shard_path, target_warc=tmp_path / "merged" / "warc")  # type: ignore[arg-type]
    assert again.reports == 0 and _rows(target_path, PUBLISHED) == published
    assert hashlib.sha256(shard_path.read_bytes()).hexdigest() == before


def test_a_shard_of_an_older_schema_is_merged_from_an_upgraded_copy(tmp_path: Path) -> None:
    shard_path = tmp_path / "shard" / "gkcrawl.db"
    shard = _canonical_and_odd(shard_path, more_hows=20)
    spanned = shard.execute("select k.key from cells c join cell_keys k on k.id = c.key_id "
                            "where c.report_id = 1 and c.bits >> 7 > 0 limit 1").fetchone()[0]
    shard.conn.close()
    (tmp_path / "shard" / "warc").mkdir()
    _to_schema_5(shard_path, (1, spanned))
    before = hashlib.sha256(shard_path.read_bytes()).hexdigest()
    # What the shard publishes once upgraded (in a copy: the shard itself is never changed).
    reference = tmp_path / "reference.db"
    reference.write_bytes(shard_path.read_bytes())
    open_archive(reference).conn.close()
    published = _rows(reference, PUBLISHED)

    target_path = tmp_path / "merged" / "gkcrawl.db"
    db = _target(target_path)
    assert merge_shard(db, shard_path, target_warc=tmp_path / "merged" / "warc").reports == 2  # type: ignore[arg-type]
    assert _rows(target_path, PUBLISHED) == published and len(published) > 300
    assert hashlib.sha256(shard_path.read_bytes()).hexdigest() == before
    assert [p.name for p in (tmp_path / "merged").iterdir() if p.name.startswith(".merge-upgrade")] == []


def test_a_shard_of_a_newer_schema_is_refused_with_its_number(tmp_path: Path) -> None:
    shard_path = tmp_path / "shard" / "gkcrawl.db"
    open_archive(shard_path).conn.close()
    (tmp_path / "shard" / "warc").mkdir()
    with sqlite3.connect(shard_path) as conn:
        conn.execute("update archive_info set value = '99' where name = 'schema_version'")
    db = open_archive(tmp_path / "merged" / "gkcrawl.db")
    with pytest.raises(MergeError, match="schema 99, newer"):
        merge_shard(db, shard_path, target_warc=tmp_path / "merged" / "warc")
    assert db.execute("select count(*) from reports").fetchone()[0] == 0
