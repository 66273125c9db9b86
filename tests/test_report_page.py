"""The report page shows the report's three template tables rebuilt from its archived cells.

Pure layout tests first; then `gkcrawl serve` over HTTP (the printed grid, with rowspans and
colspans expanded, puts every archived value under its row and column labels) and headless
Debian chromium (what a person sees; screenshot in test-artifacts/report-tables.png).
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from gkcrawl.archive.models import Capture
from gkcrawl.archive.schema import APPLICANTS
from gkcrawl.archive.store import open_archive, record_capture, record_report
from gkcrawl.parse import parse_document
from gkcrawl.parse.result import Check, ParseResult
from gkcrawl.publish.report_checks import cells_named_by_check, changed_cells, flagged_cells
from gkcrawl.publish.report_tables import UNCERTAIN_TOOLTIP, build_report_tables, template_labels
from gkcrawl.publish.serve import RunningServer, start_background
from samples import build_sample_archive, sample_result

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
HOSTILE_NOTE = "<img src=x onerror=alert(1)>6撤"
APPLICANT_HEADERS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


# ---- pure layout -------------------------------------------------------------------------

def no_url(key: str) -> str:
    return "/cells/" + key


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_layout_places_every_template_cell_once(template: str) -> None:
    labels = template_labels(template)
    tables = build_report_tables(template, {}, no_url)
    assert [t.part for t in tables] == ["active", "requests", "appeals"]
    shown = [g.cell.key for t in tables for row in t.body_rows for g in row if g.cell]
    assert sorted(shown) == sorted(labels) and len(shown) == len(set(shown))


def test_requests_layout_spans_match_the_printed_table() -> None:
    requests = build_report_tables("2021", {}, no_url)[1]
    # 一 本年新收 … 四 结转: 25 rows in 2021 (其他处理 has three sub-rows), each 3 label columns + 7 values.
    assert len(requests.body_rows) == 25
    for row in requests.body_rows:
        label_width = sum(g.colspan for g in row if g.cell is None)
        values = [g for g in row if g.cell]
        assert len(values) == 7 and [v.cell.key.rsplit(".", 1)[1] for v in values] == APPLICANTS
        assert label_width in (0, 1, 2, 3)  # rowspans from rows above fill the rest
    outcome_head = requests.body_rows[2][0]
    assert outcome_head.text == "三、本年度办理结果" and outcome_head.rowspan == 22
    assert [g.text for g in requests.header_rows[2]] == APPLICANT_HEADERS[1:6]
    assert len(build_report_tables("2019", {}, no_url)[1].body_rows) == 23


def test_free_form_report_has_no_tables() -> None:
    assert build_report_tables(None, {"requests.new.total": {"value": 3}}, no_url) == []


def test_failed_checks_name_their_cells() -> None:
    """The cells come from the check's stored `cells` column; its detail is never read."""
    keys = frozenset(template_labels("2021"))
    balance = ["requests.new.total", "requests.carried_in.total", "requests.total.total", "requests.carried_out.total"]
    assert cells_named_by_check({"name": "requests_balance", "detail": "", "cells": json.dumps(balance)}, keys) == set(
        balance)
    assert cells_named_by_check({"cells": balance + ["requests.other.natural"]}, keys) == set(balance)  # not 2021's
    for unreadable in (None, "", "not json", "{}", "[1, 2]"):
        assert cells_named_by_check({"name": "column_balance", "cells": unreadable}, keys) == set()
    # A garbled or empty detail still flags the right cells; a telling detail without cells flags none.
    checks = [{"name": "row_totals", "ok": 0, "detail": "¿§ garbled", "cells": '["requests.granted.natural"]'},
              {"name": "appeals_totals", "ok": 0, "detail": None, "cells": '["appeals.review.total"]'},
              {"name": "column_balance", "ok": 0, "detail": "自然人 3+1≠2+1"},
              {"name": "outcome_sum", "ok": 1, "detail": "all hold", "cells": '["requests.total.natural"]'},
              {"name": "template", "ok": None, "detail": "", "cells": "[]"}]
    assert flagged_cells(checks, keys) == {"requests.granted.natural", "appeals.review.total"}


