"""End-to-end: `gkcrawl crawl` (a subprocess) on each test portal, exact report sets.

Real Scrapy crawls over 127.0.0.1, a real SQLite archive, Debian chromium for the
script-built lists. Each portal style's manifest (`EXPECTED`) says which URLs are reports;
the archive must hold exactly those, and no distractor.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest

from conftest import DemoCrawl
from crawl_helpers import FAST, absolute, crawl
from portals import EXPECTED, start_portal

pytestmark = pytest.mark.slow

RECRAWL_STYLE = "trs"


def report_urls(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("select url from reports")}


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


STYLES = ["demo", "trs", "hanweb", "jsonly", "attachments", "gbk", "deep", "traps"]


@pytest.mark.parametrize("style", [s for s in STYLES if s in EXPECTED])
def test_portal_reports_are_found_exactly(style: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    manifest = EXPECTED[style]
    if style == "demo":  # the very same crawl, made once per run for the tests that read it (conftest.py)
        shared: DemoCrawl = request.getfixturevalue("demo_crawl")
        db, portal_url = shared.db, shared.portal_url
    else:
        db = tmp_path / "a.db"
        with start_portal(style) as portal:
            crawl([portal.url], db)
            portal_url = portal.url
    expected = absolute(portal_url, manifest["reports"])
    found = report_urls(db)
    distractors = absolute(portal_url, manifest.get("distractors", []))
    assert found == expected, f"missing {sorted(expected - found)}; extra {sorted(found - expected)}"
    assert not found & distractors
    # Every portal's robots.txt disallows /admin/ (the hanweb portal links there): never fetched.
    assert rows(db, "select url from captures where url like '%/admin/%'") == []


def test_recrawl_of_unchanged_portal_costs_304s_and_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with start_portal(RECRAWL_STYLE) as portal:
        crawl([portal.url], db, "--no-js")
        first = portal.stats.snapshot()
        reports_before = rows(db, "select id, url, sha256 from reports order by id")
        portal.stats.reset()
        crawl([portal.url], db, "--no-js")
        second = portal.stats.snapshot()
    assert second["not_modified"] > 0
    assert second["bytes_sent"] <= 0.05 * first["bytes_sent"], (first["bytes_sent"], second["bytes_sent"])
    assert rows(db, "select id, url, sha256 from reports order by id") == reports_before
    revisits = rows(db, "select count(*) from captures where revisit = 1 and status = 304")[0][0]
    assert revisits >= len(reports_before)


def test_changing_portal_new_version_gone_and_moved(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    manifest = EXPECTED["changing"]
    with start_portal("changing") as portal:
        crawl([portal.url], db, "--no-js")
        gen1 = absolute(portal.url, manifest["reports"])
        assert report_urls(db) == gen1
        portal.set_generation(2)
        crawl([portal.url], db, "--no-js")
        changes = manifest["generation2"]
        changed = absolute(portal.url, changes["changed"])
        removed = absolute(portal.url, changes["removed"])
        moved = {urljoin(portal.url, new) for new in dict(changes["moved"]).values()}
    versions = dict(rows(db, "select url, max(version) from reports group by url"))
    for url in changed:
        assert versions[url] == 2
    for url in gen1 - changed - removed:
        assert versions[url] == 1, url
    gone = {url for url, when in rows(db, "select url, gone_at from reports where gone_at is not null") if when}
    assert gone == removed
    assert moved <= set(versions)


def test_kill_and_resume_stores_every_report_once(tmp_path: Path) -> None:
    import signal
    import time

    from portals.style_large import LargePortal

    # The `large` shape at 12 of its 120 bodies (~600 pages, 2 PDF twins): the full portal is
    # the benchmark's. A PDF twin must land even when its report page was stored before the kill.
    large = LargePortal(units=12)
    db, job = tmp_path / "a.db", tmp_path / "job"
    with large.start() as portal:
        argv = [sys.executable, "-m", "gkcrawl", "crawl", portal.url, "--db", str(db), "--no-js",
                "--job-dir", str(job), *FAST]
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.5)
            # exists() is enough: open_archive makes the file appear with its tables (test_archive_create.py).
            if db.exists() and rows(db, "select count(*) from reports")[0][0] >= 10:
                break
        process.send_signal(signal.SIGKILL)
        process.wait()
        partial = rows(db, "select count(*) from reports")[0][0]
        crawl([portal.url], db, "--no-js", "--job-dir", str(job))
        expected = absolute(portal.url, large.reports)
        distractors = absolute(portal.url, large.distractors)
    assert 0 < partial < len(expected)
    assert report_urls(db) == expected
    assert not report_urls(db) & distractors
    duplicates = rows(db, "select url, count(*) from reports group by url having count(*) > 1")
    assert duplicates == []


def test_traps_stay_bounded_on_the_start_host_and_polite(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    manifest = EXPECTED["traps"]
    with start_portal("traps") as portal:
        done = crawl([portal.url], db, "--no-js", "--user-agent-contact", "https://example.org/contact")
        hits = portal.stats.snapshot()["hits"]
        expected = absolute(portal.url, manifest["reports"])
    assert report_urls(db) == expected  # session ids (;jsessionid=, ?sid=) dropped: each report once
    for prefix in manifest["trap_prefixes"]:
        assert sum(n for path, n in hits.items() if path.startswith(prefix)) <= 3, prefix
    hosts = {row[0] for row in rows(db, "select distinct site from captures")}
    assert hosts == {f"127.0.0.1:{portal.port}"}
    agents = {row[0] for row in rows(db, "select json_extract(request_headers, '$.User-Agent') from captures")}
    assert agents == {"gkcrawl/0.1.0 (+https://example.org/contact)"}
    assert hits.get("/robots.txt") == 1
    # Live progress and the per-site summary go to stderr.
    assert "pages" in done.stderr and f"127.0.0.1:{portal.port}:" in done.stderr


def test_a_registry_entry_alone_drives_the_crawl(tmp_path: Path) -> None:
    sites = tmp_path / "sites.yaml"
    with start_portal("trs") as portal:
        sites.write_text(f"sites:\n  - name: local-trs\n    agency: 云山市人民政府\n    start_urls: ['{portal.url}']\n"
                         f"    crawl_delay: 0.01\n    verified: false\n", encoding="utf-8")
        crawl([], tmp_path / "a.db", "--site", "local-trs", "--no-js", "-s", f"GKCRAWL_SITES_FILE={sites}")
        expected = absolute(portal.url, EXPECTED["trs"]["reports"])
    assert report_urls(tmp_path / "a.db") == expected
    unknown = subprocess.run([sys.executable, "-m", "gkcrawl", "crawl", "--site", "nope", "--db",
                              str(tmp_path / "b.db"), "-s", f"GKCRAWL_SITES_FILE={sites}"],
                             capture_output=True, text=True)
    assert unknown.returncode != 0 and "no site named 'nope'" in unknown.stderr
