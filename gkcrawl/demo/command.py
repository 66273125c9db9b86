"""`gkcrawl demo`: the whole pipeline on the bundled portal, with no internet.

Each stage runs as its own process (the portal, the Scrapy crawl, the snapshot, Datasette),
exactly as a user would run them by hand, so the demo exercises the real commands.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from .children import ChildFailed, Children, port_in_use


def _check_ports(host: str, ports: dict[str, int]) -> None:
    """A port another program holds is an error before anything starts: the demo would
    otherwise crawl, or advertise, whatever server answers there."""
    for option, port in ports.items():
        if port_in_use(host, port):
            raise click.ClickException(f"port {port} is in use on {host} by another program: "
                                       f"choose a free one with {option} PORT")


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
    charset, distractor articles, a list that only JavaScript renders, a scanned PDF and
    a report page whose tables are pictures (both read by OCR). Running the demo again
    re-crawls it incrementally: nothing changed, so nothing is added.

    A port held by another program is an error (the demo never crawls or advertises
    someone else's server). Ctrl-C or SIGTERM stops the demo and every process it started.

    \b
    Example:
        gkcrawl demo                     # then open http://127.0.0.1:8001
        gkcrawl demo --no-serve --db /tmp/demo.db
        gkcrawl demo --portal-port 8100 --port 8101
    """
    host = "127.0.0.1"
    _check_ports(host, {"--portal-port": portal_port, **({"--port": port} if serve else {})})
    gk = [sys.executable, "-m", "gkcrawl"]
    with Children() as children:
        try:
            portal_url = children.start_server(
                "the demo portal", [sys.executable, "-m", "gkcrawl.demo", "--style", "demo",
                                    "--host", host, "--port", str(portal_port)], seconds=20)
            click.echo(f"gkcrawl demo: demo portal at {portal_url}", err=True)
            db_path.parent.mkdir(parents=True, exist_ok=True)
            _stage(children, "crawling the demo portal", [*gk, "crawl", portal_url, "--db", str(db_path)])
            # The crawl's end already ran it; run again, visibly, so the demo shows the step.
            _stage(children, "analysing the archive (carry-over, copies, renditions, deadlines)",
                   [*gk, "analyze", "--db", str(db_path)])
            _stage(children, "taking a snapshot", [*gk, "snapshot", "--db", str(db_path)])
            if not serve:
                click.echo(f"gkcrawl demo: archive built at {db_path}", err=True)
                return
            url = f"http://{host}:{port}/"
            server = children.start([*gk, "serve", "--db", str(db_path), "--host", host, "--port", str(port)])
            children.wait_until_answering(url, server, "the archive server", seconds=60)
            click.echo(f"gkcrawl demo: serving the archive at {url} (Ctrl-C stops)", err=True)
            status = children.wait(server)
            if status != 0:
                raise click.ClickException(f"serving the archive failed with exit status {status}")
        except ChildFailed as error:
            raise click.ClickException(str(error)) from error
        except KeyboardInterrupt as stop:  # SIGINT (Ctrl-C), SIGTERM or SIGHUP: children.Stopped
            click.echo("gkcrawl demo: stopping", err=True)
            raise SystemExit(128 + getattr(stop, "signum", signal.SIGINT)) from None


def _stage(children: Children, name: str, argv: list[str]) -> None:
    click.echo(f"gkcrawl demo: {name}", err=True)
    status = children.wait(children.start(argv))
    if status != 0:
        raise click.ClickException(f"{name} failed with exit status {status}")
