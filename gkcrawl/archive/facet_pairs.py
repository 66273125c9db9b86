"""Facet counts under one filter, kept on write: `facet_pair_counts` (issue 13).

A reports page filtered to one value of a column (`?year=2020`) shows six facets, each of which
Datasette counts over the filtered rows: at a million reports, 200,000 rows a facet and up to the
facet time limit each (7.9-10.4 s a page). This table holds, for every filter column and value,
how many reports have each value of every other facet column, for `reports` (latest = 0, every
version) and `latest_reports` (latest = 1). Triggers on `reports` keep it, as they keep
`facet_counts` (schema.FACET_TRIGGERS); `backfill_sql` fills it for reports already stored.

Only pairs whose counts are few rows are kept: an agency is one body, so its counts under a year,
a template, an arithmetic result or a spam flag are one row a report per filter (5 million rows at
a million reports) and say little ("1" for nearly every body). Agency counts are kept under a region
only; the publication says when a facet is not counted on a page (publish/kept_counts.py).
NULL values are not kept: Datasette's facets leave NULL out, and `col = value` never matches NULL.
"""

from __future__ import annotations

TABLE = "facet_pair_counts"
FILTERS = ("region", "year", "template", "arithmetic", "spam_found")
# The reports columns the pages facet by: schema.FACET_COLUMNS (facet_counts keeps their counts too).
FACETS = ("region", "year", "template", "arithmetic", "agency", "spam_found")


def kept(filter_column: str, facet: str) -> bool:
    """Whether the counts of `facet` under one value of `filter_column` are kept."""
    return (filter_column in FILTERS and facet in FACETS and facet != filter_column
            and (facet != "agency" or filter_column == "region"))


PAIRS = [(f, g) for f in FILTERS for g in FACETS if kept(f, g)]

# The table's columns and primary key (schema.TABLES declares it WITHOUT ROWID from these).
COLUMNS = [("latest", "INTEGER NOT NULL"), ("filter", "TEXT NOT NULL"), ("filter_value", "BLOB NOT NULL"),
           ("facet", "TEXT NOT NULL"), ("value", "BLOB NOT NULL"), ("count", "INTEGER NOT NULL")]
PK = ("latest", "filter", "filter_value", "facet", "value")
# No rank index (count desc, value): a page's pairs are one primary-key range, a region's agencies a few
# thousand rows sorted in ~2 ms at 200,000 reports, and the index would double the table's bytes.
TRIGGER_NAMES = ("reports_facet_pairs_insert", "reports_facet_pairs_delete", "reports_facet_pairs_update")


def _change(row: str, sign: str) -> str:
    """Statements adding `sign`1 to every kept pair of row OLD or NEW (latest only when not superseded)."""
    out = []
    for f, g in PAIRS:
        for latest, only in ((0, ""), (1, f" AND {row}.superseded = 0")):
            out.append(
                f"  INSERT INTO {TABLE} (latest, filter, filter_value, facet, value, count) SELECT {latest}, '{f}', "
                f"{row}.[{f}], '{g}', {row}.[{g}], {sign}1 WHERE {row}.[{f}] IS NOT NULL AND {row}.[{g}] IS NOT NULL"
                f"{only}\n    ON CONFLICT (latest, filter, filter_value, facet, value) "
                f"DO UPDATE SET count = count {sign} 1;\n")
    return "".join(out)


def _prune(row: str) -> str:
    """Statements deleting the pairs of row OLD that no report has any more (the table holds no zeros,
    as a backfill leaves none)."""
    return "".join(
        f"  DELETE FROM {TABLE} WHERE latest = {latest} AND filter = '{f}' AND filter_value = {row}.[{f}] "
        f"AND facet = '{g}' AND value = {row}.[{g}] AND count <= 0;\n"
        for f, g in PAIRS for latest in (0, 1))


def triggers() -> list[str]:
    columns = sorted({*FILTERS, *FACETS, "superseded"})
    changed = " OR ".join(f"OLD.[{column}] IS NOT NEW.[{column}]" for column in columns)
    insert, delete, update = TRIGGER_NAMES
    return [
        f"CREATE TRIGGER IF NOT EXISTS {insert} AFTER INSERT ON reports BEGIN\n{_change('NEW', '+')}END",
        f"CREATE TRIGGER IF NOT EXISTS {delete} AFTER DELETE ON reports BEGIN\n{_change('OLD', '-')}"
        f"{_prune('OLD')}END",
        f"CREATE TRIGGER IF NOT EXISTS {update} AFTER UPDATE ON reports WHEN {changed} BEGIN\n"
        f"{_change('OLD', '-')}{_change('NEW', '+')}{_prune('OLD')}END",
    ]


def backfill_sql() -> list[str]:
    """The pair counts of the reports already stored (a new table, or one dropped for a bulk load)."""
    return [f"INSERT INTO {TABLE} (latest, filter, filter_value, facet, value, count) "
            f"SELECT {latest}, '{f}', [{f}], '{g}', [{g}], count(*) FROM reports "
            f"WHERE [{f}] IS NOT NULL AND [{g}] IS NOT NULL{only} GROUP BY [{f}], [{g}]"
            for f, g in PAIRS for latest, only in ((0, ""), (1, " AND superseded = 0"))]


def drop_sql() -> list[str]:
    """Drop the table and its triggers (a bulk load rebuilds them once at its end: one GROUP BY a pair
    instead of 42 upserts a report)."""
    return [*(f"DROP TRIGGER IF EXISTS [{name}]" for name in TRIGGER_NAMES), f"DROP TABLE IF EXISTS [{TABLE}]"]
