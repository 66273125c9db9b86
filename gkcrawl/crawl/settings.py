"""Scrapy settings for gkcrawl: polite, confined, resumable and archived by default.

`scrapy.cfg` points here; `runner.run_crawl` starts from these and sets its options
(database path, job dir, depth, page cap, JS on or off); what a crawl derives from them
(WARC dir and HTTP cache beside the database, download handlers, User-Agent) is derived by
the add-on in `run_settings.py`, for `scrapy crawl disclosure` alike. Every `GKCRAWL_*`
setting is declared here, once, with its default; code reads them through `config.py`
and the CLI's and `CrawlOptions`' defaults are these values.
"""

from __future__ import annotations

from gkcrawl import __version__

BOT_NAME = "gkcrawl"
SPIDER_MODULES = ["gkcrawl.crawl.spiders"]
NEWSPIDER_MODULE = "gkcrawl.crawl.spiders"

# Who we are: a descriptive User-Agent with a contact URL (GKCRAWL_CONTACT_URL).
GKCRAWL_CONTACT_URL = "https://github.com/gkcrawl/gkcrawl"
USER_AGENT = f"gkcrawl/{__version__} (+{GKCRAWL_CONTACT_URL})"

# Politeness.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# Scrapy starts this many tasks for every response's output (its items and requests), 100 by default,
# most of them only to end: a page yields a few items, and the parse workers (2) take one at a time.
CONCURRENT_ITEMS = 16

# Confinement.
GKCRAWL_DEPTH_LIMIT = 8  # link depth from the start page, counted by the spider (a list's further pages do not count)
# Scrapy's own depth counts every further list page too, so it would cut a long list: off.
# Lists and trap generators are bounded by the budgets below, and a spent budget is recorded
# (the archive's `budgets` table) and counted (`budget_exhausted` in the per-site summary).
DEPTH_LIMIT = 0
GKCRAWL_COLUMN_PAGE_BUDGET = 2000  # further pages of one list (下一页 chain, TRS pages, form pages, API batches)
GKCRAWL_COLUMN_SUBCOLUMN_BUDGET = 300  # distinct sub-columns followed beneath one column (year columns ...)
GKCRAWL_SITE_REQUEST_BUDGET = 200000  # requests followed on one site in one crawl
DEPTH_PRIORITY = 0
GKCRAWL_MAX_QUERY_VARIANTS = 20  # distinct query strings followed per path (calendar traps)
CLOSESPIDER_PAGECOUNT = 0  # stop after this many responses (0: no cap; `--max-pages`)
# Re-request the reports archived earlier on the crawl's hosts, so removals (404/410) are noticed.
GKCRAWL_RECHECK_KNOWN = True
# Archive the stylesheets and images of report pages (same host only), so replay looks like the
# page (`--requisites`). Off by default: a report's facts never need them. (The pictures a report
# page's tables were published as are fetched whatever this says: its facts are in them.)
GKCRAWL_REQUISITES = False

# Faults: retried, then recorded with their reason.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# A request given up on is a captures row and counts in its site's outcome (gkcrawl.crawl.outcome),
# not an error line per URL: the crawl prints one line per failed site.
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
DOWNLOAD_TIMEOUT = 30.0
GKCRAWL_MAX_RETRY_AFTER = 30.0  # longest Retry-After (seconds) waited before a retry; longer asks are capped
DOWNLOAD_MAXSIZE = 25 * 1024 * 1024  # scanned report PDFs run to ~20 MB; more is a trap
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True
HTTPERROR_ALLOWED_CODES: list[int] = []

# Incremental re-crawls: every cached page is revalidated with a conditional request.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "gkcrawl.crawl.cache.AlwaysRevalidatePolicy"
HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"
HTTPCACHE_ALWAYS_STORE = True
HTTPCACHE_IGNORE_HTTP_CODES = [301, 302, 303, 307, 308, 400, 401, 403, 404, 410, 429, 500, 502, 503, 504]
HTTPCACHE_DIR = "httpcache"  # replaced by GKCRAWL_CACHE_DIR's path unless given explicitly (run_settings)
GKCRAWL_CACHE_DIR = ""  # this archive's HTTP cache (empty: httpcache/<db name>/ beside the database)

DUPEFILTER_CLASS = "gkcrawl.crawl.resume.CompletedDupeFilter"
# JOBDIR keeps the completed set only: a resumed crawl walks from its start pages again.
SCHEDULER = "gkcrawl.crawl.resume.WalkAgainScheduler"

