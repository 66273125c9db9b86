"""Copies: reports whose prose repeats another report's, and tables repeated across years.

Prose: character shingles of the report's words (tables and digits dropped: prose.py), less
the boilerplate — a shingle found in more than max(COMMON_MIN_REPORTS, COMMON_SHARE of all
reports) reports is the national template's or the genre's wording, which every body may
repeat. What is left is the body's own writing; a report with fewer than MIN_OWN_SHINGLES of
it says too little to compare. MinHash signatures of it (datasketch, NUM_PERM permutations)
go into a MinHashLSH; every candidate pair with an estimated Jaccard similarity of at least
COPY_THRESHOLD is a row, the same body's report of another year or another body's alike.
Renditions of one report are not copies of each other. Tables: two reports whose part 三 and
四 cells are all equal, with at least MIN_NONZERO_CELLS of them not zero (an idle body's
all-zero table repeats honestly)."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import sqlite_utils
from datasketch import MinHash, MinHashLSH

from .bodies import body_of
from .prose import MIN_PROSE_CHARS, NUM_PERM, prose_of, shingles
from .reading import StoredReport, latest_reports

COPY_THRESHOLD = 0.8
COMMON_MIN_REPORTS = 25
COMMON_SHARE = 0.01
MIN_OWN_SHINGLES = 100
# A text copied by hundreds of bodies would give pairs by the ten thousand: each report keeps
# its MAX_MATCHES most similar others (the table says who copied whom, not every pair).
MAX_MATCHES = 20
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


def own_shingles(reports: list[StoredReport]) -> dict[int, set[str]]:
    """report id -> the shingles of its prose that are not boilerplate, for reports with enough of them."""
    sets = {}
    for report in reports:
        prose = prose_of(report.text)
        if len(prose) >= MIN_PROSE_CHARS:
            sets[report.id] = shingles(prose)
    counts: Counter[str] = Counter()
    for found in sets.values():
        counts.update(found)
    common = max(COMMON_MIN_REPORTS, math.ceil(COMMON_SHARE * len(sets)))
    own = {report_id: {s for s in found if counts[s] <= common} for report_id, found in sets.items()}
    return {report_id: found for report_id, found in own.items() if len(found) >= MIN_OWN_SHINGLES}


def copy_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """`similar_reports` rows: prose pairs, then identical tables."""
    reports = latest_reports(db)
    groups = _rendition_groups(db)

    def one_report(a: StoredReport, b: StoredReport) -> bool:
        return a.id in groups and groups[a.id] == groups.get(b.id)

    by_id = {report.id: report for report in reports}
    lsh = MinHashLSH(threshold=COPY_THRESHOLD, num_perm=NUM_PERM)
    signatures = {}
    for report_id, own in own_shingles(reports).items():
        signatures[report_id] = MinHash(num_perm=NUM_PERM, seed=1)
        signatures[report_id].update_batch([shingle.encode("utf-8") for shingle in own])
        lsh.insert(report_id, signatures[report_id])
    rows = []
    seen: set[tuple[int, int]] = set()
    for report_id, signature in signatures.items():
        scored = sorted(((float(signature.jaccard(signatures[other_id])), other_id)
                         for other_id in lsh.query(signature)
                         if other_id != report_id and not one_report(by_id[report_id], by_id[other_id])),
                        key=lambda pair: (-pair[0], pair[1]))
        for similarity, other_id in scored[:MAX_MATCHES]:
            pair = (min(report_id, other_id), max(report_id, other_id))
            if similarity >= COPY_THRESHOLD and pair not in seen:
                seen.add(pair)
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
