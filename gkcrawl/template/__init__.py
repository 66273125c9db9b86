"""The two national report formats (2019 and 2021) as data, loaded once.

`model` reads the cells, rows, columns, appeal groups and results from
`gkcrawl/data/cells.tsv`; `rules` reads the template's arithmetic from
`gkcrawl/data/template_rules.yaml` and evaluates it. Every room reads the template from
here; the template reads no room.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from .model import (
    ONE_ROW_PARTS,
    TEMPLATES,
    TOTAL,
    Cell,
    Format,
    Named,
    Row,
    TemplateError,
    all_rows,
    appeal_groups,
    appeal_results,
    cells,
    column_name,
    columns,
    formats,
    row_id_of,
    template,
    totals_of,
)
from .rules import (
    ColumnRule,
    Document,
    Finding,
    Rule,
    column_rules,
    evaluate,
    fmt,
    narrowing_families,
    outcome_row_candidates,
    outcome_rows,
    row_equations,
    rulebook,
    signed,
    stand_ins,
)

__all__ = [
    "ACTIVE_ITEM_HEADING", "APPEAL_COLUMNS", "APPLICANT_COLUMNS", "APPLICANTS_HEADING", "ONE_ROW_PARTS",
    "TEMPLATES", "TOTAL", "Cell", "ColumnRule", "Document", "Finding", "Format", "Named", "Row", "RowSpec", "Rule",
    "TemplateError", "all_rows", "appeal_groups", "appeal_results", "cell_rows", "cells", "column_name",
    "column_rules", "columns", "evaluate", "fmt", "formats", "narrowing_families", "negative_allowed",
    "outcome_row_candidates", "outcome_rows", "row_equations", "row_id_of", "row_specs", "rulebook", "signed",
    "stand_in_spec", "stand_ins", "template", "template_keys", "totals_of",
]

# Header words the tables print that cells.tsv's labels do not carry: over part 三's seven
# columns, and over part 二's column of item names.
APPLICANTS_HEADING = "申请人情况"
ACTIVE_ITEM_HEADING = "信息内容"

APPLICANT_COLUMNS: tuple[str, ...] = tuple(c.key for c in columns())
APPEAL_COLUMNS: tuple[str, ...] = tuple(f"{g.key}.{r.key}" for g in appeal_groups() for r in appeal_results())


@dataclass(frozen=True)
class RowSpec:
    """One printed row as the parser reads it: its cell keys in column order and, joined in by
    the parser, the pattern of its printed label."""

    row_id: str  # "requests.new", "active.a20_5.licensing", "appeals"
    section: str  # "active", "requests", "appeals"
    keys: tuple[str, ...]
    pattern: re.Pattern[str] | None = None

    @property
    def width(self) -> int:
        return len(self.keys)


@lru_cache(maxsize=4)
def template_keys(name: str) -> tuple[str, ...]:
    """Every cell key of a format, in cells.tsv order."""
    return template(name).keys


def row_specs(name: str, labels: Mapping[str, re.Pattern[str]] | None = None) -> tuple[RowSpec, ...]:
    """The format's printed rows in document order (part 四 as one 15-cell row), each with its
    label pattern from `labels` (row id -> pattern) when given."""
    labels = labels or {}
    return tuple(RowSpec(row.id, row.part, row.keys, labels.get(row.id)) for row in template(name).rows)


def stand_in_spec(name: str, row_id: str, pattern: re.Pattern[str] | None = None) -> RowSpec:
    """The spec of a row another format lends to `name` (2019's single (六) row in a 2021 table)."""
    source, _ = stand_ins(name)[row_id]
    row = template(source).row(row_id)
    return RowSpec(row.id, row.part, row.keys, pattern)


def negative_allowed(spec: RowSpec) -> tuple[bool, ...]:
    """Only 本年增/减 can be negative; every other cell counts something."""
    return tuple(signed(key) for key in spec.keys)


@lru_cache(maxsize=1)
def cell_rows() -> tuple[tuple[str, str, str, str], ...]:
    """(key, template, section, label) for every cell of both formats, in cells.tsv order."""
    return tuple((c.key, c.template, c.section, c.label) for c in cells())
