"""Cells read by OCR: marked `source = ocr`, and certain only where the arithmetic says so.

A recogniser's digit can be wrong in a way no grammar sees (3 read as 8). So an OCR'd cell is
kept certain only when every one of the template's sums that holds it (its row's 总计, its
column's balance 一 + 二 = 三(七) + 四, the outcome total, its part 四 group's 总计) is fully
known and true, at least one of them prints a number (a sum of blanks proves nothing: a row the
recogniser lost entirely reads as blanks too), and every other cell of those sums is confirmed
the same way. Any other OCR'd cell keeps its value and goes into `uncertain`. The `ocr` check
says how many were read, confirmed and left uncertain, and names the cells."""

from __future__ import annotations

from collections.abc import Iterable

from gkcrawl.extract.normalize import normalize
from gkcrawl.extract.ocr_documents import OCR_MARK
from gkcrawl.template import Document, outcome_rows, row_specs, rulebook, template_keys
from gkcrawl.template.rules import TOLERANCE

from .page_forms import image_part_keys
from .result import Check, ParseResult
from .rows_text import find_sections

SOURCE_OCR = "ocr"
MEDIUM = "medium"      # sources[key]["medium"]: "ocr" when the cell was read from pixels
TEXT_MIXED = "mixed"   # text_source of a PDF typed on some pages and OCR'd on others


def _known(cells: dict, unknown: set[str], key: str) -> float | None:
    if key in unknown or key not in cells:
        return None
    value = cells[key]
    return 0 if value is None else value


def confirmed_keys(cells: dict, uncertain: Iterable[str], template: str) -> set[str]:
    """Cells every rule instance they lie in holds with, each such sum fully known and true,
    and every sum built only of cells that are confirmed themselves.

    One sum is not enough: values that landed in the wrong row can balance a column by
    accident (总计 and 结转下年 stand on the same side) and the small numbers of a row can too.
    So a sum vouches for its cells only while all of its cells stand: a doubtful cell takes
    every sum through it down with it, until nothing more falls."""
    unknown = set(uncertain)
    rows = tuple(spec.row_id for spec in row_specs(template))
    document = Document(rows, tuple(outcome_rows(rows)))
    instances = [instance for rule in rulebook().rules for instance in rule.instances(document)]
    standing: set[str] = set()
    doubtful: set[str] = set()
    for instance in instances:
        left = [_known(cells, unknown, key) for key in instance.left]
        right = [_known(cells, unknown, key) for key in instance.right]
        if not left or not right or any(v is None for v in left + right) \
                or abs(sum(left) - sum(right)) > TOLERANCE:  # type: ignore[arg-type]
            doubtful.update(instance.cells)  # a sum that fails, or one that cannot be checked
        elif any(cells.get(key) is not None for key in instance.cells):
            # blanks summing to blanks prove nothing: a row the recogniser lost reads so too
            standing.update(instance.cells)
    confirmed = standing - doubtful
    changed = True
    while changed:
        changed = False
        for instance in instances:
            members = set(instance.cells)
            if members & confirmed and not members <= confirmed:
                confirmed -= members
                changed = True
    return confirmed


def mark_ocr_cells(result: ParseResult, keys: Iterable[str] | None, reason: str) -> None:
    """Mark `keys` (every template key when None) as read by OCR; unconfirmed ones uncertain."""
    if result.template is None:
        result.checks.append(Check("ocr", None, f"read by OCR, no standard tables found ({reason})"))
        return
    template_cells = set(template_keys(result.template))
    ocr_keys = [key for key in (template_keys(result.template) if keys is None else keys)
                if key in template_cells]
    confirmed = confirmed_keys(result.cells, result.uncertain, result.template)
    doubtful = [key for key in ocr_keys if key not in confirmed]
    for key in ocr_keys:
        result.sources.setdefault(key, {})[MEDIUM] = SOURCE_OCR
    result.uncertain = sorted(set(result.uncertain) | set(doubtful))
    read = sum(1 for key in ocr_keys if result.cells.get(key) is not None)
    result.checks.append(Check(
        "ocr", True if ocr_keys and not doubtful else None,
        f"{len(ocr_keys)} cells read by OCR ({read} with a number): {len(ocr_keys) - len(doubtful)} confirmed by "
        f"the template's arithmetic, {len(doubtful)} kept uncertain; {reason}", list(ocr_keys)))


def keys_on_pages(result: ParseResult, pages: Iterable[int]) -> list[str]:
    """The cells read from the PDF pages numbered in `pages` (from 1): a cell whose row starts
    or ends on one (`where.page`, `where.page_end`), or continues onto one after a break. A
    cell with no page known is counted in: marking a typed cell OCR'd can only make it
    uncertain, never wrong."""
    wanted = set(pages)
    keys = []
    for key, source in result.sources.items():
        where = source.get("where") or {}
        first = where.get("page")
        if not isinstance(first, int):
            keys.append(key)
            continue
        last = where.get("page_end", first + 1 if where.get("continued_after_break") else first)
        if wanted & set(range(first, last + 1)):
            keys.append(key)
    return keys


def ocr_parts(table_text: str) -> list[str]:
    """The parts ('active', 'requests', 'appeals') whose span holds rows OCR read from a picture."""
    if OCR_MARK not in table_text:
        return []
    text = normalize(table_text)
    return [name for name, (start, stop) in find_sections(text).spans.items() if OCR_MARK in text[start:stop]]


def ocr_part_keys(template: str | None, parts: list[str]) -> list[str]:
    return image_part_keys(template, parts) if template and parts else []
