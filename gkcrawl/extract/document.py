"""Raw bytes of one document -> Document: its kind, decoded text, and table text.

Sniffs the kind from the bytes (never trusts the file name or HTTP type alone), decodes with
the BOM, then the page's own <meta> charset, then content sniffing (UTF-8 when the bytes are
clean UTF-8, else GB18030); an HTTP charset wins only when the bytes decode cleanly with it.
Tables come out as text rows (see tables.py) so every format reaches the same row finder."""

from __future__ import annotations

import io
import logging
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

from .converters import ConverterTimeout, run_converter
from .embedded import cjk_count, find_embedded, merge_into_page
from .ocr import OcrOptions, unavailable_reason
from .ocr_documents import (
    MIN_TEXT_CHARS,
    MixedPages,
    image_cover,
    image_sources,
    needs_ocr,
    ocr_pdf,
    read_image_marks,
    scanned_pages,
)
from .pdf_geometry import rebuild_page
from .tables import IMAGE_MARK, Grid, html_to_text, render_grid

log = logging.getLogger(__name__)
ANTIWORD_TIMEOUT = 30
SOFFICE_TIMEOUT = 120
Pictures = Callable[[str], "bytes | None"]  # an <img src> -> its archived bytes
_HTML_SNIFF = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|meta|table|div|p)[\s>/]", re.I)


@dataclass
class Document:
    """One document as read: `text` for prose and meta, `table_text` for the row finder."""

    kind: str  # html | text | pdf | docx | doc
    text: str = ""
    html: str | None = None
    table_text: str = ""
    tables: list[Grid] = field(default_factory=list)
    title_hint: str | None = None
    encoding: str | None = None
    flags: list[str] = field(default_factory=list)
    error: str | None = None
    text_source: str | None = None  # "ocr": read from pictures, not a text layer; "mixed": some pages
    ocr_reason: str | None = None   # why OCR ran (or could not), and what it cost
    ocr_pages: list[int] = field(default_factory=list)  # pages (from 1) OCR read in a mixed PDF


def sniff_kind(data: bytes, filename: str = "", content_type: str | None = None) -> str:
    """pdf | docx | doc | html | text, from the bytes first."""
    head = data[:2048].lstrip()
    if data[:1024].find(b"%PDF") != -1:
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except (zipfile.BadZipFile, OSError, ValueError):
            pass
        return "docx" if filename.lower().endswith(".docx") else "text"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "doc"
    if _HTML_SNIFF.search(head[:1024].lstrip(b"\xef\xbb\xbf")) or (content_type or "").lower().startswith("text/html"):
        return "html"
    if filename.lower().endswith((".htm", ".html", ".shtml")):
        return "html"
    return "text"


def _clean_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, content_type: str | None = None, is_html: bool = False) -> tuple[str, str]:
    """(text, encoding): BOM, <meta>, clean UTF-8, the HTTP charset if clean, else GB18030."""
    bom, bom_bytes = read_bom(data)
    if bom and bom_bytes:
        return data[len(bom_bytes):].decode(bom, errors="replace"), bom
    candidates: list[str] = []
    if is_html:
        declared = html_body_declared_encoding(data[:4096])
        if declared:
            candidates.append(resolve_encoding(declared) or declared)
    candidates.append("utf-8")
    header = http_content_type_encoding(content_type) if content_type else None
    if header:
        candidates.append(resolve_encoding(header) or header)
    candidates.append("gb18030")
    for encoding in candidates:
        if encoding in ("gb2312", "gbk", "cp936"):
            encoding = "gb18030"
        text = _clean_decode(data, encoding)
        if text is not None:
            return text, encoding
    return data.decode("gb18030", errors="replace"), "gb18030"


def _html_title(html: str) -> str | None:
    match = re.search(r"<title[^>]*>(.*?)</title>", html, re.I | re.S)
    if not match:
        return None
    title = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()
    return title or None


