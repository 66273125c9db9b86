"""Carry-over across years: 上年结转 of year Y against 结转下年度继续办理 of Y-1.

The applications a body carried into next year are the ones its next report says it carried in
from last year, column by column (自然人 … 总计). One row per column of every pair of the same
body's consecutive reports: ok 1 (equal), 0 (a break: both values kept, neither corrected), or
empty (a cell unread). A body is its normalised agency name and region (bodies.py); of a year's
renditions, the preferred one speaks for the body."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from gkcrawl import template as national

from .bodies import body_of
from .reading import StoredReport, latest_reports
from .renditions import non_preferred


def _representatives(reports: list[StoredReport], skip: set[int]) -> dict[str, dict[int, StoredReport]]:
    """body_key -> year -> the report that speaks for it (the most cells read, then the oldest)."""
    chosen: dict[str, dict[int, StoredReport]] = {}
    for report in reports:
        key = body_of(report).key
        if key is None or report.year is None or report.id in skip:
            continue
        years = chosen.setdefault(key, {})
        held = years.get(int(report.year))
        if held is None or (report.cells_found, -report.id) > (held.cells_found, -held.id):
            years[int(report.year)] = report
    return chosen


def carry_over_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """`carry_over` rows for every body with reports on two consecutive years that print part 三."""
    rows = []
    for body_key, years in sorted(_representatives(latest_reports(db, text=False), non_preferred(db)).items()):
        for year in sorted(years):
            before, now = years.get(year - 1), years[year]
            if before is None:
                continue
            if not any(k.startswith("requests.carried_") for k in (*before.cells, *now.cells)):
                continue  # neither prints the table (a pre-2019 report): nothing to compare
            for column in national.columns():
                carried_in = now.cells.get(f"requests.carried_in.{column.key}")
                carried_out = before.cells.get(f"requests.carried_out.{column.key}")
                ok = None if carried_in is None or carried_out is None else int(carried_in == carried_out)
                rows.append({"body_key": body_key, "year": year, "report_id": now.id,
                             "previous_report_id": before.id, "column_key": column.key,
                             "column_name": column.name, "carried_in": carried_in,
                             "previous_carried_out": carried_out, "ok": ok})
    return rows
