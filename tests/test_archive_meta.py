"""reports.meta holds only what the parser read beyond the report's own columns (title, agency,
region, year, published, archived, 索引号), NULL when the columns hold it all; an archive from before
(schema 6: a JSON copy of the columns on every row) is stripped of the copies on open, keeping the rest."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from gkcrawl.archive.schema import SCHEMA_VERSION
from gkcrawl.archive.store import open_archive, record_report
from gkcrawl.parse import parse_document
from samples import sample_result

FIXTURES = Path(__file__).parent / "fixtures" / "reports"


def _add(db: object, index: int, meta: dict | None = None) -> int:
    result = sample_result(index)
    if meta is not None:
        result.meta = meta
    return record_report(db, None, result, url=f"http://a.gov.cn/{index}", fetched_at="t",  # type: ignore[arg-type]
                         sha256=str(index), site=None)[0]


def test_meta_keeps_only_what_the_columns_do_not(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "gkcrawl.db")
    result = parse_document((FIXTURES / "var01_2019_canonical.html").read_bytes(), "var01_2019_canonical.html")
    assert result.meta["title"] and result.meta["year"]
    parsed = record_report(db, None, result, url="http://a.gov.cn/p", fetched_at="t", sha256="p", site=None)[0]
    other = _add(db, 1, {"title": "某局2020年政府信息公开工作年度报告", "year": "2020年", "agency": "某局",
                         "source_of_date": "page"})
    rows = dict(db.execute("select id, meta from reports").fetchall())
    assert rows[parsed] is None
    assert json.loads(rows[other]) == {"year": "2020年", "source_of_date": "page"}  # a year the column reads as 2020
    assert db.execute("select title, agency, year from reports where id = ?", [parsed]).fetchone() == \
        (result.meta["title"], result.meta["agency"], result.meta["year"])


def test_an_archive_from_before_loses_the_copies_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "gkcrawl.db"
    db = open_archive(path)
    plain = _add(db, 1)
    extra = _add(db, 2, {"title": "某局报告", "region": "北京市", "year": 2021, "note": "旧"})
    text_year = _add(db, 3, {"title": "某局报告", "year": "2019"})
    changed = _add(db, 4, {"title": "某局报告"})
    db.conn.close()
    with sqlite3.connect(path) as conn:  # schema 6 wrote the whole meta on every row
        full = {plain: sample_result(1).meta, extra: {"title": "某局报告", "region": "北京市", "year": 2021, "note": "旧"},
                text_year: {"title": "某局报告", "year": "2019"}, changed: {"title": "某局报告"}}
        for report_id, meta in full.items():
            conn.execute("update reports set meta = ? where id = ?", [json.dumps(meta, ensure_ascii=False), report_id])
        conn.execute("update reports set title = '另一个标题' where id = ?", [changed])  # no longer the copy
        conn.execute("update archive_info set value = '6' where name = 'schema_version'")
    db = open_archive(path)
    rows = dict(db.execute("select id, meta from reports").fetchall())
    assert rows[plain] is None
    assert json.loads(rows[extra]) == {"note": "旧"}
    assert json.loads(rows[text_year]) == {"year": "2019"}
    assert json.loads(rows[changed]) == {"title": "某局报告"}
    assert db.execute("select value from archive_info where name = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    db.conn.close()
    open_archive(path).conn.close()  # opened again: nothing left to strip, the same rows
    with sqlite3.connect(path) as conn:
        assert dict(conn.execute("select id, meta from reports").fetchall()) == rows