DOWNLOADER_MIDDLEWARES = {
    # First in line, so redirects scheduled by Scrapy are confined like followed links.
    "gkcrawl.crawl.middlewares.ConfinementMiddleware": 50,
    # The headless browser too: a route handler on every rendered page aborts off-site requests.
    "gkcrawl.crawl.browser.BrowserConfinementMiddleware": 60,
    # Before robots.txt (100): counts its refusals, every page and every final failure per site.
    "gkcrawl.crawl.outcome.SiteOutcomeMiddleware": 80,
    "gkcrawl.crawl.middlewares.RetryAfterMiddleware": 551,
    "gkcrawl.crawl.middlewares.CharsetFixMiddleware": 560,
    # Closer to the network than the HTTP cache (900): sees real 304s and every error.
    "gkcrawl.crawl.capture.WarcCaptureMiddleware": 950,
}
ITEM_PIPELINES = {"gkcrawl.crawl.pipelines.StoreReportPipeline": 300}
# Parsing runs beside the crawl in supervised worker processes (gkcrawl.derive); a document
# past a limit is recorded as a failed parse (`--parse-timeout/--parse-memory/--parse-workers`).
GKCRAWL_PARSE_WORKERS = 2  # documents parsed at once, one worker process each
GKCRAWL_PARSE_TIMEOUT = 60.0  # wall-time seconds one document may take
GKCRAWL_PARSE_MEMORY_MB = 2048  # address space of each worker and its converters (0: no limit)
GKCRAWL_OCR_PAGE_SECONDS = 30.0  # wall time each OCR'd page of a scan adds to its document's limit
GKCRAWL_OCR_MAX_PAGES = 30  # pages of one scanned document OCR reads (the rest are counted, not read)
# Derives each disclosure crawl's settings from its archive; switches the archive off for
# Scrapy's other commands (shell, fetch, view).
ADDONS = {"gkcrawl.crawl.run_settings.DisclosureRunAddon": 0}
EXTENSIONS = {
    "scrapy.extensions.logstats.LogStats": None,
    # The one owner of the archive database (capture rows, reports, gone marks).
    "gkcrawl.crawl.archive_access.ArchiveExtension": 100,
    "gkcrawl.crawl.progress.ProgressExtension": 500,
}
GKCRAWL_PROGRESS_INTERVAL = 3.0  # seconds between progress lines on stderr (0: none)

# Archive locations (`--db`, `-s GKCRAWL_DB_PATH=`); only a disclosure crawl writes one (run_settings).
GKCRAWL_DB_PATH = "archive/gkcrawl.db"  # the archive database (empty: the crawl archives nothing)
GKCRAWL_WARC_DIR = "archive/warc"  # where WARC files go (unless given: warc/ beside the database)
GKCRAWL_WARC_MAX_BYTES = 100 * 1024 * 1024  # a WARC file is closed and a new one begun past this size
GKCRAWL_SITES_FILE = ""  # the site registry (empty: the bundled gkcrawl/data/sites.yaml)
# Injected clock and WARC record ids (callables), so tests write byte-identical WARCs.
# None: the real UTC clock and random uuid record ids.
GKCRAWL_CLOCK = None  # () -> aware datetime, the fetch time of each record
GKCRAWL_RECORD_IDS = None  # () -> '<urn:uuid:...>', each WARC record's id

# The browser is used only for requests that ask for it (meta["playwright"]); its download
# handler is installed by the run_settings add-on when JS is on (`--no-js`, -s GKCRAWL_JS=False).
GKCRAWL_JS = True
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": "/usr/bin/chromium",
    "headless": True,
    "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"],
}
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 20000

# A crawl cluster (`--frontier`, gkcrawl/crawl/frontier.py): workers share one request queue and
# duplicate filter in Redis; each writes its own shard database and WARC files (`gkcrawl merge`).
GKCRAWL_FRONTIER = ""  # redis://HOST:PORT/DB of the shared frontier (empty: a single-process crawl)
GKCRAWL_FRONTIER_NAME = "gkcrawl"  # prefix of the frontier's Redis keys (one crawl per name and database)
GKCRAWL_FRONTIER_LEASE = 30.0  # seconds without a heartbeat before a worker's in-flight requests go back
GKCRAWL_FRONTIER_HEARTBEAT = 1.0  # seconds between a worker's heartbeats (and its look for dead workers)
GKCRAWL_FRONTIER_HOLD = 900.0  # seconds after a cluster's crawl finished during which a worker joining is late
#   (it fetches nothing); the first worker after the hold seeds the next crawl
GKCRAWL_WORKER_ID = ""  # this worker's name in the frontier (empty: hostname-pid)
GKCRAWL_ROBOTS_CACHE_SECONDS = 86400  # how long a host's robots.txt, fetched by one worker, serves the cluster
GKCRAWL_WARC_PREFIX = "gkcrawl"  # WARC file names begin with it (a cluster worker's: gkcrawl-<shard name>)

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
