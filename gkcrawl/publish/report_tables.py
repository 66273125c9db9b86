"""A report's three template tables (parts 二, 三, 四) laid out as the report printed them.

Pure: the layout comes from the national formats (gkcrawl.template: cells.tsv's keys, rows,
columns and Chinese labels), the values from the archived `report_cells` rows. Nothing here
builds HTML: the page template renders these dataclasses with autoescaping, so crawled text
can never become markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gkcrawl import template as national

UNCERTAIN_TOOLTIP = "位置无法确定 / column not established"
PART_TITLES = {row.part: row.title for row in reversed(list(national.all_rows().values()))}
_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ":": "：", ",": "，"})
# The 勾稽关系 as the table prints it in its corner (template_rules.yaml), in full-width punctuation.
REQUESTS_CORNER = (national.rulebook().rule("requests_balance").printed or "").translate(_FULL_WIDTH)


@dataclass
class CellView:
    """One value cell: the archived value (None prints blank), its flags, note and row link."""

    key: str
    label: str
    value: Any = None
    uncertain: bool = False
    note: str | None = None
    url: str | None = None  # the report_cells row; None when the report has no row for this key
    flagged: bool = False  # named by a failed check
    ocr: bool = False  # read by OCR from a picture (report_cells.source = 'ocr')

    @property
    def display(self) -> str:
        return "" if self.value is None else str(self.value)


@dataclass
class GridCell:
    """A header (`text`) or a value (`cell`) in the printed grid, with its spans."""

    text: str = ""
    cell: CellView | None = None
    colspan: int = 1
    rowspan: int = 1
    css: str = ""


@dataclass
class ReportTable:
    part: str
    title: str
    header_rows: list[list[GridCell]]
    body_rows: list[list[GridCell]]
    width: int
    keys: list[str] = field(default_factory=list)


def template_labels(template: str) -> dict[str, str]:
    """key -> Chinese label for one national format, in cells.tsv order ({} for another name)."""
    return national.template(template).labels() if template in national.formats() else {}


CellLookup = Callable[[str], CellView]


def _active_table(labels: Mapping[str, str], lookup: CellLookup) -> ReportTable:
    """Part 二: per 第二十条 item a heading row, a 信息内容/columns row, then one row per item."""
    sections: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for key, label in labels.items():
        if key.startswith("active."):
            section, item, column = (label.split("/", 2) + ["", ""])[:3]
            sections.setdefault(section, {}).setdefault(item, []).append((column, key))
    width = 1 + max((len(cols) for items in sections.values() for cols in items.values()), default=1)
    body: list[list[GridCell]] = []
    for section, items in sections.items():
        body.append([GridCell(text=section.translate(_FULL_WIDTH), colspan=width,
                              css="gk-section")])
        columns = next(iter(items.values()))
        header = [GridCell(text=national.ACTIVE_ITEM_HEADING, css="gk-colhead")]
        header += [GridCell(text=name, css="gk-colhead") for name, _ in columns]
        header[-1].colspan = width - len(columns)
        body.append(header)
        for item, item_columns in items.items():
            row = [GridCell(text=item, css="gk-rowhead")]
            row += [GridCell(cell=lookup(key)) for _, key in item_columns]
            row[-1].colspan = width - len(item_columns)
            body.append(row)
    keys = [key for key in labels if key.startswith("active.")]
    return ReportTable("active", PART_TITLES["active"], [], body, width, keys)


def _requests_table(labels: Mapping[str, str], lookup: CellLookup) -> ReportTable:
    """Part 三: three label columns (row group, outcome, ground) and the seven applicant columns."""
    rows = [row for row in _rows(labels) if row.part == "requests"]
    paths = [list(row.path) for row in rows]
    columns = national.columns()
    under: list[GridCell] = []  # the header row under a heading (法人或其他组织's five kinds)
    over: list[GridCell] = []
    for index, column in enumerate(columns):
        if column.heading is None:
            over.append(GridCell(text=column.name, rowspan=2))
        else:
            if index == 0 or columns[index - 1].heading != column.heading:
                over.append(GridCell(text=column.heading, colspan=0))
            over[-1].colspan += 1
            under.append(GridCell(text=column.name))
    header = [
        [GridCell(text=REQUESTS_CORNER, colspan=3, rowspan=3, css="gk-corner"),
         GridCell(text=national.APPLICANTS_HEADING, colspan=len(columns))],
        over, under,
    ]
    body: list[list[GridCell]] = []
    for index, (row, path) in enumerate(zip(rows, paths)):
        grid: list[GridCell] = []
        for depth, text in enumerate(path):
            last = depth == len(path) - 1
            starts_run = index == 0 or paths[index - 1][:depth + 1] != path[:depth + 1]
            if last:
                grid.append(GridCell(text=text, colspan=3 - depth, css="gk-rowhead"))
            elif starts_run:
                grid.append(GridCell(text=text, rowspan=_run_length(paths, index, depth + 1), css="gk-rowhead"))
        grid += [GridCell(cell=lookup(key)) for key in row.keys]
        body.append(grid)
    keys = [key for key in labels if key.startswith("requests.")]
    return ReportTable("requests", PART_TITLES["requests"], header, body, 3 + len(columns), keys)


def _rows(labels: Mapping[str, str]) -> list[national.Row]:
    """The printed rows holding these cells, in order."""
    every = national.all_rows()
    return [every[row_id] for row_id in dict.fromkeys(national.row_id_of(key) for key in labels)]


def _run_length(paths: list[list[str]], start: int, depth: int) -> int:
    prefix = paths[start][:depth]
    run = 1
    while start + run < len(paths) and paths[start + run][:depth] == prefix and len(paths[start + run]) > depth:
        run += 1
    return run


def _appeals_table(labels: Mapping[str, str], lookup: CellLookup) -> ReportTable:
    """Part 四: 行政复议 (5) and 行政诉讼 split into 未经复议直接起诉 (5) and 复议后起诉 (5)."""
    results = national.appeal_results()
    names = [result.name for result in results]
    top: list[GridCell] = []
    middle: list[GridCell] = []
    bottom: list[GridCell] = []
    groups = national.appeal_groups()
    for index, group in enumerate(groups):
        if group.heading is None:  # 行政复议: its name on top, its results spanning two rows
            top.append(GridCell(text=group.name, colspan=len(results)))
            middle += [GridCell(text=name, rowspan=2) for name in names]
            continue
        if index == 0 or groups[index - 1].heading != group.heading:
            top.append(GridCell(text=group.heading, colspan=0))
        top[-1].colspan += len(results)
        middle.append(GridCell(text=group.name, colspan=len(results)))
        bottom += [GridCell(text=name) for name in names]
    keys = [f"appeals.{group.key}.{result.key}" for group in groups for result in results]
    body = [[GridCell(cell=lookup(key), css="gk-group-end" if key.endswith(f".{national.TOTAL}") else "")
             for key in keys]]
    return ReportTable("appeals", PART_TITLES["appeals"], [top, middle, bottom], body, len(keys), keys)


def build_report_tables(template: str | None, cells: Mapping[str, Mapping[str, Any]],
                        cell_url: Callable[[str], str], flagged: set[str] | frozenset[str] = frozenset()
                        ) -> list[ReportTable]:
    """The three tables for a 2019 or 2021 report; [] for free-form reports (template None).

    `cells` maps key -> {"value", "uncertain", "note"} as archived; `cell_url(key)` is the
    report_cells row page; `flagged` holds the keys failed checks point at.
    """
    labels = template_labels(template) if template else {}
    if not labels:
        return []

    def lookup(key: str) -> CellView:
        row = cells.get(key)
        view = CellView(key=key, label=labels.get(key, key), flagged=key in flagged)
        if row is not None:
            view.value = row.get("value")
            view.uncertain = bool(row.get("uncertain"))
            view.note = row.get("note") or None
            view.ocr = row.get("source") == "ocr"
            view.url = cell_url(key)
        return view

    return [_active_table(labels, lookup), _requests_table(labels, lookup), _appeals_table(labels, lookup)]


def keys_outside_template(template: str | None, cells: Mapping[str, Any]) -> list[str]:
    """Archived keys the template's tables do not show (kept visible, never dropped)."""
    labels = template_labels(template) if template else {}
    return sorted(key for key in cells if key not in labels)