def read_html(data: bytes, content_type: str | None, pictures: Pictures | None = None,
              ocr: OcrOptions | None = None) -> Document:
    """`pictures(src)`: the archived bytes of a page's <img>, for tables published as images."""
    html, encoding = decode_bytes(data, content_type, is_html=True)
    html, embedded_flag = _with_embedded(html)
    text, table_count = html_to_text(html)
    table_text = html_to_text(html, for_rows=True)[0] if table_count or "<img" in html.lower() else text
    doc = Document("html", text=text, html=html, table_text=table_text, title_hint=_html_title(html),
                   encoding=encoding)
    if pictures is not None and IMAGE_MARK in table_text:
        _read_pictures(doc, [pictures(src) for src in image_sources(html)], ocr)
    if table_count:
        doc.flags.append(f"html_tables:{table_count}")
    if embedded_flag:
        doc.flags.append(embedded_flag)
    return doc


def _with_embedded(html: str) -> tuple[str, str | None]:
    """The page with report HTML that came inside a script string or JSON put in its body
    (embedded.py), and the flag saying so; the page unchanged when its own markup already
    shows at least as much text and as many tables."""
    found = find_embedded(html)
    if found is None:
        return html, None
    visible, tables = html_to_text(html)
    if cjk_count(visible) >= found.cjk and tables >= found.html.lower().count("<table"):
        return html, None
    return merge_into_page(html, found), f"embedded_html:{found.source}"


def read_text(data: bytes, content_type: str | None) -> Document:
    text, encoding = decode_bytes(data, content_type)
    if text.strip()[:1] in ("{", "[") and find_embedded(text) is not None:
        return read_html(data, content_type)  # an article API's JSON: its HTML is the report
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first = next((line.strip() for line in text.split("\n") if line.strip()), None)
    title = first.split(":", 1)[1].strip() if first and first.startswith(("标题:", "标题：")) else first
    return Document("text", text=text, table_text=text, title_hint=(title or None) and title[:120], encoding=encoding)


_FOOTER = re.compile(r"^\s*[-—–]\s*\d+\s*[-—–]\s*$|^\s*第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?\s*$|^\s*\d+\s*/\s*\d+\s*$")


def _strip_footers(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not _FOOTER.match(line))


def read_pdf(data: bytes, ocr: OcrOptions | None = None) -> Document:
    """Text layer and tables page by page; a scan (no text layer, or a watermark's) is OCR'd
    when the engine is installed, else flagged needs_ocr. A PDF typed on some pages and
    scanned on others (`scanned_pages`) has those pages OCR'd in their place: their words join
    the document in page order, tables carried across the break as between typed pages."""
    import pdfplumber

    for name in ("pdfminer", "pdfminer.pdffont", "pdfminer.pdfpage", "pdfminer.pdfinterp", "pdfplumber"):
        logging.getLogger(name).setLevel(logging.ERROR)
    options = ocr or OcrOptions()
    pages_text: list[str] = []
    table_parts: list[str] = []
    grids: list[Grid] = []
    title = None
    rebuilt_rows = unplaced_rows = 0
    carry = None
    covers: list[float] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        title = (pdf.metadata or {}).get("Title")
        for page in pdf.pages:
            pages_text.append(_strip_footers(page.extract_text() or ""))
            covers.append(image_cover(page))
        scanned = needs_ocr(pages_text, covers)
        pictured = MixedPages.of(data, [] if scanned else scanned_pages(pages_text, covers), options)
        for index, page in enumerate(pdf.pages):
            if index:
                table_parts.append("\f")  # page marks: a cell's source names its PDF page
            read = pictured.read(index, carry)
            if read is not None:
                pages_text[index] = read.text
                table_parts.append(read.table_text)
                carry = read.carry
                rebuilt_rows += read.rows
                unplaced_rows += read.unplaced_rows
                continue
            page_text = pages_text[index]
            tables = page.find_tables()
            if not tables:
                # No ruling lines: rebuild the template's tables from where the words stand,
                # so blank cells stay blank instead of shifting the values beside them.
                rebuilt = rebuild_page(page, carry)
                carry = rebuilt.carry
                table_parts.append(_strip_footers(rebuilt.text if rebuilt.text is not None else page_text))
                rebuilt_rows += rebuilt.rows
                unplaced_rows += rebuilt.unplaced_rows
                continue
            carry = None
            # Keep the prose around the tables so section headings still frame them.
            cursor_top = 0.0
            for table in sorted(tables, key=lambda t: t.bbox[1]):
                above = page.crop((0, cursor_top, page.width, max(cursor_top, table.bbox[1]))).extract_text() \
                    if table.bbox[1] > cursor_top else ""
                table_parts.append(_strip_footers(above or ""))
                grid = [[None if cell is None else str(cell).replace("\n", "") for cell in row]
                        for row in table.extract()]
                grids.append(grid)
                table_parts.append(render_grid(grid))
                cursor_top = table.bbox[3]
            if cursor_top < page.height:
                below = page.crop((0, cursor_top, page.width, page.height)).extract_text() or ""
                table_parts.append(_strip_footers(below))
    text = "\n".join(pages_text).strip()
    doc = Document("pdf", text=text, table_text="\n".join(table_parts), tables=grids,
                   title_hint=title if isinstance(title, str) and title.strip() else None)
    if rebuilt_rows:
        doc.flags.append(f"pdf_rows_by_geometry:{rebuilt_rows}")
    if unplaced_rows:
        doc.flags.append(f"pdf_rows_unplaced:{unplaced_rows}")
    if scanned:
        return _read_scan(data, doc, scanned, options)
    pictured.record(doc)
    return doc


