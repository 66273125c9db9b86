"""`gkcrawl demo`: the whole pipeline on the bundled portal, with no internet.

Each stage runs as its own process (the portal, the Scrapy crawl, the snapshot, Datasette),
exactly as a user would run them by hand, so the demo exercises the real commands.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click


def _wait_for(url: str, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"the demo portal exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise click.ClickException(f"the demo portal did not answer at {url} within {seconds:.0f}s")


def _run_stage(name: str, argv: list[str]) -> None:
    click.echo(f"gkcrawl demo: {name}", err=True)
    status = subprocess.call(argv)
    if status != 0:
        raise click.ClickException(f"{name} failed with exit status {status}")


@click.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("archive/gkcrawl.db"), show_default=True, help="Archive database to build.")
@click.option("--port", type=int, default=8001, show_default=True, help="Port for Datasette.")
@click.option("--portal-port", type=int, default=8000, show_default=True,
              help="Port for the demo portal (fixed, so archived URLs stay the same between runs).")
@click.option("--serve/--no-serve", default=True, show_default=True,
              help="Serve the archive when the crawl is done (--no-serve builds it and exits).")
def demo_command(db_path: Path, port: int, portal_port: int, serve: bool) -> None:
    """Start the demo portal on 127.0.0.1, crawl it into the archive, and serve it.

    The demo portal is a miniature government portal built from the five seed
    reports: a 政府信息公开 section, a paginated 年报 column, a GBK page with a lying
    charset, distractor articles and a list that only JavaScript renders. Running the
    demo again re-crawls it incrementally: nothing changed, so nothing is added.

    \b
    Example:
        gkcrawl demo                     # then open http://127.0.0.1:8001
        gkcrawl demo --no-serve --db /tmp/demo.db
    """
    portal_url = f"http://127.0.0.1:{portal_port}/"
    portal = subprocess.Popen([sys.executable, "-m", "gkcrawl.demo", "--style", "demo",
                               "--host", "127.0.0.1", "--port", str(portal_port)],
                              stdout=subprocess.DEVNULL)
    try:
        _wait_for(portal_url, 20, portal)
        click.echo(f"gkcrawl demo: demo portal at {portal_url}", err=True)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        gk = [sys.executable, "-m", "gkcrawl"]
        _run_stage("crawling the demo portal", [*gk, "crawl", portal_url, "--db", str(db_path)])
        _run_stage("taking a snapshot", [*gk, "snapshot", "--db", str(db_path)])
        if serve:
            click.echo(f"gkcrawl demo: serving the archive at http://127.0.0.1:{port}/ (Ctrl-C stops)", err=True)
            subprocess.call([*gk, "serve", "--db", str(db_path), "--port", str(port)])
        else:
            click.echo(f"gkcrawl demo: archive built at {db_path}", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        portal.terminate()
        try:
            portal.wait(timeout=10)
        except subprocess.TimeoutExpired:
            portal.kill()
