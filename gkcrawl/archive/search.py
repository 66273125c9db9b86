"""The archive's search as one SQL statement: the index's candidates, checked against their text
only when the index alone cannot answer (search_text.py), newest first so a cap stops it early.

Used by the published reports tables' search box (the Datasette plugin) and by anyone holding a
connection (`search_ids`); both need the two SQL functions `register_functions` adds.
"""

from __future__ import annotations

from typing import Any

from .schema import CHARS_FTS_TABLE
from .search_text import chars_contain, index_query, needs_text_check, warm

_INDEX_ONLY = (f"select rowid from [{CHARS_FTS_TABLE}] where [{CHARS_FTS_TABLE}] match chars_match({{param}}) "
               "order by rowid desc")
_CHECKED = ("select c.rowid from ({candidates}) c join reports r on r.id = c.rowid "
            "where chars_contain(r.title, r.agency, r.region, r.text, {param}) order by c.rowid desc")


def register_functions(conn: Any) -> None:
    """chars_match(q): the index query of q; chars_contain(title, agency, region, text, q): the text check."""
    conn.create_function("chars_match", 1, lambda query: index_query(query or "") or '""', deterministic=True)
    conn.create_function("chars_contain", 5, chars_contain, deterministic=True)
    warm()


def matches_sql(query: str, *, limit: int | None = None, checked: int | None = None, param: str = ":q") -> str:
    """SQL selecting the rowids (report ids) that match `query`, most recently archived first, at most
    `limit`; when the text check is needed, only the `checked` newest candidates are checked (None:
    all). The query itself is bound as `param`: the SQL depends only on whether a check is needed."""
    if needs_text_check(query):
        sql = _CHECKED.format(candidates=candidates_sql(param=param, limit=checked), param=param)
    else:
        sql = candidates_sql(param=param)
    return sql if limit is None else f"{sql} limit {int(limit)}"


def candidates_sql(*, param: str = ":q", limit: int | None = None) -> str:
    """SQL selecting what the index alone offers for the query bound as `param`, newest first."""
    sql = _INDEX_ONLY.format(param=param)
    return sql if limit is None else f"{sql} limit {int(limit)}"


def search_ids(conn: Any, query: str, *, limit: int | None = None) -> list[int]:
    """The ids of the reports matching `query`, newest first (a sqlite3 or sqlite_utils connection)."""
    raw = getattr(conn, "conn", conn)
    register_functions(raw)
    return [row[0] for row in raw.execute(matches_sql(query, limit=limit), {"q": query})]
