"""Cell text -> number: notes, signs, blanks, and digit runs whose cells ran together.

A cell is printed in many ways (`6撤`, `34435.86万元`, `+91`, `-177`, `——`, `/`, full-width
digits). `parse_cell` reads one printed cell; `split_run` enumerates the ways a run of digits
(`898989`, `000000`) can be cut into a given number of cells, since exporters often glue
neighbouring cells together and only arithmetic can then tell which reading is right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Printed in place of a number to mean "none".
BLANK_MARKS = frozenset({"", "∅", "-", "--", "—", "——", "–", "/", "／", "无", "－", "——.", "、"})
BLANK = "∅"  # stands for an empty grid cell once tables are rendered as text

_CELL_RE = re.compile(r"^([+\-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(.*)$", re.S)
_PIECE_RE = re.compile(r"[+\-]?[\d.]+")
# 本年增/减 printed in words: "减少3" is -3, "增加5" is 5 (the word kept as the cell's note).
_CHANGE_WORD = re.compile(r"^(增加|减少|新增|增|减)(?=\d)")


@dataclass(frozen=True)
class CellReading:
    """One printed cell read as a number (None for a printed blank) with its note."""

    value: int | float | None
    note: str | None = None


def to_number(digits: str) -> int | float:
    """'12' -> 12, '12.50' -> 12.5, '-3' -> -3."""
    if "." in digits:
        return float(digits)
    return int(digits)


def parse_cell(raw: str) -> CellReading | None:
    """Read one printed cell. None when the text is not a number or a blank mark."""
    text = raw.strip().replace("\u3000", "").replace(" ", "")
    if text in BLANK_MARKS:
        return CellReading(None)
    change = _CHANGE_WORD.match(text)
    match = _CELL_RE.match(text[change.end():] if change else text)
    if not match or (change and match.group(1)):
        return None
    sign, whole, frac, rest = match.groups()
    number = to_number(sign + whole.replace(",", "") + (frac or ""))
    if sign == "+":
        number = abs(number)
    if change and change.group(1).startswith("减"):
        number = -number
    note = text if (rest or sign == "+" or "," in whole or change) else None
    if rest and len(rest) > 8:  # a sentence after a number is prose, not a cell
        return None
    return CellReading(number, note)


def is_run(token: str) -> bool:
    """A token made only of digits (and signs/points) that may hold several cells."""
    return bool(token) and all(ch.isdigit() or ch in "+-." for ch in token) and any(ch.isdigit() for ch in token)


def _valid_piece(piece: str, allow_negative: bool) -> bool:
    body = piece
    if body[:1] in "+-":
        if body[0] == "-" and not allow_negative:
            return False
        body = body[1:]
    if not body or body[0] == "." or body[-1] == "." or body.count(".") > 1:
        return False
    return not (len(body) > 1 and body[0] == "0" and body[1] != ".")


@lru_cache(maxsize=4096)
def split_run(run: str, cells: int, negative_ok: tuple[bool, ...] | None = None,
              offset: int = 0) -> tuple[tuple[int | float, ...], ...]:
    """Every way to cut `run` into `cells` numbers with no leading zeros.

    A sign starts a new number. `negative_ok[i]` says whether cell `offset + i` may be
    negative (only 本年增/减 may). Returns at most a few thousand readings."""
    if cells <= 0:
        return ()
    out: list[tuple[int | float, ...]] = []

    def allowed(index: int) -> bool:
        if negative_ok is None:
            return True
        position = offset + index
        return position < len(negative_ok) and negative_ok[position]

    def walk(start: int, index: int, acc: tuple[int | float, ...]) -> None:
        if len(out) > 5000:
            return
        remaining = cells - index
        if remaining == 0:
            if start == len(run):
                out.append(acc)
            return
        for end in range(start + 1, len(run) + 1):
            piece = run[start:end]
            if end < len(run) and run[end] == ".":
                continue  # a number never stops right before its decimal point
            if any(ch in "+-" for ch in piece[1:]):
                break  # a sign inside means a new number began
            if remaining == 1 and end != len(run):
                continue
            if _valid_piece(piece, allowed(index)):
                walk(end, index + 1, acc + (to_number(piece.lstrip("+")),))

    walk(0, 0, ())
    return tuple(out)
