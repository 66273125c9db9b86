"""End-to-end: `gkcrawl crawl` on the `wild2` portal (开普云 blocks, JSP POST pager, JSON list API).

The crawler knows nothing of this portal: it must follow a `更多>>` link named only by its block
title, submit the list's POST form for every page, read the JSON list API a script calls,
unwrap a pdf.js viewer, take agency-named items under a year column, and enter the sibling
`xxgk` host only when the registry allows it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from crawl_helpers import absolute, crawl, rows
from portals import EXPECTED, start_portal

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wild2_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    db = tmp_path_factory.mktemp("wild2") / "a.db"
    with start_portal("wild2") as portal:
        crawl([portal.url], db, "--no-js")
        return portal.url, db


def test_wild2_reports_are_found_exactly(wild2_crawl: tuple[str, Path]) -> None:
    base, db = wild2_crawl
    manifest = EXPECTED["wild2"]
    found = {row[0] for row in rows(db, "select url from reports")}
    expected = absolute(base, manifest["reports"])
    assert found == expected, f"missing {sorted(expected - found)}; extra {sorted(found - expected)}"
    assert not found & absolute(base, manifest["distractors"])
    assert not found & absolute(base, manifest["notices"])


def test_list_pages_came_by_post_form_and_json_api(wild2_crawl: tuple[str, Path]) -> None:
    _, db = wild2_crawl
    posted = rows(db, "select url from captures where method = 'POST' and url like '%/info/iList.jsp%'")
    assert len(posted) >= 2  # pages 2 and 3 exist only as POST answers
    api = {row[0] for row in rows(db, "select url from captures where url like '%/api/list?%'")}
    assert {p for p in api if "pageNo=3" in p} and not {p for p in api if "pageNo=4" in p}


def test_viewer_iframe_yields_the_pdf_not_the_viewer(wild2_crawl: tuple[str, Path]) -> None:
    base, db = wild2_crawl
    pdf = urljoin(base, str(EXPECTED["wild2"]["viewer_pdf"]))
    assert rows(db, f"select kind from reports where url = '{pdf}'") == [("pdf",)]
    assert not rows(db, "select url from reports where url like '%viewer.html%'")


def test_sibling_host_is_entered_only_when_the_registry_allows_it(wild2_crawl: tuple[str, Path],
                                                                tmp_path: Path) -> None:
    _, db = wild2_crawl
    assert not rows(db, "select url from captures where url like 'http://localhost:%'")
    with start_portal("wild2") as portal:
        sibling = f"{EXPECTED['wild2']['sibling_host']}:{urlsplit(portal.url).port}"
        sites = tmp_path / "sites.yaml"
        sites.write_text(f"sites:\n  - name: lanjiang\n    start_urls: ['{portal.url}']\n"
                         f"    allowed_hosts: ['{sibling}']\n", encoding="utf-8")
        allowed_db = tmp_path / "b.db"
        crawl([portal.url], allowed_db, "--no-js", "-s", f"GKCRAWL_SITES_FILE={sites}")
        found = {row[0] for row in rows(allowed_db, "select url from reports")}
    wanted = {f"http://{sibling}{path}" for path in EXPECTED["wild2"]["sibling_reports"]}
    assert wanted <= found
    # Back-links from the sibling host to the main host do not duplicate the main reports.
    assert not {u for u in found if u.startswith(f"http://{sibling}/") and "/xxgk/" not in u}
