"""The archive's shape, declared once as data and applied idempotently by `ensure_db_shape`.

Tables are created with explicit column types and foreign keys; a column added to the
declaration later is added to existing databases with ALTER TABLE (never a silent
`alter=True` on insert). Views are rebuilt on every call so a changed declaration wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlite_utils

from gkcrawl import template

from . import facet_pairs
from .cell_location import HOW_ID_SQL, LOCATION_SQL, MAX_COLUMN, MAX_HOW_IN_BITS, SPAN_SQL
from .search_text import search_form

SCHEMA_VERSION = 7  # 2: compact cells (cells + cell_keys), wide tables written with the cells;
# 3: a cell's how as cell_hows.id, its location as numbers (cell_location.py);
# 4: a cell's row is value, bits and printed; spans and rare fields in cell_spans, cell_extras
# 5: the search index without positions: each report's tokens and CJK pairs (search_text.py)
# 6: a cell's row is value and bits (smaller numbers, a bit for "printed as its value"); another
#    printed text and a cell_hows id above 15 in cell_extras
# 7: reports.meta holds only what the report's columns do not (store.meta_beyond_columns)


@dataclass(frozen=True)
class TableSpec:
    columns: list[tuple[str, str]]  # (name, SQL type and column constraints)
    pk: tuple[str, ...]
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (column, table, column)
    indexes: list[tuple[str, tuple[str, ...], bool]] = field(default_factory=list)  # (name, columns, unique)
    without_rowid: bool = False


# Headline totals copied from the cells onto each report row (derived, replaced by reparse)
# so per-year charts and canned queries do not scan millions of cell rows.
# column -> cell keys summed (None when every one of them is missing): the 总计 cells of a
# part 三 row and the rows under it (both formats), or of a part 四 group (gkcrawl.template).
TOTALS: dict[str, tuple[str, ...]] = {
    **{f"requests_{row}": template.totals_of(f"requests.{row}") for row in (
        "new", "granted", "partial", "withheld", "unable", "not_processed", "other", "total")},
    **{column: (f"appeals.{group}.{template.TOTAL}",) for column, group in (
        ("review_total", "review"), ("litigation_direct_total", "lit_direct"),
        ("litigation_after_review_total", "lit_after_review"))},
}

TABLES: dict[str, TableSpec] = {
    "sites": TableSpec(
        columns=[("host", "TEXT NOT NULL"), ("name", "TEXT"), ("first_crawl", "TEXT"),
                 ("last_crawl", "TEXT"), ("captures", "INTEGER NOT NULL DEFAULT 0")],
        pk=("host",)),
    "captures": TableSpec(
        columns=[("id", "INTEGER"), ("url", "TEXT NOT NULL"), ("final_url", "TEXT"), ("method", "TEXT"),
                 ("status", "INTEGER"), ("fetched_at", "TEXT NOT NULL"), ("request_headers", "TEXT"),
                 ("response_headers", "TEXT"), ("sha256", "TEXT"), ("size", "INTEGER"),
                 ("content_type", "TEXT"), ("warc_file", "TEXT"), ("warc_offset", "INTEGER"),
                 ("warc_record_id", "TEXT"), ("site", "TEXT"), ("referer", "TEXT"), ("error", "TEXT"),
                 ("revisit", "INTEGER NOT NULL DEFAULT 0"), ("payload_digest", "TEXT"), ("warc_type", "TEXT"),
                 ("refers_to", "INTEGER")],
        pk=("id",),
        foreign_keys=[("site", "sites", "host"), ("refers_to", "captures", "id")],
        indexes=[("idx_captures_url", ("url", "fetched_at"), False),
                 ("idx_captures_site", ("site",), False),
                 ("idx_captures_sha256", ("sha256",), False),
                 ("idx_captures_warc_record_id", ("warc_record_id",), True)]),
    # A crawl budget spent (a list, a column's sub-columns, a site): where the crawl stopped
    # short, so a cut is never silent. One row per budget, scope and crawl.
    "budgets": TableSpec(
        columns=[("id", "INTEGER"), ("site", "TEXT"), ("budget", "TEXT NOT NULL"), ("scope_url", "TEXT NOT NULL"),
                 ("spent", "INTEGER NOT NULL"), ("exhausted_at", "TEXT NOT NULL")],
        pk=("id",),
        foreign_keys=[("site", "sites", "host")],
        indexes=[("idx_budgets_site", ("site",), False)]),
    # A list that declared its size (共N条, recordCount, a service's total) against the distinct
    # records the crawl reached on it, and how (static pages, its search service, the browser's
    # pager): a shortfall is a finding, never silent. One row per list and crawl.
    "list_coverage": TableSpec(
        columns=[("id", "INTEGER"), ("site", "TEXT"), ("list_url", "TEXT NOT NULL"), ("declared", "INTEGER NOT NULL"),
                 ("reached", "INTEGER NOT NULL"), ("shortfall", "INTEGER NOT NULL"), ("evidence", "TEXT"),
                 ("methods", "TEXT"), ("crawled_at", "TEXT NOT NULL"),
                 # A crawl cluster's row: scope 'cluster', its figures the whole cluster's for crawl_id
                 # (crawl/cluster_coverage.py); merge keeps one such row per crawl and list.
                 ("crawl_id", "TEXT"), ("scope", "TEXT")],
        pk=("id",),
        foreign_keys=[("site", "sites", "host")],
        indexes=[("idx_list_coverage_site", ("site",), False)]),
    "urls": TableSpec(
        columns=[("url", "TEXT NOT NULL"), ("site", "TEXT"), ("first_seen", "TEXT"), ("last_seen", "TEXT"),
                 ("last_status", "INTEGER"), ("gone_at", "TEXT")],
        pk=("url",),
        foreign_keys=[("site", "sites", "host")],
        indexes=[("idx_urls_site", ("site",), False)]),
    "reports": TableSpec(
        columns=[("id", "INTEGER"), ("url", "TEXT NOT NULL"), ("version", "INTEGER NOT NULL"),
                 ("title", "TEXT"), ("agency", "TEXT"), ("region", "TEXT"), ("year", "INTEGER"),
                 ("template", "TEXT"), ("published", "TEXT"), ("archived", "TEXT"), ("index_no", "TEXT"),
                 ("fetched_at", "TEXT NOT NULL"), ("sha256", "TEXT NOT NULL"), ("capture_id", "INTEGER"),
                 ("site", "TEXT"), ("text", "TEXT"), ("kind", "TEXT"), ("flags", "TEXT"), ("error", "TEXT"),
                 ("needs_ocr", "INTEGER NOT NULL DEFAULT 0"), ("spam_found", "INTEGER NOT NULL DEFAULT 0"),
                 ("spam_identity", "TEXT"), ("cells_found", "INTEGER"), ("cells_uncertain", "INTEGER"),
                 ("checks_failed", "INTEGER"), ("arithmetic", "TEXT"),
                 *[(column, "NUMERIC") for column in TOTALS],
                 ("meta", "TEXT"),
                 ("gone_at", "TEXT"), ("parser_version", "TEXT"), ("parsed_at", "TEXT"),
                 ("tool_versions", "TEXT"),
                 ("text_source", "TEXT"),  # "ocr": the text was read from pictures
                 # 1 once a later version of the URL is archived (trigger reports_supersede): latest_reports
                 # reads this flag instead of a max(version) lookup per row (issue 13).
                 ("superseded", "INTEGER NOT NULL DEFAULT 0")],
        pk=("id",),
        foreign_keys=[("capture_id", "captures", "id"), ("site", "sites", "host")],
        indexes=[("idx_reports_url_sha256", ("url", "sha256"), True),
                 ("idx_reports_url_version", ("url", "version"), True),
                 # A page filtered by region counts its facets from this one index (issue 13).
                 ("idx_reports_region_facets", ("region", "year", "template", "arithmetic", "spam_found", "agency"),
                  False),
                 ("idx_reports_year", ("year",), False),
                 ("idx_reports_agency", ("agency",), False),
                 # A page filtered by template, arithmetic or spam flag lists its rows by year (the table's
                 # sort) from the index instead of sorting 750,000 rows (issue 13: 5.2 s at a million).
                 ("idx_reports_template_year", ("template", "year"), False),
                 ("idx_reports_arithmetic_year", ("arithmetic", "year"), False),
                 ("idx_reports_spam_year", ("spam_found", "year"), False),
                 ("idx_reports_capture", ("capture_id",), False), ("idx_reports_site", ("site",), False),
                 # Covers latest_reports' facets, count and the per-year canned queries, which would
                 # otherwise read every row past its text (issue 13).
                 ("idx_reports_latest", ("superseded", "year", "region", "template", "arithmetic", *TOTALS),
                  False)]),
    # The cells, compact (issue 13): an integer key id instead of the key text on every row, no per-cell
    # copy of the part or parser version (both follow from the key and the report), and no index by key
    # (cross-report questions by key go to the wide tables). `report_cells`, the published long form with
    # the old columns, is a view over this and cell_keys (view_sql), writable through INSTEAD OF triggers.
    "cell_keys": TableSpec(
        columns=[("id", "INTEGER"), ("key", "TEXT NOT NULL"), ("part", "TEXT")],
        pk=("id",),
        indexes=[("idx_cell_keys_key", ("key",), True)]),
    "cells": TableSpec(
        # bits packs uncertain, source 'ocr', whether the printed text is the value, how (cell_hows.id)
        # and the cell's span and column (cell_location.py).
        columns=[("report_id", "INTEGER NOT NULL"), ("key_id", "INTEGER NOT NULL"), ("value", "NUMERIC"),
                 ("bits", "INTEGER NOT NULL DEFAULT 0")],
        pk=("report_id", "key_id"),
        foreign_keys=[("report_id", "reports", "id"), ("key_id", "cell_keys", "id")],
        without_rowid=True),
    # Where a printed row of a report was read (source text offsets, pages), shared by its cells.
    "cell_spans": TableSpec(
        columns=[("report_id", "INTEGER NOT NULL"), ("span", "INTEGER NOT NULL"), ("start", "INTEGER"),
                 ("length", "INTEGER"), ("page", "INTEGER"), ("page_end", "INTEGER")],
        pk=("report_id", "span"),
        foreign_keys=[("report_id", "reports", "id")],
        without_rowid=True),
    # The rarer per-cell fields, a row only for a cell that has one: its note, why it is uncertain
    # (ParseResult.uncertain_reasons), its row when not the key's own, a location of another shape
    # (JSON text), a source other than 'ocr', a printed text other than the value and a cell_hows id
    # too high for cells.bits.
    "cell_extras": TableSpec(
        columns=[("report_id", "INTEGER NOT NULL"), ("key_id", "INTEGER NOT NULL"), ("note", "TEXT"),
                 ("uncertain_reason", "TEXT"), ("row", "TEXT"), ("location", "TEXT"), ("source", "TEXT"),
                 ("printed", "TEXT"), ("how_id", "INTEGER")],
        pk=("report_id", "key_id"),
        foreign_keys=[("report_id", "reports", "id"), ("key_id", "cell_keys", "id")],
        without_rowid=True),
    # The facet counts of the reports and latest_reports pages, kept by triggers on reports (FACET_TRIGGERS):
    # at a million reports each facet would otherwise count every row on every page view (issue 13).
    # value_key is quote(value), so NULL is a value too (value: BLOB affinity, kept as stored); a count
    # may reach 0 and stay (pages show count > 0).
    "facet_counts": TableSpec(
        columns=[("source", "TEXT NOT NULL"), ("facet", "TEXT NOT NULL"), ("value_key", "TEXT NOT NULL"),
                 ("value", "BLOB"), ("count", "INTEGER NOT NULL")],
        pk=("source", "facet", "value_key"),
        without_rowid=True),  # idx_facet_counts_rank: PARTIAL_INDEXES
    # The facet counts under one filter value (?year=2020), kept by triggers too (facet_pairs.py).
    facet_pairs.TABLE: TableSpec(columns=facet_pairs.COLUMNS, pk=facet_pairs.PK, without_rowid=True),
    # The headline totals of the latest reports summed per year, region and whether requests_total > 0,
    # kept by the same triggers: the per-year canned queries read these few rows instead of a million
    # (issue 13). n_<column> counts the reports that have the column, so an all-empty sum stays NULL.
    "latest_year_totals": TableSpec(
        columns=[("year", "INTEGER NOT NULL"), ("region_key", "TEXT NOT NULL"), ("positive", "INTEGER NOT NULL"),
                 ("region", "BLOB"), ("reports", "INTEGER NOT NULL"),
                 *[(column, "NUMERIC") for column in TOTALS], *[(f"n_{column}", "INTEGER") for column in TOTALS]],
        pk=("year", "region_key", "positive"),
        without_rowid=True),
    # How a cell was read (table_grid, text_row, prose…), stored once: cells.how_id.
    "cell_hows": TableSpec(
        columns=[("id", "INTEGER"), ("how", "TEXT NOT NULL")],
        pk=("id",),
        indexes=[("idx_cell_hows_how", ("how",), True)]),
    # The checks, compact (issue 13): a check's cell list (2 KB of JSON for a passing check, the same list
    # on every report of a template) is stored once in check_cell_sets; the parser version is the
    # report's. `checks`, with the old columns, is a view (view_sql).
    "check_results": TableSpec(
        columns=[("id", "INTEGER"), ("report_id", "INTEGER NOT NULL"), ("name", "TEXT NOT NULL"),
                 ("ok", "INTEGER"), ("detail", "TEXT"), ("cell_set_id", "INTEGER")],
        pk=("id",),
        foreign_keys=[("report_id", "reports", "id"), ("cell_set_id", "check_cell_sets", "id")],
        indexes=[("idx_check_results_report", ("report_id",), False),
                 ("idx_check_results_name_ok", ("name", "ok"), False)]),
    "check_cell_sets": TableSpec(
        columns=[("id", "INTEGER"), ("cells", "TEXT NOT NULL")],
        pk=("id",),
        indexes=[("idx_check_cell_sets_cells", ("cells",), True)]),
    "spam_findings": TableSpec(
        columns=[("id", "INTEGER"), ("report_id", "INTEGER NOT NULL"), ("kind", "TEXT NOT NULL"),
                 ("string", "TEXT"), ("start", "INTEGER"), ("end", "INTEGER"), ("domain", "TEXT"),
                 ("evidence", "TEXT"), ("parser_version", "TEXT")],
        pk=("id",),
        foreign_keys=[("report_id", "reports", "id")],
        indexes=[("idx_spam_findings_report", ("report_id",), False)]),
    "cell_labels": TableSpec(
        columns=[("key", "TEXT NOT NULL"), ("template", "TEXT NOT NULL"), ("section", "TEXT"),
                 ("label", "TEXT")],
        pk=("key", "template")),
    "archive_info": TableSpec(
        columns=[("name", "TEXT NOT NULL"), ("value", "TEXT")], pk=("name",)),
    # One row per document version (url, sha256) that may be a report: what discovery said
    # about it, and how its derivation went (gkcrawl.derive). A failed parse is data here.
    "derivations": TableSpec(
        columns=[("id", "INTEGER"), ("url", "TEXT NOT NULL"), ("sha256", "TEXT NOT NULL"),
                 ("capture_id", "INTEGER"), ("site", "TEXT"), ("fetched_at", "TEXT"), ("content_type", "TEXT"),
                 ("content_disposition", "TEXT"), ("role", "TEXT"), ("title_hint", "TEXT"), ("link_text", "TEXT"),
                 ("notes", "TEXT"), ("status", "TEXT NOT NULL DEFAULT 'pending'"), ("outcome", "TEXT"),
                 ("report_id", "INTEGER"), ("attempts", "INTEGER NOT NULL DEFAULT 0"),
                 ("failures", "INTEGER NOT NULL DEFAULT 0"), ("error", "TEXT"), ("parser_version", "TEXT"),
                 ("queued_at", "TEXT"), ("finished_at", "TEXT"), ("seconds", "REAL"),
                 ("worker_peak_rss_kb", "INTEGER")],
        pk=("id",),
        foreign_keys=[("capture_id", "captures", "id"), ("report_id", "reports", "id")],
        indexes=[("idx_derivations_url_sha256", ("url", "sha256"), True),
                 ("idx_derivations_status", ("status",), False),
                 ("idx_derivations_report", ("report_id",), False)]),
    # The pictures a report page's tables were published as (parts 二/三/四 as <img>): the crawler
    # asks for each (`src` as the page writes it, `url` resolved), the page's derivation waits for
    # them, and the report's OCR'd cells trace back to the capture (and WARC record) they were
    # read from. `error` says why a picture is missing (http 404, not an image, crawl ended).
    "report_pictures": TableSpec(
        columns=[("id", "INTEGER"), ("derivation_id", "INTEGER NOT NULL"), ("report_id", "INTEGER"),
                 ("page_url", "TEXT NOT NULL"), ("src", "TEXT NOT NULL"), ("url", "TEXT NOT NULL"),
                 ("capture_id", "INTEGER"), ("sha256", "TEXT"), ("warc_record_id", "TEXT"),
                 ("status", "TEXT NOT NULL DEFAULT 'awaited'"), ("error", "TEXT"), ("recorded_at", "TEXT")],
        pk=("id",),
        foreign_keys=[("derivation_id", "derivations", "id"), ("report_id", "reports", "id"),
                      ("capture_id", "captures", "id")],
        indexes=[("idx_report_pictures_derivation_src", ("derivation_id", "src"), True),
                 ("idx_report_pictures_url", ("url", "status"), False),
                 ("idx_report_pictures_report", ("report_id",), False)]),
    # A document imported by hand (`gkcrawl import`): its file name, SHA-256, when it was imported and,
    # when known, where and when it was obtained; its bytes are a WARC resource record (capture_id).
    "imports": TableSpec(
        columns=[("id", "INTEGER"), ("file_name", "TEXT NOT NULL"), ("sha256", "TEXT NOT NULL"), ("size", "INTEGER"),
                 ("source_url", "TEXT"), ("url", "TEXT NOT NULL"), ("fetched_at", "TEXT"),
                 ("imported_at", "TEXT NOT NULL"), ("capture_id", "INTEGER"), ("report_id", "INTEGER"),
                 ("outcome", "TEXT"), ("error", "TEXT")],
        pk=("id",),
        foreign_keys=[("capture_id", "captures", "id"), ("report_id", "reports", "id")],
        indexes=[("idx_imports_url_sha256", ("url", "sha256"), True)]),
    # Cross-report analysis (gkcrawl.analyze): recomputed wholesale by `analyze_archive`.
    # Who published each latest report, as one body across years (agency as printed, normalised, + region).
    "report_bodies": TableSpec(
        columns=[("report_id", "INTEGER NOT NULL"), ("body_key", "TEXT"), ("agency", "TEXT"),
                 ("agency_normalized", "TEXT"), ("region", "TEXT"), ("year", "INTEGER"), ("body_kind", "TEXT"),
                 ("kind_word", "TEXT")],
        pk=("report_id",),
        foreign_keys=[("report_id", "reports", "id")],
        indexes=[("idx_report_bodies_body", ("body_key", "year"), False)]),
    # 上年结转 of year Y against 结转下年度继续办理 of Y-1, same body, one row per applicant column.
    "carry_over": TableSpec(
        columns=[("id", "INTEGER"), ("body_key", "TEXT NOT NULL"), ("year", "INTEGER NOT NULL"),
                 ("report_id", "INTEGER NOT NULL"), ("previous_report_id", "INTEGER NOT NULL"),
                 ("column_key", "TEXT NOT NULL"), ("column_name", "TEXT"), ("carried_in", "NUMERIC"),
                 ("previous_carried_out", "NUMERIC"), ("ok", "INTEGER")],
        pk=("id",),
        foreign_keys=[("report_id", "reports", "id"), ("previous_report_id", "reports", "id")],
        indexes=[("idx_carry_over_report", ("report_id",), False), ("idx_carry_over_ok", ("ok",), False)]),
    # Reports whose prose (MinHash over character shingles) or tables repeat another report's.
    "similar_reports": TableSpec(
        columns=[("id", "INTEGER"), ("report_id", "INTEGER NOT NULL"), ("other_report_id", "INTEGER NOT NULL"),
                 ("what", "TEXT NOT NULL"), ("similarity", "REAL"), ("same_body", "INTEGER"),
                 ("year", "INTEGER"), ("other_year", "INTEGER"), ("agency", "TEXT"), ("other_agency", "TEXT")],
        pk=("id",),
        foreign_keys=[("report_id", "reports", "id"), ("other_report_id", "reports", "id")],
        indexes=[("idx_similar_reports_report", ("report_id",), False)]),
    # Files that are one report (a notice page and its attachment, the HTML and the PDF): one group,
    # its preferred source marked.
    "renditions": TableSpec(
        columns=[("report_id", "INTEGER NOT NULL"), ("group_id", "INTEGER NOT NULL"),
                 ("preferred", "INTEGER NOT NULL"), ("reason", "TEXT"), ("kind", "TEXT")],
        pk=("report_id",),
        foreign_keys=[("report_id", "reports", "id"), ("group_id", "reports", "id")],
        indexes=[("idx_renditions_group", ("group_id",), False)]),
    # The legal deadline of each latest report, by the regulation in force for its year and its body kind.
    "report_deadlines": TableSpec(
        columns=[("report_id", "INTEGER NOT NULL"), ("year", "INTEGER"), ("body_kind", "TEXT"),
                 ("regulation", "TEXT"), ("deadline", "TEXT"), ("published", "TEXT"), ("days_late", "INTEGER"),
                 ("late", "INTEGER")],
        pk=("report_id",),
        foreign_keys=[("report_id", "reports", "id")],
        indexes=[("idx_report_deadlines_late", ("late",), False)]),
    # Official-site verdicts (gkcrawl.analyze.official_site): one row per judged HTML capture, the
    # marks its page shows (网站标识码, ICP, 公网安备, 党政机关 badge, 主办单位) and the evidence.
    "site_verdicts": TableSpec(
        columns=[("capture_id", "INTEGER NOT NULL"), ("site", "TEXT"), ("host", "TEXT"), ("url", "TEXT"),
                 ("fetched_at", "TEXT"), ("report_page", "INTEGER"), ("verdict", "TEXT NOT NULL"), ("why", "TEXT"),
                 ("organizer", "TEXT"), ("body_region", "TEXT"), ("site_code", "TEXT"), ("icp", "TEXT"),
                 ("police_record", "TEXT"), ("conac_mark", "INTEGER"), ("spam_strings", "INTEGER"),
                 ("copy_of", "TEXT"), ("evidence", "TEXT"), ("evidence_json", "TEXT"), ("rules_version", "INTEGER")],
        pk=("capture_id",),
        foreign_keys=[("capture_id", "captures", "id"), ("site", "sites", "host")],
        indexes=[("idx_site_verdicts_site", ("site", "verdict"), False)]),
    # Coverage accounting (gkcrawl.analyze.coverage): the shipped divisions (province, city, county)
    # and which latest report is a division's government's own, with its deadline.
    "divisions": TableSpec(
        columns=[("adcode", "TEXT NOT NULL"), ("level", "TEXT NOT NULL"), ("province", "TEXT"), ("city", "TEXT"),
                 ("county", "TEXT"), ("region", "TEXT NOT NULL")],
        pk=("adcode",),
        indexes=[("idx_divisions_region", ("region",), False)]),
    "government_reports": TableSpec(
        columns=[("report_id", "INTEGER NOT NULL"), ("adcode", "TEXT NOT NULL"), ("region", "TEXT"),
                 ("year", "INTEGER"), ("agency", "TEXT"), ("published", "TEXT"), ("deadline", "TEXT"),
                 ("on_time", "INTEGER"), ("days_late", "INTEGER"), ("matched_by", "TEXT"), ("site", "TEXT"),
                 ("source_verdict", "TEXT")],
        pk=("report_id",),
        foreign_keys=[("report_id", "reports", "id")],  # adcode: divisions.adcode (rewritten separately)
        indexes=[("idx_government_reports_division", ("adcode", "year"), False)]),
}

# The shapes of schema version 1, before compact cells and checks: what an older archive holds and
# ensure_db_shape upgrades (_migrate_cells_table, _migrate_checks_table); kept for the upgrade tests.
LEGACY_TABLES: dict[str, TableSpec] = {
    "report_cells": TableSpec(
        columns=[("report_id", "INTEGER NOT NULL"), ("key", "TEXT NOT NULL"), ("value", "NUMERIC"),
                 ("uncertain", "INTEGER NOT NULL DEFAULT 0"), ("note", "TEXT"), ("part", "TEXT"),
                 ("parser_version", "TEXT"), ("uncertain_reason", "TEXT"), ("how", "TEXT"), ("location", "TEXT"),
                 ("source", "TEXT")],
        pk=("report_id", "key"),
        foreign_keys=[("report_id", "reports", "id")],
        indexes=[("idx_report_cells_key", ("key",), False)],
        without_rowid=True),
    "checks": TableSpec(
        columns=[("id", "INTEGER"), ("report_id", "INTEGER NOT NULL"), ("name", "TEXT NOT NULL"),
                 ("ok", "INTEGER"), ("detail", "TEXT"), ("cells", "TEXT"), ("parser_version", "TEXT")],
        pk=("id",),
        foreign_keys=[("report_id", "reports", "id")],
        indexes=[("idx_checks_report", ("report_id",), False), ("idx_checks_name_ok", ("name", "ok"), False)]),
}

# Search: one index of each report's tokens and CJK pairs (search_text.py, search.py), for words of
# any length; the tables' search box and short_word_search use it. (A trigram index is no longer
# kept: see _drop_trigram_index.)
CHARS_FTS_TABLE = "reports_chars_fts"
# Contentless (content=''): the index keeps no second copy of every text (issue 13: that copy was
# 6 KB a report); store._unindex rebuilds what to delete from the report row. detail=none: no
# positions (2.4 KB -> 0.3 KB a report); longer words are checked against the text instead.
CHARS_FTS_SQL = (f"CREATE VIRTUAL TABLE IF NOT EXISTS [{CHARS_FTS_TABLE}] "
                 "USING fts5(chars, tokenize='unicode61', content='', detail=none)")

APPLICANTS = list(template.APPLICANT_COLUMNS)


def _quote(name: str) -> str:
    return "[" + name + "]"


def create_table_sql(name: str, spec: TableSpec) -> str:
    lines = [f"{_quote(col)} {sqltype}" for col, sqltype in spec.columns]
    lines.append("PRIMARY KEY (" + ", ".join(_quote(c) for c in spec.pk) + ")")
    for column, other_table, other_column in spec.foreign_keys:
        lines.append(f"FOREIGN KEY ({_quote(column)}) REFERENCES {_quote(other_table)}({_quote(other_column)})")
    tail = " WITHOUT ROWID" if spec.without_rowid else ""
    return f"CREATE TABLE {_quote(name)} (\n   " + ",\n   ".join(lines) + "\n)" + tail


def cell_label_rows() -> tuple[tuple[str, str, str, str], ...]:
    """(key, template, section, label) for every cell of both national formats (cells.tsv)."""
    return template.cell_rows()


def cell_keys(prefix: str) -> list[str]:
    """Distinct cell keys under a part ("requests.", "appeals.", "active."), in template order."""
    return list(_cell_keys(prefix))


@cache
def _cell_keys(prefix: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for key, _, _, _ in cell_label_rows():
        if key.startswith(prefix):
            seen.setdefault(key, None)
    return tuple(seen)


def wide_column(key: str) -> str:
    """Column name in a wide view: `requests.withheld.state_secret.natural` -> `withheld_state_secret__natural`."""
    parts = key.split(".")[1:]
    if parts[-1] in APPLICANTS or key.startswith("appeals."):
        return "_".join(parts[:-1]) + "__" + parts[-1]
    return "_".join(parts)


# Wide tables (issue 13): one row per report holding cells of a part, one column per cell key, written
# with the cells (store.write_derived_rows) and backfilled here for older archives, so the published
# wide views read one row per report instead of pivoting millions of cell rows on every page.
# prefix -> (published view, table behind it)
WIDE: dict[str, tuple[str, str]] = {
    "requests.": ("requests_wide", "requests_wide_values"),
    "appeals.": ("appeals_wide", "appeals_wide_values"),
    "active.": ("active_disclosure_wide", "active_disclosure_wide_values"),
}
for _prefix, (_view, _table) in WIDE.items():
    TABLES[_table] = TableSpec(
        columns=[("report_id", "INTEGER NOT NULL"), *[(wide_column(key), "NUMERIC") for key in cell_keys(_prefix)]],
        pk=("report_id",), foreign_keys=[("report_id", "reports", "id")])


def _wide_view_sql(prefix: str) -> str:
    # LEFT JOIN on the reports' primary key: a count(*) of the view never touches `reports`.
    columns = ",\n  ".join(f"w.[{wide_column(key)}]" for key in cell_keys(prefix))
    return ("SELECT w.report_id, r.url, r.version, r.title, r.agency, r.region, r.year, r.template,\n  "
            + columns + f"\nFROM [{WIDE[prefix][1]}] w LEFT JOIN reports r ON r.id = w.report_id")


def wide_backfill_sql(prefix: str, *, one_report: bool = False) -> str:
    """Rebuild a wide table from the cells (older archives, or a key added to the template); with
    `one_report`, only the report given as the statement's one parameter (a merged report)."""
    keys = cell_keys(prefix)
    pivots = ", ".join(f"max(CASE WHEN k.key = '{key}' THEN c.value END)" for key in keys)
    names = ", ".join(f"[{wide_column(key)}]" for key in keys)
    only = " AND c.report_id = ?" if one_report else ""
    return (f"INSERT INTO [{WIDE[prefix][1]}] (report_id, {names}) SELECT c.report_id, {pivots} "
            f"FROM cells c JOIN cell_keys k ON k.id = c.key_id WHERE k.key LIKE '{prefix}%'{only} "
            "GROUP BY c.report_id")


