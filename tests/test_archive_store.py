"""The store API against real SQLite files: keyed writes, versions, gone, transactions."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gkcrawl.archive.models import Capture
from gkcrawl.archive.store import mark_gone, open_archive, record_capture, record_report, touch_url
from gkcrawl.parse.result import Check, ParseResult
from samples import sample_result

URL = "http://www.shuozhou.gov.cn/zwgk/ndbg/2023.html"
WHEN = "2024-02-01T08:00:00Z"


def capture_for(url: str = URL, *, record_id: str | None = "<urn:uuid:1>", sha: str = "a" * 64) -> Capture:
    return Capture(url=url, status=200, fetched_at=WHEN, request_headers={"User-Agent": "gkcrawl"},
                   response_headers={"Content-Type": "text/html; charset=utf-8"}, sha256=sha, size=1234,
                   content_type="text/html; charset=utf-8", warc_file="crawl-00000.warc.gz", warc_offset=0,
                   warc_record_id=record_id, referer="http://www.shuozhou.gov.cn/zwgk/")


def test_open_archive_sets_wal_foreign_keys_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "a" / "gkcrawl.db"
    db = open_archive(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    schema_before = db.execute("select group_concat(sql, ';') from sqlite_master").fetchone()[0]
    db.conn.close()
    db = open_archive(path)
    assert db.execute("select group_concat(sql, ';') from sqlite_master").fetchone()[0] == schema_before
    assert {"sites", "captures", "urls", "reports", "cells", "cell_keys", "check_results", "spam_findings",
            "reports_chars_fts"} <= set(db.table_names()) and "reports_fts" not in db.table_names()
    assert {"latest_reports", "report_cells", "checks", "requests_wide", "appeals_wide",
            "active_disclosure_wide"} <= set(db.view_names())
    assert [fk.other_table for fk in db["reports"].foreign_keys if fk.column == "capture_id"] == ["captures"]


def test_capture_rows_keep_provenance_and_same_warc_record_is_one_row(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "g.db")
    first = record_capture(db, capture_for())
    again = record_capture(db, capture_for())
    other = record_capture(db, capture_for(record_id="<urn:uuid:2>"))
    assert first == again != other
    row = db["captures"].get(first)
    assert row["warc_file"] == "crawl-00000.warc.gz" and row["site"] == "www.shuozhou.gov.cn"
    assert '"User-Agent": "gkcrawl"' in row["request_headers"]
    site = db["sites"].get("www.shuozhou.gov.cn")
    assert site["captures"] == 2 and site["first_crawl"] == WHEN


def test_same_url_and_hash_adds_nothing_and_a_new_hash_is_a_new_version(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "g.db")
    capture_id = record_capture(db, capture_for())
    result = sample_result(1, template="2021", broken=True)
    report_id, new = record_report(db, capture_id, result, url=URL, fetched_at=WHEN, sha256="a" * 64, site=None)
    assert new
    counts = {t: db[t].count for t in ("reports", "report_cells", "checks", "reports_chars_fts")}
    assert counts["report_cells"] == len(result.cells) > 150
    assert record_report(db, capture_id, result, url=URL, fetched_at=WHEN, sha256="a" * 64, site=None) == (
        report_id, False)
    assert {t: db[t].count for t in counts} == counts

    changed = sample_result(1, template="2021", broken=False)
    second_id, new = record_report(db, capture_id, changed, url=URL, fetched_at="2024-03-01T00:00:00Z",
                                   sha256="b" * 64, site=None)
    assert new and second_id != report_id
    versions = [(r["version"], r["sha256"][0]) for r in db.query("select * from reports order by version")]
    assert versions == [(1, "a"), (2, "b")]
    latest = list(db.query("select id, version from latest_reports"))
    assert latest == [{"id": second_id, "version": 2}]
    first = db["reports"].get(report_id)
    # broken: 本年新收/总计 off by 2, so requests_balance and row_totals (requests.new) fail
    assert first["arithmetic"] == "failed" and first["checks_failed"] == 2
    assert first["title"].endswith("年政府信息公开工作年度报告") and first["year"] in range(2021, 2025)


def test_cells_keep_uncertain_notes_and_none(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "g.db")
    result = ParseResult(template="2021", meta={"title": "某局2022年报告", "year": "2022"},
                         cells={"requests.new.natural": 6, "requests.new.total": None,
                                "active.a20_8.fees.amount": 34435.86},
                         uncertain=["requests.new.commercial"], cell_notes={"requests.new.natural": "6撤"},
                         checks=[Check("requests_balance", None, "cannot check")], text="正文")
    report_id, _ = record_report(db, None, result, url=URL, fetched_at=WHEN, sha256="c" * 64, site=None)
    cells = {r["key"]: r for r in db.query("select * from report_cells where report_id = ?", [report_id])}
    assert cells["requests.new.natural"]["value"] == 6 and cells["requests.new.natural"]["note"] == "6撤"
    assert cells["active.a20_8.fees.amount"]["value"] == 34435.86
    assert cells["requests.new.total"]["value"] is None
    assert cells["requests.new.commercial"]["uncertain"] == 1 and cells["requests.new.commercial"]["value"] is None
    assert db["reports"].get(report_id)["arithmetic"] == "unchecked"
    wide = next(db.query("select new__natural, new__total from requests_wide where report_id = ?", [report_id]))
    assert wide == {"new__natural": 6, "new__total": None}
    labeled = next(db.query("select label from report_cells_labeled where key = 'requests.new.natural'"))
    assert labeled["label"] == "一、本年新收政府信息公开申请数量/自然人"


def test_spam_findings_are_rows(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "g.db")
    report_id, _ = record_report(db, None, sample_result(3, spam=True), url=URL, fetched_at=WHEN,
                                 sha256="d" * 64, site=None)
    kinds = sorted(r["kind"] for r in db.query("select kind from spam_findings where report_id = ?", [report_id]))
    assert kinds == ["domain", "identity", "string"]
    assert db["reports"].get(report_id)["spam_found"] == 1


def test_mark_gone_and_touch_url(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "g.db")
    touch_url(db, URL, "2024-01-01T00:00:00Z", 200)
    touch_url(db, URL, "2024-02-01T00:00:00Z", 200)
    record_report(db, None, sample_result(1), url=URL, fetched_at=WHEN, sha256="e" * 64, site=None)
    row = db["urls"].get(URL)
    assert (row["first_seen"], row["last_seen"], row["gone_at"]) == ("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z",
                                                                     None)
    touch_url(db, URL, "2024-05-01T00:00:00Z", 404)
    mark_gone(db, URL, "2024-05-01T00:00:00Z")
    mark_gone(db, URL, "2024-06-01T00:00:00Z")
    assert db["urls"].get(URL)["gone_at"] == "2024-05-01T00:00:00Z"
    assert [r["gone_at"] for r in db.query("select gone_at from reports")] == ["2024-05-01T00:00:00Z"]
    touch_url(db, URL, "2024-07-01T00:00:00Z", 200)
    assert db["urls"].get(URL)["gone_at"] is None and db["urls"].get(URL)["last_status"] == 200


def test_a_failing_write_leaves_no_partial_report(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "g.db")
    bad = sample_result(1)
    bad.cells["requests.new.natural"] = {"not": "a number"}  # type: ignore[assignment]
    with pytest.raises(sqlite3.ProgrammingError):
        record_report(db, None, bad, url=URL, fetched_at=WHEN, sha256="f" * 64, site=None)
    assert db["reports"].count == 0 and db["report_cells"].count == 0 and db["reports_chars_fts"].count == 0
    assert record_report(db, None, sample_result(1), url=URL, fetched_at=WHEN, sha256="f" * 64, site=None)[1]


def test_foreign_key_to_a_missing_capture_is_refused(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "g.db")
    with pytest.raises(sqlite3.IntegrityError):
        record_report(db, 999, sample_result(1), url=URL, fetched_at=WHEN, sha256="f" * 64, site=None)
    assert db["reports"].count == 0


def test_search_finds_long_and_short_chinese_words(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "g.db")
    texts = {"a": "本年度发生政府信息公开行政复议2起，均维持。", "b": "本年度未发生行政诉讼。",
             "c": "本年度收到申请12件，無行政復議。", "d": "行政工作，政复考核，复议申请。",
             "e": "依法办理行政\n复议申请。"}
    ids = {}
    for name, text in texts.items():
        ids[name], _ = record_report(db, None, sample_result(ord(name), text=text),
                                     url=f"{URL}?{name}", fetched_at=WHEN, sha256=name * 64, site=None)
    from gkcrawl.archive.search import search_ids
    from gkcrawl.archive.search_text import index_query

    def chars(term: str) -> set[int]:
        return set(search_ids(db, term))

    def candidates(term: str) -> set[int]:  # the index alone, before the text check
        return {r[0] for r in db.execute("select rowid from reports_chars_fts where reports_chars_fts match ?",
                                         [index_query(term)])}

    assert "reports_fts" not in db.table_names()  # one index for every length: no trigram copy
    assert chars("复议") == {ids["a"], ids["c"], ids["d"], ids["e"]}  # 復議 (traditional): normalized
    # d holds every pair of 行政复议 (行政, 政复, 复议) but never the word: the index offers it, the
    # text check drops it; e's word was broken by a line break, which is not part of a word.
    assert candidates("行政复议") == {ids["a"], ids["c"], ids["d"], ids["e"]}
    assert chars("行政复议") == {ids["a"], ids["c"], ids["e"]}
    assert chars("复议 诉讼") == set() and chars("依法 复议申请") == {ids["e"]}
    # A cap on the candidates checked takes the newest (e, d, then c): a limit, never a wrong answer.
    from gkcrawl.archive.search import matches_sql

    def checked(term: str, cap: int) -> list[int]:
        return [r[0] for r in db.execute(matches_sql(term, checked=cap), {"q": term})]

    assert checked("行政复议", 2) == [ids["e"]] and checked("行政复议", 3) == [ids["e"], ids["c"]]
    assert checked("复议", 1) == sorted(chars("复议"), reverse=True)  # no check needed: no cap
    assert chars("诉讼") == {ids["b"]}
    assert chars("议复") == set()  # a phrase, not two characters anywhere


@pytest.mark.slow
def test_killed_writer_leaves_a_consistent_database(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    open_archive(path).conn.close()
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from gkcrawl.archive.store import open_archive, record_report\n"
        "from samples import sample_result\n"
        "db = open_archive(sys.argv[1])\n"
        "for i in range(100000):\n"
        "    record_report(db, None, sample_result(i), url=f'http://x.gov.cn/{i}', fetched_at='2024-01-01T00:00:00Z',"
        " sha256=str(i), site=None)\n")
    writer = subprocess.Popen([sys.executable, "-c", script, str(path)])
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            time.sleep(0.5)
            db = open_archive(path)
            if db["reports"].count >= 30:
                db.conn.close()
                break
            db.conn.close()
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    db = open_archive(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reports = db["reports"].count
    assert reports >= 30
    per_report = db.execute("select count(*) from reports r where (select count(*) from report_cells c "
                            "where c.report_id = r.id) < 150").fetchone()[0]
    assert per_report == 0
    assert reports == db["reports_chars_fts"].count


def test_cells_keep_why_uncertain_and_where_read(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "w.db")
    source = {"how": "table_grid", "where": {"in": "source_text", "row": "requests.new", "column": 0,
                                             "start": 120, "end": 160}}
    result = ParseResult(template="2021", meta={"title": "某局2022年报告", "year": "2022"},
                         cells={"requests.new.natural": 153, "requests.new.total": 161},
                         uncertain=["requests.new.natural"],
                         uncertain_reasons={"requests.new.natural": "assumed_first_column"},
                         sources={"requests.new.total": source,
                                  "requests.new.natural": {**source, "how": "assumed_first_column"}},
                         text="正文")
    report_id, _ = record_report(db, None, result, url=URL, fetched_at=WHEN, sha256="d" * 64, site=None)
    cells = {r["key"]: r for r in db.query("select * from report_cells where report_id = ?", [report_id])}
    guessed, total = cells["requests.new.natural"], cells["requests.new.total"]
    assert guessed["uncertain"] == 1 and guessed["uncertain_reason"] == "assumed_first_column"
    assert guessed["how"] == "assumed_first_column" and guessed["value"] == 153
    assert total["uncertain"] == 0 and total["uncertain_reason"] is None and total["how"] == "table_grid"
    assert json.loads(total["location"])["where"] == source["where"]


def test_a_cells_medium_is_stored_from_the_one_sources_record_and_survives_the_workers_json(tmp_path: Path) -> None:
    from gkcrawl.derive.result_json import result_from_json

    where = {"in": "source_text", "row": "requests.new", "column": 0, "start": 10, "end": 40, "page": 2}
    result = ParseResult(template="2021", meta={"title": "某局2022年报告", "year": "2022"},
                         cells={"requests.new.natural": 3, "requests.new.total": 3},
                         uncertain=["requests.new.natural"], uncertain_reasons={"requests.new.natural": "ambiguous"},
                         sources={"requests.new.natural": {"how": "table_grid", "where": where, "medium": "ocr"},
                                  "requests.new.total": {"how": "table_grid", "where": where}}, text="正文")
    # A worker answers in JSON; a result of before 0.5.4 named OCR'd cells apart (cell_sources).
    legacy = {**result.to_json(), "sources": {"requests.new.total": {"how": "table_grid", "where": where}},
              "cell_sources": {"requests.new.natural": "ocr"}}
    for index, stored in enumerate((result, result_from_json(result.to_json()), result_from_json(legacy))):
        db = open_archive(tmp_path / f"m{index}.db")
        report_id, _ = record_report(db, None, stored, url=URL, fetched_at=WHEN, sha256="e" * 64, site=None)
        cells = {r["key"]: r for r in db.query("select * from report_cells where report_id = ?", [report_id])}
        ocr, typed = cells["requests.new.natural"], cells["requests.new.total"]
        assert (ocr["source"], typed["source"]) == ("ocr", None), index
        assert typed["how"] == "table_grid" and json.loads(typed["location"])["where"] == where
        assert "medium" not in (ocr["location"] or "") and ocr["uncertain_reason"] == "ambiguous"
