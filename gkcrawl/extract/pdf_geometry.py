"""PDF tables without ruling lines -> tab rows, rebuilt from where the words stand.

Word/WPS exports and OCR'd scans print the tables as text in columns, no lines: pdfplumber
finds no table and blank cells are lost. Header words (自然人 … 总计, part 二's column names,
part 四's result names) give each column its x-range; a number goes to the column holding it,
a column without one is a known blank, and a row with a number straddling two columns keeps
no positions (the readers then mark it uncertain unless arithmetic decides). Wrapped label
lines are shared out among the value lines so each label block sits on its values."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gkcrawl import template as national

from .cellvalues import BLANK_MARKS, parse_cell
from .normalize import normalize

# Part 三's column names and part 四's result names, as the national formats print them.
REQUEST_NAMES = tuple(column.name for column in national.columns())
RESULT_NAMES = tuple(result.name for result in national.appeal_results())
ACTIVE_NAMES = re.compile(r"本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|本年增/?减|本年处理决定数量|"
                          r"处理决定数量|采购项目数量|采购总金额|本年制发件数|本年废止件数|现行有效件数|"
                          r"本年收费金额(?:\(单位:?万元\))?")
_HEADINGS = re.compile(r"[二三四五六]\s*[、.]\s*(?:主动公开|收到和处理|政府信息公开行政|"
                       r"(?:政府信息公开)?(?:工作)?存在|其他需要报告)")
_FOOTER = re.compile(r"^\s*[-—–]\s*\d+\s*[-—–]\s*$|^\s*第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?\s*$|^\s*\d+\s*/\s*\d+\s*$")
_PURE_NUMBER = re.compile(r"^[+\-]?\d[\d,]*(?:\.\d+)?$")
MAX_HEADER_LINES = 16
MAX_LABEL_LINES = 14
EDGE_SLACK = 0.8  # points a value may pass its column's edge (rounding in the PDF)


@dataclass
class Word:
    text: str
    norm: str  # normalised, without spaces: for matching only
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class Line:
    words: list[Word]
    top: float
    bottom: float

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    def text(self) -> str:
        return " ".join(w.text for w in sorted(self.words, key=lambda w: w.x0))


@dataclass
class Columns:
    """One table's value columns: x-ranges, left to right; words left of `label_edge` are labels."""

    kind: str  # requests | appeals | active
    edges: list[tuple[float, float]]

    @property
    def label_edge(self) -> float:
        return self.edges[0][0]

    def place(self, word: Word) -> int | None:
        """The column holding the whole word, or None when it straddles or lies outside."""
        for index, (left, right) in enumerate(self.edges):
            if left - EDGE_SLACK <= word.x0 and word.x1 <= right + EDGE_SLACK:
                return index
        return None


@dataclass
class GeometryPage:
    """A page's table text with rebuilt rows (None: no template table found by geometry)."""

    text: str | None
    carry: Columns | None
    rows: int = 0
    unplaced_rows: int = 0


def page_words(page) -> list[Word]:
    words = []
    for raw in page.extract_words(keep_blank_chars=False, use_text_flow=False, x_tolerance=3, y_tolerance=3):
        text, norm = str(raw["text"]), re.sub(r"\s", "", normalize(str(raw["text"])))
        if norm:
            words.append(Word(text, norm, float(raw["x0"]), float(raw["x1"]), float(raw["top"]), float(raw["bottom"])))
    return words


def group_lines(words: list[Word]) -> list[Line]:
    """Words sharing a baseline band, top to bottom; page footers (`- 2 -`) dropped."""
    lines: list[Line] = []
    for word in sorted(words, key=lambda w: (w.cy, w.x0)):
        if lines:
            last = lines[-1]
            tolerance = max(1.5, 0.4 * min(word.bottom - word.top, last.bottom - last.top))
            if abs(word.cy - last.cy) <= tolerance:
                last.words.append(word)
                last.top, last.bottom = min(last.top, word.top), max(last.bottom, word.bottom)
                continue
        lines.append(Line([word], word.top, word.bottom))
    return [line for line in lines if not _FOOTER.match(line.text())]


