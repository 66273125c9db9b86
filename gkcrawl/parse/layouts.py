"""Layouts a report's tables arrive in that the row finder should not have to know about.

Converters cut a table at every page break: each page's piece becomes a new pipe table whose
first row sits in header position above a `| --- |` line, with a page footer (`- 2 -`,
`第2页`) between the pieces. Neither the separator nor the footer is a cell, and a footer's
digits read as values. They are blanked here, each character replaced by a space, so every
offset into the text (cell sources, prose sentences) still points at the same character.

A table printed the other way round (part 三 with a row per applicant column) is turned
the template's way round, and the rewrite is recorded so a cell's source says so."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A markdown/pipe table's header separator: | --- | :---: | ---
_SEPARATOR = re.compile(r"(?m)^[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+(?:[ \t]*:?-{3,}:?[ \t]*)?[ \t]*$")
# Page furniture on a line of its own: - 2 -, — 2 —, 第2页, 第2页 共6页, 2/6, Page 2.
_PAGE_FOOTER = re.compile(
    r"(?m)^[ \t]*(?:[-—–]{1,2}[ \t]*\d{1,3}[ \t]*[-—–]{1,2}"
    r"|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[,，]?[ \t]*共[ \t]*\d{1,3}[ \t]*页)?"
    r"|\d{1,3}[ \t]*/[ \t]*\d{1,3}|[Pp]age[ \t]*\d{1,3})[ \t]*$")


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def blank_furniture(text: str) -> str:
    """`text` with pipe-table separator lines and page-footer lines replaced by spaces."""
    return _PAGE_FOOTER.sub(_blank, _SEPARATOR.sub(_blank, text))


# --- transposed tables --------------------------------------------------------------------

_REQUEST_ROW_WORDS = re.compile(r"本年新收|上年结转|予以公开|部分公开|不予公开|无法提供|不予处理|其他处理|结转下年")
_TOTAL_NAMES = {"总计", "合计"}


@dataclass(frozen=True)
class Rewrite:
    """A block of the text rewritten (a transposed table put the template's way round):
    [start, end) in the new text, and what it was: [old_start, old_end) and why."""

    start: int
    end: int
    old_start: int
    old_end: int
    what: str


def _applicant_names() -> set[str]:
    from gkcrawl.template import columns

    return {c.name for c in columns()} | _TOTAL_NAMES


def _is_transposed_requests(grid: list[list[str]]) -> bool:
    """Part 三 printed with a row per applicant column: the first column names at least four
    of 自然人 … 总计 and the first row at least three of the template's request rows."""
    names = _applicant_names()
    first_column = [re.sub(r"\s", "", row[0]) for row in grid if row]
    header = grid[0] if grid else []
    return (sum(1 for cell in first_column if cell in names) >= 4
            and sum(1 for cell in header if _REQUEST_ROW_WORDS.search(cell)) >= 3)


def _is_row_line(line: str) -> bool:
    stripped = line.strip()
    return "\t" in line or (stripped.startswith("|") and stripped.count("|") >= 3)


def _fields(line: str) -> list[str]:
    if "\t" in line:
        return line.split("\t")
    return [field.strip() for field in line.strip().strip("|").split("|")]


def _blocks(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of runs of two or more consecutive table lines (tab or pipe rows)."""
    spans: list[tuple[int, int]] = []
    block_start: int | None = None
    block_end = count = pos = 0
    for line in text.split("\n") + [""]:
        end = pos + len(line)
        if _is_row_line(line):
            if block_start is None:
                block_start, count = pos, 0
            count += 1
            block_end = end
        elif block_start is not None and line.strip():
            if count >= 2:
                spans.append((block_start, block_end))
            block_start = None
        pos = end + 1
    if block_start is not None and count >= 2:
        spans.append((block_start, block_end))
    return spans


def untranspose(text: str) -> tuple[str, list[Rewrite]]:
    """`text` with every transposed part 三 table (tab rows) turned the template's way round,
    and where each rewrite stands. A rectangular block keeps its length exactly (a tab or a
    newline per cell either way round), so offsets outside it are unchanged."""
    rewrites: list[Rewrite] = []
    pieces: list[str] = []
    cursor = 0
    shift = 0
    for start, end in _blocks(text):
        grid = [_fields(line) for line in text[start:end].split("\n") if line.strip()]
        if not _is_transposed_requests(grid):
            continue
        width = max(len(row) for row in grid)
        grid = [row + [""] * (width - len(row)) for row in grid]
        turned = "\n".join("\t".join(column) for column in zip(*grid))
        pieces.append(text[cursor:start])
        new_start = start + shift
        pieces.append(turned)
        rewrites.append(Rewrite(new_start, new_start + len(turned), start, end, "transposed part 三"))
        shift += len(turned) - (end - start)
        cursor = end
    if not rewrites:
        return text, []
    pieces.append(text[cursor:])
    return "".join(pieces), rewrites


def original_offset(pos: int, rewrites: list[Rewrite]) -> int:
    """An offset in the rewritten text as an offset in the text before the rewrites."""
    for rewrite in reversed(rewrites):
        if pos >= rewrite.end:
            return pos - (rewrite.end - rewrite.start) + (rewrite.old_end - rewrite.old_start)
        if pos >= rewrite.start:
            return rewrite.old_start
    return pos


def map_sources(sources: dict[str, dict], rewrites: list[Rewrite]) -> None:
    """Point every cell source at the text before the rewrites: a cell read from a rewritten
    block gets the block's span and what was done (`layout`) instead of a row span."""
    if not rewrites:
        return
    for source in sources.values():
        where = source.get("where") or {}
        if "start" in where:
            inside = next((r for r in rewrites if r.start <= where["start"] < r.end), None)
            if inside is not None:
                where.pop("start")
                where.pop("end", None)
                where["block_start"], where["block_end"] = inside.old_start, inside.old_end
                where["layout"] = inside.what
            else:
                where["start"] = original_offset(where["start"], rewrites)
                where["end"] = original_offset(where["end"], rewrites)
        prose = source.get("prose")
        if prose:
            prose["start"] = original_offset(prose["start"], rewrites)
            prose["end"] = original_offset(prose["end"], rewrites)