def _read_scan(data: bytes, doc: Document, why: str, options: OcrOptions) -> Document:
    """A scanned PDF read by OCR (flag `ocr`); without the engine, flagged needs_ocr and why."""
    missing = None if options.reader is not None else unavailable_reason()
    if missing:
        doc.flags.append("needs_ocr")
        doc.error = None
        doc.ocr_reason = f"{why}: {missing}"
        return doc
    read = ocr_pdf(data, options)
    if len(re.sub(r"\s", "", read.text)) < MIN_TEXT_CHARS:  # OCR saw no text either: still a scan
        read.flags.append("needs_ocr")
    return Document("pdf", text=read.text, table_text=read.table_text, title_hint=doc.title_hint,
                    flags=read.flags, text_source="ocr", ocr_reason=f"{why}: {read.run.describe()}")


def _read_pictures(doc: Document, pictures: list[bytes | None], ocr: OcrOptions | None) -> None:
    """Tables published as pictures, read by OCR in place of their marks when the engine is here."""
    if unavailable_reason() is not None or not any(pictures):
        return
    marked = read_image_marks(doc.table_text, pictures, ocr or OcrOptions())
    doc.table_text = marked.table_text
    doc.flags.extend(marked.flags)
    if marked.notes:
        doc.ocr_reason = "tables as images: " + "; ".join(marked.notes)


def _docx_grid(table) -> Grid:
    """One table's rows; a merged cell (the same <w:tc> repeated) is printed once."""
    grid: Grid = []
    seen: list = []
    for row in table.rows:
        cells: list[str | None] = []
        for cell in row.cells:
            repeated = any(cell._tc is tc for tc in seen)
            cells.append(None if repeated else cell.text.strip())
            if not repeated:
                seen.append(cell._tc)
        grid.append(cells)
    return grid


def _docx_blocks(parent, document):
    """('p', text) and ('tbl', grid) in reading order. A table holding other tables is a
    layout table: its cells are walked instead, so only innermost tables become grids."""
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    for block in parent.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(block, document)
            yield "p", paragraph.text
            for rid in block.xpath(".//a:blip/@r:embed"):  # a picture in the paragraph
                part = paragraph.part.related_parts.get(rid)
                yield "img", getattr(part, "blob", None)
        elif tag == "sdt":  # content controls wrap ordinary paragraphs and tables
            content = next((c for c in block.iterchildren() if c.tag.endswith("}sdtContent")), None)
            if content is not None:
                yield from _docx_blocks(content, document)
        elif tag == "tbl":
            table = Table(block, document)
            if not block.xpath(".//w:tc//w:tbl"):
                yield "tbl", _docx_grid(table)
                continue
            for tr in block.iterchildren():
                if not tr.tag.endswith("}tr"):
                    continue
                for tc in tr.iterchildren():
                    if tc.tag.endswith("}tc"):
                        yield from _docx_blocks(tc, _Cell(tc, table))


