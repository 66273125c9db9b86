"""A cell's `location` (where the parser read it), stored in a few small columns instead of JSON.

The parser's location of almost every cell is `{"where": {"in": "source_text", "row": R,
"column": C, "start": S, "end": E[, "printed": P][, "page": N]}}`: 125 bytes of JSON a cell,
25 KB a report (issue 13). The cells table keeps such a location as its numbers (loc_column,
loc_start, loc_end, loc_page), the printed text and, only when it is not the key's own row,
the row; `LOCATION_SQL` (used by the report_cells view) rebuilds exactly the JSON text
`json.dumps(location, ensure_ascii=False)` gives. Any other shape is kept as that JSON text.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Strings json.dumps(ensure_ascii=False) writes unchanged between quotes.
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')
_REQUIRED = ["in", "row", "column", "start", "end"]
_SHAPES = {tuple(_REQUIRED), (*_REQUIRED, "printed"), (*_REQUIRED, "page"), (*_REQUIRED, "printed", "page")}

COLUMNS = ("loc_row", "loc_column", "loc_start", "loc_end", "loc_printed", "loc_page", "location")

_ROW_OF_KEY = "substr(rtrim(k.key, replace(k.key, '.', '')), 1, length(rtrim(k.key, replace(k.key, '.', ''))) - 1)"
# The published location of a cells row `c` joined to its cell_keys row `k`.
LOCATION_SQL = (
    "CASE WHEN c.loc_start IS NULL THEN c.location ELSE\n"
    f"    '{{\"where\": {{\"in\": \"source_text\", \"row\": \"' || coalesce(c.loc_row, {_ROW_OF_KEY})\n"
    "    || '\", \"column\": ' || c.loc_column || ', \"start\": ' || c.loc_start || ', \"end\": ' || c.loc_end\n"
    "    || coalesce(', \"printed\": \"' || c.loc_printed || '\"', '') || coalesce(', \"page\": ' || c.loc_page, '')\n"
    "    || '}}' END")


def _plain(value: Any) -> bool:
    """A str json writes as is (`type(...) is`, not isinstance: a bool is an int but writes as true)."""
    return type(value) is str and not _NEEDS_ESCAPE.search(value)


_NOTHING = (None,) * len(COLUMNS)


def compact_location(key: str, location: dict[str, Any] | None) -> tuple[Any, ...]:
    """The COLUMNS values of a cell's location: its parts when LOCATION_SQL rebuilds the same
    JSON, else only `location` (the JSON text)."""
    if not location:
        return _NOTHING
    where = location.get("where") if len(location) == 1 else None
    if type(where) is dict and tuple(where) in _SHAPES and where["in"] == "source_text":
        row, column, start, end = where["row"], where["column"], where["start"], where["end"]
        printed, page = where.get("printed"), where.get("page")
        if (_plain(row) and type(column) is int and type(start) is int and type(end) is int
                and (printed is None or _plain(printed)) and (page is None or type(page) is int)
                and ("printed" not in where or printed is not None) and ("page" not in where or page is not None)):
            return (None if row == key.rpartition(".")[0] else row, column, start, end, printed, page, None)
    return (*_NOTHING[:-1], json.dumps(location, ensure_ascii=False))
