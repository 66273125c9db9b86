"""Real-world variants of one known report (tests/fixtures/make_variants.py): each reads
right cell by cell or says uncertain; none invents a template or a number."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from gkcrawl.extract.document import read_document
from gkcrawl.parse import ParseResult, extract_cells, parse_document

FIXTURES = Path(__file__).parent / "fixtures"
REPORTS = FIXTURES / "reports"
GOLD = FIXTURES / "reports_gold"
DEMO_DOC = REPORTS / "var12_demo_portal.doc"  # copied from tests/portals/site/attachments/doc_934101.doc
HAS_SOFFICE = bool(shutil.which("soffice") or shutil.which("libreoffice"))
needs_soffice = pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice (soffice) is not installed")

sys.path.insert(0, str(FIXTURES))
import make_variants  # noqa: E402


def parse(name: str) -> ParseResult:
    return parse_document((REPORTS / name).read_bytes(), filename=name)


def test_every_variant_has_its_gold_from_the_model() -> None:
    """The committed gold is exactly what the generator's model says (no hand edits)."""
    for name, build in make_variants.VARIANTS.items():
        if name.endswith((".doc", ".pdf", ".docx")):
            continue  # binary builds are slower; their gold comes from the same model
        report, _ = build()
        stored = json.loads((GOLD / f"{name.replace('.', '_')}.json").read_text(encoding="utf-8"))
        assert stored == json.loads(json.dumps(make_variants.gold(name, report), ensure_ascii=False)), name


def test_canonical_2019_layout_by_key() -> None:
    result = parse("var01_2019_canonical.html")
    assert result.template == "2019" and not result.uncertain
    cells = result.cells
    assert cells["requests.new.natural"] == 44 and cells["requests.new.total"] == 61
    assert cells["requests.withheld.third_party.commercial"] == 1
    assert cells["requests.withheld.process_info.nonprofit"] == 1
    assert cells["requests.other.research"] == 1 and cells["requests.other.total"] == 2
    assert cells["active.a20_5.licensing.change"] == -3
    assert cells["active.a20_9.procurement.amount"] == 218.5
    assert cells["appeals.lit_after_review.corrected"] == 1
    assert all(check.ok is not False for check in result.checks)


def test_word_paste_noise_and_split_label() -> None:
    result = parse("var02_2019_word_paste.html")
    assert result.template == "2019" and not result.uncertain
    assert result.cells["requests.carried_in.total"] == 3  # label split over two cells
    assert result.cells["requests.new.total"] == 61  # label with <br>, digits full width
    assert "１" in (REPORTS / "var02_2019_word_paste.html").read_bytes().decode("gb18030")


def test_layout_table_numbers_are_not_cells() -> None:
    result = parse("var03_2021_nested_layout.html")
    assert result.template == "2021" and not result.uncertain
    values = set(result.cells.values())
    assert not values & {1285, 3902211}
    assert result.cells["requests.new.total"] == 53  # the nav's "本年新收…12" is not the row


def test_appeals_three_header_rows() -> None:
    result = parse("var04_2021_appeals_three_rows.html")
    assert [result.cells[f"appeals.review.{c}"] for c in ("upheld", "corrected", "other", "pending", "total")] \
        == [1, 2, 0, 0, 3]
    assert result.cells["appeals.lit_after_review.total"] == 1


@pytest.mark.parametrize("name", ["var05_2019_text_spaces.txt", "var05_2021_text_next_line.txt"])
def test_text_copies(name: str) -> None:
    result = parse(name)
    assert result.kind == "text" and not result.uncertain
    assert result.cells["requests.granted.natural"] in (21, 18)


def test_notes_units_and_blank_marks() -> None:
    result = parse("var06_2021_notes.html")
    cells = result.cells
    assert cells["requests.granted.natural"] == 18 and "撤回" in result.cell_notes["requests.granted.natural"]
    assert cells["requests.new.natural"] == 41
    assert cells["active.a20_8.fees.amount"] == 18.6 and "万元" in result.cell_notes["active.a20_8.fees.amount"]
    assert cells["active.a20_1.regulations.repealed"] is None  # "—"
    assert cells["appeals.lit_direct.upheld"] is None  # "-"
    assert not result.uncertain


@pytest.mark.parametrize("name, template", [("var07_2019_page_break.pdf", "2019"), ("var07_2021_vertical.pdf", "2021")])
def test_pdf_page_break_and_vertical_header(name: str, template: str) -> None:
    result = parse(name)
    assert result.kind == "pdf" and result.template == template and not result.uncertain
    assert "- 2 -" not in result.text


def test_docx_nested_table_is_read() -> None:
    doc = read_document((REPORTS / "var08_2021_nested.docx").read_bytes(), "x.docx")
    assert len(doc.tables) == 3  # the layout table is walked, its inner table kept
    result = parse("var08_2021_nested.docx")
    assert result.template == "2021" and not result.uncertain
    assert result.cells["requests.other.no_fee.commercial"] == 1