# The long form users query, over the compact cells; LEFT JOINs on unique keys, so a count(*) or a
# filter on report_id reads `cells` alone.
REPORT_CELLS_SQL = (
    "SELECT c.report_id, k.key, c.value, c.bits & 1 AS uncertain, x.note, k.part, r.parser_version,\n"
    f"  x.uncertain_reason, h.how, {LOCATION_SQL} AS location,\n"
    "  CASE WHEN c.bits & 2 THEN 'ocr' ELSE x.source END AS source\n"
    "FROM cells c LEFT JOIN cell_keys k ON k.id = c.key_id LEFT JOIN reports r ON r.id = c.report_id\n"
    "LEFT JOIN cell_extras x ON x.report_id = c.report_id AND x.key_id = c.key_id\n"
    f"LEFT JOIN cell_hows h ON h.id = {HOW_ID_SQL}\n"
    f"LEFT JOIN cell_spans s ON s.report_id = c.report_id AND s.span = {SPAN_SQL}")

CHECKS_SQL = (
    "SELECT c.id, c.report_id, c.name, c.ok, c.detail, s.cells, r.parser_version\n"
    "FROM check_results c LEFT JOIN check_cell_sets s ON s.id = c.cell_set_id\n"
    "LEFT JOIN reports r ON r.id = c.report_id")

