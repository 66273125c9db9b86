"""The browser's own fetches are archived: every request chromium sends to the site while it
renders a list (the page's script, its XHR for the JSON the list is built from) has a captures
row and a WARC record, as the crawl's own requests do, and the list's reports are archived."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawl_helpers import absolute, crawl, rows
from portals import EXPECTED, start_portal

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs chromium")


def _warc_uris(warc_dir: Path) -> Counter[str]:
    seen: Counter[str] = Counter()
    for path in warc_dir.rglob("*.warc.gz"):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    seen[record.rec_headers.get_header("WARC-Target-URI")] += 1
    return seen


@pytest.mark.slow
def test_every_request_the_browser_sent_to_the_portal_is_archived(tmp_path: Path) -> None:
    db = tmp_path / "gk.db"
    with start_portal("jsonly") as portal:
        crawl([portal.url], db)
        served = dict(portal.stats.hits)
    api = EXPECTED["jsonly"]["api"]
    # The list was built by the script's XHR in the browser, and what it lists is archived.
    assert served.get(api)
    reports = {u for (u,) in rows(db, "select url from reports")}
    assert absolute(portal.url, EXPECTED["jsonly"]["reports"]) <= reports
    captured: Counter[str] = Counter()
    for url, in rows(db, "select url from captures where status is not null"):
        captured[urlsplit(url).path or "/"] += 1
    missing = {path: (hits, captured[path]) for path, hits in served.items() if captured[path] < hits}
    assert not missing, missing
    # The XHR's exchange: a response record with the JSON, made by the browser for the list page.
    page = absolute(portal.url, ["/xxgk/ndbg/index.html"]).pop()
    xhr = [row for row in rows(db, "select url, status, content_type, size, request_headers from captures "
                                   f"where url like '%{api}?%' and referer = '{page}'")
           if "HeadlessChrome" in row[4] or "Chrome" in row[4]]
    assert xhr, rows(db, "select url, referer, request_headers from captures")
    for url, status, content_type, size, _ in xhr:
        assert status == 200 and "json" in (content_type or "") and size
        assert _warc_uris(db.parent / "warc")[url] >= 1
