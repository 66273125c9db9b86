"""Provenance and faults end to end: WARC files that warcio accepts and that every captures
row points into; every injected fault recorded with its reason, the other reports intact."""

from __future__ import annotations

import base64
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawl_helpers import crawl
from portals import EXPECTED, start_portal

pytestmark = pytest.mark.slow

RECRAWL_STYLE = "trs"


def hex_of(warc_digest: str) -> str:
    algorithm, _, value = warc_digest.partition(":")
    assert algorithm == "sha256"
    return base64.b32decode(value).hex()


def test_every_capture_reads_back_from_its_warc_record(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with start_portal(RECRAWL_STYLE) as portal:
        crawl([portal.url], db, "--no-js")
        crawl([portal.url], db, "--no-js")  # second run: 304s become revisit records
    warc_dir = tmp_path / "warc"
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert files
    for path in files:
        subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)], check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "warcio.cli", "index", str(path)], check=True, capture_output=True)
    with sqlite3.connect(db) as conn:
        captures = conn.execute("select url, final_url, warc_file, warc_offset, sha256, payload_digest, revisit, "
                                "status from captures where warc_file is not null").fetchall()
    assert any(revisit for *_, revisit, _ in captures)
    for _url, final_url, warc_file, offset, sha256, payload_digest, revisit, status in captures:
        with (warc_dir / warc_file).open("rb") as stream:
            stream.seek(offset)
            record = next(iter(ArchiveIterator(stream)))
        assert record.rec_headers.get_header("WARC-Target-URI") == final_url
        assert record.rec_type == ("revisit" if revisit else "response")
        assert record.rec_headers.get_header("WARC-Payload-Digest") == payload_digest
        if not revisit:
            import hashlib

            # This portal sends no Content-Encoding: the payload is the document.
            assert hashlib.sha256(record.content_stream().read()).hexdigest() == sha256 == hex_of(payload_digest)
        # A 304's revisit carries the status line of the response it confirms (tests/test_warc_fidelity.py).
        assert record.http_headers.get_statuscode() == ("200" if status == 304 else str(status))


REASON_OF_FAULT = {"stall": "timeout", "reset": "connection reset", "truncate": "truncated",
                   "oversize": "maxsize", "server_error": "http 500", "retry_after": "http 503"}


def test_faults_are_recorded_with_reasons_and_do_not_stop_the_crawl(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    manifest = EXPECTED["faults"]
    with start_portal("faults") as portal:
        crawl([portal.url], db, "--no-js", "--timeout", "3", timeout=170)
        expected = {urljoin(portal.url, u) for u in manifest["reports"]}
        faults = {urljoin(portal.url, path): kind for path, kind in dict(manifest["faults"]).items()}
    with sqlite3.connect(db) as conn:
        found = {row[0] for row in conn.execute("select url from reports")}
        errors = conn.execute("select url, error from captures where error is not null").fetchall()
    assert found == expected  # retried 503 and broken HTML land; the rest fail without harm
    reasons: dict[str, set[str]] = {}
    for url, error in errors:
        reasons.setdefault(url, set()).add(error.split(":", 1)[0])
    for url, kind in faults.items():
        if kind in REASON_OF_FAULT:
            assert REASON_OF_FAULT[kind] in reasons.get(url, set()), (kind, reasons.get(url))
