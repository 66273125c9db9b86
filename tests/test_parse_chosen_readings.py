"""Two silent-error paths the label-mutation test found (issue 10), closed in the parser's
code rather than avoided by the label data:

1. a label whose match eats the tab that ends its cell lost the row's first value (the
   region's first field was dropped as "the rest of the label's cell"), and the resolver
   then kept the dropped-blanks reading it chose, although its checks failed;
2. a run-together row followed by a label the search missed (``…00000003.其他 0200002``)
   took that row's digits as its own.

Each test builds the failing input directly; with the old code each asserted value was a
silent error (a wrong number outside `uncertain`)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

import mutations
from gkcrawl import template as national, vocabulary
from gkcrawl.parse import parse_document, rows_text
from gkcrawl.parse.chosen import REASON

SHIPPED = Path(__file__).resolve().parents[1] / "gkcrawl" / "data" / "vocabulary"
NEW_KEYS = national.template("2021").row("requests.new").keys
# requests.new as labels.yaml gave it before the mutation test: the first wording has no
# optional 的, and the short one's tail may run over a tab.
OLD_NEW_ROW = """  requests.new:
    - text: "[一、]本年新收政府信息公开申请数量"
      year_word: true
    - text: 本年新收
      year_word: true
      tail: '[^\\d\\n|]{0,12}'
"""
VARIED = "一、本年新收的政府信息公开申请数量"


def _report_text(seed: int, sep: str = "\t", label: str = VARIED) -> tuple[dict, str]:
    """(the truth, a 2021 report as text rows) with requests.new printed as `label`."""
    import make_variants

    report = mutations.random_report("2021", random.Random(seed), "requests.new")
    tables = make_variants.three_tables(report, header="canonical")
    mutations._relabel(tables, national.template("2021").row("requests.new"), label)
    return report.cells(), make_variants.text_copy(report, tables, sep=sep).decode("utf-8")


def _silent(truth: dict, result) -> list[str]:
    return [f"{key}: want {want} got {result.cells.get(key)}" for key, want in truth.items()
            if key not in result.uncertain and not mutations._same(result.cells.get(key), want)
            and not (want in (None, 0) and result.cells.get(key) in (None, 0))]


@pytest.fixture
def old_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser reading with the older requests.new labels (a copy of the vocabulary)."""
    copy = tmp_path / "vocabulary"
    shutil.copytree(SHIPPED, copy)
    labels_file = copy / "labels.yaml"
    text = labels_file.read_text(encoding="utf-8")
    start = text.index("  requests.new:\n")
    stop = text.index("  requests.carried_in:\n")
    labels_file.write_text(text[:start] + OLD_NEW_ROW + text[stop:], encoding="utf-8")
    labels = vocabulary.labels(copy)
    # The old tail does take the tab after the varied label (the trigger of the bug).
    assert labels["requests.new"].search(VARIED + "\t166\t31").group().endswith("\t")
    monkeypatch.setattr(rows_text, "LABELS", labels)
    monkeypatch.setattr(rows_text, "row_specs", lambda template: national.row_specs(template, labels))


def test_a_label_match_over_its_cells_tab_gives_the_cell_back() -> None:
    text = VARIED + "\t166\t31\t31\t217\t25\t45\t515\n"
    label_end = len(VARIED) + 1  # the match took the tab
    assert rows_text._label_cell_end(text, 0, label_end) == len(VARIED)
    # A blank mark the match took is a cell too; the label's own words are not.
    assert rows_text._label_cell_end("本年新收\t—\t5", 0, len("本年新收\t—\t")) == len("本年新收")
    split = "本年新收\t政府信息公开申请数量\t5"
    assert rows_text._label_cell_end(split, 0, len("本年新收\t政府信息公开申请数量")) == len("本年新收\t政府信息公开申请数量")
    tokens, _ = rows_text.region_tokens(text[len(VARIED):])
    assert tokens == ["166", "31", "31", "217", "25", "45", "515"]