def _chains(words: list[Word]) -> list[list[Word]]:
    """Words stacked in one cell (`社会公` over `益组织`, one character per line), top first."""
    ordered = sorted(words, key=lambda w: (w.top, w.x0))
    below: dict[int, int] = {}
    has_above: set[int] = set()
    for i, upper in enumerate(ordered):
        height = upper.bottom - upper.top
        best = None
        for j in range(i + 1, len(ordered)):
            lower = ordered[j]
            gap = lower.top - upper.bottom
            if gap < -0.3 * height or gap > 0.9 * height or j in has_above:
                continue
            overlap = min(upper.x1, lower.x1) - max(upper.x0, lower.x0)
            wide_enough = overlap >= 0.5 * min(upper.x1 - upper.x0, lower.x1 - lower.x0)
            if wide_enough and (best is None or lower.top < ordered[best].top):
                best = j
        if best is not None:
            below[i] = best
            has_above.add(best)
    chains = [[i] for i in range(len(ordered)) if i not in has_above]
    for chain in chains:
        while chain[-1] in below:
            chain.append(below[chain[-1]])
    return [[ordered[i] for i in chain] for chain in chains]


def _named_runs(words: list[Word], accept) -> list[tuple[str, Word]]:
    """(name, merged word) for every run of stacked words whose joined text `accept` names."""
    found = []
    for chain in _chains(words):
        start = 0
        while start < len(chain):
            for stop in range(len(chain), start, -1):
                name = accept("".join(w.norm for w in chain[start:stop]))
                if name:
                    run = chain[start:stop]
                    found.append((name, Word(name, name, min(w.x0 for w in run), max(w.x1 for w in run),
                                             run[0].top, run[-1].bottom)))
                    start = stop
                    break
            else:
                start += 1
    return found


def _edges(heads: list[Word]) -> list[tuple[float, float]]:
    centers = [w.cx for w in heads]
    if len(centers) == 1:  # one column (a span): the header's own width, a little wider
        return [(heads[0].x0 - 4, heads[0].x1 + 4)]
    bounds = [(a + b) / 2 for a, b in zip(centers, centers[1:])]
    first = max((heads[0].x1 - heads[0].x0) / 2, bounds[0] - centers[0])
    last = max((heads[-1].x1 - heads[-1].x0) / 2, bounds[-1] - centers[-1])
    return list(zip([centers[0] - first] + bounds, bounds + [centers[-1] + last]))


def find_header(lines: list[Line]) -> tuple[Columns, float] | None:
    """The template header printed in `lines`: its columns and the bottom of its names."""
    words = [w for line in lines for w in line.words]
    total = {"总计": "总计", "合计": "总计"}
    requests = _named_runs(words, lambda t: total.get(t) or (t if t in REQUEST_NAMES else None))
    by_name: dict[str, list[Word]] = {}
    for name, word in requests:
        by_name.setdefault(name, []).append(word)
    if all(len(by_name.get(name, [])) == 1 for name in REQUEST_NAMES):
        heads = sorted((by_name[name][0] for name in REQUEST_NAMES), key=lambda w: w.cx)
        if [w.text for w in heads] == list(REQUEST_NAMES):
            return Columns("requests", _edges(heads)), max(w.bottom for w in heads)
    results = _named_runs(words, lambda t: total.get(t) or (t if t in RESULT_NAMES else None))
    heads = sorted((w for _, w in results), key=lambda w: w.cx)
    if [w.text for w in heads] == list(RESULT_NAMES) * 3:
        return Columns("appeals", _edges(heads)), max(w.bottom for w in heads)
    active = _named_runs(words, lambda t: t if ACTIVE_NAMES.fullmatch(t) else None)
    heads = sorted((w for _, w in active), key=lambda w: w.cx)
    if heads and all(a.x1 < b.x0 for a, b in zip(heads, heads[1:])):
        return Columns("active", _edges(heads)), max(w.bottom for w in heads)
    return None


def _is_value(word: Word) -> bool:
    return word.norm in BLANK_MARKS or (parse_cell(word.norm) is not None and word.norm[0] in "+-0123456789")


@dataclass
class Row:
    line: Line
    cells: list[list[Word]]
    placed: bool  # every value sits inside one column, one value per column


