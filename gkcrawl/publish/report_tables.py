"""A report's three template tables (parts 二, 三, 四) laid out as the report printed them.

Pure: the layout comes from cells.tsv (keys and Chinese labels per national format), the
values from the archived `report_cells` rows. Nothing here builds HTML: the page template
renders these dataclasses with autoescaping, so crawled text can never become markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gkcrawl.archive.schema import APPLICANTS, cell_label_rows

UNCERTAIN_TOOLTIP = "位置无法确定 / column not established"
APPLICANT_HEADERS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
APPEAL_GROUPS = [("review", "行政复议"), ("lit_direct", "未经复议直接起诉"), ("lit_after_review", "复议后起诉")]
APPEAL_RESULTS = ["upheld", "corrected", "other", "pending", "total"]
PART_TITLES = {"active": "二、主动公开政府信息情况", "requests": "三、收到和处理政府信息公开申请情况",
               "appeals": "四、政府信息公开行政复议、行政诉讼情况"}
REQUESTS_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


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
    """key -> Chinese label for one national format, in cells.tsv order."""
    return {key: label for key, tmpl, _, label in cell_label_rows() if tmpl == template}


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
        body.append([GridCell(text=section.replace("(", "（").replace(")", "）"), colspan=width,
                              css="gk-section")])
        columns = next(iter(items.values()))
        header = [GridCell(text="信息内容", css="gk-colhead")]
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


def _label_path(label: str) -> list[str]:
    """`三、本年度办理结果/(三)不予公开/1.属于国家秘密/自然人` -> its row part, up to three levels."""
    parts = label.split("/")
    return parts[:-1] if parts[-1] == "自然人" else parts


def _run_length(paths: list[list[str]], start: int, depth: int) -> int:
    prefix = paths[start][:depth]
    run = 1
    while start + run < len(paths) and paths[start + run][:depth] == prefix and len(paths[start + run]) > depth:
        run += 1
    return run


def _requests_table(labels: Mapping[str, str], lookup: CellLookup) -> ReportTable:
    """Part 三: three label columns (row group, outcome, ground) and the seven applicant columns."""
    rows = [key.rsplit(".", 1)[0] for key in labels if key.startswith("requests.") and key.endswith(".natural")]
    paths = [_label_path(labels[f"{row}.natural"]) for row in rows]
    header = [
        [GridCell(text=REQUESTS_CORNER, colspan=3, rowspan=3, css="gk-corner"),
         GridCell(text="申请人情况", colspan=7)],
        [GridCell(text="自然人", rowspan=2), GridCell(text="法人或其他组织", colspan=5),
         GridCell(text="总计", rowspan=2)],
        [GridCell(text=name) for name in APPLICANT_HEADERS[1:6]],
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
        grid += [GridCell(cell=lookup(f"{row}.{applicant}")) for applicant in APPLICANTS]
        body.append(grid)
    keys = [key for key in labels if key.startswith("requests.")]
    return ReportTable("requests", PART_TITLES["requests"], header, body, 10, keys)


def _appeals_table(labels: Mapping[str, str], lookup: CellLookup) -> ReportTable:
    """Part 四: 行政复议 (5) and 行政诉讼 split into 未经复议直接起诉 (5) and 复议后起诉 (5)."""
    result_names = [labels.get(f"appeals.review.{r}", r).rsplit("/", 1)[-1] for r in APPEAL_RESULTS]
    header = [
        [GridCell(text="行政复议", colspan=5), GridCell(text="行政诉讼", colspan=10)],
        [GridCell(text=name, rowspan=2) for name in result_names]
        + [GridCell(text=name, colspan=5) for _, name in APPEAL_GROUPS[1:]],
        [GridCell(text=name) for _ in APPEAL_GROUPS[1:] for name in result_names],
    ]
    keys = [f"appeals.{group}.{result}" for group, _ in APPEAL_GROUPS for result in APPEAL_RESULTS]
    body = [[GridCell(cell=lookup(key), css="gk-group-end" if key.endswith(".total") else "") for key in keys]]
    return ReportTable("appeals", PART_TITLES["appeals"], header, body, 15, keys)


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
            view.url = cell_url(key)
        return view

    return [_active_table(labels, lookup), _requests_table(labels, lookup), _appeals_table(labels, lookup)]


def keys_outside_template(template: str | None, cells: Mapping[str, Any]) -> list[str]:
    """Archived keys the template's tables do not show (kept visible, never dropped)."""
    labels = template_labels(template) if template else {}
    return sorted(key for key in cells if key not in labels)
