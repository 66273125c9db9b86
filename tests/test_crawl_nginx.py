"""The exact-manifest crawls again, through Debian's nginx, as real portals are served.

Every portal style that is fixed path -> bytes with fixed headers is written to files and
served by nginx on loopback (`gzip on` for every text page, so pages come gzip-coded and
chunked; ETag, Last-Modified and 304s; attachments with their Content-Disposition): the
archive must hold exactly the manifest's reports, as it does from the stdlib server
(tests/test_crawl_portals.py). Styles nginx cannot express stay on the stdlib server only;
`nginx.STDLIB_ONLY` says which and why, and is checked here against the styles as built.
"""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest

from crawl_helpers import absolute, crawl, rows
from nginx import NGINX, NGINX_MISSING, STDLIB_ONLY, serve_with_nginx, static_pages
from portals import EXPECTED, STYLES
from test_crawl_portals import STYLES as EXACT_STYLES

needs_nginx = pytest.mark.skipif(NGINX is None, reason=NGINX_MISSING)

# The styles whose exact-manifest crawl runs through nginx as well as through the stdlib server.
NGINX_STYLES = [style for style in EXACT_STYLES if style in EXPECTED and style not in STDLIB_ONLY]


def _get(url: str) -> dict[str, str]:
    """The response headers of a GET asking for gzip, as a browser asks."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", "/", headers={"Accept-Encoding": "gzip"})
        response = conn.getresponse()
        response.read()
        return {name.lower(): value for name, value in response.getheaders()}
    finally:
        conn.close()


def _builds_static(style: str) -> bool:
    from gkcrawl.demo.sitebuild import BuildContext
    from portals.registry import _STYLES

    try:
        static_pages(_STYLES[style].build(BuildContext(generation=1, port=8000)))
    except ValueError:
        return False
    return True


@pytest.mark.slow
def test_stdlib_only_list_names_exactly_the_styles_nginx_cannot_serve() -> None:
    assert set(STDLIB_ONLY) <= set(STYLES)
    assert {style for style in STYLES if not _builds_static(style)} == set(STDLIB_ONLY)


@needs_nginx
@pytest.mark.slow
@pytest.mark.parametrize("style", NGINX_STYLES)
def test_portal_reports_are_found_exactly_through_nginx(style: str, tmp_path: Path) -> None:
    manifest = EXPECTED[style]
    with serve_with_nginx(style, tmp_path / "nginx") as portal:
        crawl([portal.url], tmp_path / "a.db")
        served = portal.requests()
        home = _get(portal.url)
    expected = absolute(portal.url, manifest["reports"])
    found = {row[0] for row in rows(tmp_path / "a.db", "select url from reports")}
    assert found == expected, f"missing {sorted(expected - found)}; extra {sorted(found - expected)}"
    assert not found & absolute(portal.url, manifest.get("distractors", []))
    assert rows(tmp_path / "a.db", "select url from captures where url like '%/admin/%'") == []
    # It came through nginx, which sends its pages gzip-coded and chunked.
    assert any(status == 200 for _method, _path, status in served)
    assert home.get("content-encoding") == "gzip" and home.get("transfer-encoding") == "chunked", home


@needs_nginx
@pytest.mark.slow
def test_changing_portal_new_version_gone_and_moved_through_nginx(tmp_path: Path) -> None:
    """Generation 2 through nginx: a correction (new bytes, new ETag), a 404 and a 301, revalidated by ETag."""
    db = tmp_path / "a.db"
    manifest = EXPECTED["changing"]
    with serve_with_nginx("changing", tmp_path / "nginx") as portal:
        crawl([portal.url], db, "--no-js")
        gen1 = absolute(portal.url, manifest["reports"])
        assert {row[0] for row in rows(db, "select url from reports")} == gen1
        portal.set_generation("changing", 2)
        crawl([portal.url], db, "--no-js")
        served = portal.requests()
    changes = manifest["generation2"]
    changed = absolute(portal.url, changes["changed"])
    removed = absolute(portal.url, changes["removed"])
    moved = absolute(portal.url, dict(changes["moved"]).values())
    versions = dict(rows(db, "select url, max(version) from reports group by url"))
    for url in changed:
        assert versions[url] == 2
    for url in gen1 - changed - removed:
        assert versions[url] == 1, url
    gone = {url for url, when in rows(db, "select url, gone_at from reports where gone_at is not null") if when}
    assert gone == removed
    assert moved <= set(versions)
    assert {304, 404, 301} <= {status for _method, _path, status in served}
