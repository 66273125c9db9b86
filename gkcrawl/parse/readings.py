"""Candidate readings of one printed row, and the template arithmetic that narrows them.

A row printed with all its cells (a grid, or a complete text row) has one reading, kept as
printed even when its arithmetic fails. A row whose blanks were dropped or whose cells ran
together has several; the row's own sums (six applicant columns = 总计, four results =
总计) and, across rows, the column sums cut them down. A cell gets a value only when every
remaining reading agrees on it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from gkcrawl.extract.cellvalues import BLANK, BLANK_MARKS, CellReading, is_run, parse_cell, split_run
from gkcrawl.template import RowSpec, negative_allowed, row_equations

Value = int | float | None
Reading = tuple[Value, ...]
MAX_READINGS = 20000


@dataclass
class RowResult:
    """What the document says about one template row."""

    spec: RowSpec
    readings: list[Reading]
    how: str  # exact | aligned | all_zero | runs | dropped | none
    raw: str = ""
    notes: dict[str, str] = field(default_factory=dict)
    resolved_by: list[str] = field(default_factory=list)
    # A best reading the document does not establish (values placed from 自然人 on when
    # blanks vanished): never narrows `readings`; a cell it alone settles is given with its
    # key uncertain and the reason `assumed_first_column`.
    assumed: list[Reading] = field(default_factory=list)
    # Cells settled by a figure the report states in words: key -> (sentence, start, end).
    by_text: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    # Where the row's label and values stand in the parser's table text (character offsets).
    span: tuple[int, int] | None = None
    # The row came from a rendered table grid (tab-separated fields) rather than text.
    grid: bool = False
    # Some of its cells were read after a page break (the table's next piece).
    continued: bool = False
    # Each cell's text as printed, when the row printed one token per cell.
    printed: tuple[str, ...] | None = None

    @property
    def unique(self) -> bool:
        return len(self.readings) == 1

    def cell(self, index: int) -> tuple[bool, Value]:
        """(known, value) of one column: known when every reading agrees."""
        if not self.readings:
            return False, None
        first = self.readings[0][index]
        for reading in self.readings[1:]:
            if not _same(reading[index], first):
                return False, None
        return True, first


def _same(a: Value, b: Value) -> bool:
    return (a or 0) == (b or 0)


def _printed(tokens: list[str]) -> tuple[str, ...]:
    return tuple("" if token == BLANK else token for token in tokens)


def row_sum_ok(spec: RowSpec, reading: Reading) -> bool:
    """The row's own arithmetic (the template's rules lying wholly in this row): applicant
    columns sum to 总计; appeal groups to their 总计."""
    vals = [v or 0 for v in reading]
    return all(abs(sum(vals[i] for i in left) - sum(vals[i] for i in right)) < 1e-6
               for left, right in row_equations(spec.row_id, spec.keys))


def _has_row_sum(spec: RowSpec) -> bool:
    return bool(row_equations(spec.row_id, spec.keys))


def _parse_all(tokens: list[str]) -> list[CellReading] | None:
    cells = []
    for token in tokens:
        cell = parse_cell(token)
        if cell is None:
            return None
        cells.append(cell)
    return cells


def _runs_readings(spec: RowSpec, tokens: list[str]) -> list[Reading]:
    """Cut each token into one or more cells so that the row has exactly its width."""
    negatives = negative_allowed(spec)
    pieces: list[str] = []
    for token in tokens:
        if token in BLANK_MARKS:
            pieces.append("")
            continue
        cleaned = token.rstrip("元万件个项条次")
        if not is_run(cleaned):
            return []
        start = 0
        for pos in range(1, len(cleaned)):
            if cleaned[pos] in "+-" and cleaned[pos - 1] not in "+-":
                pieces.append(cleaned[start:pos])
                start = pos
        pieces.append(cleaned[start:])
    width = spec.width
    if len(pieces) > width or not pieces:
        return []
    out: list[Reading] = []
    # Distribute the width over the pieces: each piece holds at least one cell.
    for counts in _compositions(width, len(pieces)):
        offset = 0
        options: list[tuple[Reading, ...]] = []
        for piece, count in zip(pieces, counts):
            if piece == "":
                options.append(((None,),) if count == 1 else ())
            else:
                options.append(tuple(tuple(r) for r in split_run(piece, count, negatives, offset)))
            offset += count
            if not options[-1]:
                break
        else:
            for combo in itertools.product(*options):
                out.append(tuple(v for part in combo for v in part))
                if len(out) > MAX_READINGS:
                    return []
    return out


def _compositions(total: int, parts: int):
    if parts == 1:
        yield (total,)
        return
    for first in range(1, total - parts + 2):
        for rest in _compositions(total - first, parts - 1):
            yield (first,) + rest


def _dropped_readings(spec: RowSpec, cells: list[CellReading]) -> list[Reading]:
    """Place the printed values, in order, among the row's cells; the others were blank."""
    width = spec.width
    out: list[Reading] = []
    for positions in itertools.combinations(range(width), len(cells)):
        slots: list[Value] = [None] * width
        for pos, cell in zip(positions, cells):
            slots[pos] = cell.value
        out.append(tuple(slots))
        if len(out) > MAX_READINGS:
            return []
    return out


