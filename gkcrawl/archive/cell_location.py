"""A cell's `location` (where the parser read it), stored as small numbers instead of JSON.

The parser's location of almost every cell is `{"where": {"in": "source_text", "row": R,
"column": C, "start": S, "end": E[, "printed": P][, "page": N[, "page_end": M]]}}`: 125 bytes of
JSON a cell, 25 KB a report (issue 13). The cells of one printed row share its span (start, end,
pages), so the span is stored once a report in `cell_spans` (numbered from 0 per report) and each
cell keeps only its span number and column, packed into `cells.bits` (`pack_bits`). Its printed text
is nearly always its value as written (99.8% of the seeds' cells): a bit says so, and only another
printed text is stored (cell_extras.printed), as is the row when not the key's own (cell_extras.row).
`LOCATION_SQL` (used by the report_cells view) rebuilds exactly the JSON text
`json.dumps(location, ensure_ascii=False)` gives. Any other shape is kept as that JSON text
(cell_extras.location).

cells.bits, for plain SQL (schema 6): bit 0 uncertain, bit 1 read by OCR (source 'ocr'), bit 2 the
printed text is the value (coalesce(CAST(value AS TEXT), '')), bits 3-6 the cell_hows id when it is at most 15
(0: none, or a higher id in cell_extras.how_id), bits 7 and up 0 without a stored span, else
1 + span * 64 + column. Small numbers: a typical cell's bits take 3 bytes (4 before schema 6).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Strings json.dumps(ensure_ascii=False) writes unchanged between quotes.
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')
_REQUIRED = ["in", "row", "column", "start", "end"]
_SHAPES = {tuple(_REQUIRED), (*_REQUIRED, "printed"), (*_REQUIRED, "page"), (*_REQUIRED, "printed", "page"),
           (*_REQUIRED, "page", "page_end"), (*_REQUIRED, "printed", "page", "page_end")}
MAX_HOW_IN_BITS = 15  # a higher cell_hows id is stored in cell_extras.how_id
MAX_COLUMN = 63  # a location in a higher column stays JSON (cell_extras.location)

_ROW_OF_KEY = "substr(rtrim(k.key, replace(k.key, '.', '')), 1, length(rtrim(k.key, replace(k.key, '.', ''))) - 1)"
# The published location of a cells row `c` joined to its cell_keys row `k`, cell_spans row `s`
# and cell_extras row `x`.
LOCATION_SQL = (
    "CASE WHEN c.bits >> 7 = 0 THEN x.location ELSE\n"
    f"    '{{\"where\": {{\"in\": \"source_text\", \"row\": \"' || coalesce(x.row, {_ROW_OF_KEY})\n"
    "    || '\", \"column\": ' || (((c.bits >> 7) - 1) & 63) || ', \"start\": ' || s.start\n"
    "    || ', \"end\": ' || (s.start + s.length)\n"
    "    || coalesce(', \"printed\": \"' || CASE WHEN c.bits & 4 THEN coalesce(CAST(c.value AS TEXT), '')\n"
    "                                        ELSE x.printed END || '\"', '')\n"
    "    || coalesce(', \"page\": ' || s.page, '')\n"
    "    || coalesce(', \"page_end\": ' || s.page_end, '') || '}}' END")
# The cell_spans row of a cells row `c`.
SPAN_SQL = "((c.bits >> 7) - 1) >> 6"
# The cell_hows id of a cells row `c` with its cell_extras row `x`.
HOW_ID_SQL = "coalesce(x.how_id, (c.bits >> 3) & 15)"


def pack_bits(uncertain: Any, ocr: bool, how_id: int | None, span: int | None, column: int | None,
              printed_is_value: bool = False) -> int:
    """cells.bits of one cell (span and column None when its location is not stored as a span; a
    how id above MAX_HOW_IN_BITS is left out, for cell_extras.how_id)."""
    how = how_id if how_id is not None and 0 < how_id <= MAX_HOW_IN_BITS else 0
    at = 0 if span is None or column is None else 1 + span * 64 + column
    return (1 if uncertain else 0) | (2 if ocr else 0) | (4 if printed_is_value and at else 0) | (how << 3) | (at << 7)


def printed_is_value(printed: str | None, value: Any) -> bool:
    """Whether a cell's printed text is its value as SQLite writes it, an empty text for no value
    (coalesce(CAST(value AS TEXT), '')): 99.8% of the seeds' printed cells."""
    if value is None:
        return printed == ""
    return type(value) is int and printed == str(value)


def _plain(value: Any) -> bool:
    """A str json writes as is (`type(...) is`, not isinstance: a bool is an int but writes as true)."""
    return type(value) is str and not _NEEDS_ESCAPE.search(value)


def _int(value: Any) -> bool:
    return type(value) is int


@dataclass(frozen=True)
class CompactLocation:
    """A location as stored: a span (start, length, page, page_end) and column with the printed text
    and row (None: the key's own row), or only `location` (the JSON text, None without a location)."""

    span: tuple[int, int, int | None, int | None] | None = None
    column: int | None = None
    printed: str | None = None
    row: str | None = None
    location: str | None = None


_NOTHING = CompactLocation()


def compact_location(key: str, location: dict[str, Any] | None) -> CompactLocation:
    """How a cell's location is stored: its parts when LOCATION_SQL rebuilds the same JSON, else the JSON."""
    if not location:
        return _NOTHING
    where = location.get("where") if len(location) == 1 else None
    if type(where) is dict and tuple(where) in _SHAPES and where["in"] == "source_text":
        row, column, start, end = where["row"], where["column"], where["start"], where["end"]
        printed, page, page_end = where.get("printed"), where.get("page"), where.get("page_end")
        if (_plain(row) and _int(column) and 0 <= column <= MAX_COLUMN and _int(start) and _int(end)
                and (printed is None or _plain(printed)) and (page is None or _int(page))
                and (page_end is None or _int(page_end))
                and ("printed" not in where or printed is not None) and ("page" not in where or page is not None)
                and ("page_end" not in where or page_end is not None)):
            return CompactLocation((start, end - start, page, page_end), column, printed,
                                   None if row == key.rpartition(".")[0] else row)
    return CompactLocation(location=json.dumps(location, ensure_ascii=False))
