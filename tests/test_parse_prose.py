"""The report's own prose settles a cell with several readings, never an unambiguous one."""

from __future__ import annotations

from gkcrawl.parse import parse_document
from gkcrawl.parse.prose import figure_patterns, stated_figures

INTRO = "一、总体情况\n本局认真贯彻政府信息公开条例，依申请公开和主动公开工作稳步推进。{sentence}\n"
TABLES = """二、主动公开政府信息情况
| 第二十条第（一）项 | | | |
| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
| 规章 | 0 | 0 | 0 |
| 行政规范性文件 | {docs} |
| 第二十条第（五）项 | |
| 信息内容 | 本年处理决定数量 |
| 行政许可 | 1327 |
三、收到和处理政府信息公开申请情况
一、本年新收政府信息公开申请数量 | 19 | 0 | 0 | 0 | 0 | 0 | 19 |
二、上年结转政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |
五、存在的主要问题及改进情况
无。
"""
KEYS = ("active.a20_1.normative_docs.issued", "active.a20_1.normative_docs.repealed",
        "active.a20_1.normative_docs.in_force")


def parse(sentence: str, docs: str) -> dict:
    text = "大川市水利局2023年政府信息公开工作年度报告\n" + INTRO.format(sentence=sentence) + TABLES.format(docs=docs)
    return parse_document(text.encode("utf-8"), "r.txt").to_json()


def test_prose_settles_a_row_whose_blanks_vanished() -> None:
    # Two values for three cells: which one is blank the table does not say.
    unsettled = parse("", "12 | 140")
    assert set(KEYS) <= set(unsettled["uncertain"])
    sentence = "本年度新制发行政规范性文件12件，现行有效行政规范性文件140件。"
    result = parse(sentence, "12 | 140")
    assert [result["cells"][k] for k in KEYS] == [12, None, 140]
    assert not set(KEYS) & set(result["uncertain"])
    source = result["sources"]["active.a20_1.normative_docs.issued"]
    assert source["how"] == "prose" and source["prose"]["sentence"].startswith("本年度新制发")
    assert source["table_how"] == "dropped_blanks"
    check = next(c for c in result["checks"] if c["name"] == "cells_resolved_by_text")
    assert "active.a20_1.normative_docs.issued" in check["cells"]


def test_prose_never_overrides_an_unambiguous_table_value() -> None:
    result = parse("本年度新制发行政规范性文件9件，现行有效行政规范性文件77件。", "12 | 3 | 140")
    assert [result["cells"][k] for k in KEYS] == [12, 3, 140]
    assert result["sources"][KEYS[0]]["how"] != "prose"
    assert not any(c["name"] == "cells_resolved_by_text" for c in result["checks"])


def test_a_figure_no_reading_holds_or_stated_twice_settles_nothing() -> None:
    assert set(KEYS) <= set(parse("现行有效行政规范性文件55件。", "12 | 140")["uncertain"])
    twice = "本年制发规范性文件12件。另据统计，本年制发规范性文件13件。现行有效规范性文件140件。"
    result = parse(twice, "12 | 140")
    assert "active.a20_1.normative_docs.issued" in result["uncertain"]


def test_wordings_are_valid_data_and_find_their_figures() -> None:
    assert "requests.new.total" in figure_patterns()
    found = stated_figures("2022年，全年共收到政府信息公开申请218件，上年结转申请3件。", "2021")
    assert found["requests.new.total"].value == 218
    assert found["requests.carried_in.total"].value == 3
    assert "218件" in found["requests.new.total"].sentence