def _read_row(line: Line, columns: Columns) -> Row | None:
    """The line's value words by column; None when the value area holds text, not values."""
    values = [w for w in line.words if w.cx >= columns.label_edge]
    if not values or not any(_is_value(w) for w in values):
        return None
    cells: list[list[Word]] = [[] for _ in columns.edges]
    placed = True
    for word in sorted(values, key=lambda w: w.x0):
        index = columns.place(word)
        if index is None and not _is_value(word):
            return None
        placed = placed and index is not None
        if index is not None:
            cells[index].append(word)
    for cell in cells:
        # `6` `撤` or `34435.86` `万元`: one cell printed as two words still reads as one.
        if cell and parse_cell("".join(w.norm for w in cell)) is None:
            return None
        if sum(1 for w in cell if _PURE_NUMBER.match(w.norm)) > 1:
            placed = False
    return Row(line, cells, placed)


def _clusters(words: list[Word]) -> list[list[Word]]:
    """Label words split into the label columns they stand in (overlapping x-ranges merge)."""
    groups: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.x0):
        if groups and word.x0 <= max(w.x1 for w in groups[-1]) + 0.5:
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


def _cost(row: Row, block: list[Line], label_edge: float, align: str) -> float:
    """How far the block's innermost label text sits from the row's values: its middle from
    theirs (`centre`, cells aligned to the middle) or its top from theirs (`top`)."""
    words = [w for line in block for w in line.words if w.cx < label_edge]
    if not words:
        return 0.0
    inner = _clusters(words)[-1]  # the row's own label: group labels stand further left
    top, bottom = min(w.top for w in inner), max(w.bottom for w in inner)
    if align == "top":
        return abs(top - row.line.top)
    return abs((top + bottom) / 2 - row.line.cy)


def assign_labels(rows: list[Row], labels: list[Line], label_edge: float) -> tuple[list[list[Line]], int, int]:
    """Label lines per row, contiguous in y, plus how many lines stay outside before/after.

    A table aligns all its cells one way, so the whole table is partitioned once with label
    blocks centred on their values and once with blocks starting at them; the closer fit wins."""
    centred = _partition(rows, labels, label_edge, "centre")
    top = _partition(rows, labels, label_edge, "top")
    return (top if top[0] < centred[0] else centred)[1:]


def _partition(rows: list[Row], labels: list[Line], label_edge: float,
               align: str) -> tuple[float, list[list[Line]], int, int]:
    n, m = len(labels), len(rows)
    forced = {i: j for i, line in enumerate(labels) for j, row in enumerate(rows) if line is row.line}
    ys = [row.line.cy for row in rows]

    def allowed(i: int, j: int) -> bool:  # a line lies between the neighbouring rows' values
        cy = labels[i].cy
        return forced[i] == j if i in forced else (j == 0 or cy > ys[j - 1]) and (j == m - 1 or cy < ys[j + 1])

    inf, prefix_ok = float("inf"), [True] * (n + 1)
    best, back = [[inf] * (n + 1) for _ in range(m)], [[0] * (n + 1) for _ in range(m)]
    for i in range(n):
        prefix_ok[i + 1] = prefix_ok[i] and i not in forced and labels[i].cy < ys[0]
    for j in range(m):
        for end in range(n + 1):
            for start in range(end, max(-1, end - MAX_LABEL_LINES - 1), -1):
                if start < end and not allowed(start, j):
                    break
                before = (0.0 if prefix_ok[start] else inf) if j == 0 else best[j - 1][start]
                if before == inf:
                    continue
                total = before + _cost(rows[j], labels[start:end], label_edge, align)
                if total < best[j][end]:
                    best[j][end], back[j][end] = total, start
    last: int | None = None  # where the last label block ends, in the best reading
    for stop in range(n, -1, -1):
        if best[m - 1][stop] < inf and (last is None or best[m - 1][stop] <= best[m - 1][last]):
            last = stop
        if stop > 0 and (stop - 1 in forced or labels[stop - 1].cy <= ys[-1]):
            break
    if last is None:
        return inf, [[row.line] for row in rows], 0, 0
    blocks: list[list[Line]] = [[] for _ in rows]
    stop = last
    for j in range(m - 1, -1, -1):
        blocks[j], stop = labels[back[j][stop]:stop], back[j][stop]
    return best[m - 1][last], blocks, stop, n - last