# Partial indexes over the few rows a canned query asks for (older versions, spammed pages): a
# handful of bytes, and the planner can use them where an index over a 0/1 column it would not.
PARTIAL_INDEXES = [
    "CREATE INDEX IF NOT EXISTS idx_reports_superseded ON reports (url, version) WHERE superseded = 1",
    "CREATE INDEX IF NOT EXISTS idx_reports_spammed ON reports (superseded, id) WHERE spam_found = 1",
    # failing_arithmetic, in its order: the first page streams instead of sorting every failed report.
    "CREATE INDEX IF NOT EXISTS idx_reports_failing ON reports (year DESC, region, agency) "
    "WHERE arithmetic = 'failed' AND superseded = 0",
    # A facet's top values in Datasette's order (count desc, value): read in index order and stopped at
    # the facet size, even for agency, a million values of count 1 (issue 13: 1.9 s without it).
    "CREATE INDEX IF NOT EXISTS idx_facet_counts_rank ON facet_counts (source, facet, count DESC, value)",
]
# Indexes an older archive has that one above replaced.
DROPPED_INDEXES = ["idx_reports_region", "idx_facet_counts_top", "idx_reports_template", "idx_reports_arithmetic"]

SUPERSEDE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS reports_supersede AFTER INSERT ON reports BEGIN\n"
    "  UPDATE reports SET superseded = 1 WHERE url = NEW.url AND version < NEW.version AND superseded = 0;\n"
    "  UPDATE reports SET superseded = 1 WHERE id = NEW.id\n"
    "    AND EXISTS (SELECT 1 FROM reports v WHERE v.url = NEW.url AND v.version > NEW.version);\n"
    "END")

