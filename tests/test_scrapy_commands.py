"""Scrapy's own commands from the project root behave like gkcrawl's (scrapy.cfg is there).

`scrapy crawl disclosure` crawls as `gkcrawl crawl` does (same handlers, WARCs and HTTP cache
beside the archive it is given); `scrapy shell/fetch/view` never write an archive; feed
exports write the items.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DemoCrawl
from crawl_helpers import FAST, absolute, rows
from gkcrawl.crawl.run_settings import DISCLOSURE_SPIDER
from gkcrawl.crawl.spiders.disclosure import DisclosureSpider
from portals import EXPECTED, start_portal

ROOT = Path(__file__).resolve().parent.parent


def scrapy(*args: str, timeout: float = 180, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`scrapy ARGS` run from the project root, as a user would."""
    done = subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr[-4000:]
    return done


def scrapy_crawl(url: str, db: Path, *extra: str) -> subprocess.CompletedProcess:
    return scrapy("crawl", DISCLOSURE_SPIDER, "-a", f"start_urls={url}", "-s", f"GKCRAWL_DB_PATH={db}",
                  "-s", "LOG_LEVEL=WARNING", *FAST, *extra)


def report_urls(db: Path) -> set[str]:
    return {u for (u,) in rows(db, "select distinct url from reports")}


def tree(path: Path) -> dict[str, tuple[int, int]]:
    """Every file under `path` with its size and mtime (empty when `path` does not exist)."""
    if not path.exists():
        return {}
    return {str(p.relative_to(path)): (p.stat().st_size, p.stat().st_mtime_ns) for p in path.rglob("*") if p.is_file()}


def test_the_spider_name_run_settings_knows_is_the_spiders() -> None:
    assert DisclosureSpider.name == DISCLOSURE_SPIDER


@pytest.mark.slow
def test_scrapy_crawl_finds_what_gkcrawl_crawl_finds_js_list_included(tmp_path: Path, demo_crawl: DemoCrawl) -> None:
    expected = EXPECTED["demo"]
    with start_portal("demo") as portal:
        scrapy_crawl(portal.url, tmp_path / "sc" / "a.db")
        wanted = absolute(portal.url, expected["reports"])
        js_only = absolute(portal.url, expected["js_only"])
    # `gkcrawl crawl` of the same portal: the run's one such crawl (conftest.py), on its own port.
    assert report_urls(demo_crawl.db) == absolute(demo_crawl.portal_url, expected["reports"])
    assert report_urls(tmp_path / "sc" / "a.db") == wanted
    assert js_only <= report_urls(tmp_path / "sc" / "a.db")
    # The WARCs and the HTTP cache are this archive's, beside it, as for gkcrawl crawl.
    assert list((tmp_path / "sc" / "warc").glob("*.warc.gz"))
    assert (tmp_path / "sc" / "httpcache" / "a").is_dir()
    assert not (ROOT / ".scrapy" / "httpcache").exists()


def test_two_archives_crawled_with_scrapy_do_not_share_a_cache(tmp_path: Path) -> None:
    with start_portal("demo") as portal:
        scrapy_crawl(portal.url, tmp_path / "one" / "a.db", "-s", "GKCRAWL_JS=False")
        scrapy_crawl(portal.url, tmp_path / "two" / "b.db", "-s", "GKCRAWL_JS=False")
    first, second = tmp_path / "one" / "a.db", tmp_path / "two" / "b.db"
    assert report_urls(second) == report_urls(first) and report_urls(first)
    # A fresh archive stores every body: no revisit of bytes it never held.
    assert rows(second, "select count(*) from captures where revisit = 1") == [(0,)]
    assert rows(second, "select count(*) from reports r join captures c on c.id = r.capture_id "
                        "where c.revisit = 1") == [(0,)]
    assert (tmp_path / "two" / "httpcache" / "b").is_dir()
    assert not (ROOT / ".scrapy" / "httpcache").exists()


def test_scrapy_shell_fetch_and_view_never_write_an_archive(tmp_path: Path) -> None:
    live = ROOT / "archive"
    before = tree(live)
    given = tmp_path / "given.db"
    with start_portal("demo") as portal:
        shell = scrapy("shell", portal.url, "-c", "response.status")
        assert shell.stdout.strip() == "200"
        scrapy("shell", portal.url, "-c", "response.status", "-s", f"GKCRAWL_DB_PATH={given}")
        fetched = scrapy("fetch", "--nolog", portal.url)
        assert "政府信息公开" in fetched.stdout
        scrapy("view", "--nolog", portal.url, env={"BROWSER": "true"})
        scrapy("fetch", "--nolog", "--spider", DISCLOSURE_SPIDER, portal.url)
    assert tree(live) == before
    assert not given.exists() and not (tmp_path / "warc").exists()
    assert not (ROOT / ".scrapy" / "httpcache").exists()


def test_feed_export_writes_the_report_items(tmp_path: Path) -> None:
    out = tmp_path / "items.jsonl"
    db = tmp_path / "a.db"
    with start_portal("demo") as portal:
        done = scrapy_crawl(portal.url, db, "-s", "GKCRAWL_JS=False", "-O", str(out))
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    documents = [i for i in items if "sha256" in i]
    assert documents, items
    assert all("body" not in i for i in items)
    # Each exported item finds its bytes again through its capture.
    with sqlite3.connect(db) as conn:
        for item in documents:
            sha = conn.execute("select sha256 from captures where id = ?", [item["capture_id"]]).fetchone()
            assert sha == (item["sha256"],), item["url"]
    assert report_urls(db) <= {i["url"] for i in documents}


def test_scrapy_crawl_without_an_archive_crawls_and_writes_nothing(tmp_path: Path) -> None:
    """`-s GKCRAWL_DB_PATH=` is a crawl with no archive: items exported, no traceback, no files."""
    out = tmp_path / "items.jsonl"
    before = tree(ROOT / "archive")
    with start_portal("demo") as portal:
        done = scrapy("crawl", DISCLOSURE_SPIDER, "-a", f"start_urls={portal.url}", "-s", "GKCRAWL_DB_PATH=",
                      "-s", "LOG_LEVEL=WARNING", "-s", "GKCRAWL_JS=False", *FAST, "-O", str(out))
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert out.read_text(encoding="utf-8").strip(), "the crawl exported nothing"
    assert tree(ROOT / "archive") == before
    for leftover in (".scrapy/httpcache", "httpcache", "warc"):
        assert not (ROOT / leftover).exists(), leftover
