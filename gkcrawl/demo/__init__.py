"""The bundled demo portal and the test portals imitating real government CMSs.

`start_portal(style)` serves one portal on 127.0.0.1 in a background thread; `EXPECTED[style]`
lists the exact report paths (and the distractor paths that must not become reports) so a
crawl can be checked against a known answer. `EXPECTED_GEN2[style]` holds the manifest after
`portal.set_generation(2)` for the styles whose content changes.
"""

from __future__ import annotations

from .registry import EXPECTED, EXPECTED_GEN2, STYLES, start_portal
from .server import Page, PortalStats, RunningPortal

__all__ = ["EXPECTED", "EXPECTED_GEN2", "STYLES", "Page", "PortalStats", "RunningPortal", "start_portal"]
