"""Renditions: files that are one report, linked as one with the preferred source marked.

A notice page and the attachment it links, or the HTML page and the PDF of the same report, are
two archived documents and one report. Two latest reports are renditions of one when
- one was fetched from a link on the other (the attachment's capture names the page as its
  referer) and nothing says they differ (another year, another body, cells that disagree: a
  report page also links its neighbours, 上一篇/下一篇, and last year's report), or
- the same body's reports on the same year agree: every cell both read is equal (at least
  MIN_SHARED_CELLS of them), or their prose is nearly the same (MinHash ≥ SAME_PROSE).
The preferred source of a group is the one with the most cells read, then the fewest failed
checks, then by KIND_PREFERENCE (the formal document before the web page), then the oldest.
`counted_reports` leaves the others out, so counts are of reports, not files."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import sqlite_utils

from .bodies import body_of
from .prose import MIN_PROSE_CHARS, minhash_of, prose_of
from .reading import StoredReport, latest_reports

MIN_SHARED_CELLS = 10
SAME_PROSE = 0.9
KIND_PREFERENCE = ("pdf", "docx", "doc", "html", "text")


def _same_cells(a: StoredReport, b: StoredReport) -> bool:
    shared = set(a.cells) & set(b.cells)
    return len(shared) >= MIN_SHARED_CELLS and all(a.cells[key] == b.cells[key] for key in shared)


def _same_prose(a: StoredReport, b: StoredReport) -> bool:
    prose_a, prose_b = prose_of(a.text), prose_of(b.text)
    if min(len(prose_a), len(prose_b)) < MIN_PROSE_CHARS:
        return False
    return bool(minhash_of(prose_a).jaccard(minhash_of(prose_b)) >= SAME_PROSE)


def _compatible(a: StoredReport, b: StoredReport) -> bool:
    """Nothing the two say tells them apart: year, body and the cells both read."""
    if a.year is not None and b.year is not None and a.year != b.year:
        return False
    body_a, body_b = body_of(a).key, body_of(b).key
    if body_a and body_b and body_a != body_b:
        return False
    shared = set(a.cells) & set(b.cells)
    return len(shared) < MIN_SHARED_CELLS or all(a.cells[key] == b.cells[key] for key in shared)


def _rank(report: StoredReport) -> tuple[int, int, int, int]:
    kind = KIND_PREFERENCE.index(report.kind) if report.kind in KIND_PREFERENCE else len(KIND_PREFERENCE)
    return (-report.cells_found, report.checks_failed, kind, report.id)


def rendition_groups(reports: list[StoredReport]) -> list[tuple[list[StoredReport], dict[int, str]]]:
    """Groups of two or more renditions, each with why each member joined."""
    by_url = {report.url: report for report in reports}
    parent = {report.id: report.id for report in reports}
    reasons: dict[int, str] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: StoredReport, b: StoredReport, reason: str) -> None:
        parent[find(a.id)] = find(b.id)
        reasons.setdefault(a.id, reason)
        reasons.setdefault(b.id, reason)

    for report in reports:
        page = by_url.get(report.referer or "")
        if page is not None and page.id != report.id and _compatible(report, page):
            join(report, page, "attachment of the page")
    by_body_year: dict[tuple[str, int], list[StoredReport]] = {}
    for report in reports:
        key = body_of(report).key
        if key and report.year is not None:
            by_body_year.setdefault((key, int(report.year)), []).append(report)
    for members in by_body_year.values():
        for a, b in combinations(members, 2):
            if find(a.id) == find(b.id):
                continue
            if _same_cells(a, b):
                join(a, b, "same body and year, same cells")
            elif _same_prose(a, b):
                join(a, b, "same body and year, same prose")
    groups: dict[int, list[StoredReport]] = {}
    for report in reports:
        groups.setdefault(find(report.id), []).append(report)
    return [(members, reasons) for members in groups.values() if len(members) > 1]


def rendition_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """`renditions` rows: every member of every group, its group named by the preferred report."""
    rows = []
    for members, reasons in rendition_groups(latest_reports(db)):
        preferred = min(members, key=_rank)
        for report in members:
            rows.append({"report_id": report.id, "group_id": preferred.id, "preferred": int(report is preferred),
                         "reason": reasons.get(report.id), "kind": report.kind})
    return rows


def non_preferred(db: sqlite_utils.Database) -> set[int]:
    """Report ids that are a rendition of another, preferred, report."""
    return {int(row[0]) for row in db.execute("SELECT report_id FROM renditions WHERE preferred = 0")}
