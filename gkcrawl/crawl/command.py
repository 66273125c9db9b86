"""`gkcrawl crawl`: the click command; the work is in runner.run_crawl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

import click

from .outcome import EXIT_CANNOT_START
from .settings import (
    CLOSESPIDER_PAGECOUNT,
    DOWNLOAD_TIMEOUT,
    GKCRAWL_CONTACT_URL,
    GKCRAWL_DB_PATH,
    GKCRAWL_DEPTH_LIMIT,
    GKCRAWL_PARSE_MEMORY_MB,
    GKCRAWL_PARSE_TIMEOUT,
    GKCRAWL_PARSE_WORKERS,
)


@click.command()
@click.argument("urls", nargs=-1)
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path(GKCRAWL_DB_PATH), show_default=True, help="Archive database to write.")
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where WARC files go (default: warc/ beside the database).")
@click.option("--job-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Job directory: a crawl stopped (even killed) resumes from it when run again.")
@click.option("--frontier", default=None, metavar="redis://HOST:PORT/DB",
              help="Run as one worker of a crawl cluster sharing this Redis frontier (queue, seen URLs, "
                   "politeness); --db is then this worker's shard (see gkcrawl merge).")
@click.option("--site", default=None, help="A site registry entry (gkcrawl/data/sites.yaml) to crawl or to apply.")
@click.option("--max-pages", type=int, default=CLOSESPIDER_PAGECOUNT, show_default=True,
              help="Stop after this many responses (0: no cap).")
@click.option("--depth", type=int, default=GKCRAWL_DEPTH_LIMIT, show_default=True,
              help="Link depth from the start page (a list's further pages do not count).")
@click.option("--js/--no-js", default=True, show_default=True,
              help="Render script-built list pages with headless chromium (only those pages).")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.option("--user-agent-contact", "contact_url", default=GKCRAWL_CONTACT_URL, show_default=True,
              help="Contact URL put in the User-Agent, so site operators can reach you.")
@click.option("--timeout", "download_timeout", type=float, default=DOWNLOAD_TIMEOUT, show_default=True,
              help="Seconds before a download is abandoned (then retried, then recorded).")
@click.option("--parse-timeout", type=float, default=GKCRAWL_PARSE_TIMEOUT, show_default=True,
              help="Seconds one document may take to parse; past it the parse is recorded as failed.")
@click.option("--parse-memory", type=int, default=GKCRAWL_PARSE_MEMORY_MB, show_default=True,
              help="MiB of address space per parse worker (0: no limit).")
@click.option("--parse-workers", type=int, default=GKCRAWL_PARSE_WORKERS, show_default=True,
              help="Documents parsed at once beside the crawl, each in its own worker process.")
@click.option("--requisites", is_flag=True,
              help="Also archive the stylesheets and images of report pages (same site only), for replay.")
@click.option("--summary-json", is_flag=True, help="Print the final summary as JSON on stdout.")
@click.option("--set", "-s", "setting_pairs", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting (repeatable), e.g. -s AUTOTHROTTLE_ENABLED=False.")
def crawl_command(urls: tuple[str, ...], db_path: Path, warc_dir: Path | None, job_dir: Path | None,
                  frontier: str | None, site: str | None, max_pages: int, depth: int, js: bool, log_level: str,
                  contact_url: str, download_timeout: float, parse_timeout: float, parse_memory: int,
                  parse_workers: int, requisites: bool, summary_json: bool, setting_pairs: tuple[str, ...]) -> None:
    """Crawl portals' 政府信息公开 sections into the archive, from their home pages.

    The crawl finds the disclosure section and its annual-report column, walks the
    column's pages, and stores every report page and attachment with its provenance
    (WARC plus a captures row). It stays on the start URLs' hosts, obeys robots.txt,
    throttles itself, and re-crawls incrementally: unchanged pages cost a 304.
    Progress goes to stderr every few seconds; a summary per site at the end,
    and one line per failure ("gkcrawl crawl: cannot reach HOST: dns lookup failed").

    \b
    Exit status (for cron):
      0  every start site yielded pages
      2  usage error (bad arguments)
      3  the crawl could not start (archive not writable, registry unreadable)
      4  a start site yielded no page (unreachable, robots.txt forbids it, only errors)
      5  the archive failed during the crawl (some captures or reports not stored)
    --summary-json gives each site's status: ok, unreachable, robots_forbidden, no_pages, db_error.

    \b
    Example:
        gkcrawl crawl http://127.0.0.1:8000/ --db archive/gkcrawl.db
        gkcrawl crawl --site changde-xzsp --db archive/gkcrawl.db --job-dir archive/jobs/changde
        gkcrawl crawl http://www.example.gov.cn/ --no-js --max-pages 500 --depth 6
        gkcrawl crawl http://www.example.gov.cn/ --requisites
        gkcrawl crawl http://www.example.gov.cn/ --frontier redis://10.0.0.5:6379/0 --db shards/w1.db
    """
    from .registry import load_registry
    from .runner import CrawlCannotStart, CrawlOptions, run_crawl

    if not urls and not site:
        raise click.UsageError("give at least one start URL, or --site NAME")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URLS")
    extra: dict[str, object] = {"GKCRAWL_PARSE_TIMEOUT": parse_timeout, "GKCRAWL_PARSE_MEMORY_MB": parse_memory,
                              "GKCRAWL_PARSE_WORKERS": parse_workers}  # `-s` may still override
    if requisites:
        extra["GKCRAWL_REQUISITES"] = True
    if frontier:
        if not frontier.startswith(("redis://", "rediss://", "unix://")):
            raise click.BadParameter(f"{frontier!r} is not a redis:// URL", param_hint="--frontier")
        if job_dir:
            raise click.UsageError("--job-dir and --frontier exclude each other: the frontier keeps the job")
        extra["GKCRAWL_FRONTIER"] = frontier
    for pair in setting_pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--set")
        extra[name.strip()] = value
    sites_file = Path(str(extra["GKCRAWL_SITES_FILE"])) if extra.get("GKCRAWL_SITES_FILE") else None
    try:
        registry = load_registry(sites_file)
    except (OSError, ValueError, TypeError) as error:
        _fail(f"cannot read the site registry: {error}", EXIT_CANNOT_START)
    if site and site not in registry:
        raise click.BadParameter(f"no site named {site!r} in the registry", param_hint="--site")
    options = CrawlOptions(warc_dir=warc_dir, job_dir=job_dir, site=site, max_pages=max_pages, depth=depth,
                           js=js, log_level=log_level, contact_url=contact_url, download_timeout=download_timeout,
                           sites_file=sites_file, extra_settings=extra)
    try:
        summary = run_crawl(list(urls), db_path, options)
    except CrawlCannotStart as error:
        if summary_json:
            click.echo(json.dumps({"finish_reason": "cannot_start", "problems": [str(error)],
                                   "exit_status": error.exit_status}, ensure_ascii=False, indent=1))
        _fail(str(error), error.exit_status)
    if summary_json:
        out = {k: v for k, v in summary.__dict__.items() if k != "stats"}
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    click.echo(f"gkcrawl crawl: {summary.finish_reason}: {summary.pages} pages, {summary.reports_seen} reports "
               f"({summary.reports_new} new, {summary.reports_gone} gone), {summary.dead_links} dead links, "
               f"{summary.errors} errors, "
               f"{summary.bytes_downloaded} bytes -> {db_path}", err=True)
    for line in [*summary.findings, *summary.problems]:
        click.echo(f"gkcrawl crawl: {line}", err=True)
    if summary.exit_status:
        raise SystemExit(summary.exit_status)


def _fail(message: str, status: int) -> NoReturn:
    """One line on stderr and the exit status cron reads (see the command's help)."""
    click.echo(f"gkcrawl crawl: {message}", err=True)
    raise SystemExit(status)