# A row written through the report_cells view: its bits (no span: its location stays JSON, in
# cell_extras) and its cell_extras values, selected only when one is set.
_TRIGGER_HOW = "coalesce((SELECT id FROM cell_hows WHERE how = NEW.how), 0)"
_TRIGGER_BITS = ("((coalesce(NEW.uncertain, 0) <> 0) | (CASE WHEN NEW.source = 'ocr' THEN 2 ELSE 0 END)\n"
                 f"    | (CASE WHEN {_TRIGGER_HOW} <= {MAX_HOW_IN_BITS} THEN {_TRIGGER_HOW} ELSE 0 END << 3))")
_OTHER_SOURCE = "CASE WHEN NEW.source = 'ocr' THEN NULL ELSE NEW.source END"
_EXTRA_HOW = f"CASE WHEN {_TRIGGER_HOW} > {MAX_HOW_IN_BITS} THEN {_TRIGGER_HOW} END"
_TRIGGER_EXTRAS = (f"NEW.note, NEW.uncertain_reason, NEW.location, {_OTHER_SOURCE}, {_EXTRA_HOW}\n"
                   f"  WHERE coalesce(NEW.note, NEW.uncertain_reason, NEW.location, {_OTHER_SOURCE}, {_EXTRA_HOW}) "
                   "IS NOT NULL")

