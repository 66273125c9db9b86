"""The template's own arithmetic (勾稽关系), recorded as findings: never used to fix numbers.

`ok` is None wherever a needed cell is unknown (uncertain), True/False otherwise; a blank
cell counts as 0 because the template prints blanks for zero."""

from __future__ import annotations

from .labels import APPLICANT_COLUMNS
from .result import Check

CellMap = dict[str, int | float | None]
COLUMN_NAMES = {"natural": "自然人", "commercial": "商业企业", "research": "科研机构", "nonprofit": "社会公益组织",
                "legal_services": "法律服务机构", "other_org": "其他", "total": "总计"}


def _num(value: int | float | None) -> int | float:
    return 0 if value is None else value


def _fmt(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _get(cells: CellMap, unknown: set[str], key: str) -> int | float | None:
    """A cell's number, or None when it is unknown (absent or uncertain)."""
    if key in unknown or key not in cells:
        return None
    return _num(cells[key])


def requests_balance(cells: CellMap, unknown: set[str]) -> Check:
    """一 + 二 = 三(七) + 四 on the 总计 column."""
    parts = [_get(cells, unknown, f"requests.{row}.total") for row in ("new", "carried_in", "total", "carried_out")]
    if any(p is None for p in parts):
        return Check("requests_balance", None, "新收+结转 = 总计 + 结转下年: cells unknown")
    new, carried_in, total, carried_out = parts
    ok = abs((new + carried_in) - (total + carried_out)) < 1e-6
    sign = "=" if ok else "≠"
    return Check("requests_balance", ok,
                 f"新收+结转 {_fmt(new + carried_in)} {sign} 总计 {_fmt(total)} + 结转下年 {_fmt(carried_out)}")


def column_balance(cells: CellMap, unknown: set[str]) -> Check:
    """一 + 二 = 三(七) + 四 on each applicant column."""
    failures, unknown_cols = [], []
    for col in APPLICANT_COLUMNS[:6]:
        parts = [_get(cells, unknown, f"requests.{row}.{col}") for row in ("new", "carried_in", "total", "carried_out")]
        if any(p is None for p in parts):
            unknown_cols.append(COLUMN_NAMES[col])
            continue
        if abs((parts[0] + parts[1]) - (parts[2] + parts[3])) > 1e-6:
            failures.append(f"{COLUMN_NAMES[col]} {_fmt(parts[0])}+{_fmt(parts[1])}≠{_fmt(parts[2])}+{_fmt(parts[3])}")
    return _summary("column_balance", failures, unknown_cols, 6)


def row_totals(cells: CellMap, unknown: set[str], row_ids: list[str]) -> Check:
    """Each requests row: the six applicant columns add up to 总计."""
    failures, unknown_rows = [], []
    for rid in row_ids:
        parts = [_get(cells, unknown, f"{rid}.{col}") for col in APPLICANT_COLUMNS]
        if any(p is None for p in parts):
            unknown_rows.append(rid)
            continue
        if abs(sum(parts[:6]) - parts[6]) > 1e-6:
            failures.append(f"{rid} {_fmt(sum(parts[:6]))}≠{_fmt(parts[6])}")
    return _summary("row_totals", failures, unknown_rows, len(row_ids))


def outcome_sum(cells: CellMap, unknown: set[str], outcome_ids: list[str]) -> Check:
    """三(七)总计 = the outcome rows (一)…(六), per column."""
    failures, unknown_cols = [], []
    for col in APPLICANT_COLUMNS:
        parts = [_get(cells, unknown, f"{rid}.{col}") for rid in outcome_ids]
        total = _get(cells, unknown, f"requests.total.{col}")
        if total is None or any(p is None for p in parts) or not outcome_ids:
            unknown_cols.append(COLUMN_NAMES[col])
            continue
        if abs(sum(parts) - total) > 1e-6:
            failures.append(f"{COLUMN_NAMES[col]} {_fmt(sum(parts))}≠{_fmt(total)}")
    return _summary("outcome_sum", failures, unknown_cols, 7)


def appeals_totals(cells: CellMap, unknown: set[str]) -> Check:
    """Part 四: each group's 总计 = its four results."""
    failures, unknown_groups = [], []
    for group, name in (("review", "行政复议"), ("lit_direct", "未经复议直接起诉"), ("lit_after_review", "复议后起诉")):
        parts = [_get(cells, unknown, f"appeals.{group}.{c}") for c in ("upheld", "corrected", "other", "pending", "total")]
        if any(p is None for p in parts):
            unknown_groups.append(name)
            continue
        if abs(sum(parts[:4]) - parts[4]) > 1e-6:
            failures.append(f"{name} {_fmt(sum(parts[:4]))}≠{_fmt(parts[4])}")
    return _summary("appeals_totals", failures, unknown_groups, 3)


def _summary(name: str, failures: list[str], unknown_items: list[str], count: int) -> Check:
    if failures:
        return Check(name, False, "; ".join(failures))
    if len(unknown_items) == count:
        return Check(name, None, "cells unknown")
    detail = "all hold" if not unknown_items else f"hold where known; unknown: {', '.join(unknown_items)}"
    return Check(name, True, detail)


def run_checks(cells: CellMap, uncertain: list[str], row_ids: list[str], outcome_ids: list[str]) -> list[Check]:
    """Every arithmetic check of the requests and appeals tables."""
    unknown = set(uncertain)
    requests_rows = [rid for rid in row_ids if rid.startswith("requests.")]
    return [
        requests_balance(cells, unknown),
        column_balance(cells, unknown),
        row_totals(cells, unknown, requests_rows),
        outcome_sum(cells, unknown, outcome_ids),
        appeals_totals(cells, unknown),
    ]
