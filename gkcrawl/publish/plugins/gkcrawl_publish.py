"""Datasette plugin for the gkcrawl archive: Chinese search of any length, provenance, snapshots,
and each report's template tables rebuilt from its cells (gkcrawl/publish/report_page.py).

The `reports` and `latest_reports` tables search `reports_chars_fts` (each report's tokens and
CJK pairs, see gkcrawl/archive/search_text.py and search.py): one- and two-character words are
found, 復議 matches 复议, and a longer word's candidates are checked against their text.
Datasette's own `escape_fts` is replaced too, so SQL that calls it gets the index query.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.database import Database
from datasette.facets import ColumnFacet
from datasette.filters import FilterArguments
from datasette.utils.asgi import AsgiFileDownload, Response
from markupsafe import Markup

from gkcrawl.archive.search import candidates_sql, matches_sql, register_functions
from gkcrawl.archive.search_text import index_query, needs_text_check
from gkcrawl.publish.kept_counts import execute_with_kept_counts, kept_facet_results
from gkcrawl.publish.report_page import report_page
from gkcrawl.publish.snapshot_files import content_type_of, list_snapshot_files, snapshot_path
from gkcrawl.publish.svg_chart import bar_chart_svg, chart_rows
from gkcrawl.publish.warc_record import NoRecord, read_record

PROVENANCE_SQL = """
SELECT r.id, r.url, r.version, r.template, r.agency, r.region, r.year, r.published, r.kind,
       r.fetched_at, r.sha256, r.parser_version, r.parsed_at, r.gone_at, r.text,
       r.title, r.capture_id, c.status, c.final_url, c.content_type, c.size, c.warc_file, c.warc_offset,
       c.warc_record_id