# Writes through the report_cells view (older code and scripts that wrote the table) land in `cells`.
# The wide tables follow the store's writes only (store.write_derived_rows).
REPORT_CELLS_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS report_cells_insert INSTEAD OF INSERT ON report_cells BEGIN\n"
    "  INSERT OR IGNORE INTO cell_keys (key, part) VALUES (NEW.key,\n"
    "    coalesce(NEW.part, substr(NEW.key, 1, instr(NEW.key || '.', '.') - 1)));\n"
    "  INSERT OR IGNORE INTO cell_hows (how) SELECT NEW.how WHERE NEW.how IS NOT NULL;\n"
    "  INSERT INTO cells (report_id, key_id, value, bits)\n"
    f"  VALUES (NEW.report_id, (SELECT id FROM cell_keys WHERE key = NEW.key), NEW.value, {_TRIGGER_BITS});\n"
    "  INSERT INTO cell_extras (report_id, key_id, note, uncertain_reason, location, source, how_id)\n"
    f"  SELECT NEW.report_id, (SELECT id FROM cell_keys WHERE key = NEW.key), {_TRIGGER_EXTRAS};\n"
    "END",
    "CREATE TRIGGER IF NOT EXISTS report_cells_delete INSTEAD OF DELETE ON report_cells BEGIN\n"
    "  DELETE FROM cells WHERE report_id = OLD.report_id AND key_id = (SELECT id FROM cell_keys WHERE key = OLD.key);\n"
    "  DELETE FROM cell_extras\n"
    "  WHERE report_id = OLD.report_id AND key_id = (SELECT id FROM cell_keys WHERE key = OLD.key);\n"
    "END",
    "CREATE TRIGGER IF NOT EXISTS checks_insert INSTEAD OF INSERT ON checks BEGIN\n"
    "  INSERT OR IGNORE INTO check_cell_sets (cells) SELECT NEW.cells WHERE NEW.cells IS NOT NULL;\n"
    "  INSERT INTO check_results (id, report_id, name, ok, detail, cell_set_id) VALUES (NEW.id, NEW.report_id,\n"
    "    NEW.name, NEW.ok, NEW.detail, (SELECT id FROM check_cell_sets WHERE cells = NEW.cells));\n"
    "END",
    "CREATE TRIGGER IF NOT EXISTS checks_delete INSTEAD OF DELETE ON checks BEGIN\n"
    "  DELETE FROM check_results WHERE id = OLD.id;\n"
    "END",
    "CREATE TRIGGER IF NOT EXISTS report_cells_update INSTEAD OF UPDATE ON report_cells BEGIN\n"
    "  INSERT OR IGNORE INTO cell_hows (how) SELECT NEW.how WHERE NEW.how IS NOT NULL;\n"
    f"  UPDATE cells SET value = NEW.value, bits = {_TRIGGER_BITS}\n"
    "  WHERE report_id = OLD.report_id AND key_id = (SELECT id FROM cell_keys WHERE key = OLD.key);\n"
    "  DELETE FROM cell_extras\n"
    "  WHERE report_id = OLD.report_id AND key_id = (SELECT id FROM cell_keys WHERE key = OLD.key);\n"
    "  INSERT INTO cell_extras (report_id, key_id, note, uncertain_reason, location, source, how_id)\n"
    f"  SELECT OLD.report_id, (SELECT id FROM cell_keys WHERE key = OLD.key), {_TRIGGER_EXTRAS};\n"
    "END",
]


# The columns whose value counts facet_counts keeps, for `reports` (every version) and `latest_reports`.
FACET_COLUMNS = facet_pairs.FACETS


def _facet_change(row: str, sign: str) -> str:
    """Statements adding `sign`1 to the counts of row OLD or NEW (latest_reports only when not superseded)."""
    out = []
    for column in FACET_COLUMNS:
        # (an INSERT ... SELECT before ON CONFLICT needs its WHERE, sqlite's parsing ambiguity)
        for source, where in (("reports", " WHERE true"), ("latest_reports", f" WHERE {row}.superseded = 0")):
            out.append(
                f"  INSERT INTO facet_counts (source, facet, value_key, value, count) SELECT '{source}', '{column}', "
                f"quote({row}.[{column}]), {row}.[{column}], {sign}1{where}\n"
                f"    ON CONFLICT (source, facet, value_key) DO UPDATE SET count = count {sign} 1;\n")
    totals = ", ".join(f"[{column}], [n_{column}]" for column in TOTALS)
    values = ", ".join(f"{sign}{row}.[{column}], {sign}({row}.[{column}] IS NOT NULL)" for column in TOTALS)
    sums = ", ".join(f"[{column}] = CASE WHEN excluded.[{column}] IS NULL THEN [{column}] "
                     f"ELSE coalesce([{column}], 0) + excluded.[{column}] END, "
                     f"[n_{column}] = [n_{column}] + excluded.[n_{column}]" for column in TOTALS)
    out.append(
        f"  INSERT INTO latest_year_totals (year, region_key, positive, region, reports, {totals})\n"
        f"    SELECT {row}.year, quote({row}.region), coalesce({row}.requests_total > 0, 0), {row}.region, {sign}1, "
        f"{values}\n    WHERE {row}.superseded = 0 AND {row}.year IS NOT NULL\n"
        f"    ON CONFLICT (year, region_key, positive) DO UPDATE SET reports = reports {sign} 1, {sums};\n")
    return "".join(out)


FACET_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS reports_facets_insert AFTER INSERT ON reports BEGIN\n{_facet_change('NEW', '+')}END",
    f"CREATE TRIGGER IF NOT EXISTS reports_facets_delete AFTER DELETE ON reports BEGIN\n{_facet_change('OLD', '-')}END",
    "CREATE TRIGGER IF NOT EXISTS reports_facets_update AFTER UPDATE ON reports WHEN "
    + " OR ".join(f"OLD.[{column}] IS NOT NEW.[{column}]" for column in (*FACET_COLUMNS, *TOTALS, "superseded"))
    + f" BEGIN\n{_facet_change('OLD', '-')}{_facet_change('NEW', '+')}END",
]


