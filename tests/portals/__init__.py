"""The test bench: portals imitating real government CMSs, served on 127.0.0.1.

`start_portal(style)` serves one portal in a background thread; `EXPECTED[style]`
lists the exact report paths (and the distractor paths that must not become reports) so a
crawl can be checked against a known answer. `EXPECTED_GEN2[style]` holds the manifest after
`portal.set_generation(2)` for the styles whose content changes (only `changing`).

Every manifest has "reports" and "distractors" (sets of URL paths); some styles add keys:
- demo: "gbk" (the page with a lying charset header), "js_only" (listed only by a script),
  "scanned" (the report that is a scanned PDF), "notices" (the page linking it)
- hanweb: "proxy", "columnid", "unitid", "total_records"; jsonly: "api"
- attachments: "notices" (pages that only link a report file: neither report nor
  distractor), "kinds" (file path -> pdf/docx/doc)
- gbk: "content_types" (report path -> the Content-Type header sent, None for none)
- changing: "generation2" {"moved": {old: new}, "removed": {...}, "changed": {...}}
- traps: "trap_prefixes", "foreign_hosts" (never to be fetched; stats.hosts shows Host headers)
- faults: "faults" (path -> retry_after|broken_html|stall|reset|truncate|oversize|server_error),
  "failing" (the fault paths that never yield a report; the others land)
- large: "pages" (how many pages the portal serves), "units" (how many bodies it holds)
- wild: "notices", "wps" (the .wps attachment path), "chinese_name" (the percent-encoded PDF path)
Every portal links /admin/login.html, which robots.txt disallows.
"""

from __future__ import annotations

from gkcrawl.demo.server import Page, PortalStats, RunningPortal

from .registry import EXPECTED, EXPECTED_GEN2, STYLES, start_portal

__all__ = ["EXPECTED", "EXPECTED_GEN2", "STYLES", "Page", "PortalStats", "RunningPortal", "start_portal"]
