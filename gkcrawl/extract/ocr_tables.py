"""OCR word boxes -> the report's text and table rows, by the borderless-PDF geometry.

The words of a page go through `pdf_geometry`'s own table builder (`rebuild_page`, fed by a
page that only answers `extract_words`), so an OCR'd table keeps its blanks exactly as a
borderless PDF does: a column without a value is a known blank, a value straddling two
columns is left unplaced.

Two repairs happen first, both only where the template's grammar allows them:
- confusable glyphs in values (0/O/o/D/U/口, 1/l/L/I/丨/|, 5/S, 2/Z, 8/B, 6/b, 9/g): only a whole word
  standing right of the page's first column header (the value area), made of digits and
  confusables alone, becomes a number. A label or a word in prose is never touched.
- column headers the recogniser misspelt by one character (社会公益组识): a header word is
  matched to the template's column names when it differs in one character and has their
  length; a header it cannot match stays as read (the table is then not rebuilt).
- a mark in the value area that is neither a number nor a blank mark (a speck read as `P`)
  is taken out: the cell reads blank, which the arithmetic then contradicts unless it was 0.
Each repair is counted on the page, and every value read this way is marked by the parser as
`source = ocr` and uncertain unless the template's arithmetic confirms it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .ocr import OcrWord
from .pdf_geometry import ACTIVE_NAMES, REQUEST_NAMES, RESULT_NAMES, Columns, group_lines, page_words, rebuild_page

# What a digit may come out as; only ever applied to a whole word in the value area.
CONFUSABLES = {"O": "0", "o": "0", "D": "0", "Q": "0", "〇": "0", "U": "0", "u": "0", "口": "0", "l": "1", "L": "1",
               "I": "1", "i": "1", "丨": "1", "|": "1", "!": "1", "S": "5", "s": "5", "Z": "2", "z": "2", "B": "8",
               "b": "6", "g": "9", "一": "1", "，": ",", "。": "."}
_VALUE_CHARS = re.compile(r"^[+\-]?[0-9" + re.escape("".join(CONFUSABLES)) + r"][0-9,." +
                          re.escape("".join(CONFUSABLES)) + r"]*$")
_ACTIVE_WORDS = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年处理决定数量",
                 "处理决定数量", "采购项目数量", "采购总金额", "本年制发件数", "本年废止件数", "现行有效件数",
                 "本年收费金额")
HEADER_NAMES = tuple(dict.fromkeys(REQUEST_NAMES + RESULT_NAMES + _ACTIVE_WORDS + ("总计",)))
MAX_VALUE_CHARS = 12
_JUNK = re.compile(r"^[A-Za-z?？*#'\"`~^_=:;：；]{1,2}$")  # a mark no value cell prints


@dataclass
class OcrPage:
    """One page as OCR read it: its text, its table text (rows rebuilt where a table was found)."""

    text: str
    table_text: str
    carry: Columns | None
    rows: int = 0
    unplaced_rows: int = 0
    repaired_values: list[str] = field(default_factory=list)  # "O -> 0" per repaired word
    repaired_headers: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # unreadable marks taken out of value cells


class _WordsPage:
    """What pdf_geometry reads of a pdfplumber page, answered from OCR word boxes."""

    def __init__(self, words: list[OcrWord]) -> None:
        self._words = words

    def extract_words(self, **_options: object) -> list[OcrWord]:
        return [dict(word) for word in self._words]


def _one_off(text: str, name: str) -> bool:
    return len(text) == len(name) and sum(a != b for a, b in zip(text, name)) == 1


def repair_headers(words: list[OcrWord]) -> list[str]:
    """Header words one character off a template column name, renamed in place."""
    repaired = []
    for word in words:
        text = word["text"]
        if text in HEADER_NAMES or len(text) < 3 or ACTIVE_NAMES.fullmatch(text):
            continue
        matches = [name for name in HEADER_NAMES if _one_off(text, name)]
        if len(matches) == 1:
            repaired.append(f"{text} -> {matches[0]}")
            word["text"] = matches[0]
    return repaired


def value_area_left(words: list[OcrWord]) -> float | None:
    """Where the value columns begin on this page: the left edge of its leftmost column header."""
    edges = [word["x0"] for word in words if word["text"] in HEADER_NAMES or ACTIVE_NAMES.fullmatch(word["text"])]
    return min(edges) - 4.0 if edges else None


def repair_values(words: list[OcrWord]) -> list[str]:
    """Whole value-area words made of digits and confusables, turned into the digits they are."""
    left = value_area_left(words)
    if left is None:
        return []
    repaired = []
    for word in words:
        text = word["text"]
        if word["x0"] < left or len(text) > MAX_VALUE_CHARS or not _VALUE_CHARS.match(text):
            continue
        fixed = "".join(CONFUSABLES.get(char, char) for char in text)
        if fixed != text and re.fullmatch(r"[+\-]?\d[\d,]*(?:\.\d+)?", fixed):
            repaired.append(f"{text} -> {fixed}")
            word["text"] = fixed
    return repaired


def drop_unreadable(words: list[OcrWord]) -> list[str]:
    """Value-area words that are no number and no blank mark (a speck read as `P`), taken out.

    Safe for the arithmetic: the cell then reads blank, and a blank that was a nonzero number
    breaks every sum through it, so the cell stays uncertain; one that was 0 is right."""
    left = value_area_left(words)
    if left is None:
        return []
    dropped = [word for word in words if word["x0"] >= left and _JUNK.match(word["text"])]
    for word in dropped:
        words.remove(word)
    return [word["text"] for word in dropped]


def keep_lone_in_values(words: list[OcrWord]) -> None:
    """Lone digits found outside the detector (`ocr._lone_glyphs`) kept only in the value area:
    elsewhere a stroke of a label is no figure."""
    left = value_area_left(words)
    for word in [w for w in words if w.get("lone") and (left is None or w["x0"] < left)]:
        words.remove(word)


def page_from_words(words: list[OcrWord], carry: Columns | None = None) -> OcrPage:
    """The page's text and table text from its OCR words (repaired in place)."""
    headers = repair_headers(words)
    keep_lone_in_values(words)
    values = repair_values(words)
    dropped = drop_unreadable(words)
    page = _WordsPage(words)
    text = "\n".join(line.text() for line in group_lines(page_words(page)))
    rebuilt = rebuild_page(page, carry)
    table_text = rebuilt.text if rebuilt.text is not None else text
    return OcrPage(text, table_text, rebuilt.carry, rebuilt.rows, rebuilt.unplaced_rows, values, headers, dropped)

