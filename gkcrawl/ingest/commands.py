"""`gkcrawl import` (loaded lazily by gkcrawl.cli)."""

from __future__ import annotations

from pathlib import Path

import click

from gkcrawl.archive.commands import DB_OPTION


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB_OPTION
@click.option("--url", default=None, help="The URL the document was obtained from, when known (one file only).")
@click.option("--fetched-at", default=None, help="When it was obtained (ISO 8601, e.g. 2021-03-02T08:00:00Z).")
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="WARC directory (default: warc/ beside the database).")
def import_command(files: tuple[Path, ...], db_path: Path, url: str | None, fetched_at: str | None,
                   warc_dir: Path | None) -> None:
    """Import documents obtained elsewhere (a PDF saved by hand, a colleague's collection).

    Each file is archived as a WARC resource record (file name, SHA-256, import time, source
    URL if given), parsed and published like a crawled report, and re-derived by `gkcrawl
    reparse`. The same file imported twice is stored once. A file the parser cannot read is
    kept, with the reason in reports.error and imports.error; a file that cannot be read at all
    is listed and the exit status is 1 (the others are imported). Creates the archive if needed.

    \b
    Example:
        gkcrawl import report.pdf --db archive/gkcrawl.db --url http://www.example.gov.cn/a.pdf \\
            --fetched-at 2021-03-02T08:00:00Z
        gkcrawl import collection/*.pdf --db archive/gkcrawl.db
    """
    from gkcrawl.archive.store import open_archive

    from .importer import import_files, parse_time

    try:
        when = parse_time(fetched_at) if fetched_at else None
    except ValueError as invalid:
        raise click.BadParameter(f"not an ISO 8601 time: {fetched_at}", param_hint="--fetched-at") from invalid
    if url is not None and len(files) > 1:
        raise click.BadParameter("names the source of one file; import files from different URLs one by one",
                                 param_hint="--url")
    db = open_archive(db_path)
    results = import_files(db, warc_dir or db_path.parent / "warc", list(files), url=url, fetched_at=when)
    for item in results:
        detail = f" ({item.error})" if item.error else ""
        click.echo(f"{item.path.name}: {item.outcome}, report {item.report_id}{detail}")
    stored = sum(item.outcome == "report" for item in results)
    unreadable = sum(item.outcome == "unreadable file" for item in results)
    click.echo(f"{len(results)} files: {stored} new reports, "
               f"{sum(item.outcome == 'already archived' for item in results)} already archived"
               + (f", {unreadable} unreadable" if unreadable else ""))
    if unreadable:
        raise SystemExit(1)
