"""What a person sees: headless Debian chromium (Playwright) against `gkcrawl serve`.

Screenshots land in test-artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from gkcrawl.archive.snapshot import take_snapshot
from gkcrawl.publish.serve import RunningServer, start_background
from samples import build_sample_archive

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHART = "#g.mark=bar&g.x_column=year&g.x_type=ordinal&g.y_column=applications&g.y_type=quantitative"
CHARTS = {"applications": "/gkcrawl/applications_per_year" + CHART,
          "outcomes": "/gkcrawl/outcomes_per_year" + CHART + "&g.color_column=outcome"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, dict[str, int]]]:
    folder = tmp_path_factory.mktemp("browser")
    named = build_sample_archive(folder / "gkcrawl.db", count=30)
    take_snapshot(folder / "gkcrawl.db", now=lambda: datetime(2025, 1, 1, tzinfo=timezone.utc))
    server = start_background(folder / "gkcrawl.db")
    yield server, named
    server.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.dialogs = dialogs  # type: ignore[attr-defined]
    yield opened
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_home_page_names_the_archive_and_links_the_snapshot(site: tuple[RunningServer, dict[str, int]],
                                                             page: Any) -> None:
    server, _ = site
    page.goto(server.url + "/")
    assert "政府信息公开工作年度报告档案" in page.locator("h1").inner_text()
    assert "CC BY 4.0" in page.locator("body").inner_text()
    link = page.get_by_role("link", name="gkcrawl-2025-01-01.db")
    assert link.is_visible() and link.get_attribute("href") == "/snapshots/gkcrawl-2025-01-01.db"
    shot(page, "home")


def test_report_shows_provenance_and_script_as_text(site: tuple[RunningServer, dict[str, int]], page: Any) -> None:
    server, named = site
    page.goto(f"{server.url}/gkcrawl/reports/{named['script']}")
    provenance = page.locator(".gk-provenance")
    provenance.wait_for(state="visible")
    seen = provenance.inner_text()
    assert "crawl-20240201-00000.warc.gz" in seen and "2024-02-01T08:00:00Z" in seen
    assert re.search(r"[0-9a-f]{64}", seen)
    original = page.locator("a.gk-original-url")
    assert original.get_attribute("href").startswith("http://www.example.gov.cn/zwgk/ndbg/")
    assert "<script>alert('xss')</script>" in page.locator(".gk-report-text").inner_text()
    assert page.dialogs == []  # type: ignore[attr-defined]
    shot(page, "report-provenance")


def test_facet_narrows_the_reports(site: tuple[RunningServer, dict[str, int]], page: Any) -> None:
    server, _ = site
    page.goto(server.url + "/gkcrawl/reports")
    facet = page.locator(".facet-info[data-column='region']")
    facet.get_by_role("link", name=re.compile("山西省朔州市")).first.click()
    page.wait_for_url(re.compile(r"region=%E5%B1%B1"))
    summary = page.locator("h3").first.inner_text()
    assert re.search(r"\d+ rows? where region = \"山西省朔州市\"", summary), summary
    regions = set(page.locator("td.col-region").all_inner_texts())
    assert regions == {"山西省朔州市"}
    shot(page, "facet-region")


def test_search_in_chinese_from_the_search_box(site: tuple[RunningServer, dict[str, int]], page: Any) -> None:
    server, named = site
    page.goto(server.url + "/gkcrawl/reports")
    page.fill("input#_search", "复议")
    page.locator("input#_search").press("Enter")
    page.wait_for_url(re.compile(r"_search="))
    summary = page.locator("h3").first.inner_text()
    assert 'search matches "复议"' in summary and int(summary.split()[0]) >= 30, summary
    assert page.locator("input#_search").input_value() == "复议"
    shot(page, "search-fuyi")
    # Two short words, one of them published in traditional characters (審結): one report.
    page.fill("input#_search", "复议 审结")
    page.locator("input#_search").press("Enter")
    page.wait_for_url(re.compile(r"_search=%E5%A4%8D%E8%AE%AE\+"))
    assert page.locator("td.col-id").all_inner_texts() == [str(named["traditional"])]
    shot(page, "search-fuyi")


def test_canned_query_lists_late_reports(site: tuple[RunningServer, dict[str, int]], page: Any) -> None:
    server, _ = site
    page.goto(server.url + "/gkcrawl/published_late")
    assert "逾期发布的报告" in page.locator("h1").inner_text()
    assert "湖南省常德市财政局" in page.locator("table.rows-and-columns").inner_text()
    shot(page, "canned-late")


@pytest.mark.parametrize("chart_name", sorted(CHARTS))
def test_chart_renders(site: tuple[RunningServer, dict[str, int]], page: Any, chart_name: str) -> None:
    server, _ = site
    page.goto(server.url + CHARTS[chart_name])
    # datasette-vega builds its form from a script after load: wait for it, then assert.
    page.locator("form.datasette-vega").wait_for(state="visible", timeout=20000)
    chart = page.locator(".vega-embed canvas, .vega-embed svg").first
    chart.wait_for(state="visible")
    # Vega draws asynchronously: wait until the chart has its size and painted pixels.
    page.wait_for_function(
        "() => { const c = document.querySelector('.vega-embed canvas'); if (!c) return false;"
        " const r = c.getBoundingClientRect(); if (r.width < 100 || r.height < 100) return false;"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
        " for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n > 1000; }")
    box = chart.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    shot(page, f"chart-{chart_name}")
