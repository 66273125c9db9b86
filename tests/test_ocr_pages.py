"""A crawled HTML report page whose tables are pictures is read by OCR (issue 12).

A real crawl (no --requisites) of a loopback portal whose report pages paste parts 二 and 四
as PNG pictures: the crawler fetches and archives the pictures (WARC response records and
captures rows referred by the page), the page's derivation waits for them and hands their
WARC locations to the worker, and the report's cells come back `source = ocr`, certain only
where the template's arithmetic confirms them, with no silent error against the numbers the
pictures were drawn from. A picture that answers 404 is recorded and its page still lands,
flagged. `gkcrawl reparse` finds the pictures again among the captures."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import sqlite_utils

from crawl_helpers import FAST, crawl, rows
from gkcrawl.demo.portal import Style, serve_style
from gkcrawl.extract.ocr import unavailable_reason
from gkcrawl.parse import parse_document
from portals import style_pictures
from scoring import same

STYLE = Style("pictures", style_pictures.build, style_pictures.manifest)


def test_a_held_page_is_released_when_each_picture_landed_or_failed_or_the_crawl_ended(tmp_path: Path) -> None:
    from gkcrawl.archive.store import open_archive
    from gkcrawl.derive.candidates import pending_ids, record_candidate
    from gkcrawl.derive.decision import Candidate
    from gkcrawl.derive.pictures import CRAWL_ENDED, await_pictures, picture_landed, release_waiting

    db = open_archive(tmp_path / "a.db")
    page, a, b = "http://h.invalid/r.html", "http://h.invalid/a.png", "http://cdn.invalid/b.png"
    first, _ = record_candidate(db, Candidate(url=page, sha256="1" * 64, capture_id=None, fetched_at="t"), now="t")
    second, _ = record_candidate(db, Candidate(url=page, sha256="2" * 64, capture_id=None, fetched_at="t"), now="t")
    assert await_pictures(db, first, page, [("a.png", a), ("//cdn.invalid/b.png", b)], now="t")
    assert await_pictures(db, second, page, [("a.png", a)], now="t")
    assert pending_ids(db) == []  # held: not derived before its pictures
    assert picture_landed(db, a, capture_id=None, error="http 404", now="t") == [second]
    assert picture_landed(db, "http://other.invalid/x.png", capture_id=None, error=None, now="t") == []
    assert pending_ids(db) == [second]
    assert release_waiting(db, reason=CRAWL_ENDED, now="t") == [first]
    assert rows(tmp_path / "a.db", f"SELECT url, status, error FROM report_pictures WHERE derivation_id = {first} "
                                   "ORDER BY id") == [(a, "missing", "http 404"), (b, "missing", CRAWL_ENDED)]
    assert pending_ids(db) == [first, second]
    # A version seen before (not pending) is never held again.
    db.execute("UPDATE derivations SET status = 'done'")
    db.conn.commit()
    assert not await_pictures(db, first, page, [("a.png", a)], now="t")


def test_the_crawler_asks_only_for_the_pictures_standing_in_a_part_published_as_a_picture() -> None:
    from gkcrawl.extract.document import decode_bytes
    from gkcrawl.parse.page_forms import picture_sources

    fixtures = Path(__file__).parent / "fixtures" / "reports"
    html, _ = decode_bytes((fixtures / "var4_02_2022_all_tables_images.html").read_bytes(), None, is_html=True)
    assert picture_sources(html) == ["/u/2023/table2.png", "/u/2023/table3.png", "/u/2023/table4.png"]
    html, _ = decode_bytes((fixtures / "var4_01_2022_requests_as_image.html").read_bytes(), None, is_html=True)
    assert picture_sources(html) == ["/u/2023/table3.png"]
    # A 2008-format report (no template tables) whose last part runs into the footer: its
    # 公网安备 icon is not a table's picture.
    old = ("<html><body><h1>某局2008年政府信息公开工作年度报告</h1><p>二、主动公开政府信息情况</p>"
           "<p>全年主动公开政府信息785条。</p><p>三、依申请公开政府信息情况</p><p>全年共受理申请5件。</p>"
           "<p>六、存在的主要问题和改进措施</p><p>及时性有待提高。</p>"
           '<div class="footer">示ICP备20210019号-1<img src="/images/ga.png">示公网安备 00000000000019号</div>'
           "</body></html>")
    assert picture_sources(old) == []


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if unavailable_reason() is not None:
        pytest.skip(f"OCR engine: {unavailable_reason()}")
    db = tmp_path_factory.mktemp("ocr_pages") / "archive.db"
    with serve_style(STYLE) as portal:
        crawl([portal.url], db, "--no-js", "-s", "GKCRAWL_OCR_PAGE_SECONDS=240", timeout=900)
        return db, portal.url


def _report_id(db: Path, url: str) -> int:
    found = rows(db, f"SELECT id FROM reports WHERE url = '{url}'")
    assert found, f"no report for {url}"
    return int(found[0][0])


def _cells(db: Path, report_id: int) -> dict[str, tuple[object, int, str | None]]:
    return {key: (value, uncertain, source) for key, value, uncertain, source in rows(
        db, f"SELECT key, value, uncertain, source FROM report_cells WHERE report_id = {report_id}")}


def _truth(spec: tuple[str, int, int]) -> dict[str, object]:
    """The numbers the pictures were drawn from: the same report with its tables as HTML."""
    html = f"<html><body>{style_pictures.truth_html(spec)}</body></html>".encode()
    return dict(parse_document(html, filename="report.html").cells)


@pytest.mark.slow
def test_a_report_page_s_pictures_are_archived_and_its_tables_read_by_ocr(crawled: tuple[Path, str]) -> None:
    db, portal = crawled
    paths = style_pictures.manifest().extra["paths"]
    page = urljoin(portal, paths["pictured"])  # type: ignore[index]
    pictures = rows(db, "SELECT p.src, p.url, p.status, p.error, c.status, c.referer, c.warc_record_id, "
                        "c.warc_file, p.warc_record_id, p.sha256 = c.sha256 FROM report_pictures p "
                        f"JOIN derivations d ON d.id = p.derivation_id LEFT JOIN captures c ON c.id = p.capture_id "
                        f"WHERE d.url = '{page}' ORDER BY p.id")
    assert [(src, status, error) for src, _, status, error, *_ in pictures] == [
        ("./pictured_pics/active.png", "fetched", None), ("./pictured_pics/appeals.png", "fetched", None)]
    for _, url, _, _, capture_status, referer, record_id, warc_file, kept_record, same_hash in pictures:
        assert url == urljoin(page, url.rsplit("/", 2)[-2] + "/" + url.rsplit("/", 1)[-1])
        assert capture_status == 200 and referer == page  # provenance: the page that referred to it
        assert record_id and warc_file and kept_record == record_id and same_hash == 1

    report_id = _report_id(db, page)
    flags = rows(db, f"SELECT flags FROM reports WHERE id = {report_id}")[0][0]
    assert "tables_as_images" not in flags and "ocr_images:2" in flags
    assert rows(db, f"SELECT count(*) FROM report_pictures WHERE report_id = {report_id}") == [(2,)]
    cells = _cells(db, report_id)
    truth = _truth(style_pictures.PICTURED)
    pictured = [k for k in truth if k.startswith(("active.", "appeals."))]
    assert {k for k, (_, _, source) in cells.items() if source == "ocr"} == set(pictured)
    silent = [k for k in pictured if not cells[k][1] and not same(truth[k], cells[k][0])]
    right = [k for k in pictured if same(truth[k], cells[k][0])]
    certain = [k for k in pictured if not cells[k][1]]
    print(f"pictured page: {len(right)}/{len(pictured)} right, {len(certain)} certain, silent {silent}")
    assert silent == [] and len(certain) >= len(pictured) // 2
    # Part 三 was an HTML table: read as ever, not marked OCR.
    assert all(same(truth[k], cells[k][0]) and cells[k][2] is None for k in truth if k.startswith("requests."))


@pytest.mark.slow
def test_a_picture_that_404s_is_recorded_and_its_page_still_lands_flagged(crawled: tuple[Path, str]) -> None:
    db, portal = crawled
    page = urljoin(portal, style_pictures.manifest().extra["paths"]["broken"])  # type: ignore[index]
    picture = urljoin(page, "./broken_pics/appeals.png")
    assert rows(db, f"SELECT p.status, p.error, c.status FROM report_pictures p LEFT JOIN captures c "
                    f"ON c.id = p.capture_id WHERE p.url = '{picture}'") == [("missing", "http 404", 404)]
    report_id = _report_id(db, page)
    flags = rows(db, f"SELECT flags FROM reports WHERE id = {report_id}")[0][0]
    assert "tables_as_images" in flags and "pictures_missing:1" in flags
    note = rows(db, f"SELECT status, error FROM derivations WHERE url = '{page}'")[0]
    assert note == ("done", f"pictures missing: {picture} (http 404)")
    cells = _cells(db, report_id)
    assert all(value is None and uncertain for key, (value, uncertain, _) in cells.items() if key.startswith("appeals."))


@pytest.mark.slow
def test_a_picture_robots_txt_refuses_is_not_fetched_and_says_so(crawled: tuple[Path, str]) -> None:
    db, portal = crawled
    page = urljoin(portal, style_pictures.manifest().extra["paths"]["robots"])  # type: ignore[index]
    picture = urljoin(portal, "/admin/pics/appeals.png")
    [(status, error, capture)] = rows(db, f"SELECT status, error, capture_id FROM report_pictures WHERE url = '{picture}'")
    assert (status, capture) == ("missing", None) and error.startswith("not fetched") and "robots" in error.lower()
    assert rows(db, f"SELECT count(*) FROM captures WHERE url = '{picture}'") == [(0,)]
    flags = rows(db, f"SELECT flags FROM reports WHERE url = '{page}'")[0][0]
    assert "tables_as_images" in flags and "pictures_missing:1" in flags


@pytest.mark.slow
def test_reparse_finds_the_pictures_again_and_gives_the_same_cells(crawled: tuple[Path, str],
                                                                   tmp_path: Path) -> None:
    db, portal = crawled
    copy = tmp_path / "archive.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    page = urljoin(portal, style_pictures.manifest().extra["paths"]["pictured"])  # type: ignore[index]
    report_id = _report_id(copy, page)
    before = _cells(copy, report_id)
    from gkcrawl.derive.reparse import reparse_archive

    stats = reparse_archive(sqlite_utils.Database(copy), db.parent / "warc")
    assert not stats.errors and not stats.failures and not stats.regressions, stats.summary()
    assert _cells(copy, report_id) == before
    assert rows(copy, f"SELECT count(*) FROM report_pictures WHERE report_id = {report_id} AND status = 'fetched'") \
        == [(2,)]
    # An archive whose page was derived before its pictures were recorded (an older gkcrawl, with
    # --requisites): reparse reads the page, finds its pictures among the captures by URL.
    with sqlite3.connect(copy) as conn:
        conn.execute("DELETE FROM report_pictures")
        conn.execute(f"UPDATE reports SET flags = '[\"html_tables:1\", \"tables_as_images\"]' WHERE id = {report_id}")
    stats = reparse_archive(sqlite_utils.Database(copy), db.parent / "warc")
    assert not stats.errors and not stats.failures and not stats.regressions, stats.summary()
    assert _cells(copy, report_id) == before
    assert rows(copy, f"SELECT src, status FROM report_pictures WHERE report_id = {report_id} ORDER BY id") == [
        ("./pictured_pics/active.png", "fetched"), ("./pictured_pics/appeals.png", "fetched")]


@pytest.mark.slow
def test_merge_carries_the_report_pictures_with_their_ids_remapped(crawled: tuple[Path, str], tmp_path: Path) -> None:
    from gkcrawl.archive.merge import merge_shards
    from gkcrawl.archive.store import open_archive

    db, _ = crawled
    target = open_archive(tmp_path / "merged.db")
    # An unrelated capture first, so the shard's ids cannot line up with the target's by chance.
    target.execute("INSERT INTO captures (url, fetched_at, method, status) VALUES ('http://x.invalid/', '2020', 'GET', 200)")
    target.conn.commit()
    query = ("SELECT d.url, p.src, p.url, p.status, p.error, c.url, c.warc_record_id, r.url FROM report_pictures p "
             "JOIN derivations d ON d.id = p.derivation_id LEFT JOIN captures c ON c.id = p.capture_id "
             "LEFT JOIN reports r ON r.id = p.report_id ORDER BY p.url")
    shard_rows = rows(db, query)
    for _ in range(2):  # merging again changes nothing
        (result,) = merge_shards(target, [db], target_warc=tmp_path / "warc")
        assert rows(tmp_path / "merged.db", query) == shard_rows and len(shard_rows) == 4
    assert result.report_pictures == 0


@pytest.mark.slow
def test_a_crawl_killed_while_a_page_waits_for_its_picture_loses_nothing(tmp_path: Path) -> None:
    """SIGKILL while the page is held: it stays held (not derived without the picture it could
    have); the next crawl reads the page again, fetches the picture and derives it with it."""
    if unavailable_reason() is not None:
        pytest.skip(f"OCR engine: {unavailable_reason()}")
    db = tmp_path / "archive.db"
    style = Style("pictures-stalling", style_pictures.build_stalling, style_pictures.manifest_stalling, generations=2)
    with serve_style(style, stall_seconds=300) as portal:
        (path,) = style_pictures.manifest_stalling().reports
        page = urljoin(portal.url, path)
        argv = [sys.executable, "-m", "gkcrawl", "crawl", portal.url, "--db", str(db), "--no-js", *FAST,
                "-s", "DOWNLOAD_TIMEOUT=300"]
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not _held(db):
                time.sleep(0.2)
            assert _held(db), "the page was never held for its picture"
        finally:
            process.kill()
            process.wait()
        assert rows(db, "SELECT count(*) FROM reports") == [(0,)]
        portal.set_generation(2)  # the picture answers now
        crawl([portal.url], db, "--no-js", "-s", "GKCRAWL_OCR_PAGE_SECONDS=240", timeout=600)
    assert rows(db, f"SELECT status, error FROM derivations WHERE url = '{page}'") == [("done", None)]
    report_id = _report_id(db, page)
    assert rows(db, f"SELECT p.status, c.status FROM report_pictures p JOIN captures c ON c.id = p.capture_id "
                    f"WHERE p.report_id = {report_id}") == [("fetched", 200)]
    cells, truth = _cells(db, report_id), _truth(style_pictures.STALLING)
    appeals = [k for k in truth if k.startswith("appeals.")]
    assert {k for k, (_, _, source) in cells.items() if source == "ocr"} == set(appeals)
    assert [k for k in appeals if not cells[k][1] and not same(truth[k], cells[k][0])] == []


def _held(db: Path) -> bool:
    try:
        return rows(db, "SELECT count(*) FROM derivations WHERE status = 'awaiting_pictures'") == [(1,)]
    except sqlite3.OperationalError:  # the archive is still being created
        return False
