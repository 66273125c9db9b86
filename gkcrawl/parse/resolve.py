"""Rows with several readings -> cells: narrow them with the columns' arithmetic, then keep
only what every remaining reading agrees on.

Column rules are used only when the document keeps them wherever it can be checked: a report
whose printed columns do not balance (seed 003) gets no help from balancing, so its numbers
are never bent to fit arithmetic it does not follow."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from gkcrawl.template import (
    ColumnRule,
    Document,
    column_rules,
    narrowing_families,
    outcome_rows as _outcome_rows,
    template_keys,
)

from .readings import Reading, RowResult
from .result import Check

MAX_COMBOS = 60000
# A column rule of the template (gkcrawl/data/template_rules.yaml, the rules that `narrows`):
# sum(plus rows[column]) == sum(minus rows[column]) in the requests table.
Constraint = ColumnRule


@dataclass
class Resolution:
    cells: dict[str, int | float | None]
    uncertain: list[str]
    notes: dict[str, str]
    checks: list[Check] = field(default_factory=list)


def outcome_rows(rows: dict[str, RowResult]) -> list[str]:
    """(一)…(六) rows, each sub-row once; a 2021 combined (六) row only when no sub-rows."""
    return _outcome_rows(list(rows))


def constraints(rows: dict[str, RowResult]) -> list[Constraint]:
    return column_rules(Document(tuple(rows), tuple(outcome_rows(rows))))


def _value(row: RowResult, reading: Reading, col: int) -> float:
    return float(reading[col] or 0)


def _holds(c: Constraint, rows: dict[str, RowResult], choice: dict[str, Reading]) -> bool:
    total = 0.0
    for rid in c.plus:
        total += _value(rows[rid], choice[rid], c.column)
    for rid in c.minus:
        total -= _value(rows[rid], choice[rid], c.column)
    return abs(total) < 1e-6


def _family_trusted(family: str, cons: list[Constraint], rows: dict[str, RowResult]) -> bool:
    """A family helps unless an instance whose cells are all known fails in this document."""
    for c in cons:
        if c.family != family:
            continue
        ids = c.plus + c.minus
        if any(rid not in rows or not rows[rid].readings for rid in ids):
            continue
        total = 0.0
        for sign, group in ((1, c.plus), (-1, c.minus)):
            for rid in group:
                known, value = rows[rid].cell(c.column)
                if not known:
                    break
                total += sign * float(value or 0)
            else:
                continue
            break
        else:
            if abs(total) > 1e-6:
                return False
    return True


def propagate(rows: dict[str, RowResult]) -> None:
    """Drop readings no column rule can accept; repeat until nothing changes."""
    cons = constraints(rows)
    trusted = {f for f in narrowing_families() if _family_trusted(f, cons, rows)}
    changed = True
    rounds = 0
    while changed and rounds < 8:
        changed = False
        rounds += 1
        for c in cons:
            if c.family not in trusted:
                continue
            ids = c.plus + c.minus
            if any(rid not in rows or not rows[rid].readings for rid in ids):
                continue
            ambiguous = [rid for rid in ids if not rows[rid].unique]
            if not ambiguous:
                continue
            size = 1
            for rid in ambiguous:
                size *= len(rows[rid].readings)
            if size > MAX_COMBOS:
                continue
            fixed = {rid: rows[rid].readings[0] for rid in ids if rows[rid].unique}
            keep: dict[str, set[int]] = {rid: set() for rid in ambiguous}
            for combo in itertools.product(*(range(len(rows[rid].readings)) for rid in ambiguous)):
                choice = dict(fixed)
                for rid, index in zip(ambiguous, combo):
                    choice[rid] = rows[rid].readings[index]
                if _holds(c, rows, choice):
                    for rid, index in zip(ambiguous, combo):
                        keep[rid].add(index)
            if not any(keep.values()):
                continue  # this instance cannot hold: leave the readings alone
            for rid in ambiguous:
                row = rows[rid]
                if len(keep[rid]) < len(row.readings):
                    row.readings = [row.readings[i] for i in sorted(keep[rid])]
                    row.resolved_by.append(f"{c.family}[{c.column}]")
                    changed = True


def resolve(template: str, results: list[RowResult]) -> Resolution:
    """Cells for every key of the template, the keys left uncertain, notes and resolution checks."""
    rows = {r.spec.row_id: r for r in results}
    propagate(rows)
    cells: dict[str, int | float | None] = {key: None for key in template_keys(template)}
    uncertain: list[str] = []
    notes: dict[str, str] = {}
    checks: list[Check] = []
    seen: set[str] = set()
    for row in results:
        if row.spec.row_id in seen:
            continue
        seen.add(row.spec.row_id)
        for index, key in enumerate(row.spec.keys):
            if key not in cells:
                continue
            known, value = row.cell(index)
            if known:
                cells[key] = value
            else:
                uncertain.append(key)
        notes.update({k: v for k, v in row.notes.items() if k in cells})
        if row.how not in ("exact", "aligned", "all_zero") and row.unique:
            how = row.how.replace("+", " + ")
            if row.resolved_by:
                how += " + " + ", ".join(sorted(set(row.resolved_by)))
            checks.append(Check("cells_resolved", True,
                                f"{row.spec.row_id} 「{_printed(row.raw)}」 -> {list(row.readings[0])} by {how}",
                                list(row.spec.keys)))
        elif not row.unique and row.readings:
            left_open = [key for index, key in enumerate(row.spec.keys) if not row.cell(index)[0]]
            checks.append(Check("cells_ambiguous", None,
                                f"{row.spec.row_id} 「{_printed(row.raw)}」: {len(row.readings)} readings ({row.how})",
                                left_open or list(row.spec.keys)))
    found_keys = {k for r in results for k in r.spec.keys}
    # A row the document does not print (or that could not be read) is unknown, not blank.
    uncertain.extend(key for key in cells if key not in found_keys)
    return Resolution(cells, sorted(set(uncertain)), notes, checks)


def _printed(raw: str, limit: int = 60) -> str:
    """The row as the document printed it, on one line, for a check's detail."""
    flat = " ".join(raw.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
