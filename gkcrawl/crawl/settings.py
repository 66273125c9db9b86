"""Scrapy settings for gkcrawl: polite, confined, resumable and archived by default.

`scrapy.cfg` points here; `runner.run_crawl` starts from these and overrides per run
(database path, WARC dir, job dir, depth, page cap, JS on or off).
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

# Confinement.
DEPTH_LIMIT = 8
DEPTH_PRIORITY = 0
GKCRAWL_MAX_QUERY_VARIANTS = 20  # distinct query strings followed per path (calendar traps)

# Faults: retried, then recorded with their reason.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
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
HTTPCACHE_DIR = "httpcache"  # replaced by a path beside the database

DUPEFILTER_CLASS = "gkcrawl.crawl.resume.CompletedDupeFilter"

DOWNLOADER_MIDDLEWARES = {
    # First in line, so redirects scheduled by Scrapy are confined like followed links.
    "gkcrawl.crawl.middlewares.ConfinementMiddleware": 50,
    "gkcrawl.crawl.middlewares.RetryAfterMiddleware": 551,
    "gkcrawl.crawl.middlewares.CharsetFixMiddleware": 560,
    # Closer to the network than the HTTP cache (900): sees real 304s and every error.
    "gkcrawl.crawl.capture.WarcCaptureMiddleware": 950,
}
ITEM_PIPELINES = {"gkcrawl.crawl.pipelines.StoreReportPipeline": 300}
EXTENSIONS = {
    "scrapy.extensions.logstats.LogStats": None,
    "gkcrawl.crawl.progress.ProgressExtension": 500,
}
GKCRAWL_PROGRESS_INTERVAL = 3.0

# Archive locations (set per run by runner.run_crawl).
GKCRAWL_DB_PATH = "archive/gkcrawl.db"
GKCRAWL_WARC_DIR = "archive/warc"
GKCRAWL_WARC_MAX_BYTES = 100 * 1024 * 1024
GKCRAWL_SITES_FILE = ""  # empty: the bundled gkcrawl/data/sites.yaml

# The browser is used only for requests that ask for it (meta["playwright"]); the handler is
# installed by runner.run_crawl when JS is on.
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

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
