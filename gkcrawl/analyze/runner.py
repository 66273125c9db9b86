"""The analysis steps, in order: each rewrites one table whole from what the archive holds.

Later steps read what earlier ones wrote (carry-over and copies read `renditions`), so the
order matters. Adding an analysis is one line here: the table and the function of the archive
that returns its rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlite_utils

from gkcrawl.archive.store import replace_rows

from . import coverage, official_site
from .bodies import body_rows
from .carry_over import carry_over_rows
from .copies import copy_rows
from .deadlines import deadline_rows
from .reading import latest_reports
from .renditions import rendition_rows

Step = tuple[str, Callable[[sqlite_utils.Database], list[dict[str, Any]]]]

STEPS: list[Step] = [
    ("report_bodies", lambda db: body_rows(latest_reports(db, text=False, cells=False))),
    ("renditions", rendition_rows),
    ("report_deadlines", deadline_rows),
    ("carry_over", carry_over_rows),
    ("similar_reports", copy_rows),
    # Official-site verdicts per capture, then coverage (which leaves mirrors' copies uncounted).
    *official_site.STEPS,
    *coverage.STEPS,
]


def analyze_archive(db: sqlite_utils.Database) -> dict[str, int]:
    """Recompute every cross-report table; returns rows written per table. Idempotent."""
    return {table: replace_rows(db, table, compute(db)) for table, compute in STEPS}
