"""Documents built to break a parser's limits, generated on demand (nothing committed).

Each imitates a failure seen on real portals: a tiny one-page PDF whose nested forms draw
hundreds of thousands of strokes and glyphs, a 1,000-page PDF, a DOCX whose document.xml
inflates from a few hundred KB to hundreds of MB, and .doc files whose converter hangs
(with `fake_converters` on PATH).
"""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HANG_ANTIWORD = b"GKCRAWL-HANG-ANTIWORD"
HANG_SOFFICE = b"GKCRAWL-HANG-SOFFICE"


@lru_cache(maxsize=1)
def pathological_pdf(fan: int = 60) -> bytes:
    """A 3 KB one-page PDF drawing `fan`³ strokes and glyphs through nested form XObjects: each
    object is tiny in the file and real in pdfplumber (about 50 s and 1.4 GB unlimited here)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.beginForm("cell")
    page.setFont("Helvetica", 1)
    for k in range(fan):
        page.line(k * 0.2, 0, k * 0.2, 0.2)
        page.drawString(k * 0.2, 0, "1")
    page.endForm()
    page.beginForm("row")
    for k in range(fan):
        page.saveState()
        page.translate(k * 0.1 * fan, 0)
        page.doForm("cell")
        page.restoreState()
    page.endForm()
    for k in range(fan):
        page.saveState()
        page.translate(20, 20 + k * 0.5)
        page.doForm("row")
        page.restoreState()
    page.showPage()
    page.save()
    return out.getvalue()


@lru_cache(maxsize=1)
def thousand_page_pdf(pages: int = 1000) -> bytes:
    """A report-looking PDF of 1,000 pages of Chinese text, each with a small ruled table."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    doc = canvas.Canvas(out, pagesize=A4)
    for number in range(pages):
        doc.setFont("STSong-Light", 10)
        doc.drawString(60, 780, f"某局2021年政府信息公开工作年度报告 第{number + 1}页")
        for row in range(40):
            doc.drawString(60, 750 - row * 16, f"本年新收政府信息公开申请数量 {row} 项，办理结果 {number} 件。")
        for row in range(6):
            doc.line(60, 100 + row * 15, 500, 100 + row * 15)
        for col in range(5):
            doc.line(60 + col * 110, 100, 60 + col * 110, 175)
        doc.showPage()
    doc.save()
    return out.getvalue()


@lru_cache(maxsize=1)
def docx_zip_bomb(inflated_mb: int = 400) -> bytes:
    """A valid-looking DOCX whose word/document.xml inflates to `inflated_mb` MB."""
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph = b"<w:p><w:r><w:t>" + "政府信息公开".encode() * 40 + b"</w:t></w:r></w:p>"
    count = inflated_mb * 1024 * 1024 // len(paragraph)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
            'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
            'main+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>'))
        with archive.open("word/document.xml", "w") as xml:
            xml.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document {ns}><w:body>'.encode())
            chunk = paragraph * 1024
            for _ in range(count // 1024):
                xml.write(chunk)
            xml.write(b"</w:body></w:document>")
    return out.getvalue()


def hanging_doc(marker: bytes) -> bytes:
    """An OLE-looking .doc that the fake converters recognise by its marker."""
    return OLE_MAGIC + b"\x00" * 504 + marker + b"\x00" * 1024


HANG_ANTIWORD_DOC = hanging_doc(HANG_ANTIWORD)
HANG_SOFFICE_DOC = hanging_doc(HANG_SOFFICE)


def fake_converters(directory: Path) -> Path:
    """`antiword` and `soffice` scripts in `directory` for PATH: antiword hangs on a file marked
    HANG_ANTIWORD and otherwise prints text with the template's words (so LibreOffice is
    asked for the tables); soffice hangs. Each sleeps as a child, as real converters fork."""
    directory.mkdir(parents=True, exist_ok=True)
    antiword = directory / "antiword"
    antiword.write_text(
        "#!/bin/sh\n"
        f'for f; do :; done\nif grep -q {HANG_ANTIWORD.decode()} "$f"; then sleep 100000 & wait; fi\n'
        "echo '某局2021年政府信息公开工作年度报告'\necho '三、收到和处理政府信息公开申请情况 本年新收 1'\n",
        encoding="utf-8")
    soffice = directory / "soffice"
    soffice.write_text("#!/bin/sh\nsleep 100000 &\nwait\n", encoding="utf-8")
    for script in (antiword, soffice):
        script.chmod(0o755)
    return directory
