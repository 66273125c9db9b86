"""Which cells a failed check points at, and which cells changed between two versions.

Pure functions over archived rows, so the report page can highlight the failing row or
column and say what a later version of the same URL changed. A check names its cells itself
(the `cells` column the parser fills, see gkcrawl.parse.result.Check): its human-readable
`detail` is never read back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def check_cells(check: Mapping[str, Any]) -> list[str]:
    """The cell keys a stored check names: its `cells` column (JSON text, or a list already);
    [] when the row has none (an archive written before checks named their cells)."""
    value = check.get("cells")
    if isinstance(value, (bytes, str)):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    return [key for key in value if isinstance(key, str)]


def cells_named_by_check(check: Mapping[str, Any], keys: set[str] | frozenset[str]) -> set[str]:
    """The template cells (`keys`) a check names; empty when it names none of them."""
    return set(check_cells(check)) & set(keys)


def flagged_cells(checks: Sequence[Mapping[str, Any]], keys: set[str] | frozenset[str]) -> set[str]:
    """Every cell key named by any failed check (ok == 0)."""
    flagged: set[str] = set()
    for check in checks:
        if check.get("ok") == 0:
            flagged |= cells_named_by_check(check, keys)
    return flagged


@dataclass(frozen=True)
class CellChange:
    key: str
    label: str
    old: Any
    new: Any
    old_note: str | None = None
    new_note: str | None = None


def changed_cells(old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]],
                  labels: Mapping[str, str]) -> list[CellChange]:
    """Cells whose value or note differs between two versions (a missing cell counts as blank)."""
    changes = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key, {}), new.get(key, {})
        if before.get("value") != after.get("value") or (before.get("note") or None) != (after.get("note") or None):
            changes.append(CellChange(key, labels.get(key, key), before.get("value"), after.get("value"),
                                      before.get("note") or None, after.get("note") or None))
    return changes
