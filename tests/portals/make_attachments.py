"""Write the `attachments` portal's report files once: PDF (reportlab, CID font STSong-Light),
DOCX (python-docx, real merged tables) and DOC (LibreOffice converts the DOCX; run on a
machine with `libreoffice-writer-nogui`). The outputs are committed under
`tests/portals/site/attachments/`, so serving the portal needs none of these tools.

    python -m portals.make_attachments            # all files
    python -m portals.make_attachments --no-doc   # skip the LibreOffice step
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from gkcrawl.demo.report_content import ReportDoc, make_report, place_cells

from .style_files import ATTACHMENT_DIR, ATTACHMENTS, WORK_POINTS_FILE, WORK_POINTS_TITLE


def write_pdf(doc: ReportDoc, target: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    title_style = ParagraphStyle("title", fontName="STSong-Light", fontSize=15, leading=22, alignment=1)
    body_style = ParagraphStyle("body", fontName="STSong-Light", fontSize=10, leading=15, wordWrap="CJK",
                                firstLineIndent=20)
    cell_style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=7, leading=9, wordWrap="CJK", alignment=1)
    story = [Paragraph(doc.title, title_style), Spacer(1, 8), Paragraph(doc.intro, body_style)]
    for section in doc.sections:
        story.append(Paragraph(section.heading, body_style))
        story.extend(Paragraph(text, body_style) for text in section.paragraphs)
        if section.table:
            placed, height, width = place_cells(section.table)
            data = [["" for _ in range(width)] for _ in range(height)]
            spans = []
            for row, column, cell in placed:
                data[row][column] = Paragraph(cell.text, cell_style)
                if cell.rowspan > 1 or cell.colspan > 1:
                    spans.append(("SPAN", (column, row), (column + cell.colspan - 1, row + cell.rowspan - 1)))
            table = Table(data, colWidths=[480 / width] * width)
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *spans]))
            story.extend([Spacer(1, 4), table, Spacer(1, 6)])
    # invariant: fixed dates and document ids, so a re-run writes the same bytes.
    pdf = SimpleDocTemplate(str(target), pagesize=A4, title=doc.title, author=doc.agency, invariant=True,
                            creator="gkcrawl make_attachments",
                            leftMargin=50, rightMargin=50, topMargin=50, bottomMargin=50)
    pdf.build(story)


def _fix_zip_times(path: Path) -> None:
    """Rewrite a DOCX (a zip) with fixed member timestamps: reproducible bytes."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=(2022, 1, 28, 8, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)


def write_docx(doc: ReportDoc, target: Path) -> None:
    import datetime

    from docx import Document

    document = Document()
    document.core_properties.title = doc.title
    document.core_properties.author = doc.agency
    fixed = datetime.datetime(2022, 1, 28, 8, 0, 0)
    document.core_properties.created = fixed
    document.core_properties.modified = fixed
    document.add_heading(doc.title, level=1)
    document.add_paragraph(doc.intro)
    for section in doc.sections:
        document.add_paragraph(section.heading)
        for text in section.paragraphs:
            document.add_paragraph(text)
        if section.table:
            placed, height, width = place_cells(section.table)
            table = document.add_table(rows=height, cols=width)
            table.style = "Table Grid"
            for row, column, cell in placed:
                target_cell = table.cell(row, column)
                if cell.rowspan > 1 or cell.colspan > 1:
                    target_cell = target_cell.merge(table.cell(row + cell.rowspan - 1, column + cell.colspan - 1))
                target_cell.text = cell.text
    document.save(str(target))
    _fix_zip_times(target)


def convert_to_doc(docx_path: Path, target: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install -y libreoffice-writer-nogui (this machine only)")
    with tempfile.TemporaryDirectory() as out_dir:
        subprocess.run([soffice, "--headless", "--convert-to", "doc", "--outdir", out_dir, str(docx_path)],
                       check=True, capture_output=True, timeout=180)
        produced = Path(out_dir) / (docx_path.stem + ".doc")
        shutil.move(str(produced), target)


def make_all(out_dir: Path, with_doc: bool = True) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in ATTACHMENTS:
        doc = make_report(spec.agency, spec.year, seed=spec.seed)
        target = out_dir / spec.filename
        if spec.kind == "pdf":
            write_pdf(doc, target)
        elif spec.kind == "docx":
            write_docx(doc, target)
        elif spec.kind == "doc":
            if not with_doc:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                docx_path = Path(tmp) / (Path(spec.filename).stem + ".docx")
                write_docx(doc, docx_path)
                convert_to_doc(docx_path, target)
        written.append(target)
    written.append(write_work_points(out_dir / WORK_POINTS_FILE))
    return written


def write_work_points(target: Path) -> Path:
    """A non-report Word file (政务公开工作要点) for the distractor notice."""
    import datetime

    from docx import Document

    document = Document()
    fixed = datetime.datetime(2022, 4, 6, 8, 0, 0)
    document.core_properties.created = fixed
    document.core_properties.modified = fixed
    document.core_properties.title = WORK_POINTS_TITLE
    document.add_heading(WORK_POINTS_TITLE, level=1)
    for text in ("一、深化重点领域信息公开", "二、加强政策解读与回应关切", "三、提升政务公开平台建设水平",
                 "四、强化组织保障和监督考核"):
        document.add_paragraph(text)
    document.save(str(target))
    _fix_zip_times(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ATTACHMENT_DIR)
    parser.add_argument("--no-doc", action="store_true", help="skip the .doc (needs LibreOffice)")
    args = parser.parse_args(argv)
    for path in make_all(args.out, with_doc=not args.no_doc):
        print(f"{path} {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
