"""The national formats as data (gkcrawl.template): the model is cells.tsv's, and each rule of
template_rules.yaml fails on a report broken on purpose, naming exactly the broken sums' cells."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from gkcrawl import template as national
from gkcrawl.parse.checks import run_checks
from gkcrawl.parse.labels import LABELS, row_specs
from gkcrawl.template.rules import _rule
from samples import sample_cells

CELLS_TSV = Path(__file__).resolve().parents[1] / "gkcrawl" / "data" / "cells.tsv"
SIX = ("natural", "commercial", "research", "nonprofit", "legal_services", "other_org")
BALANCE_ROWS = ("new", "carried_in", "total", "carried_out")


def tsv(template: str) -> list[dict[str, str]]:
    with CELLS_TSV.open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle, delimiter="\t") if row["template"] == template]


# ---- the model is cells.tsv ------------------------------------------------------------------

@pytest.mark.parametrize("template", ["2019", "2021"])
def test_every_key_lies_in_exactly_one_row_in_column_order(template: str) -> None:
    fmt = national.template(template)
    keys = [row["key"] for row in tsv(template)]
    in_rows = [key for row in fmt.rows for key in row.keys]
    assert in_rows == keys and len(set(in_rows)) == len(in_rows)  # each once, in cells.tsv order
    labels = {row["key"]: row["label"] for row in tsv(template)}
    for row in fmt.rows:
        assert row.part == row.id.split(".", 1)[0]
        if row.part == "requests":
            assert row.keys == tuple(f"{row.id}.{col}" for col in SIX + ("total",))
            assert [labels[key].split("/")[-1] for key in row.keys] == [c.name for c in national.columns()]
        elif row.part == "appeals":
            assert row.id == "appeals" and row.keys == tuple(f"appeals.{c}" for c in national.APPEAL_COLUMNS)
        else:
            assert all(key.rsplit(".", 1)[0] == row.id for key in row.keys)
        assert all(labels[key].startswith("/".join(row.path)) for key in row.keys)
    assert [(s.row_id, s.section, s.keys) for s in row_specs(template)] == [(r.id, r.part, r.keys) for r in fmt.rows]
    assert all(s.pattern is LABELS.get(s.row_id) for s in row_specs(template))
    assert national.template_keys(template) == tuple(keys)


def test_columns_groups_and_results_carry_their_printed_names() -> None:
    assert national.APPLICANT_COLUMNS == SIX + ("total",)
    assert [(c.name, c.heading) for c in national.columns()] == [
        ("自然人", None), ("商业企业", "法人或其他组织"), ("科研机构", "法人或其他组织"), ("社会公益组织", "法人或其他组织"),
        ("法律服务机构", "法人或其他组织"), ("其他", "法人或其他组织"), ("总计", None)]
    assert [(g.key, g.name, g.heading) for g in national.appeal_groups()] == [
        ("review", "行政复议", None), ("lit_direct", "未经复议直接起诉", "行政诉讼"),
        ("lit_after_review", "复议后起诉", "行政诉讼")]
    assert [(r.key, r.name) for r in national.appeal_results()] == [
        ("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"), ("total", "总计")]
    assert national.template("2019").column_label("active.a20_5.licensing.change") == "本年增/减"
    assert national.negative_allowed(national.row_specs("2019")[2]) == (False, True, False)


def test_outcome_rows_count_sub_rows_once() -> None:
    rows_2021 = [row.id for row in national.template("2021").rows]
    outcomes = national.outcome_rows(rows_2021)
    assert outcomes[0] == "requests.granted" and outcomes[-1] == "requests.other.other" and len(outcomes) == 21
    assert "requests.total" not in outcomes and "requests.other" not in outcomes
    combined = [r for r in rows_2021 if not r.startswith("requests.other.")] + ["requests.other"]
    assert national.outcome_rows(combined)[-1] == "requests.other"  # 2019's single (六) row stands in
    assert "requests.other" not in national.outcome_rows(combined + ["requests.other.no_fee"])
    assert national.stand_in_spec("2021", "requests.other").keys == tuple(f"requests.other.{c}" for c in
                                                                           SIX + ("total",))


def test_a_row_is_held_to_the_rules_lying_inside_it() -> None:
    fmt = national.template("2019")
    assert national.row_equations("requests.granted", fmt.row("requests.granted").keys) == (((0, 1, 2, 3, 4, 5), (6,)),)
    assert national.row_equations("appeals", fmt.row("appeals").keys) == (
        ((0, 1, 2, 3), (4,)), ((5, 6, 7, 8), (9,)), ((10, 11, 12, 13), (14,)))
    assert national.row_equations("active.a20_5.licensing", fmt.row("active.a20_5.licensing").keys) == ()


def test_the_resolver_gets_the_column_rules_per_column() -> None:
    rules = national.column_rules(national.Document(("requests.new",), ("requests.granted", "requests.partial")))
    assert [(r.family, r.column) for r in rules] == [(f, c) for c in range(7) for f in ("column_balance", "outcome_sum")]
    assert rules[0].plus == ["requests.new", "requests.carried_in"]
    assert rules[0].minus == ["requests.total", "requests.carried_out"]
    assert rules[1].plus == ["requests.granted", "requests.partial"] and rules[1].minus == ["requests.total"]


def test_a_malformed_rule_is_refused_by_name() -> None:
    good = {"name": "x", "each": {"column": "applicants"}, "left": ["requests.new.{column}"],
            "right": ["requests.total.{column}"], "failure": "{item}"}
    assert _rule(good, 0).name == "x"
    for broken, words in (({"each": {"column": "nowhere"}}, "no set named"),
                          ({"left": []}, "non-empty"),
                          ({"failure": "", "detail": ""}, "either 'failure'"),
                          ({"right": ["{results}.{outcome_rows}"]}, "at most one set"),
                          ({"colour": "red"}, "unknown keys")):
        with pytest.raises(national.TemplateError, match=words):
            _rule({**good, **broken}, 0)


# ---- every rule fails on a broken report and names the broken cells ---------------------------

def report(template: str, seed: int = 4) -> tuple[dict[str, int | float | None], list[str]]:
    """A report whose arithmetic holds, and every row of its format."""
    return sample_cells(template, random.Random(seed)), [row.id for row in national.template(template).rows]


def verdicts(cells: dict, rows: list[str], uncertain: list[str] | None = None) -> dict[str, tuple]:
    checks = run_checks(cells, uncertain or [], rows, national.outcome_rows(rows))
    return {c.name: (c.ok, c.detail, c.cells) for c in checks}


def failing(found: dict[str, tuple]) -> dict[str, set[str]]:
    return {name: set(cells) for name, (ok, _, cells) in found.items() if ok is False}


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_a_consistent_report_passes_every_rule(template: str) -> None:
    cells, rows = report(template)
    found = verdicts(cells, rows)
    assert list(found) == ["requests_balance", "column_balance", "row_totals", "outcome_sum", "appeals_totals"]
    assert all(ok is True for ok, _, _ in found.values())
    assert found["column_balance"][1] == "all hold" and found["requests_balance"][1].startswith("新收+结转 ")
    assert set(found["appeals_totals"][2]) == {f"appeals.{c}" for c in national.APPEAL_COLUMNS}


def test_requests_balance_names_the_four_totals() -> None:
    cells, rows = report("2019")
    cells["requests.new.total"] += 2  # type: ignore[operator]
    found = verdicts(cells, rows)
    new, carried_in = cells["requests.new.total"], cells["requests.carried_in.total"]
    assert found["requests_balance"][1] == (f"新收+结转 {new + carried_in} ≠ 总计 {cells['requests.total.total']} "
                                            f"+ 结转下年 {cells['requests.carried_out.total']}")
    assert failing(found) == {
        "requests_balance": {f"requests.{row}.total" for row in BALANCE_ROWS},
        "row_totals": {f"requests.new.{col}" for col in national.APPLICANT_COLUMNS}}


def test_column_balance_names_its_column() -> None:
    cells, rows = report("2021")
    cells["requests.carried_out.commercial"] += 1  # type: ignore[operator]
    cells["requests.carried_out.total"] += 1  # type: ignore[operator]  # the row still adds up
    found = verdicts(cells, rows)
    parts = [cells[f"requests.{row}.commercial"] for row in BALANCE_ROWS]
    assert found["column_balance"][1] == f"商业企业 {parts[0]}+{parts[1]}≠{parts[2]}+{parts[3]}"
    assert failing(found) == {"column_balance": {f"requests.{row}.commercial" for row in BALANCE_ROWS},
                              "requests_balance": {f"requests.{row}.total" for row in BALANCE_ROWS}}


def test_outcome_sum_and_row_totals_name_their_column_and_row() -> None:
    cells, rows = report("2021")
    cells["requests.unable.no_info.natural"] += 1  # type: ignore[operator]
    found = verdicts(cells, rows)
    outcome_rows = [r for r in rows if r.startswith("requests.") and r.split(".")[1] not in BALANCE_ROWS]
    assert failing(found) == {
        "outcome_sum": {f"{row}.natural" for row in outcome_rows} | {"requests.total.natural"},
        "row_totals": {f"requests.unable.no_info.{col}" for col in national.APPLICANT_COLUMNS}}
    assert found["outcome_sum"][1].startswith("自然人 ") and ";" not in found["outcome_sum"][1]
    assert found["row_totals"][1].startswith("requests.unable.no_info ")


def test_appeals_totals_names_its_group() -> None:
    cells, rows = report("2019")
    cells["appeals.lit_after_review.pending"] += 1  # type: ignore[operator]
    found = verdicts(cells, rows)
    total = cells["appeals.lit_after_review.total"]
    assert found["appeals_totals"][1] == f"复议后起诉 {total + 1}≠{total}"
    assert failing(found) == {"appeals_totals": {f"appeals.lit_after_review.{r.key}" for r in national.appeal_results()}}


def test_a_2021_table_printing_the_single_other_row_counts_it() -> None:
    cells, rows = report("2021")
    rows = [r for r in rows if not r.startswith("requests.other.")] + ["requests.other"]
    for col in national.APPLICANT_COLUMNS:
        cells[f"requests.other.{col}"] = sum(cells.pop(f"requests.other.{sub}.{col}")  # type: ignore[misc]
                                             for sub in ("no_supplement", "no_fee", "other"))
    assert all(ok for ok, _, _ in verdicts(cells, rows).values())
    cells["requests.other.research"] += 3  # type: ignore[operator]
    found = failing(verdicts(cells, rows))
    assert "requests.other.research" in found["outcome_sum"] and "requests.total.research" in found["outcome_sum"]
    assert found["row_totals"] == {f"requests.other.{col}" for col in national.APPLICANT_COLUMNS}


def test_an_unknown_cell_makes_a_check_unknown_and_is_named() -> None:
    cells, rows = report("2019")
    found = verdicts(cells, rows, uncertain=["requests.carried_in.total"])
    assert found["requests_balance"] == (None, "新收+结转 = 总计 + 结转下年: cells unknown", ["requests.carried_in.total"])
    assert found["row_totals"][0] is True and found["row_totals"][1] == "hold where known; unknown: requests.carried_in"
    assert "requests.carried_in.total" not in found["row_totals"][2]
    cells.pop("appeals.review.upheld")
    blank = {k: None for k in cells if k.startswith("appeals.")}  # a blank counts 0: 0 = 0 holds
    found = verdicts({**cells, **blank}, rows)
    assert found["appeals_totals"] == (True, "hold where known; unknown: 行政复议",
                                       [f"appeals.{c}" for c in national.APPEAL_COLUMNS[5:]])
    assert verdicts({}, rows)["appeals_totals"][:2] == (None, "cells unknown")