def facet_backfill_sql() -> list[str]:
    """The facet counts of the reports already stored (an archive from before facet_counts)."""
    return [f"INSERT INTO facet_counts (source, facet, value_key, value, count) SELECT '{source}', '{column}', "
            f"quote([{column}]), [{column}], count(*) FROM reports{where} GROUP BY [{column}]"
            for column in FACET_COLUMNS
            for source, where in (("reports", ""), ("latest_reports", " WHERE superseded = 0"))]


def totals_backfill_sql() -> str:
    """The latest_year_totals of the reports already stored (an archive from before the table)."""
    totals = ", ".join(f"[{column}], [n_{column}]" for column in TOTALS)
    sums = ", ".join(f"sum([{column}]), count([{column}])" for column in TOTALS)
    return (f"INSERT INTO latest_year_totals (year, region_key, positive, region, reports, {totals}) "
            f"SELECT year, quote(region), coalesce(requests_total > 0, 0), min(region), count(*), {sums} "
            "FROM reports WHERE superseded = 0 AND year IS NOT NULL GROUP BY 1, 2, 3")


def view_sql() -> dict[str, str]:
    """Every view, name -> SELECT."""
    return {
        "latest_reports": (
            "SELECT r.* FROM reports r WHERE r.superseded = 0"),
        "report_cells": REPORT_CELLS_SQL,
        "checks": CHECKS_SQL,
        **{view: _wide_view_sql(prefix) for prefix, (view, _) in WIDE.items()},
        # Reports, not files: the latest version of every URL, less the renditions that are not preferred.
        "counted_reports": (
            "SELECT r.* FROM latest_reports r\n"
            "WHERE NOT EXISTS (SELECT 1 FROM renditions n WHERE n.report_id = r.id AND n.preferred = 0)"),
        # Every division x every year the archive spans: is its government's report held, and was it on time?
        "coverage": (
            "WITH RECURSIVE span(first, last) AS (\n"
            "  SELECT min(year), max(year) FROM reports WHERE year BETWEEN 2007 AND 2100),\n"
            "years(year) AS (SELECT first FROM span WHERE first IS NOT NULL\n"
            "  UNION ALL SELECT year + 1 FROM years, span WHERE year < span.last)\n"
            "SELECT d.adcode, d.level, d.province, d.city, d.county, d.region, y.year,\n"
            "  g.report_id, g.agency, g.published, g.deadline,\n"
            "  CASE WHEN g.report_id IS NULL THEN 0 ELSE 1 END AS held, g.on_time, g.days_late\n"
            "FROM divisions d CROSS JOIN years y\n"
            "LEFT JOIN government_reports g ON g.report_id = (\n"
            "  SELECT min(x.report_id) FROM government_reports x WHERE x.adcode = d.adcode AND x.year = y.year\n"
            "  AND coalesce(x.source_verdict, '') NOT IN ('mirror', 'not_government'))"),
        "coverage_summary": (
            "SELECT year, level, count(*) AS divisions, sum(held) AS held, coalesce(sum(on_time = 1), 0) AS on_time,\n"
            "  coalesce(sum(on_time = 0), 0) AS late, count(*) - sum(held) AS missing,\n"
            "  round(100.0 * sum(held) / count(*), 2) AS held_pct\n"
            "FROM coverage GROUP BY year, level\n"
            "ORDER BY year, CASE level WHEN 'province' THEN 1 WHEN 'city' THEN 2 ELSE 3 END"),
        # Per site: how many judged pages got each verdict, and the site's own verdict.
        "site_verdict_summary": (
            "SELECT site, group_concat(DISTINCT host) AS hosts, count(*) AS pages,\n"
            "  sum(verdict = 'official') AS official, sum(verdict = 'mirror') AS mirror,\n"
            "  sum(verdict = 'hijacked') AS hijacked, sum(verdict = 'inconsistent') AS inconsistent,\n"
            "  sum(verdict = 'unverified') AS unverified, sum(verdict = 'not_government') AS not_government,\n"
            "  CASE WHEN sum(verdict = 'mirror') > 0 THEN 'mirror'\n"
            "       WHEN sum(verdict = 'not_government') = count(*) THEN 'not_government'\n"
            "       WHEN sum(verdict = 'inconsistent') > 0 THEN 'inconsistent'\n"
            "       WHEN sum(verdict = 'official') > 0 THEN 'official' ELSE 'unverified' END AS site_verdict,\n"
            "  max(site_code) AS site_code, max(copy_of) AS copy_of\n"
            "FROM site_verdicts GROUP BY site"),
        "report_cells_labeled": (
            "SELECT c.report_id, r.url, r.title, r.year, k.key, l.section, l.label, c.value, c.bits & 1 AS uncertain,\n"
            "  x.note, r.parser_version\n"
            "FROM cells c JOIN cell_keys k ON k.id = c.key_id JOIN reports r ON r.id = c.report_id\n"
            "LEFT JOIN cell_extras x ON x.report_id = c.report_id AND x.key_id = c.key_id\n"
            "LEFT JOIN cell_labels l ON l.key = k.key AND l.template = r.template"),
    }


def _migrate_checks_table(db: sqlite_utils.Database) -> None:
    """An archive from before compact checks: move the checks table's rows into check_results, drop it."""
    have = _existing_columns(db, "checks")
    cells = "c.cells" if "cells" in have else "NULL"
    db.execute(f"INSERT OR IGNORE INTO check_cell_sets (cells) SELECT DISTINCT {cells} FROM checks c "
               f"WHERE {cells} IS NOT NULL")
    db.execute("INSERT OR REPLACE INTO check_results (id, report_id, name, ok, detail, cell_set_id) "
               "SELECT c.id, c.report_id, c.name, c.ok, c.detail, s.id "
               f"FROM checks c LEFT JOIN check_cell_sets s ON s.cells = {cells}")
    db.execute("DROP TABLE checks")


def _migrate_cells_table(db: sqlite_utils.Database) -> None:
    """An archive from before compact cells: move the report_cells table's rows into cells, drop it."""
    have = _existing_columns(db, "report_cells")
    optional = ", ".join(f"c.[{name}]" if name in have else "NULL"
                         for name in ("note", "uncertain_reason", "location", "source"))
    if "how" in have:
        db.execute("INSERT OR IGNORE INTO cell_hows (how) SELECT DISTINCT how FROM report_cells WHERE how IS NOT NULL")
    part = "c.part" if "part" in have else "NULL"
    db.execute("INSERT OR IGNORE INTO cell_keys (key, part) SELECT c.key, "
               f"coalesce(min({part}), substr(c.key, 1, instr(c.key || '.', '.') - 1)) "
               "FROM report_cells c GROUP BY c.key")
    how = "c.how" if "how" in have else "NULL"
    db.execute("DROP TABLE IF EXISTS cells_v3")
    db.execute("CREATE TABLE cells_v3 AS "
               "SELECT c.report_id, k.id AS key_id, c.value, coalesce(c.uncertain, 0) AS uncertain, "
               f"{optional}, {how} AS how "
               "FROM report_cells c JOIN cell_keys k ON k.key = c.key")
    db.execute("DROP TABLE report_cells")
    _migrate_cells_v4(db)


