"""A cell's how and location are stored compactly (cell_hows ids, location numbers: cell_location.py)
and the report_cells view publishes them exactly as the parser gave them; a schema-2 archive (how
and location as text on every cell) upgrades on open with the same published rows."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from gkcrawl.archive.schema import SCHEMA_VERSION, TableSpec, create_table_sql
from gkcrawl.archive.store import open_archive, record_report
from gkcrawl.parse import parse_document
from samples import sample_result

FIXTURES = Path(__file__).parent / "fixtures" / "reports"
CELLS = "select report_id, key, how, location from report_cells order by report_id, key"


def _expected(result: object) -> dict[str, tuple]:
    out = {}
    for key, source in result.sources.items():  # type: ignore[attr-defined]
        location = {k: v for k, v in source.items() if k != "how"}
        out[key] = (source.get("how"), json.dumps(location, ensure_ascii=False) if location else None)
    return out


def _odd_sources() -> dict[str, dict]:
    """Locations the compact columns cannot hold, or hold only in part: each must read back as given."""
    where = {"in": "source_text", "row": "requests.new", "column": 2, "start": 10, "end": 40, "printed": "7"}
    return {
        "requests.new.natural": {"how": "table_grid", "where": dict(where, column=0)},
        "requests.new.commercial": {"how": "table_grid", "where": dict(where, row="requests.elsewhere", page=3)},
        "requests.new.research": {"how": "text_row", "where": dict(where, printed='1"2\\3')},
        "requests.new.nonprofit": {"how": "text_row", "where": dict(where, column=True)},
        "requests.new.legal_services": {"how": "prose", "where": dict(where), "prose": {"sentence": "共7件", "start": 1, "end": 4}},
        "requests.new.other_org": {"how": "run_split", "where": {"in": "source_text", "row": "requests.new", "column": 5}},
        "requests.new.total": {"how": "table_grid", "where": dict(where, continued_after_break=True)},
        "requests.carried_in.natural": {"how": "table_grid"},
        "requests.carried_in.total": {"how": "table_grid", "where": dict(where, printed="１，２３４", page=12)},
        "requests.carried_in.other_org": {"where": dict(where, row="")},
    }


def test_report_cells_publish_how_and_location_as_parsed(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "gkcrawl.db")
    expected: dict[int, dict[str, tuple]] = {}
    names = ("var01_2019_canonical.html", "gen2021_ningan.pdf", "gen2021_ningan.docx", "trad_changde_2020.html")
    for index, name in enumerate(names):
        result = parse_document((FIXTURES / name).read_bytes(), name)
        assert result.sources, name
        report_id, _ = record_report(db, None, result, url=f"http://a.gov.cn/{index}", fetched_at="t",
                                     sha256=str(index), site=None)
        expected[report_id] = _expected(result)
    odd = sample_result(0, template="2021")
    odd.sources = _odd_sources()
    report_id, _ = record_report(db, None, odd, url="http://a.gov.cn/odd", fetched_at="t", sha256="odd", site=None)
    expected[report_id] = _expected(odd)
    published = {}
    for rid, key, how, location in db.execute(CELLS).fetchall():
        if how is not None or location is not None:
            published.setdefault(rid, {})[key] = (how, location)
    assert published == expected
    # The common shape is held as numbers (a span shared by a row's cells), so is a row that runs
    # across a PDF page break (`page_end`, rare: part 四's one row of 15 in gen2021_ningan.pdf); the
    # odd ones as text.
    compact = db.execute("select count(*) from cells where bits >> 7 > 0").fetchone()[0]
    text = db.execute("select count(location) from cell_extras").fetchone()[0]
    spans = db.execute("select count(*) from cell_spans").fetchone()[0]
    across_pages = sum('"page_end"' in (location or "") for cells in expected.values() for _, location in cells.values())
    assert compact > 600 and 0 < text <= 8 and across_pages <= 15 and spans < compact
    assert db.execute("select count(*) from cell_hows").fetchone()[0] >= 4


def _to_schema_2(path: Path) -> list[tuple]:
    """Rewrite a current archive's cells into the schema-2 shape (how and location text on every row)."""
    conn = sqlite3.connect(path)
    rows = conn.execute("select c.report_id, c.key_id, r.value, r.uncertain, r.note, r.uncertain_reason, r.how, "
                        "r.location, r.source from report_cells r join cell_keys k on k.key = r.key "
                        "join cells c on c.report_id = r.report_id and c.key_id = k.id").fetchall()
    published = conn.execute("select * from report_cells order by report_id, key").fetchall()
    for view in ("report_cells", "report_cells_labeled"):
        conn.execute(f"DROP VIEW [{view}]")
    conn.execute("DROP TABLE cells")
    conn.execute("DROP TABLE cell_hows")
    _old_cells(conn, [("report_id", "INTEGER NOT NULL"), ("key_id", "INTEGER NOT NULL"), ("value", "NUMERIC"),
                      ("uncertain", "INTEGER NOT NULL DEFAULT 0"), ("note", "TEXT"), ("uncertain_reason", "TEXT"),
                      ("how", "TEXT"), ("location", "TEXT"), ("source", "TEXT")], rows, 2)
    return published


