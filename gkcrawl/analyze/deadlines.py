"""The legal deadline of each report, by the regulation in force for its year and its body.

Reports on 2008-2018 were due by 31 March from every body (2008 条例 art. 31); from reports on
2019 (2019 条例 art. 49) departments by 31 January and governments by 31 March of the following
year. Both the regulations and the words that tell a government from a department are data
(`gkcrawl/data/deadlines.yaml`). A report is late when the date printed on it is after its
deadline; a file that prints no date (a PDF attachment) takes the earliest date its renditions
print (the page that published it); without any, or for a year before 2008, nothing is said."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from .bodies import body_kind, deadline_rules
from .reading import StoredReport, latest_reports


def regulation_for(year: int) -> dict[str, Any] | None:
    """The regulation entry in force for reports on `year`, or None (before the 2008 条例)."""
    for entry in deadline_rules()["regulations"]:
        last = entry.get("last_year")
        if int(entry["first_year"]) <= year and (last is None or year <= int(last)):
            return dict(entry)
    return None


def deadline_of(year: int, agency: str | None) -> tuple[str | None, str | None, str]:
    """(deadline YYYY-MM-DD, regulation name, body kind) for a report on `year` by `agency`."""
    kind, _ = body_kind(agency)
    entry = regulation_for(year)
    if entry is None:
        return None, None, kind
    return f"{year + 1}-{entry['deadlines'][kind]}", str(entry["name"]), kind


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def _group_dates(db: sqlite_utils.Database) -> dict[int, str]:
    """report id -> the earliest date any rendition of it prints."""
    rows = db.execute("SELECT n.report_id, min(substr(r.published, 1, 10)) FROM renditions n "
                      "JOIN renditions m ON m.group_id = n.group_id JOIN reports r ON r.id = m.report_id "
                      "WHERE r.published IS NOT NULL GROUP BY n.report_id").fetchall()
    return {int(report_id): str(day) for report_id, day in rows}


def deadline_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """`report_deadlines` rows: every latest report with a year."""
    return deadline_rows_of(latest_reports(db, text=False, cells=False), _group_dates(db))


def deadline_rows_of(reports: list[StoredReport], group_dates: dict[int, str]) -> list[dict[str, Any]]:
    rows = []
    for report in reports:
        if report.year is None:
            continue
        deadline, regulation, kind = deadline_of(int(report.year), report.agency)
        printed = report.published or group_dates.get(report.id)
        published, due = _day(printed), _day(deadline)
        days_late = (published - due).days if published and due else None
        rows.append({"report_id": report.id, "year": report.year, "body_kind": kind, "regulation": regulation,
                     "deadline": deadline, "published": printed, "days_late": days_late,
                     "late": None if days_late is None else int(days_late > 0)})
    return rows
