"""`gkcrawl merge` (loaded lazily by gkcrawl.cli): shards into one archive, then derive what was left pending.

The merge itself is `gkcrawl.archive.merge` (keyed, re-runnable). It lives beside the
derivation room because a shard whose worker was killed may hold report candidates recorded
but not yet derived; their bytes are in the merged WARC files, so the merge derives them in
the target (the same supervised workers a crawl uses) and the archive ends complete.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from gkcrawl.archive.merge import MergeError, merge_shards
from gkcrawl.archive.store import open_archive

from .candidates import pending_ids
from .limits import ParseLimits
from .pictures import release_waiting
from .room import derive_batch
from .supervisor import Supervisor

PARSE_DEFAULTS = ParseLimits()


@click.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The archive to merge into (created if missing).")
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The target's WARC directory (default: warc/ beside it); shards' files are linked in.")
@click.option("--parse-workers", type=int, default=PARSE_DEFAULTS.workers, show_default=True,
              help="Documents parsed at once when deriving candidates a killed worker left pending.")
@click.option("--no-derive", is_flag=True, help="Merge only; leave pending candidates for `gkcrawl reparse`.")
def merge_command(shards: tuple[Path, ...], db_path: Path, warc_dir: Path | None, parse_workers: int,
                  no_derive: bool) -> None:
    """Merge crawl-cluster shards (each worker's --db) into one archive.

    Captures, urls, reports with their versions, cells, checks and provenance, derivations and
    budgets are copied by their keys: a report fetched by several workers is stored once, and
    merging the same shards again changes nothing. Each shard's WARC files (warc/ beside it)
    are hard-linked (or copied) into the target's WARC directory under their own names, so
    every capture's WARC file and offset stay valid. Shards are read, never changed.
    Candidates a killed worker recorded but never derived are derived here.

    \b
    Example:
        gkcrawl merge --db archive/gkcrawl.db archive/shards/w1.db archive/shards/w2.db
        gkcrawl merge --db archive/gkcrawl.db archive/shards/*.db && gkcrawl snapshot --db archive/gkcrawl.db
    """
    target_warc = warc_dir or db_path.parent / "warc"
    db = open_archive(db_path)
    try:
        results = merge_shards(db, list(shards), target_warc=target_warc)
    except MergeError as error:
        raise click.ClickException(str(error)) from error
    for result in results:
        click.echo(f"{result.shard}: {result.captures} captures, {result.urls} urls, {result.reports} reports "
                   f"({result.report_versions_known} already stored), {result.derivations} derivations, "
                   f"{result.report_pictures} report pictures, "
                   f"{result.budgets} budgets, {result.warc_files} WARC files placed", err=True)
        for missing in result.missing_warc_files:
            click.echo(f"gkcrawl merge: missing WARC file {missing} (its captures are merged without their bytes)",
                       err=True)
    if not no_derive:  # pages a killed worker left waiting for pictures: derived with the ones archived
        release_waiting(db, reason="not fetched before the worker stopped",
                        now=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    pending = pending_ids(db)
    if pending and not no_derive:
        runner = Supervisor(ParseLimits(workers=parse_workers))
        try:
            derive_batch(db, target_warc, pending, runner, mode="crawl")
        finally:
            runner.close()
        click.echo(f"gkcrawl merge: derived {len(pending)} candidates left pending by a stopped worker", err=True)
    elif pending:
        click.echo(f"gkcrawl merge: {len(pending)} candidates pending: run gkcrawl reparse --db {db_path}", err=True)
    totals = db.execute("SELECT (SELECT count(*) FROM captures), (SELECT count(*) FROM reports)").fetchone()
    click.echo(f"gkcrawl merge: {len(results)} shards -> {db_path}: {totals[0]} captures, {totals[1]} reports")
