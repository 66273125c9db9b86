"""Every page type of the publication as a person sees it: headless Debian chromium against
`gkcrawl serve` over a real crawl of the demo portal (with the official-site and coverage
analyses run), one screenshot per page in test-artifacts/publication-*.png.

Heights are measured in a 1280 x 900 window. Before this work the `reports` table page was
27,076 px tall for 6 rows (each row held a report's whole text) and a report's page 24,981 px
(Datasette's row table repeated the text below the rebuilt tables), headed "reports: 1".
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import DemoBuild
from gkcrawl.analyze.coverage import update_coverage
from gkcrawl.analyze.official_site import update_official_sites
from gkcrawl.archive.store import open_archive
from gkcrawl.publish.serve import RunningServer, start_background

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SCREEN = {"width": 1280, "height": 900}
REPLAY = "http://127.0.0.1:9/gkcrawl/"  # a replay base: links are built, nothing needs to answer there


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory,
         demo_build: DemoBuild) -> Iterator[tuple[RunningServer, dict[str, Any]]]:
    db_path = demo_build.copy(tmp_path_factory.mktemp("publication") / "archive")  # the analyses write
    db = open_archive(db_path)
    update_official_sites(db)
    update_coverage(db)
    facts = {
        "spam_report": db.execute("SELECT id, title, url, capture_id, sha256 FROM reports "
                                  "WHERE agency = '朔州市人民政府'").fetchone(),
        "reports": db.execute("SELECT count(*) FROM reports").fetchone()[0],
        "snapshot": sorted((db_path.parent / "snapshots").glob("gkcrawl-*.db"))[-1].name,
    }
    db.close()
    server = start_background(db_path, extra_args=["--replay-url", REPLAY])
    yield server, facts
    server.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=SCREEN, locale="zh-CN", accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


def visit(page: Any, url: str, name: str) -> int:
    """Open `url`, keep a screenshot of the first screen, return the page's height in px."""
    page.goto(url)
    page.wait_for_load_state("load")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"publication-{name}.png"), full_page=False)
    return int(page.evaluate("document.documentElement.scrollHeight"))


def test_reports_table_fits_a_few_screens_one_line_a_row(site: tuple[RunningServer, dict[str, Any]],
                                                         page: Any) -> None:
    server, facts = site
    height = visit(page, server.url + "/gkcrawl/reports", "reports-table")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == facts["reports"] >= 6
    tallest = max(box["height"] for box in (rows.nth(i).bounding_box() for i in range(rows.count())))
    assert tallest < 60, f"a row is {tallest} px tall"  # one line, not the whole text
    assert height < 2.5 * SCREEN["height"], height  # 1,624 px measured (27,076 before)
    text_cell = page.locator("td.col-text").first.inner_text()
    assert text_cell.endswith("…") and len(text_cell) <= 81
    # The Chinese label above each column's name; the JSON keeps the plain names.
    assert page.locator("th.col-title .gk-col-zh").inner_text() == "标题"
    assert page.locator("th.col-agency").inner_text().split() == ["发布机关", "agency"]
    page.screenshot(path=str(ARTIFACTS / "publication-reports-table-full.png"), full_page=True)


