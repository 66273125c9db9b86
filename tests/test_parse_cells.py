"""Cell reading: printed cells, runs of glued cells, dropped blanks, arithmetic resolution."""

from __future__ import annotations

import pytest

from gkcrawl.extract.cellvalues import parse_cell, split_run
from gkcrawl.parse import ParseResult, extract_cells
from gkcrawl.parse.labels import row_specs
from gkcrawl.parse.readings import read_row


@pytest.mark.parametrize("raw, value, note", [
    ("6撤", 6, "6撤"), ("34435.86万元", 34435.86, "34435.86万元"), ("+91", 91, "+91"), ("-177", -177, None),
    ("——", None, None), ("/", None, None), ("0", 0, None), ("1,234", 1234, "1,234"),
])
def test_parse_cell_reads_printed_forms(raw: str, value, note) -> None:
    cell = parse_cell(raw)
    assert cell is not None and cell.value == value and cell.note == note


def test_parse_cell_rejects_prose() -> None:
    assert parse_cell("政府信息") is None
    assert parse_cell("2020年全年共受理政府信息公开申请") is None


def test_split_run_has_no_leading_zeros() -> None:
    assert split_run("000000", 6) == ((0, 0, 0, 0, 0, 0),)
    assert split_run("007", 3) == ((0, 0, 7),)
    readings = split_run("898989", 3)
    assert (89, 89, 89) in readings and (8, 9, 8989) in readings and len(readings) > 3
    assert split_run("00", 1) == ()


def test_split_run_signs_only_where_allowed() -> None:
    allow = (False, True, False)
    readings = split_run("2648-18538", 3, allow)
    assert readings and all(r[0] == 2648 and r[1] < 0 for r in readings)
    assert split_run("2648-18538", 3, (False, False, False)) == ()


def _spec(row_id: str, template: str = "2021"):
    return next(s for s in row_specs(template) if s.row_id == row_id)


def test_run_resolved_by_row_sum() -> None:
    row = read_row(_spec("requests.new"), ["713000074"], runs_mode=True)
    assert row.readings == [(71, 3, 0, 0, 0, 0, 74)]


def test_dropped_blanks_leave_org_columns_uncertain() -> None:
    row = read_row(_spec("requests.new", "2019"), ["153", "5", "3", "161"], runs_mode=False)
    assert row.cell(6) == (True, 161)
    # 自然人 is not established by the document (the 5 and 3 could stand before the 153):
    # the first-column reading is kept apart, as a best reading, never as a known cell.
    assert not row.cell(0)[0] and not row.cell(1)[0] and not row.cell(2)[0]
    assert row.assumed and {r[0] for r in row.assumed} == {153}
    assert any(r[0] != 153 for r in row.readings)


def test_two_equal_values_fix_only_the_total() -> None:
    row = read_row(_spec("requests.carried_in", "2019"), ["2", "2"], runs_mode=False)
    assert row.cell(6) == (True, 2)
    assert all(not row.cell(i)[0] for i in range(6))


def test_zeros_anywhere_are_zeros() -> None:
    row = read_row(_spec("appeals", "2019"), ["0"] * 10, runs_mode=False)
    assert row.readings == [tuple([0] * 15)]


def test_grid_row_kept_as_printed_even_when_sum_fails() -> None:
    row = read_row(_spec("appeals"), [str(v) for v in (10, 1, 0, 0, 0) + (0,) * 5 + (5, 0, 0, 0, 0)], False)
    assert row.readings[0][:5] == (10, 1, 0, 0, 0)


TEXT_2021 = """二、主动公开政府信息情况
第二十条第(一)项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章000行政规范性文件8855698
第二十条第(五)项 信息内容 本年处理决定数量 行政许可10690
第二十条第(八)项 信息内容 本年收费金额(单位:万元) 行政事业性收费9116.36
三、收到和处理政府信息公开申请情况 一、本年新收政府信息公开申请数量 713000074二、上年结转政府信息公开申请数量 1000001
（七）总计 723000075四、结转下年度继续办理 0000000
四、政府信息公开行政复议、行政诉讼情况 行政复议 行政诉讼 结果维持结果纠正其他结果尚未审结总计 0 1 1 0 2 1 0 0 0 1 0 0 0 0 0
五、存在的主要问题及改进情况"""


def test_run_together_text_gives_values_only_when_unique() -> None:
    result = ParseResult()
    extract_cells(TEXT_2021, result)
    assert result.template == "2021"
    assert result.cells["active.a20_1.regulations.issued"] == 0
    assert result.cells["active.a20_5.licensing.decisions"] == 10690
    assert result.cells["active.a20_8.fees.amount"] == 9116.36
    assert result.cells["requests.new.natural"] == 71 and result.cells["requests.new.total"] == 74
    assert "active.a20_1.normative_docs.issued" in result.uncertain
    assert result.cells["active.a20_1.normative_docs.issued"] is None
    assert result.cells["appeals.review.total"] == 2
    # 74 + 1 = 75 + 0: the balance check holds and says so
    balance = next(c for c in result.checks if c.name == "requests_balance")
    assert balance.ok is True and "75" in balance.detail
    assert any(c.name == "cells_resolved" and "requests.new" in c.detail for c in result.checks)
    # rows this text does not print are unknown, not zero
    assert "requests.granted.total" in result.uncertain


def test_failing_balance_is_recorded_not_corrected() -> None:
    text = TEXT_2021.replace("723000075", "723000076").replace("0000000\n四", "0000000\n四")
    result = ParseResult()
    extract_cells(text, result)
    balance = next(c for c in result.checks if c.name == "requests_balance")
    assert balance.ok is False and "≠" in balance.detail
    assert result.cells["requests.total.total"] == 76


def test_free_form_text_has_no_template() -> None:
    result = ParseResult()
    extract_cells("一、概述\n本年度共主动公开信息120条,受理申请3件。\n二、存在的不足", result)
    assert result.template is None and result.cells == {}


def test_the_column_heading_other_is_never_read_as_the_row_other_when_that_row_is_missing() -> None:
    """A report (or a scan whose row OCR lost) without its 3.其他 row: the heading cell 其他 on
    part 三's line of column names is not that row, read blank and certain; the row is not found."""
    from pathlib import Path

    from gkcrawl.parse import parse_document

    path = Path(__file__).parent / "fixtures" / "reports" / "var05_2021_text_next_line.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    heading = next(i for i, line in enumerate(lines) if line.startswith("商业企业 科研机构"))
    row = lines.index("3.其他")
    lines[heading] = lines[heading].replace(" ", "\t")  # the heading's names as cells, as OCR'd pages print them
    del lines[row:row + 2]
    result = parse_document("\n".join(lines).encode("utf-8"), filename="report.txt")
    keys = [k for k in result.cells if k.startswith("requests.other.other.")]
    assert result.template == "2021" and keys
    assert all(result.uncertain_reasons.get(k) == "not_found" for k in keys)
    assert result.cells["requests.granted.natural"] == 18  # the rest read as before
