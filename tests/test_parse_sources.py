"""Every cell says how and where it was read: from a number to the characters it came from.

`sources[key]["where"]` start/end index `gkcrawl.parse.source_text(bytes)`, rebuilt from the
same bytes; `printed` is the cell's text as printed there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gkcrawl.parse import parse_document, source_text

FIXTURES = Path(__file__).parent / "fixtures"
HOWS = {"table_grid", "text_row", "run_split", "dropped_blanks", "all_zero", "prose", "assumed_first_column"}


def _parsed(path: Path) -> tuple[dict, str]:
    data = path.read_bytes()
    return json.loads(json.dumps(parse_document(data, filename=path.name).to_json())), source_text(data, path.name)


@pytest.mark.parametrize("name, expected_how", [
    ("reports/var01_2019_canonical.html", "table_grid"),
    ("reports/var05_2021_text_next_line.txt", "text_row"),
    ("reports/var07_2021_vertical.pdf", "table_grid"),
    ("seeds/000_c493ddf6db4f273e.txt", "all_zero"),
    ("seeds/003_e121fe427aa0e29e.txt", "dropped_blanks"),
])
def test_every_read_cell_points_at_its_printed_text(name: str, expected_how: str) -> None:
    result, text = _parsed(FIXTURES / name)
    sources = result["sources"]
    uncertain = set(result["uncertain"])
    read = [key for key in result["cells"] if key not in uncertain]
    assert read and all(key in sources for key in read)
    hows = {sources[key]["how"] for key in read}
    assert hows <= HOWS and expected_how in hows
    checked = 0
    for key in read:
        where = sources[key]["where"]
        assert where["in"] == "source_text" and 0 <= where["start"] < where["end"] <= len(text)
        assert key.startswith(where["row"])
        printed = where.get("printed")
        if printed:
            assert printed in text[where["start"]:where["end"]], (key, printed)
            checked += 1
    assert checked or expected_how in ("run_split", "dropped_blanks")


def test_a_guess_is_never_a_plain_source() -> None:
    result, _ = _parsed(FIXTURES / "seeds" / "003_e121fe427aa0e29e.txt")
    guessed = [k for k, why in result["uncertain_reasons"].items() if why == "assumed_first_column"]
    assert guessed and all(result["sources"][k]["how"] == "assumed_first_column" for k in guessed)
    assert all(k in result["uncertain"] and result["cells"][k] is not None for k in guessed)
    assert set(result["uncertain_reasons"]) == set(result["uncertain"])


def test_prose_source_points_at_the_stated_number(tmp_path: Path) -> None:
    from test_parse_prose import INTRO, TABLES

    text = ("大川市水利局2023年政府信息公开工作年度报告\n"
            + INTRO.format(sentence="本年度新制发行政规范性文件12件，现行有效行政规范性文件140件。")
            + TABLES.format(docs="12 | 140"))
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    result, rows = _parsed(path)
    source = result["sources"]["active.a20_1.normative_docs.in_force"]
    assert source["how"] == "prose"
    assert rows[source["prose"]["start"]:source["prose"]["end"]] == "140"


def test_run_together_cells_say_they_were_split(tmp_path: Path) -> None:
    text = ("大川市水利局2023年政府信息公开工作年度报告\n一、总体情况\n本局依申请公开和主动公开工作稳步推进。\n"
            "二、主动公开政府信息情况 第二十条第(一)项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章000"
            "三、收到和处理政府信息公开申请情况 一、本年新收政府信息公开申请数量713000074"
            "二、上年结转政府信息公开申请数量 五、存在的主要问题及改进情况 无。\n")
    path = tmp_path / "flat.txt"
    path.write_text(text, encoding="utf-8")
    result, rows = _parsed(path)
    assert result["cells"]["requests.new.natural"] == 71 and result["cells"]["requests.new.total"] == 74
    source = result["sources"]["requests.new.natural"]
    assert source["how"] == "run_split" and "row_sum" in source["narrowed_by"]
    assert "713000074" in rows[source["where"]["start"]:source["where"]["end"]]


def test_pages_marked_by_form_feeds_are_given(tmp_path: Path) -> None:
    from test_parse_prose import INTRO, TABLES

    tables = TABLES.format(docs="4 | 1 | 40").replace("三、收到和处理", "\f三、收到和处理")
    text = "大川市水利局2023年政府信息公开工作年度报告\n" + INTRO.format(sentence="") + tables
    path = tmp_path / "paged.txt"
    path.write_text(text, encoding="utf-8")
    result, rows = _parsed(path)
    assert result["sources"]["active.a20_1.normative_docs.in_force"]["where"]["page"] == 1
    assert result["sources"]["requests.new.total"]["where"]["page"] == 2
    assert result["cells"]["requests.new.total"] == 19


def test_every_uncertain_key_has_a_reason_and_every_known_cell_a_source() -> None:
    paths = [p for d in ("reports", "seeds") for p in sorted((FIXTURES / d).iterdir())
             if p.is_file() and p.suffix != ".doc"]
    assert len(paths) > 50
    for path in paths:
        result = parse_document(path.read_bytes(), filename=path.name).to_json()
        uncertain = set(result["uncertain"])
        assert set(result.get("uncertain_reasons", {})) == uncertain, path.name
        known = {key for key in result["cells"] if key not in uncertain}
        assert known <= set(result.get("sources", {})), path.name