def read_docx(data: bytes, ocr: OcrOptions | None = None) -> Document:
    """Paragraphs and tables in body order; merged cells printed once; nested tables read;
    pictures marked where they stand (IMAGE_MARK) and read by OCR when the engine is here."""
    import docx

    document = docx.Document(io.BytesIO(data))
    text_parts: list[str] = []
    table_parts: list[str] = []
    grids: list[Grid] = []
    pictures: list[bytes | None] = []
    for kind, content in _docx_blocks(document.element.body, document):
        if kind == "img":
            pictures.append(content)
            table_parts.append(IMAGE_MARK)
            continue
        if kind == "p":
            text_parts.append(content)
            table_parts.append(content)
            continue
        grids.append(content)
        rendered = render_grid(content)
        table_parts.append(rendered)
        text_parts.append(rendered.replace("\t", " "))
    title = document.core_properties.title or None
    doc = Document("docx", text="\n".join(text_parts), table_text="\n".join(table_parts), tables=grids,
                   title_hint=title)
    if pictures:
        _read_pictures(doc, pictures, ocr)
    return doc


# antiword prints merged-cell tables badly (rows lost, cells shifted): a .doc whose text shows
# the template's tables is converted by LibreOffice, when installed, and read as DOCX.
_DOC_TABLE_HINT = re.compile(r"第\s*二\s*十\s*条|本\s*年\s*新\s*收|申\s*请\s*人\s*情\s*况|行\s*政\s*复\s*议")


def _doc_via_libreoffice(data: bytes) -> Document | None:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.doc"
        source.write_bytes(data)
        try:
            done = run_converter([binary, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
                                  "--convert-to", "docx", "--outdir", tmp, str(source)], SOFFICE_TIMEOUT, "soffice")
        except ConverterTimeout as timeout:
            # Visible on the result: the tables then come from antiword's text, and say so.
            return Document("doc", error=str(timeout), flags=["converter_timeout:soffice"])
        produced = Path(tmp) / "report.docx"
        if done.returncode != 0 or not produced.exists():
            return None
        doc = read_docx(produced.read_bytes())
    doc.kind = "doc"
    doc.flags.append("doc_via_libreoffice")
    return doc


def _antiword(data: bytes) -> Document:
    binary = shutil.which("antiword")
    if binary is None:
        return Document("doc", error="antiword is not installed: cannot read .doc files")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.doc"
        path.write_bytes(data)
        try:
            done = run_converter([binary, "-m", "UTF-8.txt", "-w", "0", str(path)], ANTIWORD_TIMEOUT, "antiword")
        except ConverterTimeout as timeout:
            return Document("doc", error=str(timeout), flags=["converter_timeout:antiword"])
    if done.returncode != 0:
        return Document("doc", error=f"antiword failed: {done.stderr.decode('utf-8', 'replace').strip()[:200]}")
    text = done.stdout.decode("utf-8", errors="replace")
    return Document("doc", text=text, table_text=text)


def read_doc(data: bytes) -> Document:
    """Old Word files: antiword for the text; LibreOffice for the tables when it is there."""
    doc = _antiword(data)
    # A file antiword cannot read stays an error: LibreOffice would import its bytes as text.
    if not doc.error and _DOC_TABLE_HINT.search(doc.text):
        converted = _doc_via_libreoffice(data)
        if converted is not None and converted.text.strip():
            return converted
        if converted is not None:
            doc.flags.extend(converted.flags)  # e.g. converter_timeout:soffice
        doc.flags.append("doc_tables_by_antiword")
    return doc


def read_document(data: bytes, filename: str = "", content_type: str | None = None,
                  ocr: OcrOptions | None = None, pictures: Pictures | None = None) -> Document:
    """Read any supported document; failures come back as Document.error, never raised.
    `pictures(src)` gives an HTML page's archived images (None: not archived)."""
    kind = sniff_kind(data, filename, content_type)
    try:
        if kind == "pdf":
            return read_pdf(data, ocr)
        if kind == "docx":
            return read_docx(data, ocr)
        if kind == "doc":
            return read_doc(data)
        if kind == "html":
            return read_html(data, content_type, pictures, ocr)
        return read_text(data, content_type)
    except Exception as exc:  # corrupt files of every kind: record, never crash the run
        log.debug("cannot read %s document %r", kind, filename, exc_info=True)
        return Document(kind, error=f"cannot read {kind} document: {type(exc).__name__}: {str(exc)[:200]}")
