"""PDFs typed on some pages and scanned on others (tests/scans.py `mixed_pdf`): the scanned
pages are OCR'd in their place, their cells marked `medium: ocr`, the typed pages read as typed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gkcrawl.extract.ocr import OcrOptions, unavailable_reason
from gkcrawl.extract.ocr_documents import scanned_pages
from gkcrawl.parse import parse_document, source_text
from gkcrawl.parse.result import ParseResult
from scans import Degrade, mixed_pdf, parse_without_ocr_engine, scanned_pdf
from scoring import same, score_one

FIXTURES = Path(__file__).parent / "fixtures"
needs_engine = pytest.mark.skipif(unavailable_reason() is not None, reason="rapidocr-onnxruntime not installed")


def _gold(name: str) -> dict:
    return json.loads((FIXTURES / "reports_gold" / (name.replace(".", "_") + ".json")).read_text(encoding="utf-8"))


def _pages(result: ParseResult, key: str) -> set[int]:
    where = (result.sources.get(key) or {}).get("where") or {}
    first = where.get("page")
    return set(range(first, where.get("page_end", first) + 1)) if isinstance(first, int) else set()


def test_only_a_page_sized_picture_under_no_text_or_a_watermark_is_a_scanned_page() -> None:
    typed = "二、主动公开政府信息情况 第二十条第(一)项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章 1 0 5"
    assert scanned_pages([typed, "", "仅供参考"], [0.0, 1.0, 0.98]) == [1, 2]
    assert scanned_pages([typed, ""], [0.0, 0.3]) == []  # a stamp or a logo is no scan
    assert scanned_pages([typed, typed], [1.0, 1.0]) == []  # a text layer over a letterhead picture


@needs_engine
def test_a_typed_page_is_read_as_typed_and_the_scanned_page_after_it_by_ocr() -> None:
    name = "var3_2021_top_aligned.pdf"  # part 三's table runs from page 1 onto page 2
    typed = (FIXTURES / "reports" / name).read_bytes()
    mixed = mixed_pdf(typed, {2}, Degrade(dpi=200), seed=7)
    result = parse_document(mixed, filename="mixed.pdf")
    parsed = json.loads(json.dumps(result.to_json()))
    assert result.text_source == "mixed" and result.template == "2021"
    assert {"ocr", "ocr_pages:1", "ocr_page_numbers:2"} <= set(result.flags)
    assert "\f" in source_text(mixed, "mixed.pdf")  # the page marks stay
    gold = _gold(name)
    score = score_one(gold, parsed)
    assert score.silent == 0, [m for m in score.misses if "SILENT" in m]

    reference = parse_document(typed, filename="typed.pdf")
    on_page_1 = [k for k in gold["cells"] if _pages(reference, k) == {1}]
    on_page_2 = [k for k in gold["cells"] if 2 in _pages(reference, k) and gold["cells"][k] != "?"]
    assert on_page_1 and on_page_2
    # The typed page: exact, certain, and not OCR's.
    assert all(same(gold["cells"][k], result.cells.get(k)) for k in on_page_1)
    assert not set(on_page_1) & set(result.uncertain)
    assert all(result.medium(k) is None for k in on_page_1)
    # Every cell OCR read is marked so and stands on the scanned page.
    ocr_keys = [k for k in result.sources if result.medium(k) == "ocr"]
    assert ocr_keys and all(2 in _pages(result, k) for k in ocr_keys)
    check = next(c for c in result.checks if c.name == "ocr")
    assert set(check.cells) == set(ocr_keys) and "1 of 2 pages (2)" in check.detail

    # The scanned page scores as the same page does in the scan of the whole report.
    scan = parse_document(scanned_pdf(typed, Degrade(dpi=200), seed=7), filename="scan.pdf")
    def right(r: ParseResult, nonzero: bool) -> int:
        return sum(same(gold["cells"][k], r.cells.get(k)) for k in on_page_2 if not nonzero or gold["cells"][k])
    print(f"scanned page: {right(result, False)}/{len(on_page_2)} cells right "
          f"({right(result, True)} nonzero); the whole scan's page 2: {right(scan, False)} ({right(scan, True)})")
    assert right(result, True) > 0 and right(result, False) >= right(scan, False)


@needs_engine
def test_the_ocr_page_budget_counts_only_the_pages_ocr_reads() -> None:
    name = "gen2021_ningan.pdf"  # three pages, part 四 on the last
    mixed = mixed_pdf((FIXTURES / "reports" / name).read_bytes(), {3}, Degrade(dpi=200), seed=5)
    announced: list[int] = []
    result = parse_document(mixed, filename="mixed.pdf", ocr=OcrOptions(max_pages=1, on_page=announced.append))
    assert announced == [0]  # the third page is the first (and only) page OCR reads
    assert "ocr_page_numbers:3" in result.flags and not any("over_budget" in f for f in result.flags)
    gold = _gold(name)
    appeals = [k for k in gold["cells"] if k.startswith("appeals.")]
    assert all(result.medium(k) == "ocr" for k in appeals if k in result.sources)
    assert not [k for k in appeals if k not in result.uncertain and not same(gold["cells"][k], result.cells.get(k))]
    assert any(same(gold["cells"][k], result.cells.get(k)) for k in appeals if gold["cells"][k])

    spent = parse_document(mixed, filename="mixed.pdf", ocr=OcrOptions(max_pages=0))
    assert "ocr_pages_over_budget:1" in spent.flags and "ocr" not in spent.flags
    assert set(appeals) <= set(spent.uncertain)  # the page not read: nothing claimed from it


def test_without_the_engine_a_mixed_pdf_reads_its_typed_pages_and_names_the_scanned_ones(tmp_path: Path) -> None:

    path = tmp_path / "mixed.pdf"
    path.write_bytes(mixed_pdf((FIXTURES / "reports" / "gen2021_ningan.pdf").read_bytes(), {3}, Degrade(dpi=100)))
    parsed = parse_without_ocr_engine(path, "mixed.pdf", timeout=300)
    assert "needs_ocr_pages:3" in parsed["flags"] and "ocr" not in parsed["flags"]
    assert parsed["template"] == "2021" and "text_source" not in parsed
    gold = _gold("gen2021_ningan.pdf")
    appeals = [k for k in gold["cells"] if k.startswith("appeals.")]
    assert set(appeals) <= set(parsed["uncertain"])  # the scanned page's cells: not claimed
    assert parsed["cells"]["requests.new.total"] == gold["cells"]["requests.new.total"]  # typed pages as before
