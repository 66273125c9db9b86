"""The two national formats, read once from `gkcrawl/data/cells.tsv`.

cells.tsv is the one source of cell keys and printed labels. A key is `<row>.<column>`;
a label is the printed path to the cell (`三、本年度办理结果/(三)不予公开/1.属于国家秘密/自然人`).
Everything structural follows from the two: the rows and their keys in column order, part
三's applicant columns with their Chinese names (and the 法人或其他组织 heading over five of
them), part 四's groups and results. The loader checks that every requests row has the same
columns in the same order and every appeal group the same results, so a changed cells.tsv
that breaks the shape fails here, by name, instead of somewhere downstream.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

TEMPLATES = ("2019", "2021")
# Part 四 prints its fifteen numbers (three groups of five) as one row of the table.
ONE_ROW_PARTS = ("appeals",)
PARTS = ("active", "requests", "appeals")
# cells.tsv's key for a 总计 cell: part 三's last column, each part 四 group's last result.
TOTAL = "total"


class TemplateError(ValueError):
    """cells.tsv (or the rules) do not have the shape the national template has."""


@dataclass(frozen=True)
class Cell:
    key: str
    template: str
    section: str  # the part's printed heading, "三、收到和处理政府信息公开申请情况"
    label: str  # the printed path, "/"-separated

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.label.split("/"))


@dataclass(frozen=True)
class Named:
    """A column, appeal group or result: its key part, Chinese name and the heading above it."""

    key: str
    name: str
    heading: str | None = None  # 法人或其他组织 over 商业企业 …, 行政诉讼 over 复议后起诉

    def __str__(self) -> str:  # a key template's "{column}" is the key part
        return self.key

    def __format__(self, spec: str) -> str:
        return format(self.key, spec)


@dataclass(frozen=True)
class Row:
    """One printed row: its cell keys in column order and the label path they share."""

    id: str  # "requests.new", "active.a20_5.licensing", "appeals"
    part: str  # "active", "requests", "appeals"
    title: str  # the part's printed heading
    keys: tuple[str, ...]
    path: tuple[str, ...]  # the row's own label path, without the columns

    @property
    def width(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class Format:
    """One national format: its cells in cells.tsv order and its rows in document order."""

    name: str
    cells: tuple[Cell, ...]
    rows: tuple[Row, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(cell.key for cell in self.cells)

    def labels(self) -> dict[str, str]:
        return {cell.key: cell.label for cell in self.cells}

    def row(self, row_id: str) -> Row:
        for row in self.rows:
            if row.id == row_id:
                return row
        raise KeyError(row_id)

    def column_label(self, key: str) -> str:
        """The cell's label below its row's: 自然人, 法人或其他组织/商业企业, 本年增/减."""
        row = self.row(row_id_of(key))
        return "/".join(self.labels()[key].split("/")[len(row.path):])

    def has_row(self, row_id: str) -> bool:
        return any(row.id == row_id for row in self.rows)


@lru_cache(maxsize=1)
def cells() -> tuple[Cell, ...]:
    """Every cell of both formats, in cells.tsv order."""
    text = resources.files("gkcrawl").joinpath("data/cells.tsv").read_text(encoding="utf-8")
    return tuple(Cell(row["key"], row["template"], row["section"], row["label"])
                 for row in csv.DictReader(text.splitlines(), delimiter="\t"))


def row_id_of(key: str) -> str:
    """The printed row a cell key lies in."""
    part = key.split(".", 1)[0]
    return part if part in ONE_ROW_PARTS else key.rsplit(".", 1)[0]


def _common_prefix(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    prefix = paths[0]
    for path in paths[1:]:
        size = 0
        while size < min(len(prefix), len(path)) and prefix[size] == path[size]:
            size += 1
        prefix = prefix[:size]
    return prefix


def _rows(format_cells: list[Cell]) -> tuple[Row, ...]:
    grouped: dict[str, list[Cell]] = {}
    for cell in format_cells:
        grouped.setdefault(row_id_of(cell.key), []).append(cell)
    rows = []
    for row_id, members in grouped.items():
        part = row_id.split(".", 1)[0]
        if part not in PARTS:
            raise TemplateError(f"cells.tsv: {members[0].key} is in no part of {PARTS}")
        if len({c.section for c in members}) != 1:
            raise TemplateError(f"cells.tsv: row {row_id} spans several sections")
        path = _common_prefix([c.path[:-1] for c in members])
        rows.append(Row(row_id, part, members[0].section, tuple(c.key for c in members), path))
    return tuple(rows)


@lru_cache(maxsize=1)
def formats() -> dict[str, Format]:
    """Both national formats, name -> Format."""
    out: dict[str, Format] = {}
    for name in TEMPLATES:
        members = [cell for cell in cells() if cell.template == name]
        if not members:
            raise TemplateError(f"cells.tsv has no cell of format {name}")
        if len({c.key for c in members}) != len(members):
            raise TemplateError(f"cells.tsv: a key of format {name} is listed twice")
        out[name] = Format(name, tuple(members), _rows(members))
    _check_shape(out)
    return out


def template(name: str) -> Format:
    """One format by name ("2019" or "2021")."""
    try:
        return formats()[name]
    except KeyError:
        raise KeyError(f"no national format {name!r}; known: {', '.join(TEMPLATES)}") from None


def _columns_of(row: Row, labels: dict[str, str]) -> tuple[Named, ...]:
    out = []
    for key in row.keys:
        rest = tuple(labels[key].split("/"))[len(row.path):]
        out.append(Named(key.rsplit(".", 1)[1], rest[-1], "/".join(rest[:-1]) or None))
    return tuple(out)


@lru_cache(maxsize=1)
def columns() -> tuple[Named, ...]:
    """Part 三's applicant columns, 自然人 … 总计, with their names and the heading above."""
    first = formats()[TEMPLATES[0]]
    row = next(r for r in first.rows if r.part == "requests")
    found = _columns_of(row, first.labels())
    if found[-1].key != TOTAL:
        raise TemplateError(f"cells.tsv: part 三's last column is {found[-1].key}, not {TOTAL}")
    return found


