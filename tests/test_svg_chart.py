"""The server-drawn bar chart of canned queries (gkcrawl/publish/svg_chart.py): pure, escaped."""

from __future__ import annotations

from lxml import etree

from gkcrawl.publish.svg_chart import bar_chart_svg


def bars(svg: str) -> dict[tuple[str, str], float]:
    root = etree.fromstring(svg.encode("utf-8"))
    return {(r.get("data-x"), r.get("data-series")): float(r.get("height"))
            for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "gk-bar"}


def test_bars_are_proportional_and_grouped_by_colour() -> None:
    rows = [{"year": 2020, "level": "city", "held": 40}, {"year": 2020, "level": "county", "held": 10},
            {"year": 2021, "level": "city", "held": 20}]
    found = bars(bar_chart_svg(rows, {"x": "year", "y": "held", "color": "level"}))
    assert set(found) == {("2020", "city"), ("2020", "county"), ("2021", "city")}
    assert found[("2020", "city")] == 2 * found[("2021", "city")] == 4 * found[("2020", "county")]


def test_labels_from_the_archive_are_escaped_and_empty_rows_draw_nothing() -> None:
    svg = bar_chart_svg([{"x": "<script>alert(1)</script>", "y": 3}], {"x": "x", "y": "y"})
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    etree.fromstring(svg.encode("utf-8"))  # well-formed
    assert bar_chart_svg([], {"x": "x", "y": "y"}) == ""
    assert bars(bar_chart_svg([{"x": "a", "y": None}], {"x": "x", "y": "y"})) == {("a", "y"): 0.0}
