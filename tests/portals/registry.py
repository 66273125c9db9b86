"""The test bench's portal styles, their manifests, and `start_portal`.

Only the `demo` style ships with gkcrawl (`gkcrawl.demo`); the styles imitating real CMSs
(TRS, Hanweb, scripted lists, attachments, faults, traps, the large portal, wild pages) are
test data and live here.
"""

from __future__ import annotations

from gkcrawl.demo.portal import DEFAULT_STALL_SECONDS, DEMO, Style, serve_style, style_of
from gkcrawl.demo.server import RunningPortal

from . import (
    style_behaviour,
    style_bombs,
    style_budgets,
    style_files,
    style_large,
    style_scripted,
    style_services,
    style_trs,
    style_wild,
    style_wild2,
)

_STYLES: dict[str, Style] = {style.name: style for style in (
    DEMO,
    Style("trs", style_trs.build_trs, style_trs.manifest_trs),
    Style("hanweb", style_scripted.build_hanweb, style_scripted.manifest_hanweb),
    Style("jsonly", style_scripted.build_jsonly, style_scripted.manifest_jsonly),
    style_of("attachments", style_files),
    Style("gbk", style_trs.build_gbk, style_trs.manifest_gbk),
    Style("deep", style_trs.build_deep, style_trs.manifest_deep),
    Style("changing", style_behaviour.build_changing, style_behaviour.manifest_changing, generations=3),
    Style("traps", style_behaviour.build_traps, style_behaviour.manifest_traps),
    Style("faults", style_behaviour.build_faults, style_behaviour.manifest_faults),
    style_of("large", style_large),
    style_of("wild", style_wild),
    style_of("wild2", style_wild2),
    style_of("bombs", style_bombs),
    Style("longlist", style_budgets.build_longlist, style_budgets.manifest_longlist),
    Style("subcolumns", style_budgets.build_subcolumns, style_budgets.manifest_subcolumns),
    Style("trssearch", style_services.build_trssearch, style_services.manifest_trssearch),
    Style("trsbrowser", style_services.build_trsbrowser, style_services.manifest_trsbrowser),
    Style("irs", style_services.build_irs, style_services.manifest_irs),
    Style("gopage", style_services.build_gopage, style_services.manifest_gopage),
    Style("gkmlpt", style_services.build_gkmlpt, style_services.manifest_gkmlpt),
)}

STYLES: tuple[str, ...] = tuple(_STYLES)
EXPECTED: dict[str, dict[str, object]] = {name: s.manifest(1).as_dict() for name, s in _STYLES.items()}
EXPECTED_GEN2: dict[str, dict[str, object]] = {
    name: s.manifest(2).as_dict() for name, s in _STYLES.items() if s.generations > 1}


def start_portal(style: str = "demo", host: str = "127.0.0.1", port: int = 0, *,
                 stall_seconds: float = DEFAULT_STALL_SECONDS) -> RunningPortal:
    """Serve the portal `style` in a background thread (see gkcrawl.demo.portal.serve_style)."""
    if style not in _STYLES:
        raise ValueError(f"unknown portal style {style!r}; choose one of {', '.join(STYLES)}")
    return serve_style(_STYLES[style], host, port, stall_seconds=stall_seconds)
