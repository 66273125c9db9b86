"""What a re-derivation would lose against the rows the archive holds for the same report.

A new parser that reads less than the old one (a title, the template, cells, or cells it
was sure of and is not any more) must never replace the richer rows without saying so:
`gkcrawl reparse` lists every loss and holds it back unless told to accept it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from gkcrawl.parse.result import ParseResult

SHOWN_KEYS = 5  # cell keys named in one line; the count says how many there are


@dataclass
class Loss:
    """The losses of one report's re-derivation; empty when it loses nothing."""

    title: str | None = None
    template: str | None = None
    cells: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.title or self.template or self.cells or self.uncertain)

    def describe(self) -> str:
        parts = []
        if self.title:
            parts.append(f"title {self.title!r}")
        if self.template:
            parts.append(f"template {self.template}")
        if self.cells:
            parts.append(f"{len(self.cells)} cells ({_keys(self.cells)})")
        if self.uncertain:
            parts.append(f"{len(self.uncertain)} cells turned uncertain ({_keys(self.uncertain)})")
        return "lost " + ", ".join(parts)


def _keys(keys: list[str]) -> str:
    shown = ", ".join(keys[:SHOWN_KEYS])
    return shown + (", …" if len(keys) > SHOWN_KEYS else "")


def loss_of(db: sqlite_utils.Database, report_id: int, result: ParseResult) -> Loss:
    """What replacing report `report_id`'s derived rows with `result` would lose."""
    row: Any = db.execute("SELECT title, template FROM reports WHERE id = ?", [report_id]).fetchone()
    old_title, old_template = (row[0], row[1]) if row else (None, None)
    known = [str(key) for (key,) in db.execute(
        "SELECT key FROM report_cells WHERE report_id = ? AND value IS NOT NULL AND uncertain = 0 ORDER BY key",
        [report_id])]
    new_title = (result.meta or {}).get("title")
    uncertain = set(result.uncertain)
    loss = Loss(title=old_title if old_title and not new_title else None,
                template=old_template if old_template and not result.template else None)
    for key in known:
        if result.cells.get(key) is None:
            loss.cells.append(key)
        elif key in uncertain:
            loss.uncertain.append(key)
    return loss
