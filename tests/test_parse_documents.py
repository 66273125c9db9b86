"""Reading documents: kind sniffing, decoding, HTML/PDF/DOCX/DOC, and failures as data."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gkcrawl.extract.document import decode_bytes, read_document, sniff_kind
from gkcrawl.extract.normalize import normalize
from gkcrawl.extract.tables import html_table_grid, html_to_text
from gkcrawl.parse import parse_document

REPORTS = Path(__file__).parent / "fixtures" / "reports"
PAGE = "<html><head><meta charset=\"gb2312\"><title>年报</title></head><body><p>政府信息公开工作年度报告</p></body></html>"


def test_sniff_kind_from_bytes_not_names() -> None:
    assert sniff_kind((REPORTS / "gen2021_ningan.pdf").read_bytes(), "x.html") == "pdf"
    assert sniff_kind((REPORTS / "gen2021_ningan.docx").read_bytes(), "x.bin") == "docx"
    assert sniff_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "") == "doc"
    assert sniff_kind(PAGE.encode("gb18030"), "a.txt") == "html"
    assert sniff_kind("一、总体情况".encode(), "") == "text"


def test_wrong_http_charset_does_not_win() -> None:
    data = PAGE.encode("gb18030")
    text, encoding = decode_bytes(data, "text/html; charset=utf-8", is_html=True)
    assert encoding == "gb18030" and "政府信息公开" in text


def test_bom_and_clean_utf8_and_gbk_text() -> None:
    assert decode_bytes("\ufeff年报".encode("utf-8"))[0] == "年报"
    assert decode_bytes("年度报告".encode())[1] == "utf-8"
    assert decode_bytes("年度报告".encode("gbk"), "text/plain; charset=utf-8") == ("年度报告", "gb18030")


def test_rowspan_colspan_grid() -> None:
    from lxml import html as lxml_html

    table = lxml_html.fromstring(
        "<table><tr><td rowspan=2>A</td><td colspan=2>B</td></tr><tr><td>1</td><td></td></tr></table>")
    assert html_table_grid(table) == [["A", "B", None], [None, "1", ""]]


def test_innermost_tables_rendered_inside_layout_table() -> None:
    html = ("<table><tr><td><p>二、主动公开政府信息情况</p><table><tr><td><p><span>规章</span></p></td>"
            "<td>&nbsp;１２</td><td></td></tr></table></td></tr></table>")
    text, count = html_to_text(html)
    assert count == 1
    assert "规章\t１２\t" in text.replace(" ", "")


def test_radicals_and_traditional_normalised() -> None:
    assert normalize("⼈⺠政府") == "人民政府"
    assert normalize("總計 規範性文件") == "总计 规范性文件"


@pytest.mark.parametrize("name", ["gen2021_ningan.html", "gen2021_ningan.pdf", "gen2021_ningan.docx"])
def test_generated_reports_read_in_every_format(name: str) -> None:
    result = parse_document((REPORTS / name).read_bytes(), filename=name)
    assert result.error is None and result.template == "2021"
    assert result.kind == name.rsplit(".", 1)[1]
    assert result.cells["requests.new.total"] == 52
    assert result.cells["requests.withheld.law_prohibited.total"] is None  # printed blank
    assert result.cells["active.a20_8.fees.amount"] == 356.78
    assert result.cells["appeals.review.total"] == 5
    assert not result.uncertain
    assert all(c.ok is not False for c in result.checks)
    json.dumps(result.to_json(), ensure_ascii=False)


def test_pdf_without_text_layer_needs_ocr() -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.rect(100, 100, 200, 200, fill=1)
    page.showPage()
    page.save()
    result = parse_document(buffer.getvalue(), filename="scan.pdf")
    assert "needs_ocr" in result.flags and result.template is None and not result.cells


def test_truncated_pdf_is_an_error_not_an_exception() -> None:
    data = (REPORTS / "gen2021_ningan.pdf").read_bytes()[:700]
    result = parse_document(data, filename="broken.pdf")
    assert result.template is None and result.error
    json.dumps(result.to_json())


def test_corrupt_doc_is_an_error() -> None:
    result = parse_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"garbage" * 50, filename="old.doc")
    assert result.kind == "doc" and result.error and result.template is None


def test_doc_without_antiword_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gkcrawl.extract.document.shutil.which", lambda name: None)
    doc = read_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "a.doc")
    assert doc.error and "antiword" in doc.error


def test_traditional_seed_flagged_and_text_kept() -> None:
    seed = Path(__file__).parent / "fixtures" / "seeds" / "003_e121fe427aa0e29e.txt"
    result = parse_document(seed.read_bytes(), filename=seed.name)
    assert "traditional" in result.flags
    assert "總" in result.text or "開" in result.text
    assert result.cell_notes.get("requests.other.natural") == "6撤" or "requests.other.natural" in result.uncertain


def test_meta_reads_header_lines_that_cleaning_strips() -> None:
    """extract_meta gets the text after spam removal, not the cleaned text (发布日期, 索引号)."""
    seed = Path(__file__).parent / "fixtures" / "seeds" / "004_9c54dd0711697be7.txt"
    result = parse_document(seed.read_bytes(), filename=seed.name)
    assert result.meta["published"] == "2021-01-29"
    assert result.meta["index_no"] == "510600-2021-000510"
    assert "510600-2021-000510" not in result.text  # the cleaned text still drops the header
