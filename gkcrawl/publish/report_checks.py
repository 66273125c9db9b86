"""Which cells a failed check points at, and which cells changed between two versions.

Pure functions over archived rows, so the report page can highlight the failing row or
column and say what a later version of the same URL changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gkcrawl.archive.schema import APPLICANTS

COLUMN_KEYS = dict(zip(["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"], APPLICANTS))
APPEAL_GROUP_KEYS = {"行政复议": "review", "未经复议直接起诉": "lit_direct", "复议后起诉": "lit_after_review"}
BALANCE_ROWS = ("new", "carried_in", "total", "carried_out")


def _pieces(detail: str | None) -> list[str]:
    """A failed check's detail as its failures: "自然人 3+1≠2+1; 其他 0+0≠1+0" -> first words."""
    return [piece.strip().split(" ", 1)[0] for piece in (detail or "").split(";") if piece.strip()]


def cells_named_by_check(name: str, detail: str | None, keys: set[str] | frozenset[str]) -> set[str]:
    """Cell keys a failed check names (its row or column); empty when the check names none we know."""
    named: set[str] = set()
    if name == "requests_balance" or name.startswith("requests.balance"):
        named = {f"requests.{row}.total" for row in BALANCE_ROWS}
    elif name == "column_balance":
        columns = [COLUMN_KEYS[p] for p in _pieces(detail) if p in COLUMN_KEYS]
        named = {f"requests.{row}.{col}" for row in BALANCE_ROWS for col in columns}
    elif name == "row_totals":
        rows = [p for p in _pieces(detail) if p.startswith("requests.")]
        named = {f"{row}.{col}" for row in rows for col in APPLICANTS}
    elif name == "outcome_sum":
        named = {f"requests.total.{COLUMN_KEYS[p]}" for p in _pieces(detail) if p in COLUMN_KEYS}
    elif name == "appeals_totals" or name.startswith("appeals."):
        groups = [APPEAL_GROUP_KEYS[p] for p in _pieces(detail) if p in APPEAL_GROUP_KEYS]
        if not groups and name.startswith("appeals."):
            groups = [name.split(".")[1]]
        named = {key for key in keys if any(key.startswith(f"appeals.{g}.") for g in groups)}
    return named & set(keys)


def flagged_cells(checks: list[Mapping[str, Any]], keys: set[str] | frozenset[str]) -> set[str]:
    """Every cell key named by any failed check (ok == 0)."""
    flagged: set[str] = set()
    for check in checks:
        if check.get("ok") == 0:
            flagged |= cells_named_by_check(str(check.get("name") or ""), check.get("detail"), keys)
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
