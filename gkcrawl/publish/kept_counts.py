"""The reports pages' counts and facets answered from the counts the archive keeps on write.

Datasette counts a page's rows (`select count(*) … where "year" = :p0`) and each facet's values by
reading every row the page's filter matches: at a million reports, 200,000-750,000 rows, seconds a
page (issue 13). The archive keeps those numbers as it writes (`facet_counts`, and
`facet_pair_counts`: gkcrawl/archive/facet_pairs.py), so a `reports` or `latest_reports` page with
no filter, or with exactly one equality filter on a facet column, is answered from them; any other
page (two filters, a range, `__contains`, `_where`, a search, a `_next` page) is counted by
Datasette as before. Every facet says where its numbers came from (`gk_counted_from` in the JSON).

The filter's value matches as `col = :p0` would: a text column's value exactly as typed; an
INTEGER column's value with SQLite's numeric affinity (`year=2020.0` is 2020, `year=abc` nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from datasette.database import Database
from datasette.utils import path_with_added_args, path_with_removed_args

from gkcrawl.archive import facet_pairs
from gkcrawl.archive.schema import FACET_COLUMNS, TABLES

KEPT_TABLES = ("reports", "latest_reports")  # facet_counts.source; facet_pair_counts.latest = index
_COLUMN = "(" + "|".join(FACET_COLUMNS) + ")"
# Datasette 0.65's SQL for a page with one `?column=value` (views/table.py: count_sql, sql_no_order_no_limit).
ONE_FILTER_COUNT = re.compile(rf'select count\(\*\) from (reports|latest_reports) where "{_COLUMN}" = :p0 ')
ONE_FILTER_ROWS = re.compile(rf'select (?:(?! where ).)* from (reports|latest_reports) where "{_COLUMN}" = :p0 ', re.S)
NOT_COUNTED = "not counted on this page (kept only under a region filter: one row a report otherwise)"


def _numeric(column: str) -> bool:
    """Whether the reports column has INTEGER, REAL or NUMERIC affinity (SQLite's rules by declared type)."""
    declared = dict(TABLES["reports"].columns)[column].split()[0].upper()
    return not any(word in declared for word in ("CHAR", "CLOB", "TEXT", "BLOB"))


@dataclass(frozen=True)
class OneFilter:
    """A kept page: `table` filtered by `column = value` (the value as typed)."""

    table: str
    column: str
    value: str

    @property
    def latest(self) -> int:
        return KEPT_TABLES.index(self.table)

    def match_sql(self) -> str:
        """facet_counts rows of the column whose value `column = :p0` matches."""
        if _numeric(self.column):
            return ("source = :gk_source and facet = :gk_facet and value is not null and CASE WHEN typeof(value) "
                    "IN ('integer', 'real') THEN CAST(value AS NUMERIC) = :p0 ELSE value = :p0 END")
        return "source = :gk_source and facet = :gk_facet and value_key = quote(:p0)"

    def params(self) -> dict[str, Any]:
        return {"p0": self.value, "gk_source": self.table, "gk_facet": self.column}


def one_filter(pattern: re.Pattern[str], sql: Any, params: Any) -> OneFilter | None:
    if not isinstance(sql, str) or not isinstance(params, dict) or set(params) != {"p0"}:
        return None
    if not isinstance(params["p0"], str):
        return None
    found = pattern.fullmatch(sql)
    return OneFilter(found.group(1), found.group(2), params["p0"]) if found else None


async def _kept(db: Database) -> bool:
    return await db.table_exists("facet_counts") and await db.table_exists(facet_pairs.TABLE)


_database_execute = Database.execute


async def execute_with_kept_counts(self: Database, sql: Any, params: Any = None, *args: Any, **kwargs: Any) -> Any:
    """Database.execute, answering a kept page's `select count(*)` from facet_counts."""
    page = one_filter(ONE_FILTER_COUNT, sql, params)
    if page is not None and await _kept(self):
        counted = f"select coalesce(sum(count), 0) from facet_counts where {page.match_sql()}"
        return await _database_execute(self, counted, page.params())
    return await _database_execute(self, sql, params, *args, **kwargs)


def _value(facet: Any, column: str, value: Any, count: int) -> dict[str, Any]:
    """One facet value as Datasette's ColumnFacet gives it (its `selected` and toggle links)."""
    selected = (column, str(value)) in facet.get_querystring_pairs()
    toggle = (path_with_removed_args(facet.request, {column: str(value)}) if selected
              else path_with_added_args(facet.request, {column: value}))
    return {"value": value, "label": value, "count": count, "selected": selected,
            "toggle_url": facet.ds.absolute_url(facet.request, facet.ds.urls.path(toggle))}


def _facet(facet: Any, config: dict[str, Any], column: str, rows: list[Any] | None, size: int, source: str) -> dict:
    found = {"name": column, "type": facet.type, "hideable": config["source"] != "metadata",
             "toggle_url": facet.ds.urls.path(path_with_removed_args(facet.request, {"_facet": column})),
             "truncated": rows is not None and len(rows) > size, "gk_counted_from": source,
             "results": [_value(facet, column, row[0], row[1]) for row in (rows or [])[:size]]}
    if rows is None:
        found["gk_not_counted"] = NOT_COUNTED
    return found


def _column(config: dict[str, Any]) -> str:
    return config["config"].get("column") or config["config"]["simple"]


FACET_COUNTS_SQL = ("select value, count from facet_counts where source = :source and facet = :facet and count > 0 "
                    "and value is not null order by count desc, value limit :limit")
PAIRS_SQL = (f"select value, count from {facet_pairs.TABLE} where latest = :latest and filter = :filter "
             "and filter_value = :value and facet = :facet and count > 0 order by count desc, value limit :limit")


async def kept_facet_results(facet: Any) -> tuple[list[dict[str, Any]], list[str]] | None:
    """ColumnFacet.facet_results from the kept counts, or None when this page is not one they answer."""
    if facet.table not in KEPT_TABLES or not all(_column(c) in FACET_COLUMNS for c in facet.get_configs()):
        return None
    db = facet.ds.get_database(facet.database)
    unfiltered = not facet.params and " where " not in facet.sql.lower()
    page = None if unfiltered else one_filter(ONE_FILTER_ROWS, facet.sql, facet.params)
    if (not unfiltered and page is None) or not await _kept(db):
        return None
    size = facet.get_facet_size()
    matched: list[Any] = []
    if page is not None:
        matched = [tuple(row) for row in (await db.execute(
            f"select value, count from facet_counts where {page.match_sql()} and count > 0", page.params())).rows]
        if len(matched) > 1:
            return None  # 2020 and 2020.0 both stored: let Datasette count
    results = []
    for config in facet.get_configs():
        column = _column(config)
        if page is None:
            rows = (await db.execute(FACET_COUNTS_SQL, {"source": facet.table, "facet": column,
                                                        "limit": size + 1})).rows
            results.append(_facet(facet, config, column, rows, size, "facet_counts"))
        elif column == page.column:
            results.append(_facet(facet, config, column, matched, size, "facet_counts"))
        elif facet_pairs.kept(page.column, column):
            rows = [] if not matched else (await db.execute(PAIRS_SQL, {
                "latest": page.latest, "filter": page.column, "value": matched[0][0], "facet": column,
                "limit": size + 1})).rows
            results.append(_facet(facet, config, column, rows, size, facet_pairs.TABLE))
        else:
            results.append(_facet(facet, config, column, None, size, "not counted"))
    return results, []
