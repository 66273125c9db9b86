"""Copies over a real archive: prose repeated by the same body or another (MinHash, datasketch),
identical tables across years, and what must not count: unrelated reports, an idle body's
all-zero tables, renditions of one report."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
import yaml

from analyze_helpers import PROSE_A, PROSE_B, prose, store_report
from gkcrawl.analyze import analyze_archive
from gkcrawl.analyze.prose import minhash_of, prose_of, shingles
from gkcrawl.archive.store import open_archive
from gkcrawl.demo.report_content import make_report

ROOT = Path(__file__).resolve().parents[1]
A, B, C = "示范市交通运输局", "示范市文化和旅游局", "示范市教育局"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[sqlite_utils.Database, dict[str, int]]:
    db = open_archive(tmp_path_factory.mktemp("copies") / "gkcrawl.db")
    docs = {
        "a20": make_report(A, 2020, seed=1, prose=prose(PROSE_A, A)),
        "a21": make_report(A, 2021, seed=2, prose=prose(PROSE_A, A)),       # A copies its own 2020 words
        "b21": make_report(B, 2021, seed=3, prose=prose(PROSE_A, B)),       # B copies A, its name put in
        "c21": make_report(C, 2021, seed=4, prose=prose(PROSE_B, C)),       # C writes its own
    }
    ids = {name: store_report(db, doc, f"http://www.demo.gov.cn/nb/{name}.html", f"{doc.year + 1}-01-20")
           for name, doc in docs.items()}
    # Same tables printed again the next year by C (its prose rewritten), and two idle bodies' zero tables.
    c22 = make_report(C, 2021, seed=4, prose=[f"{C}二〇二二年度工作各有侧重,详见下表。" * 3])
    c22.year, c22.title = 2022, c22.title.replace("2021", "2022")
    ids["c22"] = store_report(db, c22, "http://www.demo.gov.cn/nb/c22.html", "2023-01-20")
    analyze_archive(db)
    return db, ids


def pairs(db: sqlite_utils.Database, what: str) -> dict[frozenset[int], tuple]:
    return {frozenset((r[0], r[1])): tuple(r[2:]) for r in db.execute(
        "SELECT report_id, other_report_id, similarity, same_body FROM similar_reports WHERE what = ?", [what])}


def test_prose_copied_by_the_same_body_and_by_another_body(archive) -> None:  # type: ignore[no-untyped-def]
    db, ids = archive
    prose_pairs = pairs(db, "prose")
    same_year_to_year = prose_pairs[frozenset((ids["a20"], ids["a21"]))]
    assert same_year_to_year[1] == 1 and same_year_to_year[0] >= 0.95
    other_body = prose_pairs[frozenset((ids["a21"], ids["b21"]))]
    assert other_body[1] == 0 and 0.8 <= other_body[0] < same_year_to_year[0]
    later = db.execute("SELECT report_id, year, other_year FROM similar_reports WHERE report_id = ? "
                       "AND other_report_id = ?", [ids["a21"], ids["a20"]]).fetchone()
    assert later == (ids["a21"], 2021, 2020)  # the later report names the one it repeats


def test_unrelated_reports_are_not_copies(archive) -> None:  # type: ignore[no-untyped-def]
    db, ids = archive
    prose_pairs = pairs(db, "prose")
    assert not any(ids["c21"] in pair for pair in prose_pairs)
    assert not any(ids["c22"] in pair for pair in prose_pairs)
    unrelated = minhash_of(prose_of(db.execute("SELECT text FROM reports WHERE id = ?", [ids["a21"]]).fetchone()[0]))
    own = minhash_of(prose_of(db.execute("SELECT text FROM reports WHERE id = ?", [ids["c21"]]).fetchone()[0]))
    assert unrelated.jaccard(own) < 0.3


def test_identical_tables_across_years(archive) -> None:  # type: ignore[no-untyped-def]
    db, ids = archive
    table_pairs = pairs(db, "tables")
    assert set(table_pairs) == {frozenset((ids["c21"], ids["c22"]))}
    assert table_pairs[frozenset((ids["c21"], ids["c22"]))] == (1.0, 1)


def test_all_zero_tables_and_tiny_texts_are_not_copies(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "gkcrawl.db")
    html = ("<html><body><h1>{a}2021年政府信息公开工作年度报告</h1><p>本年度未收到政府信息公开申请。</p>"
            "<table><tr><td>一、本年新收政府信息公开申请数量</td><td>0</td><td>0</td><td>0</td><td>0</td>"
            "<td>0</td><td>0</td><td>0</td></tr></table></body></html>")
    from analyze_helpers import store_document

    for name in ("示范县司法局", "示范县统计局"):
        store_document(db, html.format(a=name).encode(), f"http://www.demo.gov.cn/{name}.html")
    analyze_archive(db)
    assert db.execute("SELECT count(*) FROM similar_reports").fetchone()[0] == 0


def test_shingles_ignore_tables_and_digits() -> None:
    text = "2021年,本局公开信息8704条。\n| 规章 | 0 | 3 |\n依申请公开严格依法办理。"
    assert "规章" not in prose_of(text) and "8704" not in prose_of(text)
    assert prose_of(text) == prose_of(text.replace("8704", "12"))
    assert shingles("一二三四五六") == {"一二三四五", "二三四五六"}


def test_copied_reports_canned_query(archive) -> None:  # type: ignore[no-untyped-def]
    db, ids = archive
    sql = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))[
        "databases"]["gkcrawl"]["queries"]["copied_reports"]["sql"]
    path = db.execute("PRAGMA database_list").fetchone()[2]
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    found = [dict(row) for row in conn.execute(sql)]
    assert {row["report_id"] for row in found} >= {ids["a21"], ids["b21"], ids["c22"]}
    assert found[0]["同一机关"] == 0  # another body's copy first


def test_boilerplate_many_reports_share_is_not_a_copy_but_own_words_repeated_are(tmp_path: Path) -> None:
    from gkcrawl.analyze.copies import COMMON_MIN_REPORTS

    db = open_archive(tmp_path / "gkcrawl.db")
    # More bodies than COMMON_MIN_REPORTS print the generator's stock paragraphs (as reports print
    # the national template's): shared by all, copied by none.
    stock = [store_report(db, make_report(f"示范县第{n}局", 2021, seed=n), f"http://www.demo.gov.cn/s{n}.html",
                          "2022-01-20") for n in range(COMMON_MIN_REPORTS + 2)]
    own_a = store_report(db, make_report(A, 2021, seed=1, prose=prose(PROSE_A, A)),
                         "http://www.demo.gov.cn/a.html", "2022-01-20")
    own_b = store_report(db, make_report(B, 2021, seed=2, prose=prose(PROSE_A, B)),
                         "http://www.demo.gov.cn/b.html", "2022-01-20")
    analyze_archive(db)
    found = {frozenset(pair) for pair in db.execute(
        "SELECT report_id, other_report_id FROM similar_reports WHERE what = 'prose'")}
    assert found == {frozenset((own_a, own_b))}
    assert not any(report_id in pair for pair in found for report_id in stock)
