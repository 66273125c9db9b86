"""The site registry (`gkcrawl/data/sites.yaml`): portals are data, not Python.

Each entry holds hints only: start URLs, extra allowed hosts, whether list pages need a
browser, a crawl delay. A portal missing from the registry is crawled with the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

BUNDLED_SITES = Path(__file__).resolve().parents[1] / "data" / "sites.yaml"


@dataclass
class SiteEntry:
    name: str
    agency: str = ""
    start_urls: list[str] = field(default_factory=list)
    allowed_hosts: list[str] = field(default_factory=list)
    needs_js: bool = False
    crawl_delay: float | None = None
    cms: str | None = None
    verified: bool = False
    notes: str = ""

    @property
    def hosts(self) -> set[str]:
        found = {urlsplit(u).netloc for u in self.start_urls}
        return found | set(self.allowed_hosts)


def load_registry(path: Path | None = None) -> dict[str, SiteEntry]:
    """name -> entry; a missing or empty file is an empty registry, a malformed one an error."""
    path = Path(path) if path else BUNDLED_SITES
    if not path.exists():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries: dict[str, SiteEntry] = {}
    for item in raw.get("sites", []):
        if not isinstance(item, dict) or "name" not in item:
            raise ValueError(f"{path}: every site needs a name, got {item!r}")
        known = {k: v for k, v in item.items() if k in SiteEntry.__dataclass_fields__}
        entries[item["name"]] = SiteEntry(**known)
    return entries


def entries_for(registry: dict[str, SiteEntry], start_urls: list[str], site_name: str | None) -> list[SiteEntry]:
    """The registry entries that apply to a crawl: the named one, and any matching a start host."""
    chosen: list[SiteEntry] = []
    if site_name:
        if site_name not in registry:
            raise KeyError(site_name)
        chosen.append(registry[site_name])
    start_hosts = {urlsplit(u).netloc for u in start_urls}
    for entry in registry.values():
        if entry not in chosen and entry.hosts & start_hosts:
            chosen.append(entry)
    return chosen