def test_rows_printed_out_of_order() -> None:
    result = parse("var09_2019_row_order.html")
    assert not result.uncertain
    assert result.cells["requests.unable.no_info.natural"] == 7
    assert result.cells["requests.withheld.state_secret.natural"] == 1


def test_missing_rows_are_uncertain_and_the_rest_right() -> None:
    result = parse("var09_2021_missing_rows.html")
    missing = [k for k in result.cells if k.startswith(("requests.withheld.inquiry.", "requests.not_processed.mass"))]
    assert len(missing) == 14
    assert all(result.cells[k] is None for k in missing)
    assert set(missing) <= set(result.uncertain)
    assert set(result.uncertain) == set(missing)
    assert result.cells["requests.not_processed.confirm.natural"] == 1


def test_template_words_in_prose_invent_no_template() -> None:
    result = parse("var10_news_prose.html")
    assert result.template is None
    assert all(v is None for v in result.cells.values())
    prose = ("二、主动公开政府信息情况\n本年制发件数、本年废止件数、现行有效件数。\n三、收到和处理政府信息公开申请情况\n"
             "本年新收政府信息公开申请数量、上年结转政府信息公开申请数量、结转下年度继续办理。\n")
    bare = ParseResult()
    extract_cells(prose, bare)
    assert bare.template is None and not bare.cells
    assert "without values" in bare.checks[0].detail


def test_large_amounts() -> None:
    result = parse("var11_2021_amounts.txt")
    assert result.cells["active.a20_6.penalty.decisions"] == 3985758
    assert result.cells["active.a20_8.fees.amount"] == 34435.86
    assert result.cells["active.a20_5.licensing.decisions"] == 128460


def test_borderless_pdf_with_wrapped_labels_is_never_silent() -> None:
    """No ruling lines: pdfplumber gives text lines with labels wrapped around the values;
    the columns are rebuilt from the words' positions (pdf_geometry.py), blanks included."""
    from scoring import score_one

    report, data = make_variants.var_pdf_borderless_2021()
    parsed = parse_document(data, filename="borderless.pdf").to_json()
    score = score_one(make_variants.gold("borderless.pdf", report), json.loads(json.dumps(parsed)))
    assert score.silent == 0 and score.unflagged_guess == 0, score.misses
    assert score.right == score.cells and not parsed["uncertain"]


@pytest.mark.slow
@needs_soffice
def test_doc_tables_read_through_libreoffice() -> None:
    result = parse("var12_2019.doc")
    assert result.kind == "doc" and "doc_via_libreoffice" in result.flags
    assert result.template == "2019" and not result.uncertain
    assert result.cells["active.a20_5.licensing.change"] == -3


def test_doc_without_libreoffice_keeps_antiword_text(monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr("gkcrawl.extract.document.shutil.which",
                        lambda name: None if name in ("soffice", "libreoffice") else real_which(name))
    doc = read_document((REPORTS / "var12_2019.doc").read_bytes(), "x.doc")
    if doc.error:
        pytest.skip(doc.error)
    assert "doc_tables_by_antiword" in doc.flags
    assert "衢州市柯城区统计局" in doc.text


@pytest.mark.slow
@pytest.mark.skipif(not DEMO_DOC.exists(), reason="the demo portal .doc fixture is missing")
def test_demo_portal_doc_attachment() -> None:
    data = DEMO_DOC.read_bytes()
    result = parse_document(data, filename=DEMO_DOC.name)
    assert result.error is None and result.kind == "doc"
    assert "年度报告" in result.text
    if HAS_SOFFICE:
        assert result.template in ("2019", "2021")
        balance = next(c for c in result.checks if c.name == "requests_balance")
        assert balance.ok is True


def test_label_quoted_in_a_sentence_is_not_a_missing_row() -> None:
    """A row absent from the table but named in a note above it stays uncertain."""
    lines = (REPORTS / "var05_2019_text_spaces.txt").read_text(encoding="utf-8").split("\n")
    lines = [line.replace(" 1.本机关不掌握相关政府信息 7 2 0 1 0 1 11", "") for line in lines]
    assert not any("本机关不掌握" in line for line in lines)
    at = lines.index("三、收到和处理政府信息公开申请情况") + 1
    lines.insert(at, "注:本机关不掌握相关政府信息的申请7件")
    result = parse_document("\n".join(lines).encode("utf-8"), filename="note.txt")
    keys = [k for k in result.cells if k.startswith("requests.unable.no_info.")]
    assert keys and set(keys) <= set(result.uncertain)
    assert result.cells["requests.unable.needs_creation.natural"] == 2


def test_demo_doc_read_by_antiword_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr("gkcrawl.extract.document.shutil.which",
                        lambda name: None if name in ("soffice", "libreoffice") else real_which(name))
    if real_which("antiword") is None:
        pytest.skip("antiword is not installed")
    doc = read_document(DEMO_DOC.read_bytes(), DEMO_DOC.name)
    assert doc.error is None and doc.kind == "doc"
    assert "白鹭区财政局" in doc.text and "年度报告" in doc.text
