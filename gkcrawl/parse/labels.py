"""The template's rows: which label starts each row and which cell keys its values fill.

The rows, keys and columns are gkcrawl.template's (from `gkcrawl/data/cells.tsv`; re-exported
here); this module adds the printed labels (matched on simplified, NFKC-normalised text, with
any whitespace allowed between characters) and the markers that end a row without holding
values (group headings, column headers)."""

from __future__ import annotations

import re
from functools import lru_cache

from gkcrawl import template as _template, vocabulary
from gkcrawl.template import APPEAL_COLUMNS, APPLICANT_COLUMNS, RowSpec, negative_allowed, template_keys

__all__ = ["APPEAL_COLUMNS", "APPLICANT_COLUMNS", "LABELS", "MARKERS", "RowSpec", "negative_allowed", "row_specs",
           "template_keys"]

# The printed labels and row-ending markers are data: gkcrawl/data/vocabulary/labels.yaml
# and markers.yaml, compiled once by gkcrawl.vocabulary.
LABELS: dict[str, re.Pattern[str]] = vocabulary.labels()
# Headings that end the previous row's values but hold none themselves.
MARKERS: re.Pattern[str] = vocabulary.markers()


@lru_cache(maxsize=4)
def row_specs(template: str) -> tuple[RowSpec, ...]:
    """The template's printed rows in document order (appeals as one 15-cell row), each with
    its label pattern."""
    return _template.row_specs(template, LABELS)
