"""OCR of scans made here (tests/scans.py): numbers read, every one marked, none wrong silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gkcrawl.extract.ocr import unavailable_reason
from gkcrawl.extract.ocr_documents import needs_ocr
from gkcrawl.extract.ocr_tables import repair_values
from gkcrawl.parse import parse_document
from gkcrawl.parse.ocr_marks import confirmed_keys
from gkcrawl.template import template_keys
from scans import Degrade, appeals_picture, html_with_appeals_as_picture, parse_without_ocr_engine, scanned_pdf
from scoring import same, score_one

FIXTURES = Path(__file__).parent / "fixtures"
needs_engine = pytest.mark.skipif(unavailable_reason() is not None, reason="rapidocr-onnxruntime not installed")


def _gold(name: str) -> dict:
    return json.loads((FIXTURES / "reports_gold" / (name.replace(".", "_") + ".json")).read_text(encoding="utf-8"))


@needs_engine
def test_scanned_pdf_numbers_are_read_marked_and_never_silently_wrong() -> None:
    name = "var3_2021_top_aligned.pdf"
    scan = scanned_pdf((FIXTURES / "reports" / name).read_bytes(), Degrade(dpi=200), seed=7)
    result = parse_document(scan, filename="scan.pdf")
    parsed = json.loads(json.dumps(result.to_json()))
    assert "ocr" in result.flags and "needs_ocr" not in result.flags
    assert result.text_source == "ocr" and "本年" in result.text
    assert result.template == "2021"
    ocr_keys = [k for k in result.sources if result.medium(k) == "ocr"]
    assert set(ocr_keys) == set(template_keys("2021"))  # one provenance record: sources[key]["medium"]
    assert "cell_sources" not in parsed
    check = next(c for c in result.checks if c.name == "ocr")
    assert "rapidocr-onnxruntime" in check.detail
    gold = _gold(name)
    score = score_one(gold, parsed)
    nonzero = [k for k, v in gold["cells"].items() if v not in (None, 0, "?")]
    nonzero_right = sum(1 for k in nonzero if parsed["cells"].get(k) == gold["cells"][k])
    print(f"cells {score.right}/{score.cells}, nonzero {nonzero_right}/{len(nonzero)}, silent {score.silent}")
    assert score.silent == 0, [m for m in score.misses if "SILENT" in m]
    assert nonzero_right > 0  # some numbers really were read from the pixels
    certain = [k for k in ocr_keys if k not in result.uncertain]
    assert all(same(gold["cells"][k], parsed["cells"].get(k)) for k in certain if gold["cells"].get(k) != "?")


def test_a_watermark_text_layer_over_pictures_needs_ocr_but_real_text_does_not() -> None:
    assert needs_ocr(["", " "], [1.0, 1.0]) == "no text layer"
    mark = "示范市人民政府门户网站 仅供参考"
    assert needs_ocr([mark] * 3, [0.98, 0.97, 0.99]) == "watermark text layer only"
    report = ["二、主动公开政府信息情况 第二十条第(一)项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章 1 0 5"]
    assert needs_ocr(report, [0.0]) is None
    assert needs_ocr([mark] * 3, [0.2, 0.1, 0.1]) is None  # short pages, but no scan under them


def _word(text: str, x0: float) -> dict:
    return {"text": text, "x0": x0, "x1": x0 + 10, "top": 100.0, "bottom": 110.0, "score": 0.9}


def test_confusables_are_repaired_only_in_the_value_area() -> None:
    words = [_word("自然人", 200), _word("总计", 500), _word("O", 205), _word("1S", 300), _word("l0", 400),
             _word("SO", 40), _word("规章", 40), _word("ISO", 300)]
    repaired = repair_values(words)
    texts = [w["text"] for w in words]
    assert texts[2:5] == ["0", "15", "10"]
    assert texts[5] == "SO"  # left of the first column header: a label's area, left alone
    assert texts[7] == "150"
    assert len(repaired) == 4
    assert repair_values([_word("O", 205)]) == []  # no header on the page: no value area known


def test_an_ocr_cell_is_certain_only_when_every_sum_holding_it_holds() -> None:
    keys = [k for k in template_keys("2021") if k.startswith("appeals.")]
    review = [k for k in keys if k.startswith("appeals.review.")]
    cells = {k: None for k in keys}
    cells.update(dict(zip(review, [1, 2, 0, 0, 3])))  # 1 + 2 + 0 + 0 = 3
    confirmed = confirmed_keys(cells, [], "2021")
    assert set(review) <= confirmed
    cells[review[0]] = 7  # a misread digit breaks the group's total: nothing there is certain
    assert not set(review) & confirmed_keys(cells, [], "2021")
    assert not set(keys) - set(review) & confirmed_keys(cells, [], "2021")  # blanks prove nothing


def _one_page_scan(tmp_path: Path) -> Path:
    from scans import images_to_pdf, scan_images

    pages = scan_images((FIXTURES / "reports" / "var3_2021_top_aligned.pdf").read_bytes(), Degrade(dpi=200), seed=3)
    path = tmp_path / "scan.pdf"
    path.write_bytes(images_to_pdf(pages[:1], 200))
    return path


def _run_in_worker(path: Path, limits) -> object:  # type: ignore[no-untyped-def]
    import threading

    from gkcrawl.derive.jobs import WorkerJob
    from gkcrawl.derive.supervisor import Supervisor

    finished = threading.Event()
    outcomes = []

    def done(outcome) -> None:  # type: ignore[no-untyped-def]
        outcomes.append(outcome)
        finished.set()

    supervisor = Supervisor(limits)
    try:
        supervisor.submit(WorkerJob(job_id=1, url="http://h/scan.pdf", filename="scan.pdf", file_path=str(path)), done)
        assert finished.wait(timeout=600)
    finally:
        supervisor.close()
    return outcomes[0]


@needs_engine
@pytest.mark.slow
def test_ocr_pages_extend_the_wall_time_and_a_spent_budget_is_a_recorded_failure(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gkcrawl.derive.limits import ParseLimits
    from gkcrawl.extract.ocr_cache import ENV_DIR

    monkeypatch.delenv(ENV_DIR, raising=False)  # the engine's own time is what this test is about

    scan = _one_page_scan(tmp_path)
    # A base limit OCR alone would break: the page it announces buys it the time it needs.
    ok = _run_in_worker(scan, ParseLimits(wall_seconds=3.0, workers=1, ocr_page_seconds=300.0))
    assert ok.failure is None, ok.failure
    assert "ocr" in ok.result["flags"] and ok.result["text_source"] == "ocr"
    assert {s.get("medium") for s in ok.result["sources"].values()} == {"ocr"}
    print(f"one scanned page in a worker: {ok.seconds:.1f} s, peak RSS {ok.worker_peak_rss_kb} kB")
    # Too small a page budget: killed at base + pages x budget, and the reason says so.
    # (1 s is spent before the page is announced; reading one page by OCR takes several seconds.)
    spent = _run_in_worker(scan, ParseLimits(wall_seconds=1.0, workers=1, ocr_page_seconds=0.1))
    assert spent.failure == "parse limit: wall time 1.1 s exceeded (1 s + 1 OCR pages x 0.1 s)"


@needs_engine
def test_a_table_published_as_a_picture_is_read_and_only_its_cells_marked_ocr() -> None:
    page, picture = html_with_appeals_as_picture(), appeals_picture()
    unread = parse_document(page, filename="report.html")
    assert "tables_as_images" in unread.flags  # without the picture's bytes: nothing invented
    result = parse_document(page, filename="report.html",
                            pictures=lambda src: picture if src == "images/appeals.jpg" else None)
    assert "tables_as_images" not in result.flags and "ocr_images:1" in result.flags
    appeals = [k for k in template_keys("2021") if k.startswith("appeals.")]
    assert {k for k in result.sources if result.medium(k) == "ocr"} == set(appeals)
    assert result.text_source is None  # the page's own text is not OCR's
    gold = _gold("gen2021_ningan.html")
    parsed = json.loads(json.dumps(result.to_json()))
    right = sum(1 for k in appeals if same(gold["cells"][k], parsed["cells"].get(k)))
    silent = [k for k in appeals if k not in result.uncertain and not same(gold["cells"][k], parsed["cells"].get(k))]
    print(f"appeals picture: {right}/{len(appeals)} cells right, silent {silent}")
    assert not silent and right > len(appeals) // 2
    assert all(same(gold["cells"][k], parsed["cells"].get(k)) for k in template_keys("2021")
               if not k.startswith("appeals."))  # the page's own tables read as before


@needs_engine
def test_a_docx_table_pasted_as_a_picture_is_read_where_it_stands() -> None:
    import io

    import docx
    from docx.shared import Inches

    document = docx.Document(str(FIXTURES / "reports" / "gen2021_ningan.docx"))
    table = document.tables[-1]._tbl
    holder = document.add_paragraph()
    holder.add_run().add_picture(io.BytesIO(appeals_picture()), width=Inches(6.5))
    table.addprevious(holder._p)
    table.getparent().remove(table)
    buffer = io.BytesIO()
    document.save(buffer)
    result = parse_document(buffer.getvalue(), filename="report.docx")
    appeals = [k for k in template_keys("2021") if k.startswith("appeals.")]
    assert "ocr_images:1" in result.flags and {k for k in result.sources if result.medium(k)} == set(appeals)
    gold = _gold("gen2021_ningan.docx")
    parsed = json.loads(json.dumps(result.to_json()))
    assert not [k for k in appeals if k not in result.uncertain and not same(gold["cells"][k], parsed["cells"].get(k))]
    assert any(same(gold["cells"][k], parsed["cells"].get(k)) for k in appeals if gold["cells"][k])


def test_without_the_engine_a_scan_is_flagged_needs_ocr_with_the_reason(tmp_path: Path) -> None:

    scan = tmp_path / "scan.pdf"
    from scans import images_to_pdf, render_pages

    scan.write_bytes(images_to_pdf(render_pages((FIXTURES / "reports" / "var3_2021_top_aligned.pdf").read_bytes(),
                                                100)[:1], 100))
    # The interpreter is told rapidocr_onnxruntime cannot be imported, as when it is not installed.
    parsed = parse_without_ocr_engine(scan, "scan.pdf", timeout=120)
    assert "needs_ocr" in parsed["flags"] and "ocr" not in parsed["flags"] and not parsed["cells"]
    balance = next(c for c in parsed["checks"] if c["name"] == "requests_balance")
    assert balance["detail"] == "no text layer: needs OCR (no text layer: ocr engine not installed)"