def test_stored_checks_carry_the_parsers_cells(tmp_path: Path) -> None:
    """Parser -> archive -> page: the failing cells of a broken report, read back from `checks.cells`."""
    db = open_archive(tmp_path / "g.db")
    result = sample_result(2, template="2019", broken=True)  # 本年新收/总计 off by 2
    for check in result.checks:
        check.detail = ""  # the page must not need the words
    report_id, _ = record_report(db, None, result, url="http://a.gov.cn/r", fetched_at="2024", sha256="1", site=None)
    rows = list(db.query("select name, ok, detail, cells from checks where report_id = ?", [report_id]))
    assert {row["name"]: json.loads(row["cells"]) for row in rows} == {c.name: c.cells for c in result.checks}
    flagged = flagged_cells(rows, frozenset(template_labels("2019")))
    assert flagged == {"requests.new.total", "requests.carried_in.total", "requests.total.total",
                       "requests.carried_out.total"} | {f"requests.new.{col}" for col in APPLICANTS}


def test_changed_cells_compares_values_and_notes() -> None:
    old = {"a": {"value": 1, "note": None}, "b": {"value": 2, "note": None}, "gone": {"value": 5, "note": None}}
    new = {"a": {"value": 1, "note": None}, "b": {"value": 2, "note": "6撤"}, "c": {"value": 0, "note": None}}
    changes = changed_cells(old, new, {"b": "B"})
    assert [(c.key, c.old, c.new) for c in changes] == [("b", 2, 2), ("c", None, 0), ("gone", 5, None)]
    assert changes[0].label == "B" and changes[0].new_note == "6撤"


# ---- the served page -----------------------------------------------------------------------

def store_document(db: Any, url: str, data: bytes, result: Any, when: str) -> int:
    sha = hashlib.sha256(data).hexdigest()
    capture_id = record_capture(db, Capture(url=url, status=200, fetched_at=when, sha256=sha, size=len(data),
                                            warc_file="crawl-seeds.warc.gz", warc_offset=len(url),
                                            warc_record_id=f"<urn:uuid:{sha[:16]}>"))
    report_id, _ = record_report(db, capture_id, result, url=url, fetched_at=when, sha256=sha, site=None,
                                 parsed_at=when)
    return report_id


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], dict[str, Any]]:
    """Samples (two versions of one URL), seeds 001 (notes) and 003 (uncertain, failing), a 2021 report."""
    path = tmp_path_factory.mktemp("report_page") / "gkcrawl.db"
    named = build_sample_archive(path, count=4)
    db = open_archive(path)
    for seed in ("001", "003"):
        source = next(SEEDS.glob(f"{seed}_*.txt"))
        data = source.read_bytes()
        named[seed] = store_document(db, f"http://www.seed.gov.cn/{source.name}", data,
                                     parse_document(data, source.name), "2024-02-02T00:00:00Z")
    crafted = sample_result(7, seed=3, template="2021", broken=False)
    crafted.uncertain = ["requests.granted.research", "appeals.review.other"]
    crafted.cells["requests.granted.research"] = None
    crafted.cell_notes = {"requests.other.other.natural": HOSTILE_NOTE}
    # A failed check whose words say nothing useful: the page flags the cells it names.
    crafted.checks.append(Check("column_balance", False, "garbled ¿", [f"requests.{row}.natural" for row in (
        "new", "carried_in", "total", "carried_out")]))
    named["crafted"] = store_document(db, "http://www.example.gov.cn/zwgk/ndbg/crafted.html", b"crafted", crafted,
                                      "2024-02-03T00:00:00Z")
    free_form = ParseResult(template=None, meta={"title": "某县2017年政府信息公开工作年度报告", "year": 2017},
                            text="2017年度报告，无标准表格。", kind="html")
    named["free_form"] = store_document(db, "http://www.example.gov.cn/zwgk/ndbg/2017.html", b"2017", free_form,
                                        "2024-02-04T00:00:00Z")
    db.conn.close()
    return path, named, {"crafted": crafted}


@pytest.fixture(scope="module")
def server(archive: tuple[Path, dict[str, int], dict[str, Any]]) -> Iterator[RunningServer]:
    running = start_background(archive[0])
    yield running
    running.stop()


def get_page(server: RunningServer, report_id: int) -> str:
    with urllib.request.urlopen(f"{server.url}/gkcrawl/reports/{report_id}", timeout=30) as response:
        assert response.status == 200
        return response.read().decode("utf-8")


def expand(table: Any) -> list[list[Any]]:
    """The table as the eye sees it: every (row, column) slot holds the th/td covering it."""
    grid: dict[tuple[int, int], Any] = {}
    rows = table.xpath("./thead/tr | ./tbody/tr | ./tr")
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr.xpath("./th | ./td"):
            while (r, c) in grid:
                c += 1
            for dr in range(int(cell.get("rowspan", 1))):
                for dc in range(int(cell.get("colspan", 1))):
                    grid[(r + dr, c + dc)] = cell
            c += int(cell.get("colspan", 1))
    width = max(c for _, c in grid) + 1
    return [[grid.get((r, c)) for c in range(width)] for r in range(len(rows))]


