"""What the report row page needs beyond provenance: the rebuilt tables, the checks, the
links to the wide views, and the cells each version of the same URL changed.

Reads the archive through Datasette's database object (a read-only WAL reader, see serve.py).
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from .report_checks import CellChange, changed_cells, check_cells, flagged_cells
from .report_tables import ReportTable, build_report_tables, keys_outside_template, template_labels

CELLS_SQL = "SELECT key, value, uncertain, note, source FROM report_cells WHERE report_id = :id"
# Every column, so an archive written before checks named their cells (no `cells` column:
# served read-only, never migrated) still shows its checks, flagging nothing.
CHECKS_SQL = "SELECT * FROM checks WHERE report_id = :id ORDER BY id"
VERSION_CELLS_SQL = """
SELECT c.report_id, c.key, c.value, c.uncertain, c.note
FROM report_cells c JOIN reports r ON r.id = c.report_id
WHERE r.url = :url
"""
VERSIONS_SQL = "SELECT id, version, fetched_at, template FROM reports WHERE url = :url ORDER BY version"
WIDE_VIEWS = [("requests_wide", "三 申请 requests_wide"), ("appeals_wide", "四 复议诉讼 appeals_wide"),
              ("active_disclosure_wide", "二 主动公开 active_disclosure_wide")]
CHECK_STATUS = {1: "ok", 0: "failed", None: "unknown"}


@dataclass
class VersionNote:
    """One version of the report's URL and the cells it changed against the version before."""

    id: int
    version: int
    fetched_at: str
    url: str
    current: bool
    changes: list[CellChange] = field(default_factory=list)
    first: bool = False


@dataclass
class ReportPage:
    tables: list[ReportTable]
    checks: list[dict[str, Any]]
    wide_links: list[tuple[str, str]]
    versions: list[VersionNote]
    extra_keys: list[str]
    uncertain_count: int
    cells_url: str
    template: str | None
    ocr_count: int = 0  # cells read by OCR (report_cells.source = 'ocr')


def _cells_by_key(rows: list[Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: {"value": row["value"], "uncertain": row["uncertain"], "note": row["note"],
                         "source": row["source"]} for row in rows}


async def _versions(db: Any, datasette: Any, database: str, url: str, report_id: int,
                    labels: dict[str, str]) -> list[VersionNote]:
    versions = (await db.execute(VERSIONS_SQL, {"url": url})).rows
    if len(versions) < 2:
        return []
    by_report: dict[int, dict[str, dict[str, Any]]] = {}
    for row in (await db.execute(VERSION_CELLS_SQL, {"url": url})).rows:
        by_report.setdefault(row["report_id"], {})[row["key"]] = {"value": row["value"], "note": row["note"]}
    notes = []
    for index, row in enumerate(versions):
        note = VersionNote(id=row["id"], version=row["version"], fetched_at=row["fetched_at"],
                           url=datasette.urls.row(database, "reports", str(row["id"])),
                           current=row["id"] == report_id, first=index == 0)
        if index:
            previous = versions[index - 1]["id"]
            note.changes = changed_cells(by_report.get(previous, {}), by_report.get(row["id"], {}), labels)
        notes.append(note)
    return notes


async def report_page(datasette: Any, database: str, report_id: int, url: str, template: str | None) -> ReportPage:
    """Everything the report page shows under its provenance, for report `report_id`."""
    db = datasette.get_database(database)
    cells = _cells_by_key((await db.execute(CELLS_SQL, {"id": report_id})).rows)
    checks = [dict(row) for row in (await db.execute(CHECKS_SQL, {"id": report_id})).rows]
    labels = template_labels(template) if template else {}
    for check in checks:
        check["status"] = CHECK_STATUS.get(check["ok"], "unknown")
        check["cells"] = check_cells(check)
        check["url"] = datasette.urls.table(database, "checks") + f"?id={check['id']}"  # a view

    def cell_url(key: str) -> str:
        # report_cells is a view (compact cells, issue 13): a cell's page is the view filtered to it.
        return datasette.urls.table(database, "report_cells") + "?" + urllib.parse.urlencode(
            {"report_id": report_id, "key": key})

    flagged = flagged_cells(checks, frozenset(labels))
    tables = build_report_tables(template, cells, cell_url, flagged)
    wide_links = [(datasette.urls.table(database, view) + f"?report_id={report_id}", label)
                  for view, label in WIDE_VIEWS]
    return ReportPage(
        tables=tables, checks=checks, wide_links=wide_links,
        versions=await _versions(db, datasette, database, url, report_id, labels),
        extra_keys=keys_outside_template(template, cells),
        uncertain_count=sum(1 for row in cells.values() if row["uncertain"]),
        cells_url=datasette.urls.table(database, "report_cells") + f"?report_id={report_id}",
        template=template, ocr_count=sum(1 for row in cells.values() if row.get("source") == "ocr"))
