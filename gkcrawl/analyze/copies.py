"""Copies: reports whose prose repeats another report's, and tables repeated across years.

Prose: MinHash signatures (datasketch, NUM_PERM permutations over character shingles of the
report's words, tables and digits dropped: prose.py) indexed in a MinHashLSH; every candidate
pair it returns with an estimated Jaccard similarity of at least COPY_THRESHOLD is a row, the
same body's report of another year or another body's alike. Renditions of one report are not
copies of each other. Tables: two reports whose part 三 and 四 cells are all equal, with at
least MIN_NONZERO_CELLS of them not zero (an idle body's all-zero table repeats honestly)."""

from __future__ import annotations

from typing import Any

import sqlite_utils
from datasketch import MinHashLSH

from .bodies import body_of
from .prose import MIN_PROSE_CHARS, NUM_PERM, minhash_of, prose_of
from .reading import StoredReport, latest_reports

COPY_THRESHOLD = 0.8
MIN_NONZERO_CELLS = 3
_TABLE_PARTS = ("requests.", "appeals.")


def _rendition_groups(db: sqlite_utils.Database) -> dict[int, int]:
    return {int(r[0]): int(r[1]) for r in db.execute("SELECT report_id, group_id FROM renditions")}


def _pair_row(a: StoredReport, b: StoredReport, what: str, similarity: float) -> dict[str, Any]:
    later, earlier = sorted((a, b), key=lambda r: (r.year or 0, r.id), reverse=True)
    return {"report_id": later.id, "other_report_id": earlier.id, "what": what, "similarity": round(similarity, 4),
            "same_body": int(body_of(later).key is not None and body_of(later).key == body_of(earlier).key),
            "year": later.year, "other_year": earlier.year, "agency": later.agency, "other_agency": earlier.agency}


def _table_signature(report: StoredReport) -> tuple[tuple[str, Any], ...] | None:
    cells = sorted((k, v) for k, v in report.cells.items() if k.startswith(_TABLE_PARTS))
    if sum(1 for _, v in cells if v) < MIN_NONZERO_CELLS:
        return None
    return tuple(cells)


def copy_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """`similar_reports` rows: prose pairs, then identical tables."""
    reports = latest_reports(db)
    groups = _rendition_groups(db)

    def one_report(a: StoredReport, b: StoredReport) -> bool:
        return a.id in groups and groups[a.id] == groups.get(b.id)

    by_id = {report.id: report for report in reports}
    lsh = MinHashLSH(threshold=COPY_THRESHOLD, num_perm=NUM_PERM)
    signatures = {}
    for report in reports:
        prose = prose_of(report.text)
        if len(prose) >= MIN_PROSE_CHARS:
            signatures[report.id] = minhash_of(prose)
            lsh.insert(report.id, signatures[report.id])
    rows = []
    seen: set[tuple[int, int]] = set()
    for report_id, signature in signatures.items():
        for other_id in lsh.query(signature):
            pair = (min(report_id, other_id), max(report_id, other_id))
            if other_id == report_id or pair in seen or one_report(by_id[report_id], by_id[other_id]):
                continue
            seen.add(pair)
            similarity = float(signature.jaccard(signatures[other_id]))
            if similarity >= COPY_THRESHOLD:
                rows.append(_pair_row(by_id[report_id], by_id[other_id], "prose", similarity))
    by_table: dict[tuple[tuple[str, Any], ...], list[StoredReport]] = {}
    for report in reports:
        table = _table_signature(report)
        if table is not None:
            by_table.setdefault(table, []).append(report)
    for members in by_table.values():
        for index, a in enumerate(members):
            for b in members[index + 1:]:
                if not one_report(a, b):
                    rows.append(_pair_row(a, b, "tables", 1.0))
    return rows
