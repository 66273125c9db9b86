"""The styles of test portal, their manifests, and `start_portal`."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

from . import style_behaviour, style_demo, style_files, style_large, style_scripted, style_trs, style_wild, style_wild2
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


def _style(name: str, module: ModuleType, generations: int = 1) -> Style:
    return Style(name, module.build, module.manifest, generations)


_STYLES: dict[str, Style] = {style.name: style for style in (
    _style("demo", style_demo),
    Style("trs", style_trs.build_trs, style_trs.manifest_trs),
    Style("hanweb", style_scripted.build_hanweb, style_scripted.manifest_hanweb),
    Style("jsonly", style_scripted.build_jsonly, style_scripted.manifest_jsonly),
    _style("attachments", style_files),
    Style("gbk", style_trs.build_gbk, style_trs.manifest_gbk),
    Style("deep", style_trs.build_deep, style_trs.manifest_deep),
    Style("changing", style_behaviour.build_changing, style_behaviour.manifest_changing, generations=2),
    Style("traps", style_behaviour.build_traps, style_behaviour.manifest_traps),
    Style("faults", style_behaviour.build_faults, style_behaviour.manifest_faults),
    _style("large", style_large),
    _style("wild", style_wild),
    _style("wild2", style_wild2),
)}

STYLES: tuple[str, ...] = tuple(_STYLES)
EXPECTED: dict[str, dict[str, object]] = {name: s.manifest(1).as_dict() for name, s in _STYLES.items()}
EXPECTED_GEN2: dict[str, dict[str, object]] = {
    name: s.manifest(2).as_dict() for name, s in _STYLES.items() if s.generations > 1}


def start_portal(style: str = "demo", host: str = "127.0.0.1", port: int = 0, *,
                 stall_seconds: float = DEFAULT_STALL_SECONDS) -> RunningPortal:
    """Serve the portal `style` in a background thread and return at once.

    `portal.url` is the home page; `portal.stop()` ends the server. `stall_seconds` is how long
    the `faults` portal's stalled answer hangs (the crawler's timeout must be shorter).
    """
    if style not in _STYLES:
        raise ValueError(f"unknown portal style {style!r}; choose one of {', '.join(STYLES)}")
    spec = _STYLES[style]
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
    return RunningPortal(style, server)
