"""End-to-end on the plainest kind of portal, served from a folder by Python's http.server:
a 年报 list whose links say only "2020年度", and two archives built side by side.

The first case is common on small county sites; the second guards provenance: a fresh
archive must hold the bytes of every report it lists, never a 304 borrowed from another
archive's cache.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawl_helpers import crawl, rows

pytestmark = pytest.mark.slow

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
YEARS = (2020, 2021, 2022)
OFFSITE_PATH = "/xxgk/ndbg/2019.html"


def _page(title: str, body: str) -> str:
    return f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>'


def build_site(root: Path) -> set[str]:
    """A county portal: home -> 信息公开 -> 信息公开年度报告 (links "2020年度" …) -> reports."""
    (root / "xxgk" / "ndbg").mkdir(parents=True)
    (root / "index.html").write_text(_page("某某县人民政府", '<a href="/">首页</a> <a href="/xxgk/">信息公开</a>'
                                           ' <a href="/news/">要闻动态</a>'), encoding="utf-8")
    (root / "xxgk" / "index.html").write_text(_page("信息公开", '<ul><li><a href="/xxgk/zn/">信息公开指南</a></li>'
                                                    '<li><a href="/xxgk/ndbg/">信息公开年度报告</a></li></ul>'),
                                              encoding="utf-8")
    seed = (SEEDS / "000_c493ddf6db4f273e.txt").read_text(encoding="utf-8")
    paragraphs = "".join(f"<p>{line}</p>" for line in seed.splitlines())
    items = []
    for year in YEARS:
        heading = f"<h1>某某县{year}年度政府信息公开工作年度报告</h1>"
        (root / "xxgk" / "ndbg" / f"{year}.html").write_text(_page(f"{year}年度", heading + paragraphs),
                                                             encoding="utf-8")
        items.append(f'<li><a href="{year}.html">{year}年度</a><span>{year + 1}-01-20</span></li>')
    items.append(f'<li><a href="{OFFSITE_PATH}">2019年度政府信息公开工作年度报告</a></li>')
    (root / "xxgk" / "ndbg" / "index.html").write_text(_page("信息公开年度报告", "<ul>" + "".join(items) + "</ul>"),
                                                       encoding="utf-8")
    return {f"/xxgk/ndbg/{year}.html" for year in YEARS}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, plus one list entry that redirects off the site (a hijacked link)."""

    def do_GET(self) -> None:
        if self.path == OFFSITE_PATH:
            self.send_response(301)
            self.send_header("Location", f"http://127.0.0.2:{self.server.server_address[1]}/bet365.html")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, set[str]]]:
    root = tmp_path_factory.mktemp("plain-site")
    reports = build_site(root)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", reports
    finally:
        server.shutdown()
        server.server_close()


def crawl_site(url: str, db: Path) -> None:
    crawl([url], db, "--no-js", timeout=120)


def test_reports_behind_year_only_links_are_archived(plain_site: tuple[str, set[str]], tmp_path: Path) -> None:
    url, reports = plain_site
    db = tmp_path / "plain.db"
    crawl_site(url, db)
    found = {u.removeprefix(url.rstrip("/")) for (u,) in rows(db, "select url from reports")}
    assert found == reports
    years = {y for (y,) in rows(db, "select year from reports")}
    assert years == set(YEARS)
    # The list entry that redirects to another host is recorded, and the other host never fetched.
    assert rows(db, "select status from captures where url like '%/2019.html'") == [(301,)]
    assert rows(db, "select count(*) from captures where url like 'http://127.0.0.2%'") == [(0,)]


def test_two_archives_in_one_folder_keep_their_own_bytes(plain_site: tuple[str, set[str]], tmp_path: Path) -> None:
    url, reports = plain_site
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    crawl_site(url, first)
    crawl_site(url, second)
    # The second archive is new: every page it holds was fetched in full, not confirmed by a 304.
    assert rows(second, "select count(*) from captures where revisit = 1") == [(0,)]
    assert len(rows(second, "select id from reports")) == len(reports)
    done = subprocess.run([sys.executable, "-m", "gkcrawl", "reparse", "--db", str(second)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{len(reports)}/{len(reports)} reports re-derived" in done.stdout + done.stderr
    assert "0 errors" in done.stdout + done.stderr
    # Re-crawling the first archive still revalidates instead of downloading again.
    crawl_site(url, first)
    assert rows(first, "select count(*) from captures where revisit = 1")[0][0] > 0