def _render_row(row: Row, block: list[Line], label_edge: float) -> list[str]:
    words = [w for line in block for w in line.words if w.cx < label_edge]
    clusters = _clusters(words)
    out = ["".join(w.text for w in sorted(c, key=lambda w: (w.top, w.x0))) for c in clusters[:-1]]
    label = "".join(w.text for w in sorted(clusters[-1], key=lambda w: (w.top, w.x0))) if clusters else ""
    if row.placed:
        out.append((label + "\t" if label else "") + "\t".join("".join(w.text for w in cell) for cell in row.cells))
    else:  # values without positions, on their own line: the readers cannot take them as placed
        values = sorted((w for w in row.line.words if w.cx >= label_edge), key=lambda w: w.x0)
        out += [label, " ".join(w.text for w in values)]
    return [text for text in out if text]


class _Segment:
    """The lines of one table after its header, until a line that cannot be part of it."""

    def __init__(self, columns: Columns) -> None:
        self.columns = columns
        self.rows: list[Row] = []
        self.labels: list[Line] = []
        self.last_bottom: float | None = None

    def take(self, line: Line) -> bool:
        if _HEADINGS.search(normalize(line.text())):
            return False
        height = line.bottom - line.top
        if self.last_bottom is not None and line.top - self.last_bottom > 3 * max(height, 4.0):
            return False  # a gap this wide ends the table
        label_words = [w for w in line.words if w.cx < self.columns.label_edge]
        if len(label_words) < len(line.words):
            row = _read_row(line, self.columns)
            if row is None:
                return False
            self.rows.append(row)
        if label_words:
            self.labels.append(line)
        self.last_bottom = line.bottom
        return True

    def render(self) -> tuple[list[str], int, int]:
        """Text lines in page order, rows rebuilt; (lines, rows, rows not placed)."""
        if not self.rows:
            return [line.text() for line in self.labels], 0, 0
        blocks, before, after = assign_labels(self.rows, self.labels, self.columns.label_edge)
        out = [line.text() for line in self.labels[:before]]
        for row, block in zip(self.rows, blocks):
            out += _render_row(row, block, self.columns.label_edge)
        out += [line.text() for line in self.labels[len(self.labels) - after:]] if after else []
        return out, len(self.rows), sum(1 for row in self.rows if not row.placed)


def rebuild_page(page, carry: Columns | None = None) -> GeometryPage:
    """Rebuild the template tables of one page without ruling lines.

    `carry` is the table left open at the end of the previous page (a table split across
    pages continues with the same columns). Returns text None when no table was rebuilt."""
    lines = group_lines(page_words(page))
    out: list[str] = []
    counts = [0, 0]  # rows rebuilt, rows whose values could not be placed
    segment = _Segment(carry) if carry else None

    def close(open_segment: _Segment) -> None:
        rendered, rows, unplaced = open_segment.render()
        out.extend(rendered)
        counts[0], counts[1] = counts[0] + rows, counts[1] + unplaced

    index = 0
    while index < len(lines):
        line = lines[index]
        if segment is not None:
            if segment.take(line):
                index += 1
                continue
            close(segment)
            segment = None
        window: list[Line] = []
        for candidate in lines[index:index + MAX_HEADER_LINES + 1]:
            if window and any(_PURE_NUMBER.match(w.norm) for w in candidate.words):
                break
            window.append(candidate)
        # A header is read whole, down to the first value line (or the page end): a window
        # cut short would miss the lower half of a header printed on two lines.
        header = find_header(window) if len(window) <= MAX_HEADER_LINES else None
        if header is None:
            out.append(line.text())
            index += 1
            continue
        columns, bottom = header
        while index < len(lines) and lines[index].cy <= bottom + 0.5:
            out.append(lines[index].text())
            index += 1
        segment = _Segment(columns)
    if segment is not None:
        close(segment)
    next_carry = segment.columns if segment is not None and segment.rows else None
    return GeometryPage("\n".join(out) if counts[0] else None, next_carry, counts[0], counts[1])
