"""`gkcrawl analyze` (loaded lazily by gkcrawl.cli): recompute the cross-report tables."""

from __future__ import annotations

from pathlib import Path

import click

from gkcrawl.archive.commands import DB_OPTION, existing_archive


@click.command()
@DB_OPTION
def analyze_command(db_path: Path) -> None:
    """Recompute the cross-report tables: bodies, renditions, deadlines, carry-over, copies.

    Runs by itself at the end of a crawl, `gkcrawl reparse` and `gkcrawl import`; run it by
    hand after editing gkcrawl/data/deadlines.yaml. Nothing else in the archive changes.

    \b
    Example:
        gkcrawl analyze --db archive/gkcrawl.db
    """
    from gkcrawl.archive.store import open_archive

    from . import analyze_archive

    db = open_archive(existing_archive(db_path))
    counts = analyze_archive(db)
    breaks = db.execute("SELECT count(DISTINCT report_id) FROM carry_over WHERE ok = 0").fetchone()[0]
    late = db.execute("SELECT count(*) FROM report_deadlines WHERE late = 1").fetchone()[0]
    click.echo(", ".join(f"{table} {count}" for table, count in counts.items())
               + f"; {breaks} carry-over breaks, {late} late")
