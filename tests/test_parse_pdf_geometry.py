"""PDF tables without ruling lines: columns from header words, blanks known, straddlers unplaced."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pdfplumber
import pytest

from gkcrawl.extract.pdf_geometry import GeometryPage, Word, find_header, group_lines, rebuild_page
from gkcrawl.parse import parse_document
from scoring import score_one

FIXTURES = Path(__file__).parent / "fixtures"
REPORTS = FIXTURES / "reports"
VAR3 = sorted(p.name for p in REPORTS.glob("var3_*.pdf"))
sys.path.insert(0, str(FIXTURES))

HEADS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
XS = [200 + 60 * i for i in range(7)]


def _gold(name: str) -> dict:
    return json.loads((FIXTURES / "reports_gold" / (name.replace(".", "_") + ".json")).read_text(encoding="utf-8"))


def _canvas_pdf(draw) -> bytes:
    """A one-page PDF drawn with reportlab's CJK font: text only, no lines."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(595.27, 841.89), invariant=1)
    page.setFont("STSong-Light", 8)
    draw(page)
    page.save()
    return buffer.getvalue()


def _requests_page(rows: list[tuple[str, list[tuple[float, str]]]]) -> bytes:
    """Part 三's header and the given rows: (label, [(x centre, printed value)])."""
    def draw(page) -> None:
        page.drawString(40, 820, "二、主动公开政府信息情况")
        for x, head in zip(XS, ("本年制发件数", "本年废止件数", "现行有效件数")):
            page.drawCentredString(x, 805, head)
        page.drawString(40, 790, "规章")
        for x, value in zip(XS, ("1", "0", "5")):
            page.drawCentredString(x, 790, value)
        page.drawString(40, 770, "三、收到和处理政府信息公开申请情况")
        for x, head in zip(XS, HEADS):
            page.drawCentredString(x, 750, head)
        y = 730
        for label, values in rows:
            page.drawString(40, y, label)
            for x, text in values:
                page.drawCentredString(x, y, text)
            y -= 14
        page.drawCentredString(300, 30, "- 1 -")
    return _canvas_pdf(draw)


def _rebuild(data: bytes) -> GeometryPage:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return rebuild_page(pdf.pages[0])


@pytest.mark.parametrize("name", VAR3)
def test_borderless_fixtures_parse_exactly(name: str) -> None:
    gold = _gold(name)
    result = parse_document((REPORTS / name).read_bytes(), filename=name)
    score = score_one(gold, json.loads(json.dumps(result.to_json())))
    assert score.perfect, score.misses
    assert any(flag.startswith("pdf_rows_by_geometry:") for flag in result.flags)
    assert not any(flag.startswith("pdf_rows_unplaced:") for flag in result.flags)
    blanks = [key for key, value in gold["cells"].items() if value is None]
    assert len(blanks) > 60
    assert all(result.cells[key] is None for key in blanks)  # printed empty: a known blank, not 0


def test_fixtures_need_the_geometry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the rebuilt grid the same PDFs lose cells: the fixtures test the feature."""
    monkeypatch.setattr("gkcrawl.extract.document.rebuild_page", lambda page, carry=None: GeometryPage(None, None))
    name = "var3_2019_blanks_page_break.pdf"
    result = parse_document((REPORTS / name).read_bytes(), filename=name)
    assert not score_one(_gold(name), json.loads(json.dumps(result.to_json()))).perfect


def test_blank_columns_stay_in_place() -> None:
    data = _requests_page([("一、本年新收政府信息公开申请数量", [(XS[0], "5"), (XS[3], "2"), (XS[6], "7")])])
    page = _rebuild(data)
    assert page.rows == 2 and page.unplaced_rows == 0
    assert "一、本年新收政府信息公开申请数量\t5\t\t\t2\t\t\t7" in page.text.split("\n")
    assert "- 1 -" not in page.text


def test_value_between_two_columns_is_not_placed() -> None:
    """A number standing across a column edge could belong to either: its row keeps no positions."""
    data = _requests_page([("一、本年新收政府信息公开申请数量", [(XS[0], "5"), ((XS[1] + XS[2]) / 2, "2"), (XS[6], "7")]),
                           ("二、上年结转政府信息公开申请数量", [(XS[0], "1"), (XS[6], "1")]),
                           ("四、结转下年度继续办理", [(XS[0], "1")])])
    page = _rebuild(data)
    assert page.rows == 4 and page.unplaced_rows == 1
    lines = page.text.split("\n")
    assert "5 2 7" in lines and "二、上年结转政府信息公开申请数量\t1\t\t\t\t\t\t1" in lines
    result = parse_document(data, filename="straddle.pdf")
    assert "pdf_rows_unplaced:1" in result.flags
    assert "requests.new.commercial" in result.uncertain and "requests.new.research" in result.uncertain
    assert result.template == "2021"
    assert result.cells["requests.carried_in.natural"] == 1 and result.cells["requests.carried_in.research"] is None
    assert result.cells["active.a20_1.regulations.in_force"] == 5


def test_page_without_template_header_is_left_alone() -> None:
    data = _canvas_pdf(lambda page: [page.drawString(40, 800 - 14 * i, f"第{i}段 共计 {i * 7} 件 自然人 申请")
                                     for i in range(5)])
    assert _rebuild(data).text is None


def _word(text: str, x0: float, top: float, size: float = 6.0) -> Word:
    return Word(text, text, x0, x0 + size * len(text), top, top + size)


def test_header_words_wrapped_or_one_character_per_line_are_joined() -> None:
    words = [_word("自", 100, 10), _word("然", 100, 17), _word("人", 100, 24)]  # vertical text
    words += [_word(name, 140 + 45 * i, 17) for i, name in enumerate(("商业企业", "科研机构"))]
    words += [_word("社会公", 230, 14), _word("益组织", 230, 21)]  # a two-line header
    words += [_word("法律服务机构", 270, 17), _word("其他", 320, 17), _word("总计", 360, 17)]
    header = find_header(group_lines(words))
    assert header is not None
    columns, bottom = header
    assert columns.kind == "requests" and len(columns.edges) == 7 and bottom == 30
    assert columns.edges[0][0] < 100 < 103 < columns.edges[0][1]


def test_header_missing_a_column_is_not_a_header() -> None:
    words = [_word(name, 100 + 45 * i, 10) for i, name in enumerate(HEADS) if name != "科研机构"]
    assert find_header(group_lines(words)) is None