def text_of(cell: Any) -> str:
    return "" if cell is None else cell.text_content().strip()


def distinct_labels(cells: list[Any]) -> list[str]:
    seen: list[Any] = []
    for cell in cells:
        if cell is not None and cell.tag == "th" and cell not in seen:
            seen.append(cell)
    return [text_of(cell) for cell in seen]


@pytest.mark.slow
def test_requests_table_puts_every_value_under_its_labels(server: RunningServer,
                                                          archive: tuple[Path, dict[str, int], dict[str, Any]]) -> None:
    _, named, results = archive
    crafted = results["crafted"]
    tree = lxml_html.fromstring(get_page(server, named["crafted"]))
    grid = expand(tree.xpath("//table[contains(@class, 'gk-part-requests')]")[0])
    labels = template_labels("2021")
    header_rows = 3
    checked = 0
    for row in grid[header_rows:]:
        for c, cell in enumerate(row):
            if cell is None or cell.tag != "td":
                continue
            key = cell.get("data-key")
            applicant = key.rsplit(".", 1)[1]
            assert c == 3 + APPLICANTS.index(applicant), key
            assert APPLICANT_HEADERS[APPLICANTS.index(applicant)] in distinct_labels([grid[h][c] for h in range(3)])
            row_path = "/".join(distinct_labels(row[:3]))
            assert labels[key].startswith(row_path + "/"), (key, row_path)
            value = crafted.cells.get(key)
            link = cell.xpath("./a[@class='gk-cell-link']")[0]
            assert link.text_content() == ("" if value is None else str(value)), key
            checked += 1
    assert checked == 25 * 7


@pytest.mark.slow
def test_seed_003_shows_values_uncertain_badges_and_the_failed_check(
        server: RunningServer, archive: tuple[Path, dict[str, int], dict[str, Any]]) -> None:
    _, named, _ = archive
    tree = lxml_html.fromstring(get_page(server, named["003"]))
    grid = expand(tree.xpath("//table[contains(@class, 'gk-part-requests')]")[0])
    first = next(row for row in grid if text_of(row[0]).startswith("一、本年新收"))
    # 153 is the parser's best reading of 自然人 (blanks lost), shown with its uncertain badge.
    # 161 (总计) is read but uncertain too: the reading chosen for the row fails requests_balance
    # (checks_fail_reading), so it is shown as printed and badged, never corrected.
    assert [text_of(cell) for cell in first[3:]] == ["153?", "?", "?", "?", "?", "?", "161?"]
    assert "gk-uncertain" in first[3].get("class")
    badge = first[4].xpath(".//span[@class='gk-uncertain-badge']")[0]
    assert badge.get("title") == UNCERTAIN_TOOLTIP and "gk-uncertain" in first[4].get("class")
    # 一 + 二 ≠ 三(七) + 四 on 总计 (161 + 2 ≠ 159 + 2): the four 总计 cells are marked, 自然人 is not.
    flagged = {cell.get("data-key") for cell in tree.xpath("//td[contains(@class, 'gk-flagged')]")}
    assert flagged == {"requests.new.total", "requests.carried_in.total", "requests.total.total",
                       "requests.carried_out.total"}
    failed = tree.xpath("//tr[contains(@class, 'gk-check-failed')]")
    assert len(failed) == 1 and "163 ≠ 总计 159" in failed[0].text_content()
    assert "requests_balance" in failed[0].text_content()
    link = first[3].xpath("./a")[0].get("href")
    assert link == f"/gkcrawl/report_cells?report_id={named['003']}&key=requests.new.natural"
    with urllib.request.urlopen(server.url + link.replace("?", ".json?_shape=array&"), timeout=30) as response:
        assert b'"value": 153' in response.read()


@pytest.mark.slow
def test_a_check_with_garbled_words_still_flags_its_cells(
        server: RunningServer, archive: tuple[Path, dict[str, int], dict[str, Any]]) -> None:
    _, named, _ = archive
    tree = lxml_html.fromstring(get_page(server, named["crafted"]))
    flagged = {cell.get("data-key") for cell in tree.xpath("//td[contains(@class, 'gk-flagged')]")}
    assert flagged == {f"requests.{row}.natural" for row in ("new", "carried_in", "total", "carried_out")}


