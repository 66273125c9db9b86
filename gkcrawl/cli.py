"""The `gkcrawl` command line: one click group; heavy subcommands are imported lazily.

Scrapy, Datasette and Playwright take seconds to import, so `gkcrawl parse` and `--help`
must not pay for them: each subcommand lives in the module that owns its work and is
loaded only when it runs.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import click

from . import __version__

# name -> "module:attribute" of a click command, loaded on first use.
LAZY_COMMANDS = {
    "crawl": "gkcrawl.crawl.command:crawl_command",
    "serve": "gkcrawl.publish.commands:serve_command",
    "snapshot": "gkcrawl.archive.commands:snapshot_command",
    "wacz": "gkcrawl.archive.commands:wacz_command",
    "reparse": "gkcrawl.derive.commands:reparse_command",
    "demo": "gkcrawl.demo.command:demo_command",
    "import": "gkcrawl.ingest.commands:import_command",
    "analyze": "gkcrawl.analyze.commands:analyze_command",
    "merge": "gkcrawl.derive.merge_command:merge_command",
}

SHORT_HELP = {
    "crawl": "Crawl portals' disclosure sections into the archive.",
    "serve": "Publish the archive with Datasette (read-only).",
    "snapshot": "Write a dated, checksummed copy of the archive.",
    "wacz": "Write a dated WACZ of the archive's WARCs for replay.",
    "reparse": "Re-derive every report from its archived bytes.",
    "demo": "Start the bundled demo portal, crawl it, and serve the archive.",
    "import": "Import documents obtained elsewhere into the archive.",
    "analyze": "Recompute the cross-report tables (carry-over, copies, ...).",
    "merge": "Merge crawl-cluster shards into one archive.",
}


class LazyGroup(click.Group):
    """A click group whose listed commands are imported only when invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module_name, attr = LAZY_COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            command.name = cmd_name
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing help must not import every subcommand's dependencies.
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS:
                rows.append((name, SHORT_HELP[name]))
            else:
                cmd = super().get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(limit=60)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gkcrawl")
def main() -> None:
    """Crawl, parse and archive China's government information disclosure annual
    reports (政府信息公开工作年度报告), and publish the archive with Datasette.

    \b
    Example:
        gkcrawl demo                          # demo portal -> archive -> http://127.0.0.1:8001
        gkcrawl crawl http://www.example.gov.cn/ --db archive/gkcrawl.db
        gkcrawl parse report.pdf --json
        gkcrawl serve --db archive/gkcrawl.db
    """


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the full result as one JSON object.")
@click.option("--url", default=None, help="The URL the document was fetched from (helps metadata).")
@click.option("--content-type", default=None, help="The HTTP Content-Type it was served with.")
def parse(path: Path, as_json: bool, url: str | None, content_type: str | None) -> None:
    """Parse one report document (HTML, text, PDF, DOCX, DOC) and print what it says.

    The document is read from its original bytes; nothing is fetched. An unreadable
    document still prints a result with template null and an "error" message.

    \b
    Example:
        gkcrawl parse tests/fixtures/seeds/000_c493ddf6db4f273e.txt --json
    """
    from .parse import parse_document

    result = parse_document(path.read_bytes(), filename=path.name, content_type=content_type, url=url)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return
    meta = result.meta
    click.echo(f"title     {meta.get('title')}")
    click.echo(f"agency    {meta.get('agency')}  ({meta.get('region')})")
    click.echo(f"year      {meta.get('year')}   published {meta.get('published')}")
    click.echo(f"template  {result.template}   cells {sum(v is not None for v in result.cells.values())}"
               f"/{len(result.cells)}   uncertain {len(result.uncertain)}")
    for check in result.checks:
        mark = {True: "ok  ", False: "FAIL", None: "?   "}[check.ok]
        click.echo(f"check     {mark} {check.name}: {check.detail}")
    if result.spam.found:
        click.echo(f"spam      {len(result.spam.strings)} injected string(s) removed")
    if result.error:
        click.echo(f"error     {result.error}", err=True)


if __name__ == "__main__":
    sys.exit(main())
