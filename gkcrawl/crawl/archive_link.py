"""One open archive per crawl, shared by the capture middleware, the spider and the pipeline.

All three run on the reactor thread, so one sqlite connection serves them; it is opened
on first use and closed when the spider closes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

_ATTRIBUTE = "_gkcrawl_archive"


class ArchiveLink:
    """The crawl's handle on the archive database (`gkcrawl.archive.store`)."""

    def __init__(self, db_path: Path) -> None:
        from gkcrawl.archive.store import open_archive

        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.db: Any = open_archive(self.db_path)

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> "ArchiveLink":
        link = getattr(crawler, _ATTRIBUTE, None)
        if link is None:
            link = cls(Path(crawler.settings.get("GKCRAWL_DB_PATH")))
            setattr(crawler, _ATTRIBUTE, link)
            crawler.signals.connect(link.close, signal=signals.engine_stopped)
        return link

    def known_report_urls(self, hosts: set[str]) -> list[str]:
        """Report URLs archived earlier on these hosts: re-checked so removals are noticed."""
        db = self.db
        if "reports" not in db.table_names():
            return []
        columns = {c.name for c in db["reports"].columns}
        if "url" not in columns:
            return []
        from urllib.parse import urlsplit

        where = " where gone_at is null" if "gone_at" in columns else ""
        urls = [row[0] for row in db.execute(f"select distinct url from reports{where}").fetchall()]
        return sorted(u for u in urls if urlsplit(u).netloc in hosts)

    def close(self) -> None:
        try:
            self.db.conn.close()
        except Exception:  # noqa: BLE001 - closing twice at shutdown is harmless
            pass