@pytest.mark.slow
def test_notes_are_shown_and_escaped(server: RunningServer, archive: tuple[Path, dict[str, int], dict[str, Any]]) -> None:
    _, named, _ = archive
    page = get_page(server, named["001"])
    tree = lxml_html.fromstring(page)
    amount = tree.xpath("//td[@data-key='active.a20_9.procurement.amount']")[0]
    assert amount.xpath("./a")[0].text_content() == "34435.86"
    assert amount.xpath("./span[@class='gk-cell-note']")[0].text_content() == "34435.86万元"
    page = get_page(server, named["crafted"])
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;6撤" in page
    note = lxml_html.fromstring(page).xpath("//td[@data-key='requests.other.other.natural']/span")[0]
    assert note.text_content() == HOSTILE_NOTE


@pytest.mark.slow
def test_page_links_wide_views_and_versions_with_changed_cells(
        server: RunningServer, archive: tuple[Path, dict[str, int], dict[str, Any]]) -> None:
    _, named, _ = archive
    tree = lxml_html.fromstring(get_page(server, named["changed_v2"]))
    wide = [a.get("href") for a in tree.xpath("//a[@class='gk-wide-link']")]
    assert f"/gkcrawl/requests_wide?report_id={named['changed_v2']}" in wide and len(wide) == 3
    versions = tree.xpath("//li[contains(@class, 'gk-version ') or @class='gk-version']")
    assert [v.xpath("./a")[0].text_content() for v in versions] == ["v1", "v2"]
    changed = {li.get("data-key") for li in versions[1].xpath(".//li[@class='gk-change']")}
    # samples.py: v2 adds 5 to 本年新收/自然人 and repairs the broken 总计.
    assert changed == {"requests.new.natural", "requests.new.total"}
    assert "一、本年新收政府信息公开申请数量/自然人" in versions[1].text_content()
    with urllib.request.urlopen(server.url + wide[0].replace("?", ".json?"), timeout=30) as response:
        assert response.status == 200 and f'[{named["changed_v2"]},'.encode() in response.read()


@pytest.mark.slow
def test_free_form_report_page_says_it_has_no_tables(server: RunningServer,
                                                    archive: tuple[Path, dict[str, int], dict[str, Any]]) -> None:
    _, named, _ = archive
    tree = lxml_html.fromstring(get_page(server, named["free_form"]))
    assert tree.xpath("//p[@class='gk-no-tables']") and not tree.xpath("//table[contains(@class, 'gk-report-table')]")
    assert not tree.xpath("//p[@class='gk-tables-error']")
    assert "无标准表格" in tree.xpath("//pre[@class='gk-report-text']")[0].text_content()


# ---- what a person sees ------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.browser
def test_browser_shows_the_tables_as_printed(server: RunningServer, browser: Any,
                                             archive: tuple[Path, dict[str, int], dict[str, Any]]) -> None:
    _, named, _ = archive
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(f"{server.url}/gkcrawl/reports/{named['003']}")
        tables = page.locator("section.gk-tables")
        tables.wait_for(state="visible")
        headings = tables.locator("h3").all_inner_texts()
        assert headings[:3] == ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                                "四、政府信息公开行政复议、行政诉讼情况"]
        requests = page.locator("table.gk-part-requests")
        assert "申请人情况" in requests.locator("thead").inner_text()
        first_row = requests.locator("tbody tr").first
        assert first_row.locator("td").first.inner_text() == "153?"  # the best reading, badged uncertain
        assert first_row.locator("td").last.inner_text() == "161?"  # its reading fails requests_balance
        badge = first_row.locator(".gk-uncertain-badge").first
        assert badge.is_visible() and badge.get_attribute("title") == UNCERTAIN_TOOLTIP
        # The 总计 cells of the failed check are flagged; their chosen reading is uncertain too
        # (checks_fail_reading), which the page shows in the flagged-and-uncertain colour.
        flagged = page.locator("td.gk-flagged").first
        assert "gk-uncertain" in (flagged.get_attribute("class") or "")
        assert flagged.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(251, 217, 184)"
        assert "rgb(221, 51, 51)" in flagged.evaluate("e => getComputedStyle(e).boxShadow")
        failed = page.locator("tr.gk-check-failed")
        assert failed.count() == 1 and "163 ≠ 总计 159" in failed.inner_text()
        # The table reads like a table: value columns line up under their headers.
        natural_header = requests.locator("thead th", has_text="自然人").bounding_box()
        value_box = first_row.locator("td").first.bounding_box()
        assert natural_header and value_box and abs(natural_header["x"] - value_box["x"]) < 2
        ARTIFACTS.mkdir(exist_ok=True)
        tables.screenshot(path=str(ARTIFACTS / "report-tables.png"))
        first_row.locator("td a.gk-cell-link").first.click()
        page.wait_for_url(f"**/report_cells?report_id={named['003']}&key=requests.new.natural")
        assert "requests.new.natural" in page.locator("body").inner_text()
        assert dialogs == []
    finally:
        context.close()