def _old_cells(conn: sqlite3.Connection, columns: list[tuple[str, str]], rows: list[tuple], version: int) -> None:
    """An older schema's cells table holding `rows`, the archive marked as that version, closed."""
    conn.execute(create_table_sql("cells", TableSpec(columns=columns, pk=("report_id", "key_id"), without_rowid=True)))
    conn.executemany(f"INSERT INTO cells VALUES ({', '.join('?' for _ in columns)})", rows)
    conn.execute("INSERT OR REPLACE INTO archive_info VALUES ('schema_version', ?)", [str(version)])
    conn.commit()
    conn.close()


def _canonical_and_odd(path: Path, *, more_hows: int = 0) -> Any:
    """An archive of the canonical seed (report 1) and a sample with _odd_sources (report 2), its first
    `more_hows` cells each read by a how of its own; returned open."""
    db = open_archive(path)
    result = parse_document((FIXTURES / "var01_2019_canonical.html").read_bytes(), "var01_2019_canonical.html")
    record_report(db, None, result, url="http://a.gov.cn/1", fetched_at="t", sha256="1", site=None)
    odd = sample_result(0, template="2021")
    odd.sources = _odd_sources()
    for number, key in enumerate(sorted(odd.cells)[:more_hows]):
        odd.sources.setdefault(key, {})["how"] = f"how_{number}"
    record_report(db, None, odd, url="http://a.gov.cn/2", fetched_at="t", sha256="2", site=None)
    return db