def test_report_page_is_headed_by_its_title_and_links_its_archived_copy(
        site: tuple[RunningServer, dict[str, Any]], page: Any) -> None:
    server, facts = site
    report_id, title, url, capture_id, sha256 = facts["spam_report"]
    height = visit(page, f"{server.url}/gkcrawl/reports/{report_id}", "report-page")
    assert page.locator("h1").inner_text() == title
    assert "reports: " not in page.locator("h1").inner_text()
    assert page.title().startswith(title)
    assert height < 7 * SCREEN["height"], height  # provenance, three template tables, checks, the text
    # The clean text is shown once; Datasette's raw row (which repeats it) is folded away.
    assert page.locator("pre.gk-report-text").is_visible()
    raw = page.locator("details.gk-raw-row")
    assert raw.get_attribute("open") is None and not page.locator("details.gk-raw-row td.col-text").is_visible()
    raw.locator("summary").click()
    assert page.locator("details.gk-raw-row td.col-text").is_visible()
    # The archived copy: the WARC record downloads and holds this report's response.
    link = page.locator("nav.gk-archived-copy a.gk-warc-record")
    answer = page.request.get(server.url + link.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/warc"
    assert "attachment" in answer.headers["content-disposition"]
    records = list(ArchiveIterator(io.BytesIO(answer.body())))
    assert [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in records] == [("response", url)]
    # Replay, when a replay base is configured: COLLECTION/<14-digit timestamp>/<original URL>.
    replay = page.locator("nav.gk-archived-copy a.gk-replay").get_attribute("href")
    assert re.fullmatch(re.escape(REPLAY) + r"\d{14}/" + re.escape(url), replay), replay
    # The page's official-site verdict, linked to its evidence.
    verdict = page.locator("dd.gk-site-verdict")
    assert verdict.locator("strong").inner_text() == "hijacked"
    verdict.locator("a").click()
    page.wait_for_url(re.compile(rf"/site_verdicts/{capture_id}$"))
    fields = page.locator("table.gk-row-fields")
    assert "www.njxqqj.com" in fields.locator("tr.gk-field-evidence td").inner_text()
    assert fields.locator("tr.gk-field-verdict th").inner_text().split() == ["核验结论", "verdict"]
    assert page.locator("a.gk-warc-record").is_visible()
    page.screenshot(path=str(ARTIFACTS / "publication-site-verdict-row.png"), full_page=False)


def test_other_rows_keep_datasettes_page(site: tuple[RunningServer, dict[str, Any]], page: Any) -> None:
    server, facts = site
    capture_id = facts["spam_report"][3]
    visit(page, f"{server.url}/gkcrawl/captures/{capture_id}", "capture-row")
    assert page.locator("h1").inner_text() == f"captures: {capture_id}"
    # One field a line, not one row as wide as its 21 columns.
    assert page.locator("table.gk-row-fields tr").count() == 21
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]
    href = page.locator("a.gk-warc-record").get_attribute("href")
    assert page.request.get(server.url + href).status == 200


def test_snapshots_index_and_downloads(site: tuple[RunningServer, dict[str, Any]], page: Any) -> None:
    server, facts = site
    visit(page, server.url + "/snapshots/", "snapshots")
    assert "快照" in page.locator("h1").inner_text()
    row = page.locator("table.gk-snapshots tr", has_text=facts["snapshot"])
    assert re.search(r"[0-9a-f]{64}", row.inner_text()) and "application/vnd.sqlite3" in row.inner_text()
    with page.expect_download() as download:
        row.locator("a").click()
    assert download.value.suggested_filename == facts["snapshot"]
    answer = page.request.get(f"{server.url}/snapshots/{facts['snapshot']}")
    assert answer.headers["content-type"] == "application/vnd.sqlite3"
    assert answer.headers["content-disposition"] == f'attachment; filename="{facts["snapshot"]}"'
    assert answer.body().startswith(b"SQLite format 3\x00")
    sums = page.request.get(server.url + "/snapshots/SHA256SUMS")
    assert sums.headers["content-type"].startswith("text/plain") and facts["snapshot"] in sums.text()
    for refused in ("/snapshots/..%2Fgkcrawl.db", "/snapshots/nothing.db", "/snapshots/.hidden"):
        assert page.request.get(server.url + refused).status == 404, refused
    assert page.request.get(server.url + "/gkcrawl.db").headers["content-type"] == "application/vnd.sqlite3"


@pytest.mark.parametrize(("path", "label", "column"), [
    ("/gkcrawl/spam_injected", "发布机关", "agency"),
    ("/gkcrawl/failing_arithmetic", "核对项", "check_name"),
    ("/gkcrawl/coverage_by_year", "已收录", "held"),
    ("/gkcrawl/flagged_sites", "核验结论", "verdict"),
])
def test_canned_queries_have_chinese_headers(site: tuple[RunningServer, dict[str, Any]], page: Any,
                                             path: str, label: str, column: str) -> None:
    server, _ = site
    height = visit(page, server.url + path, "query-" + path.rsplit("/", 1)[1])
    assert page.locator(f"th.col-{column}").inner_text().split() == [label, column]
    assert re.search(r"[\u4e00-\u9fff]", page.locator("h1").inner_text())
    assert height < 4 * SCREEN["height"], height
    # The JSON keeps the plain column names charts and scripts address.
    assert column in page.request.get(server.url + path + ".json").json()["columns"]


