"""What the analysis reads: the latest version of every report, with its cells, in one pass.

Every cross-report table is about reports, not versions: a corrected report counts once, as
its latest version (`latest_reports`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils


@dataclass
class StoredReport:
    id: int
    url: str
    title: str | None
    agency: str | None
    region: str | None
    year: int | None
    published: str | None
    kind: str | None
    template: str | None
    text: str
    cells_found: int
    checks_failed: int
    referer: str | None
    cells: dict[str, Any] = field(default_factory=dict)


def latest_reports(db: sqlite_utils.Database, *, text: bool = True, cells: bool = True) -> list[StoredReport]:
    """Every URL's latest report version, oldest id first, with its text and non-empty cells
    unless a step needs neither (`text=False`, `cells=False`: names, years and dates only)."""
    text_column = "coalesce(r.text, '')" if text else "''"
    rows = db.execute(
        "SELECT r.id, r.url, r.title, r.agency, r.region, r.year, r.published, r.kind, r.template, "
        f"{text_column}, coalesce(r.cells_found, 0), coalesce(r.checks_failed, 0), c.referer "
        "FROM latest_reports r LEFT JOIN captures c ON c.id = r.capture_id ORDER BY r.id").fetchall()
    reports = {int(row[0]): StoredReport(int(row[0]), *row[1:]) for row in rows}
    if reports and cells:
        for report_id, key, value in db.execute(
                "SELECT c.report_id, c.key, c.value FROM report_cells c JOIN latest_reports r ON r.id = c.report_id "
                "WHERE c.value IS NOT NULL"):
            reports[int(report_id)].cells[key] = value
    return list(reports.values())
