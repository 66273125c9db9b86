"""The bundled demo portal: a miniature government portal built from the five seed reports.

`start_demo_portal()` serves it on 127.0.0.1 in a background thread; `gkcrawl demo` crawls it,
snapshots and serves the archive. The crawler's test bench (portals imitating real CMSs) is
test data and lives under `tests/portals/`.
"""

from __future__ import annotations

from .portal import DEMO, Style, serve_style, start_demo_portal
from .server import Page, PortalStats, RunningPortal

__all__ = ["DEMO", "Page", "PortalStats", "RunningPortal", "Style", "serve_style", "start_demo_portal"]