def read_row(spec: RowSpec, tokens: list[str], runs_mode: bool, raw: str = "") -> RowResult:
    """Every reading of one row's printed tokens (BLANK marks an empty grid/tab cell)."""
    width = spec.width
    notes: dict[str, str] = {}

    def with_notes(cells: list[CellReading]) -> None:
        for key, cell in zip(spec.keys, cells):
            if cell.note:
                notes[key] = cell.note

    cells = _parse_all(tokens)
    if cells is not None and len(cells) == width:
        with_notes(cells)
        return RowResult(spec, [tuple(c.value for c in cells)], "exact", raw, notes, printed=_printed(tokens))
    trimmed = list(tokens)
    while len(trimmed) > width and trimmed and trimmed[-1] == BLANK:
        trimmed.pop()
    while len(trimmed) > width and trimmed and trimmed[0] == BLANK:
        trimmed.pop(0)
    cells = _parse_all(trimmed)
    if cells is not None and len(cells) == width:
        reading = tuple(c.value for c in cells)
        if not _has_row_sum(spec) or row_sum_ok(spec, reading):
            with_notes(cells)
            return RowResult(spec, [reading], "aligned", raw, notes, printed=_printed(trimmed))
    values = [t for t in tokens if t != BLANK]
    if not values:
        return RowResult(spec, [tuple([None] * width)], "exact", raw, notes)
    parsed = _parse_all(values)
    if parsed is not None and len(parsed) == width:
        with_notes(parsed)
        return RowResult(spec, [tuple(c.value for c in parsed)], "exact", raw, notes, printed=_printed(values))
    if (parsed is not None and all((c.value or 0) == 0 for c in parsed)
            and (len(parsed) < width or all(c.value is not None for c in parsed))):
        # Only zeros and blanks printed: wherever they sit, every cell is 0.
        return RowResult(spec, [tuple([0] * width)], "all_zero", raw, notes)
    readings: list[Reading] = []
    how = "none"
    if runs_mode:
        readings = _runs_readings(spec, values)
        how = "runs"
    if not readings and parsed is not None and len(parsed) < width:
        readings = _dropped_readings(spec, parsed)
        how = "dropped"
    assumed: list[Reading] = []
    if how == "dropped" and spec.section == "requests" and len(parsed or []) >= 3 and _has_row_sum(spec):
        # A converter drops blank cells but keeps order; the best reading of a row printing
        # several values starts at 自然人. The document does not establish it: kept apart.
        first_value = parsed[0].value if parsed else None
        assumed = [r for r in readings if r[0] is not None and _same(r[0], first_value) and row_sum_ok(spec, r)]
    if _has_row_sum(spec) and len(readings) > 1:
        consistent = [r for r in readings if row_sum_ok(spec, r)]
        if consistent:
            if len(consistent) < len(readings):
                how += "+row_sum"
            readings = consistent
    if not readings:
        how = "none"
    return RowResult(spec, readings, how, raw, notes, assumed=assumed)