FROM reports r LEFT JOIN captures c ON c.id = r.capture_id
WHERE r.id = :id
"""
CAPTURE_SQL = "SELECT warc_file, warc_offset FROM captures WHERE id = :id"
VERDICT_SQL = "SELECT verdict, why, evidence, copy_of FROM site_verdicts WHERE capture_id = :capture"
VERSIONS_SQL = "SELECT id, version, fetched_at, sha256, gone_at FROM reports WHERE url = :url ORDER BY version"


# Search (issue 13): the most recently archived SEARCH_CAP matches, found by the index in rowid order
# so it stops early; a common word matches most of a million reports, and counting or sorting all of
# them took seconds. One more match than the cap tells "more than" apart from "exactly".
SEARCHED_TABLES = ("reports", "latest_reports")
SEARCH_CAP = 1000
# A word longer than two characters is found by its character pairs, then each candidate's text is
# checked (gkcrawl/archive/search.py), ~0.1 ms each: the newest CHECK_CAP candidates are checked, and
# the page says so when there were more (a rare phrase of common pairs would otherwise read them all).
# More than SEARCH_CAP, so "more than SEARCH_CAP matches" can be told. Both can be set in metadata.yml
# (plugins: gkcrawl: search_cap, search_check_cap): a larger machine may check more.
CHECK_CAP = 2 * SEARCH_CAP


def search_caps(datasette: Any) -> tuple[int, int]:
    """(matches listed, candidates checked) for this server: metadata.yml's, else the defaults; the check
    cap is kept above the search cap."""
    config = datasette.plugin_config("gkcrawl") or {}
    search_cap = max(1, int(config.get("search_cap") or SEARCH_CAP))
    check_cap = int(config.get("search_check_cap") or max(CHECK_CAP, 2 * search_cap))
    return search_cap, max(check_cap, search_cap + 1)


def escape_fts_as_index_query(query: str) -> str:
    """The search box's text as the index's query; never raises on odd input."""
    return index_query(query or "") or '""'


@hookimpl(trylast=True)
def prepare_connection(conn: Any) -> None:
    # trylast: runs after Datasette's own prepare_connection, so this escape_fts wins.
    conn.create_function("escape_fts", 1, escape_fts_as_index_query, deterministic=True)
    register_functions(conn)  # chars_match, chars_contain


@hookimpl(trylast=True)
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    """`?_search=` on reports and latest_reports: the capped, most-recent-first matches (SEARCH_CAP).
    (trylast: its search box context wins over Datasette's own search filter, which has no fts_table
    for these tables in metadata.yml and so does nothing.)"""
    if table not in SEARCHED_TABLES:
        return None

    async def inner() -> FilterArguments:
        search = (request.args.get("_search") or "").strip()
        context = {"supports_search": True, "search": search}
        if not search:
            return FilterArguments([], extra_context=context)
        db = datasette.get_database(database)
        search_cap, check_cap = search_caps(datasette)
        found = (await db.execute(f"select count(*) from ({_capped(search, search_cap + 1, check_cap)})",
                                  {"gk_search": search})).rows[0][0]
        capped = found > search_cap
        described = f'search matches "{search}"' + (
            f" (more than {search_cap:,} reports: the {search_cap:,} most recently archived)" if capped else "")
        checked_all = True
        if not capped and needs_text_check(search):
            offered = candidates_sql(param=":gk_search", limit=check_cap + 1)
            checked_all = (await db.execute(f"select count(*) from ({offered})",
                                            {"gk_search": search})).rows[0][0] <= check_cap
            if not checked_all:
                described += (f" (checked in the {check_cap:,} most recently archived reports that hold every"
                              " character pair of the words; older reports were not searched)")
        context.update({"gk_search_capped": capped, "gk_search_cap": search_cap,
                        "gk_search_checked_all": checked_all, "gk_search_check_cap": check_cap})
        return FilterArguments([f"id in ({_capped(search, search_cap, check_cap)})"], {"gk_search": search},
                               [described], context)

    return inner


def _capped(search: str, limit: int, check_cap: int) -> str:
    return matches_sql(search, limit=limit, checked=check_cap, param=":gk_search")


_column_facet_results = ColumnFacet.facet_results


async def _facet_results(self: ColumnFacet) -> Any:
    """ColumnFacet.facet_results, answered from the kept counts where they hold the answer (an
    unfiltered or one-filter reports / latest_reports page: kept_counts.py); any other page counts
    as Datasette does."""
    kept = await kept_facet_results(self)
    return kept if kept is not None else await _column_facet_results(self)


ColumnFacet.facet_results = _facet_results
Database.execute = execute_with_kept_counts  # a kept page's row count (kept_counts.py)


def latest_snapshot(datasette: Any) -> dict[str, str] | None:
    config = datasette.plugin_config("gkcrawl") or {}
    folder = config.get("snapshots_dir")
    if not folder or not Path(folder).is_dir():
        return None
    files = sorted(Path(folder).glob("gkcrawl-*.db"))
    if not files:
        return None
    url = config.get("snapshots_url", "/snapshots/")
    return {"name": files[-1].name, "url": url + files[-1].name, "sums_url": url + "SHA256SUMS",
            "changes_url": url + "CHANGES"}


async def download_database(datasette: Any, request: Any) -> Any:
    """`/<name>.db`: the latest snapshot, a consistent file (the live database may be mid-crawl)."""
    config = datasette.plugin_config("gkcrawl") or {}
    if request.url_vars["database"] != config.get("database"):
        return Response.text("Not found", status=404)
    latest = latest_snapshot(datasette)
    if latest is None:
        return Response.text("No snapshot of this archive yet: the live database is not offered for download "
                             "while it may be written. Run `gkcrawl snapshot` and reload.\n", status=404)
    path = Path(config["snapshots_dir"]) / latest["name"]
    return AsgiFileDownload(str(path), filename=latest["name"], content_type=content_type_of(latest["name"])[0])


async def snapshots_index(datasette: Any, request: Any) -> Any:
    """`/snapshots/`: every snapshot with its size, date and SHA-256 (Datasette's static mount answers 403)."""
    config = datasette.plugin_config("gkcrawl") or {}
    folder = Path(config.get("snapshots_dir") or "")
    files = list_snapshot_files(folder) if config.get("snapshots_dir") else []
    return Response.html(await datasette.render_template(
        "gk_snapshots.html", {"files": files, "snapshots_url": config.get("snapshots_url", "/snapshots/")},
        request=request))


async def snapshot_download(datasette: Any, request: Any) -> Any:
    """`/snapshots/NAME`: the file with its own content type (an SQLite file as application/vnd.sqlite3)."""
    config = datasette.plugin_config("gkcrawl") or {}
    name = request.url_vars["name"]
    path = snapshot_path(Path(config["snapshots_dir"]), name) if config.get("snapshots_dir") else None
    if path is None:
        return Response.text("Not found\n", status=404)
    content_type, attachment = content_type_of(name)
    return AsgiFileDownload(str(path), filename=name if attachment else None, content_type=content_type,
                            headers={"cache-control": "max-age=60"})


async def download_warc_record(datasette: Any, request: Any) -> Any:
    """`/-/gkcrawl/warc-record?file=F&offset=N`: one record of the archive's WARC folder, as stored."""
    config = datasette.plugin_config("gkcrawl") or {}
    warc_file = request.args.get("file") or ""
    offset = request.args.get("offset") or ""
    if not config.get("warc_dir") or not offset.isdigit():
        return Response.text("Not found\n", status=404)
    try:
        record = read_record(Path(config["warc_dir"]), warc_file, int(offset))
    except NoRecord as missing:
        return Response.text(f"{missing}\n", status=404)
    name = f"{Path(warc_file).name.removesuffix('.warc.gz')}-{offset}.warc.gz"
    return Response(record, content_type="application/warc",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    # Plugin routes are matched before Datasette's own, so this replaces its (immutable-only) download.
    return [(r"^/(?P<database>[^/.]+)\.db$", download_database),
            (r"^/-/gkcrawl/warc-record$", download_warc_record),
            (r"^/snapshots/?$", snapshots_index),
            (r"^/snapshots/(?P<name>[^/]+)$", snapshot_download)]


def replay_link(replay_url: str | None, url: str, fetched_at: str | None) -> str | None:
    """pywb's address of this capture: COLLECTION/<14-digit timestamp>/<original URL>."""
    stamp = re.sub(r"\D", "", fetched_at or "")[:14]
    return f"{replay_url.rstrip('/')}/{stamp}/{url}" if replay_url and len(stamp) == 14 else None


@hookimpl
def extra_template_vars(template: str, database: str | None, table: str | None, view_name: str, request: Any,
                        datasette: Any) -> Any:
    async def inner() -> dict[str, Any]:
        config = datasette.plugin_config("gkcrawl") or {}
        found: dict[str, Any] = {"latest_snapshot": latest_snapshot(datasette),
                                 "column_labels": config.get("column_labels") or {}}
        if view_name == "row" and table in ("captures", "site_verdicts") and database and request is not None:
            # A capture's (or a verdict's) page links the WARC record it stands on.
            rows = (await datasette.get_database(database).execute(
                CAPTURE_SQL, {"id": request.url_vars.get("pks", "")})).rows
            if rows and rows[0]["warc_file"] and rows[0]["warc_offset"] is not None:
                found["capture_warc_record_url"] = "/-/gkcrawl/warc-record?" + urllib.parse.urlencode(
                    {"file": rows[0]["warc_file"], "offset": rows[0]["warc_offset"]})
                found["capture_warc_record_label"] = f"{rows[0]['warc_file']} @ {rows[0]['warc_offset']}"
        if view_name == "row" and table == "reports" and database and request is not None:
            pk = request.url_vars.get("pks", "")
            db = datasette.get_database(database)
            rows = (await db.execute(PROVENANCE_SQL, {"id": pk})).rows
            if rows:
                provenance = dict(rows[0])
                found["provenance"] = provenance
                if provenance["warc_file"] and provenance["warc_offset"] is not None:
                    found["warc_record_url"] = "/-/gkcrawl/warc-record?" + urllib.parse.urlencode(
                        {"file": provenance["warc_file"], "offset": provenance["warc_offset"]})
                found["replay_link"] = replay_link(config.get("replay_url"), provenance["url"],
                                                   provenance["fetched_at"])
                if provenance["capture_id"] is not None and await db.table_exists("site_verdicts"):
                    verdict = (await db.execute(VERDICT_SQL, {"capture": provenance["capture_id"]})).rows
                    found["site_verdict"] = dict(verdict[0]) if verdict else None
                found["report_versions"] = [dict(r) for r in (await db.execute(
                    VERSIONS_SQL, {"url": provenance["url"]})).rows]
                try:
                    found["report_page"] = await report_page(datasette, database, int(provenance["id"]),
                                                             provenance["url"], provenance["template"])
                except Exception as error:  # one odd report must not take its provenance page down
                    found["report_page_error"] = f"{type(error).__name__}: {error}"
        return found

    return inner


def chart(columns: list[str], rows: list[Any], spec: dict[str, Any]) -> Markup:
    """A canned query's `chart:` (metadata.yml) as inline SVG; empty when its columns are missing."""
    if not spec or spec.get("x") not in columns or spec.get("y") not in columns or (
            spec.get("color") and spec["color"] not in columns):
        return Markup("")
    return Markup(bar_chart_svg(chart_rows(columns, rows), spec))  # noqa: S704 -- every label escaped


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.globals["gk_chart"] = chart


READ_METHODS = {"GET", "HEAD", "OPTIONS"}
# The long forms hold ~200 rows a report (200 million at a million reports): unfiltered, their row
# count and facets would each scan all of it and run into the time limit on every page view, so
# those pages are shown without a count or facets (issue 13). A filtered page (?report_id=…) keeps both.
# A search for a common word matches most reports: its six facets would each read every match
# (measured at 20,000 reports: 1.07 s with them, 0.15 s without), so search results come without
# facets; they keep their count (N rows where search matches), which the search box shows.
HUGE_TABLE_PAGE = re.compile(r"^/[^/]+/(report_cells|report_cells_labeled|checks)(\.json|\.csv)?$")
# The wide views (one row of ~180 numbers a report) are never counted: counting a million wide rows, or
# the reports of one year through the join, read hundreds of megabytes on every view (issue 13).
WIDE_PAGE = re.compile(r"^/[^/]+/(requests_wide|appeals_wide|active_disclosure_wide)(\.json|\.csv)?$")
SEARCHED_PAGE = re.compile(r"^/[^/]+/(reports|latest_reports|counted_reports)(\.json|\.csv)?$")


def without_counts(path: str, query_string: bytes) -> bytes:
    """The query string a huge page is served with: `_nocount` and/or `_nofacet` added."""
    args = urllib.parse.parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    skipped: tuple[str, ...] = ("_nocount", "_nofacet")
    if WIDE_PAGE.match(path):
        skipped = ("_nocount",)
    elif SEARCHED_PAGE.match(path):
        if not any(name == "_search" and value.strip() for name, value in args):
            return query_string
        skipped = ("_nofacet",)
    elif not HUGE_TABLE_PAGE.match(path) or any(not name.startswith("_") for name, _ in args):
        return query_string  # not a long form, or filtered: count and facets are cheap
    extra = [(name, "1") for name in skipped if name not in dict(args)]
    return urllib.parse.urlencode(args + extra).encode("latin-1")


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """The publication is read-only: every request that could write is refused with 405."""

    def wrap(app: Any) -> Any:
        async def read_only(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") == "http" and scope.get("method", "GET").upper() not in READ_METHODS:
                await send({"type": "http.response.start", "status": 405,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"allow", b"GET, HEAD, OPTIONS")]})
                await send({"type": "http.response.body", "body": b"This archive is read-only.\n"})
                return
            if scope.get("type") == "http":
                scope = {**scope, "query_string": without_counts(scope.get("path", ""), scope.get("query_string", b""))}
            await app(scope, receive, send)

        return read_only

    return wrap
