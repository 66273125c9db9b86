"""The demo portal's scanned report and its report page whose tables are pictures, end to end:
crawled (the page's pictures with it), OCR'd in a parse worker, archived with their numbers
marked source = ocr, and shown with OCR badges on their report pages."""

from __future__ import annotations

import sqlite3
import urllib.request
from pathlib import Path

import pytest

from crawl_helpers import absolute, crawl
from gkcrawl.extract.ocr import unavailable_reason
from gkcrawl.publish.serve import start_background
from gkcrawl.template import template_keys
from portals import EXPECTED, start_portal

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(unavailable_reason() is not None, reason="rapidocr-onnxruntime not installed")]


def test_demo_scanned_report_is_archived_with_its_numbers_ocr_marked(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with start_portal("demo") as portal:
        # A busy test machine reads a page in up to ~45 s: the page budget is raised here only.
        crawl([portal.url], db, "--no-js", "-s", "GKCRAWL_OCR_PAGE_SECONDS=240", timeout=1200)
        (scan_url,) = absolute(portal.url, EXPECTED["demo"]["scanned"])
        (notice_url,) = absolute(portal.url, EXPECTED["demo"]["notices"])
        (pictured_url,) = absolute(portal.url, EXPECTED["demo"]["pictured"])
    with sqlite3.connect(db) as conn:
        report = conn.execute("SELECT id, template, text_source, flags, kind FROM reports WHERE url = ?",
                              [scan_url]).fetchone()
        assert report is not None, conn.execute("SELECT url, status, error FROM derivations").fetchall()
        report_id, template, text_source, flags, kind = report
        assert (template, text_source, kind) == ("2021", "ocr", "pdf") and '"ocr"' in flags
        cells = conn.execute("SELECT key, value, uncertain, source FROM report_cells WHERE report_id = ?",
                             [report_id]).fetchall()
        assert {key for key, *_ in cells} >= set(template_keys("2021"))
        assert {source for *_, source in cells} == {"ocr"}
        assert sum(1 for _, value, _, _ in cells if value not in (None, 0)) >= 10  # numbers, not blanks
        assert not conn.execute("SELECT 1 FROM reports WHERE url = ?", [notice_url]).fetchall()
        other = conn.execute("SELECT count(*) FROM report_cells c JOIN reports r ON r.id = c.report_id "
                             "WHERE r.url NOT IN (?, ?) AND c.source IS NOT NULL", [scan_url, pictured_url]).fetchone()[0]
        assert other == 0  # text reports carry no OCR mark
        # The page whose three tables are pictures: each picture archived and named as the cells' source.
        pictured_id, pictured_flags, pictured_source = conn.execute(
            "SELECT id, flags, text_source FROM reports WHERE url = ?", [pictured_url]).fetchone()
        assert "ocr_images:3" in pictured_flags and "tables_as_images" not in pictured_flags
        assert pictured_source is None  # the page's own words are its text; only the tables are OCR's
        assert conn.execute("SELECT count(*) FROM report_pictures p JOIN captures c ON c.id = p.capture_id "
                            "WHERE p.report_id = ? AND c.status = 200 AND c.referer = ?",
                            [pictured_id, pictured_url]).fetchone()[0] == 3
        pictured = conn.execute("SELECT key, uncertain FROM report_cells WHERE report_id = ? AND source = 'ocr'",
                                [pictured_id]).fetchall()
        assert {key for key, _ in pictured} == set(template_keys("2021"))
        assert sum(1 for _, uncertain in pictured if not uncertain) >= 150  # confirmed by the arithmetic
    running = start_background(db)
    try:
        pages = []
        for shown in (report_id, pictured_id):
            with urllib.request.urlopen(f"{running.url}/{db.stem}/reports/{shown}", timeout=60) as response:
                pages.append(response.read().decode("utf-8"))
    finally:
        running.stop()
    for page in pages:
        assert page.count('class="gk-ocr-badge"') >= len(template_keys("2021"))
        assert "read by OCR" in page
