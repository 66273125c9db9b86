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
    reasons: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)


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


def _apply_prose(rows: dict[str, RowResult], text: str, template: str) -> None:
    """Let a figure the report states in words choose among a row's readings.

    Only rows with several readings are touched; a figure no reading holds is ignored."""
    if not text:
        return
    from .prose import stated_figures

    spans = [r.span for r in rows.values() if r.span is not None]
    figures = stated_figures(text, template, outside=spans)
    if not figures:
        return
    for row in rows.values():
        if row.unique or not row.readings:
            continue
        for index, key in enumerate(row.spec.keys):
            statement = figures.get(key)
            if statement is None or row.cell(index)[0]:
                continue
            kept = [r for r in row.readings if float(r[index] or 0) == float(statement.value)]
            if kept and len(kept) < len(row.readings):
                row.readings = kept
                row.by_text[key] = (statement.sentence, statement.start, statement.end)
                row.resolved_by.append(f"prose[{index}]")


def _source(row: RowResult, index: int, key: str) -> dict:
    """How one cell was read and where: the row's span in the table text and its column."""
    how = {"exact": "text_row", "aligned": "text_row", "all_zero": "all_zero",
           "runs": "run_split", "dropped": "dropped_blanks"}.get(row.how.split("+")[0], row.how)
    if how == "text_row" and row.grid:
        how = "table_grid"
    where: dict = {"in": "source_text", "row": row.spec.row_id, "column": index}
    if row.span is not None:
        where["start"], where["end"] = row.span
    if row.continued:
        where["continued_after_break"] = True
    if row.printed is not None and index < len(row.printed):
        where["printed"] = row.printed[index]
    source: dict = {"how": how, "where": where}
    narrowed = sorted({r.split("[")[0] for r in row.resolved_by} | set(row.how.split("+")[1:]))
    if narrowed:
        source["narrowed_by"] = narrowed
    if key in row.by_text:
        sentence, start, end = row.by_text[key]
        source["how"] = "prose"
        source["table_how"] = how
        source["prose"] = {"sentence": sentence, "start": start, "end": end}
    return source


def resolve(template: str, results: list[RowResult], text: str = "") -> Resolution:
    """Cells for every key of the template, the keys left uncertain (with why), notes,
    each cell's source and the resolution checks. `text` (the table text the rows were found
    in) lets the report's prose settle a row with several readings."""
    rows = {r.spec.row_id: r for r in results}
    propagate(rows)
    if any(not r.unique and r.readings for r in rows.values()):
        _apply_prose(rows, text, template)
        propagate(rows)
    cells: dict[str, int | float | None] = {key: None for key in template_keys(template)}
    uncertain: list[str] = []
    reasons: dict[str, str] = {}
    sources: dict[str, dict] = {}
    notes: dict[str, str] = {}
    checks: list[Check] = []
    seen: set[str] = set()
    for row in results:
        if row.spec.row_id in seen:
            continue
        seen.add(row.spec.row_id)
        surviving = set(row.readings)
        assumed = [r for r in row.assumed if r in surviving]
        guessed: list[str] = []
        for index, key in enumerate(row.spec.keys):
            if key not in cells:
                continue
            known, value = row.cell(index)
            if known:
                cells[key] = value
                sources[key] = _source(row, index, key)
                continue
            uncertain.append(key)
            if assumed and len({float(r[index] or 0) for r in assumed}) == 1:
                cells[key] = assumed[0][index]
                reasons[key] = "assumed_first_column"
                sources[key] = {**_source(row, index, key), "how": "assumed_first_column"}
                guessed.append(key)
            else:
                reasons[key] = "ambiguous" if row.readings else "unreadable_row"
        notes.update({k: v for k, v in row.notes.items() if k in cells})
        by_text = {k: v[0] for k, v in row.by_text.items() if k in cells and k not in uncertain}
        if by_text:
            checks.append(Check("cells_resolved_by_text", True,
                                "; ".join(f"{k} = {cells[k]} from 「{s}」" for k, s in sorted(by_text.items())),
                                sorted(by_text)))
        if guessed:
            checks.append(Check("assumed_first_column", None,
                                f"{row.spec.row_id} 「{_printed(row.raw)}」: blanks lost; values placed from "
                                "自然人 on as a best reading, not established by the document",
                                guessed))
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
    for key in cells:
        if key not in found_keys:
            uncertain.append(key)
            reasons.setdefault(key, "not_found")
    return Resolution(cells, sorted(set(uncertain)), notes, checks, reasons, sources)


def _printed(raw: str, limit: int = 60) -> str:
    """The row as the document printed it, on one line, for a check's detail."""
    flat = " ".join(raw.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
