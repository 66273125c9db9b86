"""`gkcrawl import` end to end: real files (a reportlab PDF, an HTML page, a truncated PDF) into a
real SQLite archive and real WARC files, parsed by the supervised workers, searchable, and
re-derived by `gkcrawl reparse` from the WARC."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from analyze_helpers import PROSE_A, page_html, prose
from gkcrawl.archive.store import open_archive
from gkcrawl.archive.warc_read import read_verified
from gkcrawl.demo.report_content import make_report
from gkcrawl.derive.reparse import reparse_archive
from portals.make_attachments import write_pdf

AGENCY = "示范市交通运输局"
PDF_URL = "http://www.demo.gov.cn/xxgk/P020220120.pdf"
HTML_URL = "http://www.demo.gov.cn/xxgk/202101/t20210125_1234.html"


def gkcrawl(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path(__file__).resolve().parents[1]))}
    return subprocess.run([sys.executable, "-m", "gkcrawl", *args], capture_output=True, text=True, env=env,
                          timeout=240)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    tmp = tmp_path_factory.mktemp("import")
    files = tmp / "files"
    files.mkdir()
    doc = make_report(AGENCY, 2021, seed=2, prose=prose(PROSE_A, AGENCY))
    write_pdf(doc, files / "交通运输局2021年报.pdf")
    other = make_report("示范市教育局", 2020, seed=5)
    (files / "jyj2020.html").write_bytes(page_html(other, "2021-01-25"))
    whole = (files / "交通运输局2021年报.pdf").read_bytes()
    (files / "truncated.pdf").write_bytes(whole[: len(whole) // 3])
    db = tmp / "archive" / "gkcrawl.db"
    first = gkcrawl("import", str(files / "交通运输局2021年报.pdf"), "--db", str(db), "--url", PDF_URL,
                    "--fetched-at", "2022-01-21T09:30:00+08:00")
    assert first.returncode == 0, first.stderr
    second = gkcrawl("import", str(files / "jyj2020.html"), "--db", str(db), "--url", HTML_URL,
                     "--fetched-at", "2021-02-01")
    assert second.returncode == 0, second.stderr
    third = gkcrawl("import", str(files / "truncated.pdf"), "--db", str(db))
    assert third.returncode == 0, third.stderr
    assert "cannot read pdf" in third.stdout.lower() or "error" in third.stdout.lower(), third.stdout
    return db, {"pdf": files / "交通运输局2021年报.pdf", "html": files / "jyj2020.html",
                "truncated": files / "truncated.pdf"}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pdf_is_a_warc_resource_record_with_its_provenance(imported) -> None:  # type: ignore[no-untyped-def]
    db_path, files = imported
    db = sqlite_utils.Database(db_path)
    row = db.execute("SELECT file_name, sha256, size, source_url, url, fetched_at, imported_at, capture_id, outcome "
                     "FROM imports WHERE sha256 = ?", [sha(files["pdf"])]).fetchone()
    name, digest, size, source_url, url, fetched_at, imported_at, capture_id, outcome = row
    assert (name, size, source_url, url, outcome) == (
        files["pdf"].name, files["pdf"].stat().st_size, PDF_URL, PDF_URL, "report")
    assert fetched_at == "2022-01-21T01:30:00Z" and imported_at > fetched_at
    capture = db.execute("SELECT url, warc_file, warc_offset, warc_type, sha256, status, content_type FROM captures "
                         "WHERE id = ?", [capture_id]).fetchone()
    assert capture[0] == PDF_URL and capture[3] == "resource" and capture[4] == digest
    assert capture[5] is None and capture[6] == "application/pdf"  # no HTTP exchange happened
    warc = db_path.parent / "warc" / capture[1]
    with warc.open("rb") as stream:
        stream.seek(capture[2])
        record = next(iter(ArchiveIterator(stream)))
        headers = record.rec_headers
        assert record.rec_type == "resource"
        assert headers.get_header("WARC-Target-URI") == PDF_URL
        assert headers.get_header("WARC-Date") == "2022-01-21T01:30:00Z"
        assert headers.get_header("WARC-Creation-Date") == imported_at
        assert unquote(headers.get_header("WARC-Source-URI")) == "file:" + files["pdf"].name
        assert headers.get_header("WARC-Payload-Digest").startswith("sha256:")
        assert record.content_stream().read() == files["pdf"].read_bytes()
    document, content_type = read_verified(warc, capture[2], digest)
    assert document == files["pdf"].read_bytes() and content_type == "application/pdf"


def test_imported_reports_are_parsed_and_searchable(imported) -> None:  # type: ignore[no-untyped-def]
    db_path, files = imported
    db = sqlite_utils.Database(db_path)
    pdf = db.execute("SELECT id, agency, year, template, kind, cells_found, fetched_at FROM reports WHERE url = ?",
                     [PDF_URL]).fetchone()
    assert pdf[1:5] == (AGENCY, 2021, "2021", "pdf") and pdf[5] > 100 and pdf[6] == "2022-01-21T01:30:00Z"
    html = db.execute("SELECT id, agency, year, url, fetched_at, kind FROM reports WHERE sha256 = ?",
                      [sha(files["html"])]).fetchone()
    assert html[1:] == ("示范市教育局", 2020, HTML_URL, "2021-02-01T00:00:00Z", "html")
    truncated = db.execute("SELECT url FROM reports WHERE sha256 = ?", [sha(files["truncated"])]).fetchone()
    assert truncated == (f"urn:sha256:{sha(files['truncated'])}",)  # no source URL known
    from gkcrawl.archive.search import search_ids

    hits = set(search_ids(db, "交通运输局"))
    assert pdf[0] in hits and html[0] not in hits
    # The analysis ran at the end of the import.
    assert db.execute("SELECT count(*) FROM report_bodies").fetchone()[0] == 3


def test_a_truncated_pdf_is_kept_with_its_reason(imported) -> None:  # type: ignore[no-untyped-def]
    db_path, files = imported
    db = sqlite_utils.Database(db_path)
    outcome, error, report_id = db.execute("SELECT outcome, error, report_id FROM imports WHERE sha256 = ?",
                                           [sha(files["truncated"])]).fetchone()
    assert outcome == "report" and error
    assert db.execute("SELECT error FROM reports WHERE id = ?", [report_id]).fetchone()[0] == error
    assert db.execute("SELECT count(*) FROM captures WHERE sha256 = ?", [sha(files["truncated"])]).fetchone()[0] == 1


def test_importing_the_same_file_twice_stores_one_version(imported) -> None:  # type: ignore[no-untyped-def]
    db_path, files = imported
    warcs = sorted((db_path.parent / "warc").glob("*.warc.gz"))
    again = gkcrawl("import", str(files["pdf"]), "--db", str(db_path), "--url", PDF_URL)
    assert again.returncode == 0, again.stderr
    assert "already archived" in again.stdout
    db = sqlite_utils.Database(db_path)
    assert db.execute("SELECT count(*) FROM reports WHERE url = ?", [PDF_URL]).fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM captures WHERE url = ?", [PDF_URL]).fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM imports").fetchone()[0] == 3
    assert sorted((db_path.parent / "warc").glob("*.warc.gz")) == warcs  # no new WARC file written


def test_reparse_rederives_imported_reports_from_the_warc(imported) -> None:  # type: ignore[no-untyped-def]
    db_path, _ = imported
    db = open_archive(db_path)
    db.execute("DELETE FROM report_cells WHERE report_id = (SELECT id FROM reports WHERE url = ?)", [PDF_URL])
    db.execute("UPDATE reports SET parser_version = 'old' WHERE url = ?", [PDF_URL])
    db.conn.commit()
    stats = reparse_archive(db, db_path.parent / "warc")
    assert not stats.errors, stats.errors
    assert stats.reports == 3 and stats.reparsed >= 2
    report_id, version = db.execute("SELECT id, parser_version FROM reports WHERE url = ?", [PDF_URL]).fetchone()
    assert version != "old"
    assert db.execute("SELECT count(*) FROM report_cells WHERE report_id = ?", [report_id]).fetchone()[0] > 100


def test_url_names_one_file_and_times_must_parse(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<p>x</p>", encoding="utf-8")
    (tmp_path / "b.html").write_text("<p>y</p>", encoding="utf-8")
    db = str(tmp_path / "gkcrawl.db")
    two = gkcrawl("import", str(tmp_path / "a.html"), str(tmp_path / "b.html"), "--db", db, "--url", "http://x/a")
    assert two.returncode != 0 and "--url" in two.stderr
    bad = gkcrawl("import", str(tmp_path / "a.html"), "--db", db, "--fetched-at", "yesterday")
    assert bad.returncode != 0 and "--fetched-at" in bad.stderr


def test_imported_reports_are_published_like_crawled_ones(imported) -> None:  # type: ignore[no-untyped-def]
    import json
    import urllib.request

    from gkcrawl.publish.serve import start_background

    db_path, _ = imported
    db = sqlite_utils.Database(db_path)
    report_id = db.execute("SELECT id FROM reports WHERE url = ?", [PDF_URL]).fetchone()[0]
    server = start_background(db_path)
    try:
        with urllib.request.urlopen(f"{server.url}/gkcrawl/reports/{report_id}", timeout=30) as response:
            page = response.read().decode("utf-8")
        assert AGENCY in page and "warc-record" in page
        query = urllib.parse.quote("运输局")
        with urllib.request.urlopen(f"{server.url}/gkcrawl/reports.json?_search={query}&_shape=array&_col=id",
                                    timeout=30) as response:
            assert [row["id"] for row in json.loads(response.read())] == [report_id]
    finally:
        server.stop()


def test_an_unreadable_file_is_listed_and_the_others_are_imported(tmp_path: Path) -> None:
    good = tmp_path / "good.html"
    good.write_bytes(page_html(make_report("示范市民政局", 2021, seed=8), "2022-01-20"))
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(b"%PDF-1.4")
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads anything: a directory-like failure instead
        locked.unlink()
        locked.mkdir()
    from gkcrawl.ingest.importer import import_files

    db = open_archive(tmp_path / "gkcrawl.db")
    results = import_files(db, tmp_path / "warc", [locked, good])
    assert [item.outcome for item in results] == ["unreadable file", "report"]
    assert results[0].error
    assert db.execute("SELECT count(*) FROM imports").fetchone()[0] == 1
