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
def serve_command(db_path: Path, port: int, host: str, metadata_path: Path | None) -> None:
    """Publish the archive with Datasette, read-only (immutable, SQL time limit, no writes).

    The snapshots/ folder beside the database is served at /snapshots/ and the latest
    snapshot is linked from the home page.

    \b
    Example:
        gkcrawl serve --db archive/gkcrawl.db --port 8001
    """
    from .serve import DEFAULT_METADATA, ServeOptions, serve

    options = ServeOptions(db_path=existing_archive(db_path), host=host, port=port,
                           metadata_path=metadata_path or DEFAULT_METADATA)
    raise SystemExit(serve(options))
