"""Serving a portal style: the one the demo ships (`demo`), and the machinery the test portals reuse.

A `Style` says how to build a site and what it holds (its manifest). `serve_style` runs one on
127.0.0.1 in a background thread. The test bench's other styles live under `tests/portals/`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from . import style_demo
from .server import PortalServer, RunningPortal, Site
from .sitebuild import BuildContext, Manifest

# Past the crawler's default DOWNLOAD_TIMEOUT (30 s); stop() releases a stalled answer at once.
DEFAULT_STALL_SECONDS = 60.0


@dataclass(frozen=True)
class Style:
    """A portal style: how to build its site and what it holds."""

    name: str
    build: Callable[[BuildContext], Site]
    manifest: Callable[[int], Manifest]
    generations: int = 1


def style_of(name: str, module: ModuleType, generations: int = 1) -> Style:
    """The style a module defines with its `build` and `manifest` functions."""
    return Style(name, module.build, module.manifest, generations)


DEMO = style_of("demo", style_demo)


def serve_style(spec: Style, host: str = "127.0.0.1", port: int = 0, *,
                stall_seconds: float = DEFAULT_STALL_SECONDS) -> RunningPortal:
    """Serve the portal `spec` in a background thread and return at once.

    `portal.url` is the home page; `portal.stop()` ends the server. `stall_seconds` is how long
    a stalled answer hangs (the crawler's timeout must be shorter).
    """
    sites: dict[int, Site] = {}
    lock = threading.Lock()
    server_port: list[int] = [port]

    def site_for(generation: int) -> Site:
        with lock:
            if generation not in sites:
                sites[generation] = spec.build(BuildContext(generation=generation, port=server_port[0]))
            return sites[generation]

    server = PortalServer((host, port), site_for, stall_seconds)
    server_port[0] = server.server_address[1]
    site_for(1)  # build before serving so the first request is not slow
    return RunningPortal(spec.name, server)


def start_demo_portal(host: str = "127.0.0.1", port: int = 0) -> RunningPortal:
    """The bundled demo portal (what `gkcrawl demo` crawls)."""
    return serve_style(DEMO, host, port)
