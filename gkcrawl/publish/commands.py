"""`gkcrawl serve` (loaded lazily by gkcrawl.cli)."""

from __future__ import annotations

from pathlib import Path

import click

from gkcrawl.archive.commands import DB_OPTION, existing_archive


@click.command()
@DB_OPTION
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--metadata", "metadata_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Datasette metadata (default: the project's metadata.yml).")
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="WARC directory whose records report pages offer (default: warc/ beside the database).")
@click.option("--replay-url", default=None,
              help="pywb-style collection URL (e.g. http://127.0.0.1:8080/gkcrawl/): report pages link "
                   "to URL/<timestamp>/<original URL>.")
def serve_command(db_path: Path, port: int, host: str, metadata_path: Path | None, warc_dir: Path | None,
                  replay_url: str | None) -> None:
    """Publish the archive with Datasette, read-only (SQL time limit, no writes).

    Safe beside a crawl: the database is read as a read-only WAL reader, never immutable.
    The snapshots/ folder beside the database is served at /snapshots/, the latest
    snapshot is linked from the home page and downloads at /<name>.db. Each report page
    offers its WARC record for download and, with --replay-url, a replay link.

    \b
    Example:
        gkcrawl serve --db archive/gkcrawl.db --port 8001
        gkcrawl serve --db archive/gkcrawl.db --replay-url http://127.0.0.1:8080/gkcrawl/
    """
    from .serve import DEFAULT_METADATA, ServeOptions, serve

    options = ServeOptions(db_path=existing_archive(db_path), host=host, port=port,
                           metadata_path=metadata_path or DEFAULT_METADATA,
                           warc_dir=warc_dir.resolve() if warc_dir else None, replay_url=replay_url)
    raise SystemExit(serve(options))