def _set_aside_old_cells(db: sqlite_utils.Database) -> str | None:
    """An older archive's cells, renamed before the new cells table is created: schema 2 or 3's (one
    wide row a cell) to cells_v3 for _migrate_cells_v4, schema 4 or 5's (with printed) to cells_v5 for
    _migrate_cells_v6; the views and triggers over them go (ensure_db_shape rebuilds them)."""
    have = _existing_columns(db, "cells")
    if "bits" in have and "printed" not in have:
        return None
    for (view,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall():
        db.execute(f"DROP VIEW IF EXISTS {_quote(view)}")
    triggers = db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%cells%'").fetchall()
    for (trigger,) in triggers:
        db.execute(f"DROP TRIGGER IF EXISTS {_quote(trigger)}")
    old = "cells_v5" if "bits" in have else "cells_v3"
    db.execute(f"DROP TABLE IF EXISTS {old}")
    db.execute(f"ALTER TABLE cells RENAME TO {old}")
    return old


# The location JSON of a schema-3 cells row `c` joined to its cell_keys row `k` (schema 3's LOCATION_SQL).
_V3_ROW_OF_KEY = "substr(rtrim(k.key, replace(k.key, '.', '')), 1, length(rtrim(k.key, replace(k.key, '.', ''))) - 1)"
_V3_LOCATION_SQL = (
    "CASE WHEN c.loc_start IS NULL THEN c.location ELSE\n"
    f"    '{{\"where\": {{\"in\": \"source_text\", \"row\": \"' || coalesce(c.loc_row, {_V3_ROW_OF_KEY})\n"
    "    || '\", \"column\": ' || c.loc_column || ', \"start\": ' || c.loc_start || ', \"end\": ' || c.loc_end\n"
    "    || coalesce(', \"printed\": \"' || c.loc_printed || '\"', '') || coalesce(', \"page\": ' || c.loc_page, '')\n"
    "    || '}}' END")


def _migrate_cells_v4(db: sqlite_utils.Database) -> None:
    """Move cells_v3 (schema 2's how text, schema 3's loc_* columns) into cells, cell_spans and
    cell_extras, then drop it. A location in numbers becomes a span; JSON text stays JSON."""
    have = _existing_columns(db, "cells_v3")
    col = {name: (f"c.[{name}]" if name in have else "NULL")
           for name in ("note", "uncertain_reason", "location", "source", "how_id", "how", "loc_row", "loc_column",
                        "loc_start", "loc_end", "loc_printed", "loc_page")}
    if "how" in have:
        db.execute("INSERT OR IGNORE INTO cell_hows (how) SELECT DISTINCT how FROM cells_v3 WHERE how IS NOT NULL")
        how_id = f"coalesce({col['how_id']}, (SELECT h.id FROM cell_hows h WHERE h.how = c.how))"
    else:
        how_id = col["how_id"]
    # A location in numbers that fits a span: its column in range (always, as schema 3 wrote them).
    spanned = (f"{col['loc_start']} IS NOT NULL AND {col['loc_column']} BETWEEN 0 AND 1023 "
               f"AND typeof({col['loc_column']}) = 'integer'")
    db.execute("DROP TABLE IF EXISTS temp.v4_spans")
    db.execute(f"CREATE TEMP TABLE v4_spans AS SELECT report_id, s, l, p, row_number() OVER "
               f"(PARTITION BY report_id ORDER BY s, l, p) - 1 AS span FROM (SELECT DISTINCT c.report_id, "
               f"{col['loc_start']} AS s, {col['loc_end']} - {col['loc_start']} AS l, {col['loc_page']} AS p "
               f"FROM cells_v3 c WHERE {spanned})")
    db.execute("CREATE INDEX temp.v4_spans_key ON v4_spans (report_id, s, l, p)")
    db.execute("INSERT INTO cell_spans (report_id, span, start, length, page) "
               "SELECT report_id, span, s, l, p FROM v4_spans ORDER BY report_id, span")
    db.execute("DROP TABLE IF EXISTS cells_v5")
    db.execute(_CELLS_V5_SQL)
    db.execute(
        "INSERT OR REPLACE INTO cells_v5 (report_id, key_id, value, bits, printed) "
        f"SELECT c.report_id, c.key_id, c.value, (coalesce(c.uncertain, 0) <> 0) | "
        f"(CASE WHEN {col['source']} = 'ocr' THEN 2 ELSE 0 END) | (coalesce({how_id}, 0) << 2) | "
        f"(CASE WHEN {spanned} THEN (1 + v.span * 1024 + {col['loc_column']}) << 12 ELSE 0 END), "
        f"CASE WHEN {spanned} THEN {col['loc_printed']} END "
        "FROM cells_v3 c LEFT JOIN v4_spans v ON v.report_id = c.report_id "
        f"AND v.s = {col['loc_start']} AND v.l = {col['loc_end']} - {col['loc_start']} AND v.p IS {col['loc_page']} "
        "ORDER BY c.report_id, c.key_id")
    location = (f"CASE WHEN {spanned} THEN NULL ELSE {_V3_LOCATION_SQL} END" if "loc_start" in have
                else col["location"])
    source = f"CASE WHEN {col['source']} = 'ocr' THEN NULL ELSE {col['source']} END"
    row = f"CASE WHEN {spanned} THEN {col['loc_row']} END"
    db.execute(
        "INSERT OR REPLACE INTO cell_extras (report_id, key_id, note, uncertain_reason, row, location, source) "
        f"SELECT * FROM (SELECT c.report_id, c.key_id, {col['note']} AS note, {col['uncertain_reason']} AS reason, "
        f"{row} AS row, {location} AS location, {source} AS source "
        "FROM cells_v3 c LEFT JOIN cell_keys k ON k.id = c.key_id) "
        "WHERE coalesce(note, reason, row, location, source) IS NOT NULL ORDER BY 1, 2")
    db.execute("DROP TABLE temp.v4_spans")
    db.execute("DROP TABLE cells_v3")
    _migrate_cells_v6(db)


# Schema 4 and 5's cells and the location their view built (the cell_location.py of then).
_CELLS_V5_SQL = ("CREATE TABLE cells_v5 (report_id INTEGER NOT NULL, key_id INTEGER NOT NULL, value NUMERIC, "
                 "bits INTEGER NOT NULL DEFAULT 0, printed TEXT, PRIMARY KEY (report_id, key_id)) WITHOUT ROWID")
_V5_AT, _V5_COLUMN = "(c.bits >> 12)", "(((c.bits >> 12) - 1) & 1023)"
_V5_SPAN, _V5_HOW = "(((c.bits >> 12) - 1) >> 10)", "((c.bits >> 2) & 1023)"
_V5_LOCATION_SQL = (
    f"    '{{\"where\": {{\"in\": \"source_text\", \"row\": \"' || coalesce(x.row, {_V3_ROW_OF_KEY})\n"
    f"    || '\", \"column\": ' || {_V5_COLUMN} || ', \"start\": ' || s.start\n"
    "    || ', \"end\": ' || (s.start + s.length)\n"
    "    || coalesce(', \"printed\": \"' || c.printed || '\"', '') || coalesce(', \"page\": ' || s.page, '')\n"
    "    || coalesce(', \"page_end\": ' || s.page_end, '') || '}}'")


def _migrate_cells_v6(db: sqlite_utils.Database) -> None:
    """Move cells_v5 into cells: bits repacked (cell_location.py), a printed text that is the value
    becomes a bit, another one, a how id above 15 and a span in a column above 63 (as the JSON
    location it stood for) go to cell_extras; then drop cells_v5."""
    fits = f"({_V5_AT} > 0 AND {_V5_COLUMN} <= {MAX_COLUMN})"
    as_value = (f"({fits} AND ((typeof(c.value) = 'integer' AND c.printed = CAST(c.value AS TEXT)) "
                "OR (c.value IS NULL AND c.printed = '')))")
    how = f"CASE WHEN {_V5_HOW} <= {MAX_HOW_IN_BITS} THEN {_V5_HOW} ELSE 0 END"
    at = f"CASE WHEN {fits} THEN 1 + {_V5_SPAN} * 64 + {_V5_COLUMN} ELSE 0 END"
    db.execute(f"INSERT OR REPLACE INTO cells (report_id, key_id, value, bits) SELECT c.report_id, c.key_id, c.value, "
               f"(c.bits & 3) | (CASE WHEN {as_value} THEN 4 ELSE 0 END) | (({how}) << 3) | (({at}) << 7) "
               "FROM cells_v5 c ORDER BY c.report_id, c.key_id")
    db.execute(
        "INSERT INTO cell_extras (report_id, key_id, printed, how_id, location) SELECT * FROM ("
        f"SELECT c.report_id, c.key_id, CASE WHEN {fits} AND NOT {as_value} THEN c.printed END AS printed, "
        f"CASE WHEN {_V5_HOW} > {MAX_HOW_IN_BITS} THEN {_V5_HOW} END AS how_id, "
        f"CASE WHEN {_V5_AT} > 0 AND NOT {fits} THEN {_V5_LOCATION_SQL} END AS location "
        "FROM cells_v5 c LEFT JOIN cell_keys k ON k.id = c.key_id "
        "LEFT JOIN cell_extras x ON x.report_id = c.report_id AND x.key_id = c.key_id "
        f"LEFT JOIN cell_spans s ON s.report_id = c.report_id AND s.span = {_V5_SPAN}) "
        "WHERE coalesce(printed, how_id, location) IS NOT NULL ORDER BY 1, 2 "
        "ON CONFLICT (report_id, key_id) DO UPDATE SET printed = excluded.printed, how_id = excluded.how_id, "
        "location = coalesce(excluded.location, location)")
    db.execute("DROP TABLE cells_v5")


def _existing_columns(db: sqlite_utils.Database, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({_quote(table)})").fetchall()}


def _ensure_chars_index(db: sqlite_utils.Database) -> None:
    """The search index as CHARS_FTS_SQL makes it; an older archive's (a copy of the text, or one token
    per character with positions) is rebuilt from the report rows."""
    row = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [CHARS_FTS_TABLE]).fetchone()
    if row and row[0] == CHARS_FTS_SQL.replace(" IF NOT EXISTS", ""):
        return
    db.execute(f"DROP TABLE IF EXISTS [{CHARS_FTS_TABLE}]")
    db.execute(CHARS_FTS_SQL)
    if row:
        for batch in _chunks(db.execute("SELECT id, title, agency, region, text FROM reports"), 1000):
            db.conn.executemany(f"INSERT INTO [{CHARS_FTS_TABLE}] (rowid, chars) VALUES (?, ?)",
                                [(report_id, search_form(*rest)) for report_id, *rest in batch])


def _chunks(rows: Any, size: int) -> Any:
    batch = rows.fetchmany(size)
    while batch:
        yield batch
        batch = rows.fetchmany(size)


# The report columns filled from the parser's meta (store.derived_columns); reports.meta keeps only the rest.
META_COLUMNS = ("title", "agency", "region", "year", "published", "archived", "index_no")


def _strip_meta_copies(db: sqlite_utils.Database) -> None:
    """An archive from before schema 7: reports.meta loses the keys its row's columns hold (a year
    written as text stays), and becomes NULL when nothing else is left."""
    removed = ", ".join(
        f"CASE WHEN json_extract(meta, '$.{column}') IS [{column}]"
        + (" AND json_type(meta, '$.year') IS NOT 'text'" if column == "year" else "")
        + f" THEN '$.{column}' ELSE '$[0]' END"  # '$[0]': no key of an object, removes nothing
        for column in META_COLUMNS)
    db.execute(f"UPDATE reports SET meta = nullif(json_remove(meta, {removed}), '{{}}') "
               "WHERE meta IS NOT NULL AND json_valid(meta) AND json_type(meta) = 'object'")


def _stored_version(db: sqlite_utils.Database, existing: set[str]) -> int:
    if "archive_info" not in existing:
        return 0
    row = db.execute("SELECT value FROM archive_info WHERE name = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Create or complete every table, index, view and search index; safe to call on every open.

    An older archive is upgraded in place: its report_cells table moves into the compact cells
    (and becomes a view), and wide tables that are new or gained columns are rebuilt from the cells."""
    existing = set(db.table_names())
    stored_version = _stored_version(db, existing)
    stale_wide: set[str] = set()
    wide_tables = {table for _, table in WIDE.values()}
    with db.conn:
        old_cells = "cells" in existing and _set_aside_old_cells(db)
        if old_cells:
            existing.discard("cells")
        for name, spec in TABLES.items():
            if name not in existing:
                db.execute(create_table_sql(name, spec))
                stale_wide |= {name} & wide_tables
            else:
                have = _existing_columns(db, name)
                for column, sqltype in spec.columns:
                    if column not in have:
                        # ALTER TABLE cannot add NOT NULL without a default: relax it for old rows.
                        relaxed = sqltype.replace("NOT NULL", "") if "DEFAULT" not in sqltype else sqltype
                        db.execute(f"ALTER TABLE {_quote(name)} ADD COLUMN {_quote(column)} {relaxed}")
                        stale_wide |= {name} & wide_tables
                        if (name, column) == ("reports", "superseded"):
                            db.execute("UPDATE reports SET superseded = 1 WHERE version < "
                                       "(SELECT max(v.version) FROM reports v WHERE v.url = reports.url)")
            for index_name, columns, unique in spec.indexes:
                cols = ", ".join(_quote(c) for c in columns)
                db.execute(f"CREATE {'UNIQUE ' if unique else ''}INDEX IF NOT EXISTS {_quote(index_name)} "
                           f"ON {_quote(name)} ({cols})")
        db.conn.executemany(
            "INSERT OR REPLACE INTO cell_labels (key, template, section, label) VALUES (?, ?, ?, ?)",
            cell_label_rows())
        # Template keys first, in template order: small, stable ids.
        db.conn.executemany("INSERT OR IGNORE INTO cell_keys (key, part) VALUES (?, ?)",
                            [(key, key.split(".", 1)[0]) for key in cell_keys("")])
        if old_cells == "cells_v3":
            _migrate_cells_v4(db)
        elif old_cells == "cells_v5":
            _migrate_cells_v6(db)
        if "report_cells" in existing:
            _migrate_cells_table(db)
        if "checks" in existing:
            _migrate_checks_table(db)
        for prefix, (_, table) in WIDE.items():
            if table in stale_wide and (table not in existing or "report_cells" in existing
                                        or db.execute("SELECT 1 FROM cells LIMIT 1").fetchone()):
                db.execute(f"DELETE FROM {_quote(table)}")
                db.execute(wide_backfill_sql(prefix))
        if stored_version < 7 and "reports" in existing:
            _strip_meta_copies(db)
        db.execute("INSERT OR REPLACE INTO archive_info (name, value) VALUES ('schema_version', ?)",
                   [str(SCHEMA_VERSION)])
        _ensure_chars_index(db)
        current_views = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall())
        for view_name, select in view_sql().items():
            create = f"CREATE VIEW {_quote(view_name)} AS {select}"
            if current_views.get(view_name) != create:
                db.execute(f"DROP VIEW IF EXISTS {_quote(view_name)}")
                db.execute(create)
        for index in PARTIAL_INDEXES:
            db.execute(index)
        for index in DROPPED_INDEXES:
            db.execute(f"DROP INDEX IF EXISTS {_quote(index)}")
        current_triggers = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
        if "facet_counts" not in existing and "reports" in existing:
            for statement in facet_backfill_sql():
                db.execute(statement)
        if "latest_year_totals" not in existing and "reports" in existing:
            db.execute(totals_backfill_sql())
        if facet_pairs.TABLE not in existing and "reports" in existing:
            for statement in facet_pairs.backfill_sql():
                db.execute(statement)
        for trigger in [*REPORT_CELLS_TRIGGERS, SUPERSEDE_TRIGGER, *FACET_TRIGGERS, *facet_pairs.triggers()]:
            name = trigger.split(" EXISTS ", 1)[1].split()[0]
            if current_triggers.get(name) != trigger.replace("IF NOT EXISTS ", ""):
                db.execute(f"DROP TRIGGER IF EXISTS {_quote(name)}")
                db.execute(trigger)
    if "reports_fts" in existing:
        _drop_trigram_index(db)


def _drop_trigram_index(db: sqlite_utils.Database) -> None:
    """Archives before issue 13 also kept a trigram index (4 KB a report) that only 3+ character
    words could use; the per-character index answers every length, so the trigram one goes."""
    with db.conn:
        for trigger in ("reports_ai", "reports_ad", "reports_au"):
            db.execute(f"DROP TRIGGER IF EXISTS [{trigger}]")
        db.execute("DROP TABLE IF EXISTS reports_fts")
