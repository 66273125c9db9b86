"""Tables -> grids -> text rows, so every format reaches the same row finder.

A grid cell covered by a rowspan/colspan is None (nothing printed there); an empty cell is ''
(a blank the template prints). Rendering joins a row's cells with tabs, covered cells left
out and empty ones kept as empty fields, so blanks keep their column."""

from __future__ import annotations

import re

from lxml import etree, html as lxml_html

Grid = list[list[str | None]]
_BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
               "table", "ul", "ol", "dd", "dt", "blockquote", "pre", "hr", "title"}
_MAX_SPAN = 60
# Stands where an <img> was in the row text, so a table published as a picture is seen.
IMAGE_MARK = "[[image]]"


def _cell_text(cell: etree._Element) -> str:
    parts: list[str] = []
    for node in cell.iter():
        if node.tag in ("br", "p", "div") and parts:
            parts.append(" ")
        if node.text and node.tag not in ("script", "style"):
            parts.append(node.text)
        if node is not cell and node.tail:
            parts.append(node.tail)
    text = "".join(parts).replace("\u00a0", " ").replace("\u3000", " ")
    return re.sub(r"\s+", " ", text).strip()


def _span(cell: etree._Element, name: str) -> int:
    try:
        return max(1, min(_MAX_SPAN, int(str(cell.get(name, "1")).strip() or 1)))
    except ValueError:
        return 1


def html_table_grid(table: etree._Element) -> Grid:
    """Expand rowspan/colspan into a rectangular grid (covered slots are None)."""
    rows = [tr for tr in table.iter("tr") if _owning_table(tr) is table]
    grid: Grid = []
    pending: dict[tuple[int, int], bool] = {}
    for r, tr in enumerate(rows):
        row: list[str | None] = []
        col = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            while pending.pop((r, col), False):
                row.append(None)
                col += 1
            rowspan, colspan = _span(cell, "rowspan"), _span(cell, "colspan")
            row.append(_cell_text(cell))
            row.extend([None] * (colspan - 1))
            for dr in range(1, rowspan):
                for dc in range(colspan):
                    pending[(r + dr, col + dc)] = True
            col += colspan
        while pending.pop((r, col), False):
            row.append(None)
            col += 1
        grid.append(row)
    return grid


def _owning_table(node: etree._Element) -> etree._Element | None:
    parent = node.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


_SEQUENCE_HEADS = {"序号", "编号"}
_REMARK_HEADS = {"备注", "说明", "备注说明"}
_SEQUENCE_VALUE = re.compile(r"^(?:\d{1,3}|[一二三四五六七八九十]{1,3})[.、]?$")
_HEADER_ROWS = 4


def drop_extra_columns(grid: Grid) -> Grid:
    """The grid without a leading 序号 column or a trailing 备注 column.

    Neither is a template cell, and both shift every value one field along (a remark such
    as 无 reads as a blank). 序号 goes only when all its cells are sequence numbers."""
    width = max((len(row) for row in grid), default=0)
    drop: set[int] = set()
    for row in grid[:_HEADER_ROWS]:
        for col, cell in enumerate(row):
            head = re.sub(r"\s", "", cell or "")
            sequence = head in _SEQUENCE_HEADS and col == 0 and _only_sequence(grid, col)
            if sequence or (head in _REMARK_HEADS and col == width - 1 and col > 0):
                drop.add(col)
    if not drop:
        return grid
    return [[cell for col, cell in enumerate(row) if col not in drop] for row in grid]


def _only_sequence(grid: Grid, col: int) -> bool:
    values = [re.sub(r"\s", "", row[col] or "") for row in grid if len(row) > col]
    body = [v for v in values if v and v not in _SEQUENCE_HEADS]
    return all(_SEQUENCE_VALUE.match(v) for v in body)


def render_grid(grid: Grid) -> str:
    """One line per row: covered cells dropped, empty cells kept as empty tab fields."""
    lines = []
    for row in grid:
        fields = [cell.replace("\t", " ").replace("\n", " ") for cell in row if cell is not None]
        if any(fields):
            lines.append("\t".join(fields) if len(fields) > 1 else fields[0] + "\t")
    return "\n".join(lines)


def html_to_text(html: str, for_rows: bool = False) -> tuple[str, int]:
    """Plain text of an HTML page with each innermost table rendered as tab rows.

    `for_rows` renders the text the row finder reads: 序号/备注 columns left out.
    Returns the text and how many data tables were rendered."""
    try:
        root = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return "", 0
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    if for_rows:
        for image in root.iter("img"):
            image.tail = f"\n{IMAGE_MARK}\n" + (image.tail or "")
    count = 0
    tables = list(root.iter("table"))
    # Layout tables (holding other tables) stay as they are; only data tables become rows.
    data_tables = [t for t in tables if not any(inner is not t for inner in t.iter("table"))]
    for table in data_tables:
        grid = html_table_grid(table)
        rendered = render_grid(drop_extra_columns(grid) if for_rows else grid)
        replacement = etree.Element("pre")
        replacement.text = "\n" + rendered + "\n"
        replacement.tail = table.tail
        parent = table.getparent()
        if parent is None:
            continue
        parent.replace(table, replacement)
        count += 1
    for node in root.iter():
        if isinstance(node.tag, str) and node.tag in _BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
    text = root.text_content() if hasattr(root, "text_content") else "".join(root.itertext())
    text = text.replace("\u00a0", " ")
    text = re.sub(r"[ \u3000]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip(" \n"), count