def test_flagged_sites_lists_the_hijacked_page(site: tuple[RunningServer, dict[str, Any]], page: Any) -> None:
    server, facts = site
    visit(page, server.url + "/gkcrawl/flagged_sites", "flagged-sites")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 1
    assert "hijacked" in rows.first.inner_text() and facts["spam_report"][2] in rows.first.inner_text()


@pytest.mark.parametrize(("path", "name"), [
    ("/gkcrawl/coverage", "coverage"), ("/gkcrawl/coverage_summary", "coverage-summary"),
    ("/gkcrawl/site_verdicts", "site-verdicts"), ("/gkcrawl/site_verdict_summary", "site-verdict-summary"),
    ("/gkcrawl/divisions", "divisions"), ("/gkcrawl/government_reports", "government-reports"),
    ("/gkcrawl/latest_reports", "latest-reports"), ("/gkcrawl/captures", "captures"),
    ("/gkcrawl/report_cells", "report-cells"), ("/gkcrawl/checks", "checks")])
def test_new_and_wide_table_pages_fit(site: tuple[RunningServer, dict[str, Any]], page: Any, path: str,
                                      name: str) -> None:
    server, _ = site
    height = visit(page, server.url + path, name)
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() > 0
    tallest = max(box["height"] for box in (rows.nth(i).bounding_box() for i in range(min(rows.count(), 20))))
    assert tallest < 60, f"{path}: a row is {tallest} px tall"
    assert height < 6 * SCREEN["height"], f"{path}: {height} px"


def test_coverage_chart_is_readable(site: tuple[RunningServer, dict[str, Any]], page: Any) -> None:
    """datasette-vega draws three years 60-120 px wide; the canned query's own chart is 720 px."""
    server, _ = site
    visit(page, server.url + "/gkcrawl/coverage_by_year", "coverage-chart")
    chart = page.locator("figure.gk-chart-figure svg.gk-chart")
    box = chart.bounding_box()
    assert box and box["width"] >= 600 and box["height"] >= 300, box
    bars = {(b.get_attribute("data-x"), b.get_attribute("data-series")): b.get_attribute("data-value")
            for b in chart.locator("rect.gk-bar").all()}
    years = {x for x, _ in bars}
    assert len(years) >= 3 and len(bars) == 3 * len(years)  # a bar per level for every year the archive spans
    assert bars[("2020", "city")] == "1" and bars[("2019", "city")] == "0"
    assert chart.locator("text.gk-legend").all_text_contents() == ["province", "city", "county"]
    held = page.locator("rect.gk-bar[data-x='2020'][data-series='city']").bounding_box()
    assert held and held["height"] > 200  # the one report held fills the axis: readable, not a sliver
    page.locator("figure.gk-chart-figure").screenshot(path=str(ARTIFACTS / "publication-coverage-chart-only.png"))


def test_database_page_lists_the_new_tables(site: tuple[RunningServer, dict[str, Any]], page: Any) -> None:
    server, _ = site
    height = visit(page, server.url + "/gkcrawl", "database")
    assert page.locator("h1").inner_text() == "gkcrawl" and height < 5 * SCREEN["height"], height
    for table in ("site_verdicts", "coverage", "coverage_summary", "divisions", "government_reports"):
        assert page.locator(f"a[href='/gkcrawl/{table}']").count() >= 1, table


def test_home_links_the_new_pages(site: tuple[RunningServer, dict[str, Any]], page: Any) -> None:
    server, _ = site
    visit(page, server.url + "/", "home")
    for name, target in (("all snapshots 快照", "/snapshots/"), ("per year and level", "/gkcrawl/coverage_summary"),
                         ("mirrors and hijacked pages", "/gkcrawl/flagged_sites")):
        link = page.get_by_role("link", name=name)
        assert link.get_attribute("href") == target
        assert page.request.get(server.url + target).status == 200