@lru_cache(maxsize=1)
def _appeals() -> tuple[tuple[Named, ...], tuple[Named, ...]]:
    first = formats()[TEMPLATES[0]]
    labels = first.labels()
    groups: dict[str, Named] = {}
    results: dict[str, list[Named]] = {}
    for key in first.row("appeals").keys:
        _, group, result = key.split(".")
        path = labels[key].split("/")
        groups.setdefault(group, Named(group, path[-2], "/".join(path[:-2]) or None))
        results.setdefault(group, []).append(Named(result, path[-1]))
    shapes = {tuple(results[g]) for g in groups}
    if len(shapes) != 1:
        raise TemplateError("cells.tsv: part 四's groups do not share one list of results")
    shared = shapes.pop()
    if shared[-1].key != TOTAL:
        raise TemplateError(f"cells.tsv: part 四's last result is {shared[-1].key}, not {TOTAL}")
    return tuple(groups.values()), shared


def appeal_groups() -> tuple[Named, ...]:
    """Part 四's groups: 行政复议, then 行政诉讼's 未经复议直接起诉 and 复议后起诉."""
    return _appeals()[0]


def appeal_results() -> tuple[Named, ...]:
    """The five results of every appeal group, 结果维持 … 总计."""
    return _appeals()[1]


def _check_shape(found: dict[str, Format]) -> None:
    """Every requests row has the same columns, every appeals row the same keys, in order."""
    reference: tuple[Named, ...] | None = None
    appeals: tuple[str, ...] | None = None
    for fmt in found.values():
        labels = fmt.labels()
        for row in fmt.rows:
            if row.part == "requests":
                have = _columns_of(row, labels)
                reference = reference or have
                if have != reference:
                    raise TemplateError(f"cells.tsv: format {fmt.name} row {row.id} has columns "
                                        f"{[c.key for c in have]}, not {[c.key for c in reference]}")
            elif row.part == "appeals":
                appeals = appeals or row.keys
                if row.keys != appeals:
                    raise TemplateError(f"cells.tsv: format {fmt.name}'s part 四 differs from the other format's")


def all_rows() -> dict[str, Row]:
    """Every row id of either format (2019's first where both have it)."""
    out: dict[str, Row] = {}
    for fmt in formats().values():
        for row in fmt.rows:
            out.setdefault(row.id, row)
    return out


def column_name(key: str) -> str:
    """自然人 for natural, 总计 for total."""
    return next(c.name for c in columns() if c.key == key)


def totals_of(row_id: str) -> tuple[str, ...]:
    """The 总计 cells of `row_id` and of the rows under it, over both formats in cells.tsv
    order: totals_of("requests.withheld") -> the eight grounds' totals."""
    return tuple(f"{rid}.{TOTAL}" for rid, row in all_rows().items()
                 if row.part == "requests" and (rid == row_id or rid.startswith(row_id + ".")))
