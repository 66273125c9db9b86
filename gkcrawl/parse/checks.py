"""The template's own arithmetic (勾稽关系), recorded as findings: never used to fix numbers.

The rules are data (`gkcrawl/data/template_rules.yaml`, evaluated by gkcrawl.template.rules):
requests_balance, column_balance, row_totals, outcome_sum, appeals_totals. `ok` is None
wherever a needed cell is unknown (uncertain), True/False otherwise; a blank cell counts as 0
because the template prints blanks for zero. Each check names its cells: a failed check the
cells of its failing sums, a passing one the cells it covered, an unknown one the cells it
needed and could not read."""

from __future__ import annotations

from gkcrawl.template import Document, evaluate

from .result import Check

CellMap = dict[str, int | float | None]


def run_checks(cells: CellMap, uncertain: list[str], row_ids: list[str], outcome_ids: list[str]) -> list[Check]:
    """Every arithmetic check of the requests and appeals tables.

    `row_ids` are the rows the document prints (in the order found), `outcome_ids` its
    outcome rows 三(一)…(六) (gkcrawl.template.outcome_rows)."""
    document = Document(tuple(row_ids), tuple(outcome_ids))
    return [Check(f.name, f.ok, f.detail, list(f.cells)) for f in evaluate(cells, set(uncertain), document)]
