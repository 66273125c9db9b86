"""An archive written before compact storage (schema version 1) upgrades in place on open: its
report_cells and checks tables move into the compact tables behind views of the same names and
rows, the wide tables are backfilled from the cells, and the per-character index is rebuilt
without its copy of the text; a reparse keeps that index exact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gkcrawl.archive.schema import CHARS_FTS_TABLE, LEGACY_TABLES, WIDE, create_table_sql
from gkcrawl.archive.search import search_ids
from gkcrawl.archive.store import open_archive, record_report, transaction, write_derived_rows
from samples import sample_result

CELLS = "select * from report_cells order by report_id, key"
CHECKS = "select * from checks order by id"


def _wide(db: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {view: db.execute(f"select * from {view} order by report_id").fetchall() for view, _ in WIDE.values()}


def _downgrade(path: Path) -> None:
    """Rewrite a current archive into the version-1 shape: tables report_cells and checks, pivot-less."""
    conn = sqlite3.connect(path)
    cells = conn.execute(CELLS).fetchall()
    checks = conn.execute(CHECKS).fetchall()
    forms = conn.execute("select id, title, agency, region, text from reports").fetchall()
    for view in ("report_cells", "checks", "report_cells_labeled", "latest_reports", "counted_reports",
                 *[view for view, _ in WIDE.values()]):
        conn.execute(f"DROP VIEW [{view}]")
    for table in ("cells", "check_results", "check_cell_sets", "cell_keys", "cell_hows", "facet_counts",
                  "latest_year_totals", "facet_pair_counts",
                  *[table for _, table in WIDE.values()], CHARS_FTS_TABLE):
        conn.execute(f"DROP TABLE [{table}]")
    for trigger in ("reports_supersede", "reports_facets_insert", "reports_facets_update", "reports_facets_delete",
                    "reports_facet_pairs_insert", "reports_facet_pairs_update", "reports_facet_pairs_delete"):
        conn.execute(f"DROP TRIGGER {trigger}")
    for index in ("idx_reports_latest", "idx_reports_superseded", "idx_reports_spammed", "idx_reports_failing"):
        conn.execute(f"DROP INDEX {index}")
    conn.execute("ALTER TABLE reports DROP COLUMN superseded")
    for name, spec in LEGACY_TABLES.items():
        conn.execute(create_table_sql(name, spec))
    conn.executemany(f"INSERT INTO report_cells VALUES ({', '.join('?' for _ in cells[0])})", cells)
    conn.executemany(f"INSERT INTO checks VALUES ({', '.join('?' for _ in checks[0])})", checks)
    conn.execute(f"CREATE VIRTUAL TABLE [{CHARS_FTS_TABLE}] USING fts5(chars, tokenize='unicode61')")
    from gkcrawl.archive.search_text import search_form

    conn.executemany(f"INSERT INTO [{CHARS_FTS_TABLE}] (rowid, chars) VALUES (?, ?)",
                     [(row[0], search_form(*row[1:])) for row in forms])
    conn.execute("CREATE VIRTUAL TABLE reports_fts USING fts5(title, text, content=[reports], content_rowid=[id], "
                 "tokenize='trigram')")
    conn.execute("CREATE TRIGGER reports_ai AFTER INSERT ON reports BEGIN INSERT INTO reports_fts (rowid, title, text) "
                 "VALUES (new.id, new.title, new.text); END")
    conn.commit()
    conn.close()


def _hits(db: sqlite3.Connection, word: str) -> set[int]:
    return set(search_ids(db, word))


def test_a_version_1_archive_upgrades_with_the_same_rows(tmp_path: Path) -> None:
    path = tmp_path / "gkcrawl.db"
    db = open_archive(path)
    ids = []
    for index, template in enumerate(["2019", "2021", "2021"]):
        result = sample_result(index, template=template, broken=index == 1)
        result.uncertain = ["requests.new.natural"]
        result.uncertain_reasons = {"requests.new.natural": "two readings"}
        ids.append(record_report(db, None, result, url=f"http://a.gov.cn/{index}", fetched_at="2024",
                                 sha256=str(index), site=None)[0])
    newer, _ = record_report(db, None, sample_result(9, template="2021"), url="http://a.gov.cn/0", fetched_at="2025",
                             sha256="9", site=None)
    ids = ids[1:] + [newer]
    latest = [row[0] for row in db.execute("select id from latest_reports order by id")]
    assert latest == ids
    cells, checks, wide = db.execute(CELLS).fetchall(), db.execute(CHECKS).fetchall(), _wide(db.conn)
    assert len(cells) > 400 and any(row[3] == 1 for row in cells) and any(c[3] == 0 for c in checks)
    assert all(len(rows) == 4 for rows in wide.values())
    db.conn.close()

    _downgrade(path)
    old = sqlite3.connect(path)
    assert old.execute("select type from sqlite_master where name = 'report_cells'").fetchone() == ("table",)
    assert "superseded" not in {row[1] for row in old.execute("pragma table_info(reports)")}
    old.close()

    db = open_archive(path)
    assert db.execute("select type from sqlite_master where name = 'report_cells'").fetchone()[0] == "view"
    assert db.execute(CELLS).fetchall() == cells
    assert db.execute(CHECKS).fetchall() == checks
    assert _wide(db.conn) == wide  # backfilled from the cells, as the pivot views read them
    sql = db.execute("select sql from sqlite_master where name = ?", [CHARS_FTS_TABLE]).fetchone()[0]
    assert "content=''" in sql
    assert [row[0] for row in db.execute("select id from latest_reports order by id")] == latest
    assert "reports_fts" not in db.table_names()  # the trigram index, and its triggers, are gone
    assert not db.execute("select name from sqlite_master where type = 'trigger' and name = 'reports_ai'").fetchall()
    assert _hits(db.conn, "复议") >= set(ids)
    assert db.execute("select count(*) from cell_keys where key = 'requests.new.natural'").fetchone()[0] == 1


def test_a_reparse_replaces_what_the_per_character_index_holds(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "gkcrawl.db")
    result = sample_result(1, template="2021", text="旧的正文写着甲乙")
    report_id, _ = record_report(db, None, result, url="http://a.gov.cn/r", fetched_at="2024", sha256="1", site=None)
    other, _ = record_report(db, None, sample_result(2, template="2021", text="另一份甲乙"),
                             url="http://a.gov.cn/s", fetched_at="2024", sha256="2", site=None)
    assert _hits(db.conn, "甲乙") == {report_id, other}
    newer = sample_result(1, template="2021", text="新的正文写着丙丁")
    with transaction(db) as conn:  # the deriver's order: derived rows first, then the report row
        write_derived_rows(conn, report_id, newer)
        conn.execute("UPDATE reports SET text = ? WHERE id = ?", [newer.text, report_id])
    assert _hits(db.conn, "甲乙") == {other} and _hits(db.conn, "丙丁") == {report_id}
    db.execute(f"INSERT INTO {CHARS_FTS_TABLE} ({CHARS_FTS_TABLE}) VALUES ('integrity-check')")
    # Writes through the view land in the compact table.
    db.conn.execute("DELETE FROM report_cells WHERE report_id = ? AND key = 'requests.new.natural'", [report_id])
    db.conn.execute("INSERT INTO report_cells (report_id, key, value) VALUES (?, 'requests.new.natural', 7)",
                    [report_id])
    assert db.execute("select value, part from report_cells where report_id = ? and key = 'requests.new.natural'",
                      [report_id]).fetchone() == (7, "requests")
