"""Schema as data: idempotent, completes older databases, wide views line up with cells.tsv."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from gkcrawl.archive.schema import LEGACY_TABLES, TABLES, cell_keys, create_table_sql, wide_column
from gkcrawl.archive.search_text import chars_contain, index_query, search_form, stream
from gkcrawl.archive.store import open_archive, record_report
from samples import sample_result


def test_an_older_database_gains_missing_columns_without_losing_rows(tmp_path: Path) -> None:
    path = tmp_path / "gkcrawl.db"
    conn = sqlite3.connect(path)
    spec = TABLES["urls"]
    old_sql = create_table_sql("urls", spec).replace(",\n   [gone_at] TEXT", "")
    assert "gone_at" not in old_sql
    conn.execute(old_sql)
    conn.execute("INSERT INTO urls (url, first_seen) VALUES ('http://a.gov.cn/', '2020-01-01')")
    conn.commit()
    conn.close()
    db = open_archive(path)
    assert "gone_at" in {c.name for c in db["urls"].columns}
    assert db["urls"].get("http://a.gov.cn/")["first_seen"] == "2020-01-01"
    types = {c.name: c.type for c in db["reports"].columns}
    assert types["year"] == "INTEGER" and types["text"] == "TEXT"
    assert {c.name: c.type for c in db["report_cells"].columns}["value"] == "NUMERIC"


def test_an_older_archive_gains_the_checks_cells_column(tmp_path: Path) -> None:
    """Checks stored before they named their cells keep their rows; new checks carry cells."""
    path = tmp_path / "gkcrawl.db"
    conn = sqlite3.connect(path)
    for name in ("reports", "checks"):
        sql = create_table_sql(name, {**TABLES, **LEGACY_TABLES}[name])
        if name == "checks":
            sql = sql.replace(",\n   [cells] TEXT", "")
            assert "cells" not in sql
        conn.execute(sql)
    conn.execute("INSERT INTO reports (id, url, version, fetched_at, sha256) VALUES (1, 'http://a.gov.cn/', 1, 'x', 'y')")
    conn.execute("INSERT INTO checks (report_id, name, ok, detail) VALUES (1, 'requests_balance', 0, '1 ≠ 2')")
    conn.commit()
    conn.close()
    db = open_archive(path)
    assert {c.name: c.type for c in db["checks"].columns}["cells"] == "TEXT"
    assert list(db.query("select name, ok, detail, cells from checks")) == [
        {"name": "requests_balance", "ok": 0, "detail": "1 ≠ 2", "cells": None}]
    result = sample_result(3, template="2021", broken=True)
    report_id, _ = record_report(db, None, result, url="http://a.gov.cn/r", fetched_at="2024", sha256="1", site=None)
    stored = {row["name"]: json.loads(row["cells"])
              for row in db.query("select name, cells from checks where report_id = ?", [report_id])}
    assert stored["requests_balance"] == ["requests.new.total", "requests.carried_in.total", "requests.total.total",
                                          "requests.carried_out.total"]


def test_wide_views_have_one_column_per_cell_key(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "g.db")
    for prefix, view in (("requests.", "requests_wide"), ("appeals.", "appeals_wide"),
                         ("active.", "active_disclosure_wide")):
        columns = [c.name for c in db[view].columns]
        expected = [wide_column(k) for k in cell_keys(prefix)]
        assert columns[8:] == expected and len(set(expected)) == len(expected)
    assert len(cell_keys("appeals.")) == 15
    result = sample_result(5, template="2019")
    report_id, _ = record_report(db, None, result, url="http://a.gov.cn/r", fetched_at="2024", sha256="1", site=None)
    appeals = next(db.query("select * from appeals_wide where report_id = ?", [report_id]))
    assert appeals["review__total"] == result.cells["appeals.review.total"]
    assert appeals["review__total"] == sum(appeals[f"review__{k}"] for k in ("upheld", "corrected", "other", "pending"))
    active = next(db.query("select * from active_disclosure_wide where report_id = ?", [report_id]))
    assert active["a20_1_regulations_new_made"] == result.cells["active.a20_1.regulations.new_made"]
    assert active["a20_1_regulations_issued"] is None  # a 2021-format cell on a 2019 report
    row = db["reports"].get(report_id)
    assert row["requests_new"] == result.cells["requests.new.total"]
    assert row["requests_other"] == result.cells["requests.other.total"]


def test_search_text_forms() -> None:
    assert stream("行政復議ＡＢＣ 2023年") == ["行", "政", "复", "议", "abc", "2023", "年"]
    assert search_form("复议", None, "", "行政\n复议。") == "复 议 行 政 复议 议行 行政 政复"
    assert index_query('复议 "行政') == '"复议" "行政"'
    assert index_query("行政复议 2023年") == '"行政" "政复" "复议" "2023" "年"'
    assert index_query('"') == "" and index_query("，。") == ""


@pytest.mark.parametrize(("text", "word", "held"), [
    ("行政復\n議", "行政复议", 1), ("行政工作，政复考核，复议", "行政复议", 0),
    ("在2023年", "2023年", 1), ("12023年", "2023年", 0), ("２０２３年", "2023年", 1), ("１２０２３年", "2023年", 0),
    ("a.b@x.cn", "a.b@x.cn", 1), ("ab@x.cn", "a.b@x.cn", 0), ("\U0001d400bc 1", "abc 1", 1)])
def test_the_text_check_holds_a_word_as_its_tokens_in_a_row(text: str, word: str, held: int) -> None:
    """Separators may stand inside a word, never a letter or digit before or after its Latin or digit
    ends; full-width and mathematical letters count as the letters they normalize to."""
    assert chars_contain(None, None, None, text, word) == held