@pytest.mark.parametrize("seed", [0, 1, 4])
def test_a_label_eating_its_tab_keeps_the_rows_first_value(old_labels: None, seed: int) -> None:
    """Old code: the first value dropped, the row read as dropped blanks, natural = None
    given as certain (19 of 20 seeds silent)."""
    truth, text = _report_text(seed)
    result = parse_document(text.encode("utf-8"), filename="report.txt")
    assert not _silent(truth, result)
    for key in NEW_KEYS:
        assert key not in result.uncertain and result.cells[key] == truth[key], key
        assert result.sources[key]["how"] == "table_grid"


def test_a_chosen_reading_whose_checks_fail_is_not_certain(old_labels: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first value lost again (the label's cell end not given back): the dropped-blanks
    reading the resolver chooses fails column_balance and row_totals, so its cells are
    uncertain with their values as read (not corrected), and the checks keep failing."""
    monkeypatch.setattr(rows_text, "_label_cell_end", lambda text, start, end: end)
    truth, text = _report_text(0)
    result = parse_document(text.encode("utf-8"), filename="report.txt")
    assert not _silent(truth, result)
    assert set(NEW_KEYS) <= set(result.uncertain)
    assert all(result.uncertain_reasons[key] == REASON for key in NEW_KEYS)
    assert result.cells["requests.new.natural"] is None  # as read, not bent to balance
    assert result.cells["requests.new.total"] == truth["requests.new.total"]
    failing = {check.name for check in result.checks if check.ok is False}
    assert {"column_balance", "row_totals"} <= failing
    named = [check for check in result.checks if check.name == REASON]
    assert len(named) == 1 and set(named[0].cells) == set(NEW_KEYS)
    # Only the chosen row: the grid rows around it stay certain.
    assert not any(key.startswith("requests.carried_in.") for key in result.uncertain)


def test_a_lost_value_in_a_text_row_is_not_placed_as_certain() -> None:
    """No vocabulary change: a space-separated row whose first value the copy lost. Old code
    placed the six values by the column balance and gave natural = None as certain."""
    truth, text = _report_text(0, sep=" ", label="一、本年新收政府信息公开申请数量")
    line = next(line for line in text.split("\n") if line.startswith("一、本年新收"))
    values = line.split(" ")[1:]
    lost = text.replace(line, " ".join(["一、本年新收政府信息公开申请数量"] + values[1:]))
    result = parse_document(lost.encode("utf-8"), filename="report.txt")
    assert not _silent(truth, result)
    assert "requests.new.natural" in result.uncertain


def test_a_grid_printing_inconsistent_numbers_is_kept_as_printed() -> None:
    """A report whose unambiguous grid fails its own arithmetic: kept and flagged by the
    failing check, never made uncertain by it."""
    truth, text = _report_text(1)
    line = next(line for line in text.split("\n") if line.startswith(VARIED))
    fields = line.split("\t")
    fields[1] = str(int(fields[1]) + 1)
    result = parse_document(text.replace(line, "\t".join(fields)).encode("utf-8"), filename="report.txt")
    assert result.cells["requests.new.natural"] == truth["requests.new.natural"] + 1
    assert not any(key in result.uncertain for key in NEW_KEYS)
    assert {"column_balance", "row_totals"} <= {check.name for check in result.checks if check.ok is False}
    assert not any(check.name == REASON for check in result.checks)


# Part 二 and 三 of a real report (shared/corpus/real 009, 平潭综合实验区 2022) whose cells ran
# together; {other} is where it prints (六)'s third sub-row label 3.其他.
RUN_TOGETHER = (
    "平潭综合实验区2022年政府信息公开工作年度报告\n"
    "二、主动公开政府信息情况第二十条第(一)项 信息内容 本年制发件数 本年废止件数 现行有效件数 "
    "规章000行政规范性文件8855698第二十条第(五)项信息内容本年处理决定数量行政许可10690"
    "第二十条第(六)项信息内容本年处理决定数量行政处罚2113行政强制0第二十条第(八)项信息内容"
    "本年收费金额(单位:万元)行政事业性收费9116.36 "
    "三、收到和处理政府信息公开申请情况(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) "
    "申请人情况 自然人 法人或其他组织 总计 商业 企业 科研 机构 社会公益组织 法律服务机构 其他 "
    "一、本年新收政府信息公开申请数量 713000074二、上年结转政府信息公开申请数量 1000001"
    "三、本年度办理结果 (一)予以公开 210000021(二)部分公开(区分处理的,只计这一情形,不计其他情形) 8100009"
    "(三)不予公开 1.属于国家秘密00000002.其他法律行政法规禁止公开 00000003.危及“三安全一稳定” 0000000"
    "4.保护第三方合法权益 00000005.属于三类内部事务信息 10000016.属于四类过程性信息 2000002"
    "7.属于行政执法案卷 10000018.属于行政查询事项 0000000(四)无法提供 1.本机关不掌握相关政府信息 370000037"
    "2.没有现成信息需要另行制作 00000003.补正后申请内容仍不明确 0000000(五)不予处理 1.信访举报投诉类申请 0000000"
    "2.重复申请 00000003.要求提供公开出版物 00000004.无正当理由大量反复申请 0000000"
    "5.要求行政机关确认或重新出具已获取信息 0000000(六)其他处理 "
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 2000002"
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 0000000{other} 0200002"
    "(七)总计 723000075四、结转下年度继续办理 0000000 "
    "四、政府信息公开行政复议、行政诉讼情况行政复议 行政诉讼 结果维持结果纠正其他结果尚未审结总计 "
    "未经复议直接起诉 复议后起诉 结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计 "
    "0 1 1 0 2 1 0 0 0 1 0 0 0 0 0 五、存在的主要问题及改进情况 一是公开深度不足。 六、其他需要报告的事项 无。\n"
)
NO_FEE = national.template("2021").row("requests.other.no_fee").keys
OTHER = national.template("2021").row("requests.other.other").keys


def test_the_run_together_report_reads_with_its_label() -> None:
    result = parse_document(RUN_TOGETHER.format(other="3.其他").encode("utf-8"), filename="report.txt")
    assert [result.cells[key] for key in NO_FEE] == [0] * 7
    assert [result.cells[key] for key in OTHER] == [0, 2, 0, 0, 0, 0, 2]
    assert not set(NO_FEE + OTHER) & set(result.uncertain)


@pytest.mark.parametrize("other", ["3.其它", "3、其它处理", "(三)其它"])
def test_a_missed_label_between_run_together_rows_leaves_the_row_before_unread(other: str) -> None:
    """3.其他 printed as a wording no label matches: the row before (no_fee) must not take
    the next row's digits (old code: no_fee.total = 200002, commercial = 3, certain)."""
    result = parse_document(RUN_TOGETHER.format(other=other).encode("utf-8"), filename="report.txt")
    for key in NO_FEE:
        assert key in result.uncertain, key
        assert result.uncertain_reasons[key] == "unreadable_row"
    unread = [check for check in result.checks if check.name == "unreadable_row"]
    assert len(unread) == 1 and set(unread[0].cells) == set(NO_FEE)
    assert result.cells["requests.total.total"] == 75 and "requests.total.total" not in result.uncertain


def test_foreign_labels_are_found_only_before_values() -> None:
    assert rows_text.foreign_label(" 00000003.其他 0200002") == "03.其他"
    assert rows_text.foreign_label(" 0000000其他 0200002") == "其他"
    assert rows_text.foreign_label(" 1 0 0 0 0 0 1 (七)总计 5") == "(七)总计"
    # A heading cut by a line break after the values ends the row and holds none of them.
    assert rows_text.foreign_label(" 105 0 0 0 0 0 105 (四)无") is None
    assert rows_text.foreign_label(" 9 1 1 0 11\n、本年度") is None
    # The rest of a grid label's own cell is the row's own text.
    assert rows_text.foreign_label("(区分处理的,只计这一情形,不计其他情形)\t1\t2\t3") is None
    assert rows_text.foreign_label("\t5\t6撤\t34435.86万元\t+91") is None
    # A sentence after the values on the row's line quotes the label and its figure.
    assert rows_text.foreign_label(" 577.78 |  |  | 说明:本年度行政事业性收费共577.78万元,均按规定纳入财政专户管理。") is None
