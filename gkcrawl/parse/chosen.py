"""A reading the parser chose is kept certain only while the arithmetic over its cells holds.

Where a row's blanks vanished or its cells ran together, the parser chooses among readings
(the row's own sum, the columns' balance, the report's prose). A choice that leaves one of
the template's checks failing on its cells is not established by the document: the failure
may be the report's or the choice's (a value lost with a label's cell, a neighbour's digits
taken), and nothing tells which. Those cells keep the value as read but go to `uncertain`
with the reason `checks_fail_reading`, and a check names them; no value is bent to make a
sum hold. A row printed with one token per cell (a grid, a complete text row) is no choice:
a check failing there is the report's, kept as printed and flagged by the check alone."""

from __future__ import annotations

from collections.abc import Iterable

from .readings import RowResult
from .resolve import _printed
from .result import Check

REASON = "checks_fail_reading"
# RowResult.how of the rows whose reading the parser chose among several.
CHOSEN = frozenset({"runs", "dropped"})


def chosen_cells(rows: Iterable[RowResult]) -> dict[str, RowResult]:
    """key -> its row, for every cell of a row whose reading was chosen among several."""
    out: dict[str, RowResult] = {}
    for row in rows:
        if row.readings and row.how.split("+")[0] in CHOSEN:
            for key in row.spec.keys:
                out.setdefault(key, row)
    return out


def distrust_failing(checks: Iterable[Check], rows: Iterable[RowResult], cells: dict,
                     uncertain: Iterable[str]) -> tuple[list[str], list[Check]]:
    """(keys to make uncertain, the checks saying why): the certain cells of chosen readings
    that a failed arithmetic check covers. `cells` are the result's (keys outside it, such as
    a stand-in row's, are left alone)."""
    chosen = chosen_cells(rows)
    already = set(uncertain)
    failing: dict[str, list[str]] = {}  # key -> names of the checks failing over it
    for check in checks:
        if check.ok is not False:
            continue
        for key in check.cells:
            if key in chosen and key in cells and key not in already:
                names = failing.setdefault(key, [])
                if check.name not in names:
                    names.append(check.name)
    by_row: dict[str, list[str]] = {}
    for key in failing:
        by_row.setdefault(chosen[key].spec.row_id, []).append(key)
    found: list[Check] = []
    for row_id, keys in by_row.items():
        row = chosen[keys[0]]
        names = sorted({name for key in keys for name in failing[key]})
        found.append(Check(REASON, None,
                           f"{row_id} 「{_printed(row.raw)}」 read by {row.how.replace('+', ' + ')}: "
                           f"{', '.join(names)} fail over the chosen reading, so it is not established "
                           "(values kept as read, not corrected)", keys))
    return sorted(failing), found
