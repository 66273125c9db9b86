"""Round-4 variants (tests/fixtures/make_variants4.py): how real portal pages hold the tables.
Tables as pictures and notices never get invented numbers; the rest read exactly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from gkcrawl.extract.cellvalues import parse_cell
from gkcrawl.extract.normalize import normalize
from gkcrawl.extract.tables import drop_extra_columns
from gkcrawl.parse import parse_document
from gkcrawl.parse.page_forms import is_notice_with_attachment, template_from_words
from scoring import score_one

FIXTURES = Path(__file__).parent / "fixtures"
REPORTS = FIXTURES / "reports"
GOLD = FIXTURES / "reports_gold"

sys.path.insert(0, str(FIXTURES))
import make_variants4  # noqa: E402

NAMES = sorted(make_variants4.VARIANTS4)


def _gold(name: str) -> dict:
    return json.loads((GOLD / f"{name.replace('.', '_')}.json").read_text(encoding="utf-8"))


def _parse(name: str):
    return parse_document((REPORTS / name).read_bytes(), filename=name)


def test_committed_files_are_what_the_generator_builds() -> None:
    for name, build in make_variants4.VARIANTS4.items():
        variant = build()
        assert _gold(name) == json.loads(json.dumps(make_variants4.gold(name, variant), ensure_ascii=False)), name
        assert (REPORTS / name).read_bytes() == variant.page, name


@pytest.mark.parametrize("name", NAMES)
def test_variant_scores_perfectly(name: str) -> None:
    gold = _gold(name)
    result = _parse(name)
    score = score_one(gold, json.loads(json.dumps(result.to_json())))
    assert score.perfect, score.misses
    assert result.meta["title"] == gold["meta"]["title"]


@pytest.mark.parametrize("name", ["var4_01_2022_requests_as_image.html", "var4_02_2022_all_tables_images.html"])
def test_tables_as_images_invent_nothing(name: str) -> None:
    gold = _gold(name)
    result = _parse(name)
    assert result.template == "2021" and "tables_as_images" in result.flags
    unknown = [key for key, value in gold["cells"].items() if value == "?"]
    assert unknown and set(unknown) <= set(result.uncertain)
    assert all(result.cells[key] is None for key in unknown)
    known = {key: value for key, value in gold["cells"].items() if value != "?"}
    assert all((result.cells.get(k) or 0) == (v or 0) and k not in result.uncertain for k, v in known.items())
    check = next(c for c in result.checks if c.name == "tables_as_images")
    assert check.ok is None and "image" in check.detail
    assert next(c for c in result.checks if c.name == "requests_balance").ok is None


def test_template_of_pictured_tables_needs_words_that_establish_it() -> None:
    prose = "二、主动公开政府信息情况\n[图]\n三、收到和处理政府信息公开申请情况\n"
    assert template_from_words(prose, None)[0] is None
    assert template_from_words(prose, 2017)[0] is None
    assert template_from_words(prose, 2020)[0] == "2019"
    assert template_from_words(prose + "依据国办公开办函[2021]30号", None)[0] == "2021"
    assert template_from_words(prose + "本年制发件数 本年废止件数 现行有效件数", 2020)[0] == "2021"


def test_an_image_outside_the_tables_changes_nothing() -> None:
    data = (REPORTS / "var4_10_2021_attachment_link.html").read_bytes()
    data = data.replace(b"<h1>", b'<p><img src="/images/logo.png"></p><h1>')
    data = data.replace("五、存在".encode(), '<img src="/u/chart.png"></p><p>五、存在'.encode())
    result = parse_document(data, filename="x.html")
    assert "tables_as_images" not in result.flags and not result.uncertain


def test_notice_has_no_cells_and_the_flag() -> None:
    gold = _gold("var4_11_2022_notice.html")
    result = _parse("var4_11_2022_notice.html")
    assert result.template is None and not any(v is not None for v in result.cells.values())
    assert "notice_with_attachment" in result.flags
    for field in ("title", "agency", "year"):
        assert result.meta[field] == gold["meta"][field], field


def test_full_report_with_attachment_link_is_no_notice() -> None:
    result = _parse("var4_10_2021_attachment_link.html")
    assert result.template == "2021" and "notice_with_attachment" not in result.flags
    long_prose = "本机关2016年政府信息公开年度报告。" + "我局认真落实各项要求，主动公开信息。" * 80 + "附件：报告.pdf"
    assert not is_notice_with_attachment('<a href="/a.pdf">附件</a>', long_prose)


@pytest.mark.parametrize("printed, value", [
    ("减少3", -3), ("增加5", 5), ("减3", -3), ("1,234", 1234), (normalize("1，234"), 1234), ("1,218.5", 1218.5),
])
def test_change_words_and_separators(printed: str, value: float) -> None:
    reading = parse_cell(printed)
    assert reading is not None and reading.value == value and reading.note == printed


def test_change_word_without_a_number_is_no_cell() -> None:
    assert parse_cell("减少") is None and parse_cell("增加-3") is None


def test_sequence_column_dropped_only_when_it_holds_sequence_numbers() -> None:
    grid = [["序号", "项目", "数量", "备注"], ["1", "行政许可", "5", "无"], ["2", "行政处罚", "7", ""]]
    assert drop_extra_columns(grid) == [["项目", "数量"], ["行政许可", "5"], ["行政处罚", "7"]]
    numbered = [["序号", "项目", "数量"], ["1", "行政许可", "5"], ["共计12件", "行政处罚", "7"]]
    assert drop_extra_columns(numbered) == numbered
