"""Click commands for the archive: snapshot, reparse (loaded lazily by gkcrawl.cli)."""

from __future__ import annotations

from pathlib import Path

import click

DB_OPTION = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
                         default=Path("archive/gkcrawl.db"), show_default=True, help="Archive database.")


def existing_archive(db_path: Path) -> Path:
    if not db_path.is_file():
        raise click.ClickException(f"no archive at {db_path} (run `gkcrawl crawl` first)")
    return db_path


@click.command()
@DB_OPTION
def snapshot_command(db_path: Path) -> None:
    """Write snapshots/gkcrawl-YYYY-MM-DD.db beside the archive, with SHA256SUMS and CHANGES.

    Safe while a crawl is writing: the copy uses SQLite's online backup.

    \b
    Example:
        gkcrawl snapshot --db archive/gkcrawl.db
        cd archive/snapshots && sha256sum -c SHA256SUMS
    """
    from .snapshot import take_snapshot

    result = take_snapshot(existing_archive(db_path))
    click.echo(f"{result.path}  sha256 {result.sha256}")
    click.echo(f"{len(result.added)} added, {len(result.changed)} changed, {len(result.gone)} gone "
               f"since {result.previous.name if result.previous else 'no earlier snapshot'}", err=True)


@click.command()
@DB_OPTION
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="WARC directory (default: warc/ beside the database).")
def reparse_command(db_path: Path, warc_dir: Path | None) -> None:
    """Re-derive every report version from its archived WARC bytes with the current parser.

    Nothing is fetched. Cells, checks, spam findings and meta are replaced and stamped
    with the parser version; unreadable records are reported and left as they were.

    \b
    Example:
        gkcrawl reparse --db archive/gkcrawl.db
    """
    from .reparse import reparse_archive
    from .store import open_archive

    db = open_archive(existing_archive(db_path))
    stats = reparse_archive(db, warc_dir or db_path.parent / "warc")
    for error in stats.errors:
        click.echo(f"error: {error}", err=True)
    click.echo(stats.summary())
    if stats.errors and not stats.reparsed:
        raise SystemExit(1)
