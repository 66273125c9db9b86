"""A bar chart drawn on the server as inline SVG, for canned queries whose metadata asks for one.

datasette-vega sizes an ordinal axis at 21 px a value, so three years make a chart 60-120 px
wide: too small to read. A canned query with `chart: {x: year, y: held, color: level}` in
metadata.yml gets this chart above its table instead, at a fixed readable size (720 x 320 by
default), with every bar's value printed on it. Pure: rows in, SVG text out; every label is
escaped (the values come from the archive).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b", "#b279a2", "#9d755d")
MAX_GROUPS = 60


def _nice_max(value: float) -> float:
    """The round number at or above `value` the y axis ends at (1, 2, 2.5, 5 x 10^n)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _number(value: Any) -> float:
    try:
        return float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def bar_chart_svg(rows: Iterable[Mapping[str, Any]], spec: Mapping[str, Any]) -> str:
    """Grouped bars: one group per `x` value (in row order), one bar per `color` value."""
    x, y, color = spec["x"], spec["y"], spec.get("color")
    width, height = int(spec.get("width", 720)), int(spec.get("height", 340))
    groups: dict[str, dict[str, float]] = {}
    series: list[str] = []
    for row in rows:
        group = _label(row[x])
        name = _label(row[color]) if color else str(y)
        if group not in groups:
            if len(groups) >= MAX_GROUPS:
                continue
            groups[group] = {}
        if name not in series:
            series.append(name)
        groups[group][name] = groups[group].get(name, 0.0) + _number(row[y])
    if not groups:
        return ""
    left, right, bottom = 56, 16, 40
    legend: list[tuple[float, float, str, str]] = []  # (x, y, fill, name), wrapped to the width
    lx, ly = float(left), 8.0
    for s_index, name in enumerate(series if color else []):
        item_w = 28 + sum(13 if ord(ch) > 255 else 7 for ch in name)
        if lx + item_w > width - right and lx > left:
            lx, ly = float(left), ly + 18
        legend.append((lx, ly, PALETTE[s_index % len(PALETTE)], name))
        lx += item_w
    top = int(ly + 24) if legend else 12
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((v for g in groups.values() for v in g.values()), default=0.0))
    group_w = plot_w / len(groups)
    bar_w = max(2.0, min(48.0, group_w * 0.8 / max(1, len(series))))
    parts = [f'<svg class="gk-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(str(spec.get("title", y)))}" '
             'font-family="sans-serif" font-size="12">']
    for i in range(5):  # y axis: 0, 1/4 ... top, with grid lines
        tick = top_value * i / 4
        ypos = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{ypos:.1f}" y2="{ypos:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{ypos + 4:.1f}" text-anchor="end" fill="#555">{_label(tick)}</text>')
    for index, (group, values) in enumerate(groups.items()):
        x0 = left + index * group_w + (group_w - bar_w * len(series)) / 2
        for s_index, name in enumerate(series):
            if name not in values:
                continue
            value = values[name]
            bar_h = plot_h * value / top_value
            bx, by = x0 + s_index * bar_w, top + plot_h - bar_h
            fill = PALETTE[s_index % len(PALETTE)]
            parts.append(f'<rect class="gk-bar" x="{bx:.1f}" y="{by:.1f}" width="{bar_w - 1:.1f}" height="{bar_h:.1f}" '
                         f'fill="{fill}" data-x="{escape(group)}" data-series="{escape(name)}" '
                         f'data-value="{_label(value)}"><title>{escape(group)} · {escape(name)}: {_label(value)}'
                         '</title></rect>')
            if bar_w >= 14:
                parts.append(f'<text x="{bx + bar_w / 2:.1f}" y="{by - 3:.1f}" text-anchor="middle" '
                             f'font-size="11" fill="#333">{_label(value)}</text>')
        parts.append(f'<text x="{left + index * group_w + group_w / 2:.1f}" y="{top + plot_h + 16}" '
                     f'text-anchor="middle" fill="#333">{escape(group)}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#555"/>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" fill="#555">'
                 f'{escape(str(spec.get("x_label", x)))}</text>')
    parts.append(f'<text transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle" '
                 f'fill="#555">{escape(str(spec.get("y_label", y)))}</text>')
    for lx, ly, fill, name in legend:
        parts.append(f'<rect x="{lx:.0f}" y="{ly:.0f}" width="12" height="12" fill="{fill}"/>'
                     f'<text class="gk-legend" x="{lx + 16:.0f}" y="{ly + 10:.0f}" fill="#333">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def chart_rows(columns: Sequence[str], rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Query rows (sqlite3.Row or tuples) as dicts keyed by column name."""
    return [dict(zip(columns, tuple(row))) for row in rows]
