"""PDF text reflowed for search: hard-wrapped Chinese lines joined with no space, a wrapped
e-mail address made whole, paragraphs and table rows kept; found by the archive's search."""

from __future__ import annotations

import io
from pathlib import Path

from gkcrawl.archive.search import search_ids
from gkcrawl.archive.store import open_archive, record_report
from gkcrawl.extract.clean_text import display_width, reflow, wrap_width
from gkcrawl.extract.document import read_document
from gkcrawl.parse import parse_document

WIDTH = 72  # half-width units per line, as a layout would fill them
PARAGRAPH = ("2022年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
             "全面推进决策、执行、管理、服务、结果公开，编制本年度政府信息公开工作年度报告。如对本报告有疑问，"
             "请发送电子邮件至zwgk-office@shuozhou.gov.cn或致电政府信息公开办公室，我们将在十五个工作日内予以答复。")
SECOND = ("本年度主动公开政府信息八百六十条，其中规范性文件十二件，通过政府网站和政务新媒体等渠道发布，"
          "及时回应社会关切，解读重要政策文件二十三件，组织政府开放日活动四次。")
PHRASE = "编制本年度政府信息公开工作年度报告"
EMAIL = "zwgk-office@shuozhou.gov.cn"


def wrapped(paragraph: str, width: int = WIDTH) -> list[str]:
    """Cut a paragraph the way a layout does: each line as full as the width allows."""
    lines = [""]
    for ch in paragraph:
        if display_width(lines[-1] + ch) > width:
            lines.append("")
        lines[-1] += ch
    return lines


def page_lines() -> list[str]:
    return ["一、总体情况", *wrapped(PARAGRAPH), "（一）主动公开情况", *wrapped(SECOND),
            "规章 0 0 3", "行政规范性文件 12 2 63"]


def pdf_of(lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setFont("STSong-Light", 10)
    y = A4[1] - 60
    for line in lines:
        page.drawString(50, y, line)
        y -= 16
    page.save()
    return buffer.getvalue()


def test_the_pdf_really_wraps_the_phrase_and_the_address() -> None:
    raw = read_document(pdf_of(page_lines()), "report.pdf").text
    assert PHRASE not in raw and EMAIL not in raw  # the layout cut both
    assert PHRASE[:3] in raw and "shuozhou.gov.cn" in raw


def test_reflowed_text_finds_phrase_and_address_and_keeps_paragraphs() -> None:
    text = parse_document(pdf_of(page_lines()), filename="report.pdf").text
    assert PHRASE in text and EMAIL in text
    lines = text.strip().split("\n")
    assert lines[0] == "一、总体情况"
    assert lines[1] == PARAGRAPH  # one paragraph, no space inserted
    assert lines[2] == "（一）主动公开情况" and lines[3] == SECOND
    assert lines[4:] == ["规章 0 0 3", "行政规范性文件 12 2 63"]  # table rows never joined


def test_paragraph_breaks_survive() -> None:
    cut = wrapped(PARAGRAPH)
    text = "\n".join(["某某县人民政府2022年政府信息公开工作年度报告", *cut[:2], "", *cut[2:], "    另起一段缩进的文字也不与上文相连接，保持原样，直到句末为止，并且足够长长长长。",
                      *wrapped(SECOND)])
    out = reflow(text).split("\n")
    assert out[0] == "某某县人民政府2022年政府信息公开工作年度报告"  # the title stays alone
    assert out[1] == cut[0] + cut[1] and out[2] == ""
    assert out[3] == "".join(cut[2:])
    assert out[4].startswith("    另起一段")  # an indent opens a paragraph
    assert out[5] == SECOND


def test_text_without_a_wrap_width_is_unchanged() -> None:
    paragraphs = "第一段很短。\n第二段也不长，但没有句号\n三、标题\n" + "一句完整的话。" * 9
    assert wrap_width(paragraphs.split("\n")) is None
    assert reflow(paragraphs) == paragraphs


def test_latin_words_keep_their_space() -> None:
    text = "\n".join(wrapped("本报告英文名称为" + "Open Government Information Annual Report " * 3 + "，特此说明。" * 6))
    joined = reflow(text)
    assert "Government Information" in joined.replace("\n", " ") and "  " not in joined


def test_archive_search_finds_what_the_pdf_wrapped(tmp_path: Path) -> None:
    result = parse_document(pdf_of(page_lines()), filename="report.pdf")
    db = open_archive(tmp_path / "g.db")
    report_id, _ = record_report(db, None, result, url="http://www.example.gov.cn/a.pdf",
                                 fetched_at="2024-02-01T08:00:00Z", sha256="a" * 64, site=None)

    def chars(term: str) -> set[int]:
        return set(search_ids(db, term))

    # The archive's one search index (per character, any word length: gkcrawl.archive.search_text).
    assert chars(PHRASE) == {report_id}
    assert chars(EMAIL) == {report_id}
    assert chars("年度报告。如对") == {report_id}
    assert chars("本年度政府信息") == {report_id}
