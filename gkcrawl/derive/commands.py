"""`gkcrawl reparse` (loaded lazily by gkcrawl.cli): the derivation room run over the whole archive."""

from __future__ import annotations

from pathlib import Path

import click

from gkcrawl.archive.commands import DB_OPTION, existing_archive

from .limits import ParseLimits

PARSE_DEFAULTS = ParseLimits()


@click.command()
@DB_OPTION
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="WARC directory (default: warc/ beside the database).")
@click.option("--parse-timeout", type=float, default=PARSE_DEFAULTS.wall_seconds, show_default=True,
              help="Seconds one document may take to parse; past it the parse is recorded as failed.")
@click.option("--parse-memory", type=int, default=PARSE_DEFAULTS.memory_mb, show_default=True,
              help="MiB of address space per parse worker (0: no limit).")
@click.option("--parse-workers", type=int, default=PARSE_DEFAULTS.workers, show_default=True,
              help="Documents parsed at once, each in its own worker process.")
@click.option("--accept-regressions", is_flag=True,
              help="Apply re-derivations that lose a title, template or cells (still listed).")
def reparse_command(db_path: Path, warc_dir: Path | None, parse_timeout: float, parse_memory: int,
                    parse_workers: int, accept_regressions: bool) -> None:
    """Re-derive every report version from its archived WARC bytes with the current parser.

    Nothing is fetched. Cells, checks, spam findings and meta are replaced and stamped
    with the parser version; unreadable records are reported and left as they were.
    Each document is parsed in a worker process under a time and memory limit: one that
    breaks a limit keeps its earlier rows and is recorded as failed in `derivations`.
    A failed document is retried once by the next reparse, then skipped until the parser
    version changes. Candidates a stopped crawl left underived are derived too.

    A re-derivation that loses a title, the template or cells the stored rows have (or
    turns known cells uncertain) is a regression: one `regression:` line per report says
    what it loses, the report keeps its rows, and the exit status is 1. With
    --accept-regressions they are applied, still listed, and the exit status is 0.

    \b
    Example:
        gkcrawl reparse --db archive/gkcrawl.db
        gkcrawl reparse --db archive/gkcrawl.db --parse-timeout 120 --parse-memory 4096
        gkcrawl reparse --db archive/gkcrawl.db --accept-regressions
    """
    from gkcrawl.archive.store import open_archive

    from .reparse import reparse_archive

    try:
        limits = ParseLimits(wall_seconds=parse_timeout, memory_mb=parse_memory, workers=parse_workers)
    except ValueError as invalid:
        raise click.BadParameter(str(invalid)) from invalid
    db = open_archive(existing_archive(db_path))
    stats = reparse_archive(db, warc_dir or db_path.parent / "warc", limits=limits,
                            accept_regressions=accept_regressions)
    for unreadable in stats.errors:
        click.echo(f"error: {unreadable}", err=True)
    for failure in stats.failures:
        click.echo(f"parse failed: {failure}", err=True)
    for skipped in stats.skipped:
        click.echo(f"skipped (failed twice): {skipped}", err=True)
    for regression in stats.regressions:
        click.echo(f"regression: {regression}", err=True)
    click.echo(stats.summary())
    if (stats.errors and not stats.reparsed) or stats.held_back:
        raise SystemExit(1)