def test_a_schema_2_archive_upgrades_with_the_same_published_cells(tmp_path: Path) -> None:
    path = tmp_path / "gkcrawl.db"
    _canonical_and_odd(path).conn.close()
    published = _to_schema_2(path)
    assert any(row[8] for row in published)
    db = open_archive(path)
    assert db.execute("select * from report_cells order by report_id, key").fetchall() == published
    columns = {row[1] for row in db.execute("pragma table_info(cells)")}
    assert "how" not in columns and "bits" in columns
    assert db.execute("select value from archive_info where name = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    # Writes through the view (merge, older scripts) still land, with their how and location.
    db.execute("insert into report_cells (report_id, key, value, how, location) values (1, 'x.y', 3, 'merged', '{}')")
    assert db.execute("select how, location from report_cells where key = 'x.y'").fetchone() == ("merged", "{}")
    db.conn.commit()


# Schema 3's cells (one wide row a cell, its location in loc_* numbers) and how it wrote a
# location, kept here to build a schema-3 archive for the upgrade test.
_V3_COLUMNS = [("report_id", "INTEGER NOT NULL"), ("key_id", "INTEGER NOT NULL"), ("value", "NUMERIC"),
               ("uncertain", "INTEGER NOT NULL DEFAULT 0"), ("note", "TEXT"), ("uncertain_reason", "TEXT"),
               ("how_id", "INTEGER"), ("loc_row", "TEXT"), ("loc_column", "INTEGER"), ("loc_start", "INTEGER"),
               ("loc_end", "INTEGER"), ("loc_printed", "TEXT"), ("loc_page", "INTEGER"), ("location", "TEXT"),
               ("source", "TEXT")]
_V3_SHAPES = {("in", "row", "column", "start", "end"), ("in", "row", "column", "start", "end", "printed"),
              ("in", "row", "column", "start", "end", "page"), ("in", "row", "column", "start", "end", "printed", "page")}


def _v3_location(key: str, text: str | None) -> tuple:
    """Schema 3's cell_location.compact_location, over the published JSON text."""
    if text is None:
        return (None,) * 7
    location = json.loads(text)
    where = location.get("where") if len(location) == 1 else None

    def plain(value: object) -> bool:
        return type(value) is str and not any(c in value for c in '"\\') and all(ord(c) >= 32 for c in value)

    if type(where) is dict and tuple(where) in _V3_SHAPES and where["in"] == "source_text":
        row, column, start, end = where["row"], where["column"], where["start"], where["end"]
        printed, page = where.get("printed"), where.get("page")
        if (plain(row) and all(type(v) is int for v in (column, start, end))
                and (printed is None or plain(printed)) and (page is None or type(page) is int)):
            return (None if row == key.rpartition(".")[0] else row, column, start, end, printed, page, None)
    return (None,) * 6 + (text,)


def _to_schema_3(path: Path) -> list[tuple]:
    """Rewrite a current archive's cells into the schema-3 shape; returns the published rows."""
    conn = sqlite3.connect(path)
    published = conn.execute("select * from report_cells order by report_id, key").fetchall()
    rows = conn.execute("select r.report_id, k.id, r.value, r.uncertain, r.note, r.uncertain_reason, h.id, r.key, "
                        "r.location, r.source from report_cells r join cell_keys k on k.key = r.key "
                        "left join cell_hows h on h.how = r.how").fetchall()
    for view in ("report_cells", "report_cells_labeled"):
        conn.execute(f"DROP VIEW [{view}]")
    for table in ("cells", "cell_spans", "cell_extras"):
        conn.execute(f"DROP TABLE {table}")
    _old_cells(conn, _V3_COLUMNS, [(*row[:7], *_v3_location(row[7], row[8]), row[9]) for row in rows], 3)
    return published


def test_a_schema_3_archive_upgrades_with_the_same_published_cells(tmp_path: Path) -> None:
    path = tmp_path / "gkcrawl.db"
    db = open_archive(path)
    for index, name in enumerate(("var01_2019_canonical.html", "gen2021_ningan.pdf")):
        result = parse_document((FIXTURES / name).read_bytes(), name)
        record_report(db, None, result, url=f"http://a.gov.cn/{index}", fetched_at="t", sha256=str(index), site=None)
    odd = sample_result(0, template="2021")
    odd.sources = _odd_sources()
    odd.sources["requests.new.other_org"]["medium"] = "ocr"
    odd.cell_notes = {"requests.new.natural": "6撤"}
    odd.uncertain = ["requests.new.research"]
    odd.uncertain_reasons = {"requests.new.research": "two readings"}
    record_report(db, None, odd, url="http://a.gov.cn/odd", fetched_at="t", sha256="odd", site=None)
    db.conn.close()
    published = _to_schema_3(path)
    assert len(published) > 300 and any(row[10] == "ocr" for row in published) and any(row[4] for row in published)
    assert sum(1 for row in published if row[9] and '"page_end"' in row[9]) > 0
    db = open_archive(path)
    assert db.execute("select * from report_cells order by report_id, key").fetchall() == published
    assert {row[1] for row in db.execute("pragma table_info(cells)")} == {"report_id", "key_id", "value", "bits"}
    assert db.execute("select value from archive_info where name = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert "cells_v3" not in db.table_names()
    # Opened again: nothing left to upgrade, the same rows.
    db.conn.close()
    db = open_archive(path)
    assert db.execute("select * from report_cells order by report_id, key").fetchall() == published


def _to_schema_5(path: Path, wide_column_cell: tuple[int, str]) -> list[tuple]:
    """Rewrite a current archive's cells into schema 5's (bits with how in bits 2-11 and the span at
    1 + span * 1024 + column from bit 12, the printed text on the row); one cell's column is moved to 70
    (schema 5 held columns up to 1023 as numbers). Returns the published rows, that column changed."""
    conn = sqlite3.connect(path)
    report_id, key = wide_column_cell
    published = [row[:9] + (re.sub(r'"column": \d+', '"column": 70', row[9]),) + row[10:]
                 if (row[0], row[1]) == wide_column_cell else row
                 for row in conn.execute("select * from report_cells order by report_id, key")]
    rows = conn.execute(
        "select c.report_id, c.key_id, c.value, (c.bits & 3) | (coalesce(x.how_id, (c.bits >> 3) & 15) << 2) | "
        "(case when c.bits >> 7 > 0 then (1 + (((c.bits >> 7) - 1) >> 6) * 1024 + "
        "(case when c.key_id = (select id from cell_keys where key = ?) and c.report_id = ? then 70 "
        "else ((c.bits >> 7) - 1) & 63 end)) << 12 else 0 end), "
        "case when c.bits & 4 then coalesce(cast(c.value as text), '') else x.printed end "
        "from cells c left join cell_extras x on x.report_id = c.report_id and x.key_id = c.key_id",
        [key, report_id]).fetchall()
    for view in ("report_cells", "report_cells_labeled"):
        conn.execute(f"DROP VIEW [{view}]")
    for (trigger,) in conn.execute("select name from sqlite_master where type = 'trigger' and sql like '%cell%'"):
        conn.execute(f"DROP TRIGGER [{trigger}]")
    conn.execute("DROP TABLE cells")
    conn.execute("DELETE FROM cell_extras WHERE coalesce(note, uncertain_reason, row, location, source) IS NULL")
    for column in ("printed", "how_id"):
        conn.execute(f"ALTER TABLE cell_extras DROP COLUMN {column}")
    _old_cells(conn, [("report_id", "INTEGER NOT NULL"), ("key_id", "INTEGER NOT NULL"), ("value", "NUMERIC"),
                      ("bits", "INTEGER NOT NULL DEFAULT 0"), ("printed", "TEXT")], rows, 5)
    return published


def test_a_schema_5_archive_upgrades_with_the_same_published_cells(tmp_path: Path) -> None:
    """Schema 6 packs bits smaller: a printed text equal to the value becomes a bit, another printed
    text, a how id above 15 and a column above 63 move to cell_extras; report_cells reads the same."""
    path = tmp_path / "gkcrawl.db"
    db = _canonical_and_odd(path, more_hows=20)  # ids above 15: in cell_extras
    assert db.execute("select count(*) from cell_extras where how_id > 15").fetchone()[0] > 0
    assert db.execute("select count(*) from cells where bits & 4").fetchone()[0] > 100
    assert db.execute("select count(*) from cell_extras where printed is not null").fetchone()[0] >= 2
    spanned = db.execute("select k.key from cells c join cell_keys k on k.id = c.key_id "
                         "where c.report_id = 1 and c.bits >> 7 > 0 limit 1").fetchone()[0]
    db.conn.close()
    published = _to_schema_5(path, (1, spanned))
    db = open_archive(path)
    assert db.execute("select * from report_cells order by report_id, key").fetchall() == published
    assert "cells_v5" not in db.table_names()
    assert db.execute("select value from archive_info where name = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    (location,) = db.execute("select location from cell_extras x join cell_keys k on k.id = x.key_id "
                             "where x.report_id = 1 and k.key = ?", [spanned]).fetchone()
    assert '"column": 70' in location  # beyond what bits hold now: kept as its JSON
