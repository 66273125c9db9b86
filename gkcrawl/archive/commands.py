"""Click commands for the archive: snapshot (loaded lazily by gkcrawl.cli), and the --db option others share."""

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
def wacz_command(db_path: Path, warc_dir: Path | None) -> None:
    """Write snapshots/gkcrawl-YYYY-MM-DD.wacz of the archive's WARCs, listed in SHA256SUMS.

    The pages are the archive's reports. Open the WACZ in ReplayWeb.page, or replay it with
    pywb (`wb-manager add --unpack-wacz COLLECTION FILE.wacz`).

    \b
    Example:
        gkcrawl wacz --db archive/gkcrawl.db
        wacz validate -f archive/snapshots/gkcrawl-2025-01-01.wacz
    """
    from .wacz import WaczError, write_wacz

    try:
        result = write_wacz(existing_archive(db_path), warc_dir=warc_dir)
    except WaczError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{result.path}  sha256 {result.sha256}")
    click.echo(f"{result.warcs} WARC files, {result.pages} report pages", err=True)
