"""reparse re-derives reports from WARC bytes written with warcio, fetching nothing."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from gkcrawl.archive.models import Capture
from gkcrawl.archive.store import open_archive, record_capture, record_report
from gkcrawl.derive.reparse import reparse_archive
from gkcrawl.parse import PARSER_VERSION
from gkcrawl.parse.result import Check, ParseResult
from samples import sample_report

WHEN = "2024-02-01T08:00:00Z"


def write_warc(path: Path, url: str, body: bytes) -> int:
    """One gzip request+response pair; returns the response record's offset."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=StatusAndHeaders(
            "GET /zwgk/ndbg/000001.html HTTP/1.1", [("Host", "www.example.gov.cn")], is_http_request=True),
            warc_headers_dict={"WARC-Date": WHEN, "WARC-Record-ID": "<urn:uuid:req-1>"})
        writer.write_record(request)
        offset = stream.tell()
        response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
            protocol="HTTP/1.1"), warc_headers_dict={"WARC-Date": WHEN, "WARC-Record-ID": "<urn:uuid:resp-1>"})
        writer.write_record(response)
    return offset


def archive_sample_page(db: Any, warc_dir: Path, index: int, result: ParseResult | None = None) -> tuple[Any, int]:
    """Sample report `index` (2021 format) as its own WARC file and `captures` row, stored with `result`
    (default: what the sample's bytes give); returns (the sample, its report id)."""
    sample = sample_report(index, template="2021")
    name = f"crawl-{index:05d}.warc.gz"
    offset = write_warc(warc_dir / name, sample.url, sample.body)
    sha = hashlib.sha256(sample.body).hexdigest()
    capture_id = record_capture(db, Capture(url=sample.url, status=200, fetched_at=WHEN, sha256=sha,
                                            size=len(sample.body), content_type="text/html; charset=utf-8",
                                            warc_file=name, warc_offset=offset,
                                            warc_record_id=f"<urn:uuid:resp-{index}>"))
    report_id, _ = record_report(db, capture_id, result if result is not None else sample.result,
                                 url=sample.url, fetched_at=WHEN, sha256=sha, site=None)
    return sample, report_id

def archive_with_warc(tmp_path: Path) -> tuple[object, Path, int, bytes]:
    sample = sample_report(1, template="2021", broken=True)
    warc_dir = tmp_path / "warc"
    warc_dir.mkdir()
    offset = write_warc(warc_dir / "crawl-00000.warc.gz", sample.url, sample.body)
    assert offset > 0
    db = open_archive(tmp_path / "gkcrawl.db")
    sha = hashlib.sha256(sample.body).hexdigest()
    capture_id = record_capture(db, Capture(url=sample.url, status=200, fetched_at=WHEN, sha256=sha,
                                            size=len(sample.body), content_type="text/html; charset=utf-8",
                                            warc_file="crawl-00000.warc.gz", warc_offset=offset,
                                            warc_record_id="<urn:uuid:resp-1>"))
    old = sample.result
    old.parser_version = "0.0.1"
    report_id, _ = record_report(db, capture_id, old, url=sample.url, fetched_at=WHEN, sha256=sha, site=None)
    return db, warc_dir, report_id, sample.body


def test_reparse_replaces_derived_rows_from_the_archived_bytes(tmp_path: Path) -> None:
    db, warc_dir, report_id, body = archive_with_warc(tmp_path)
    seen: list[tuple[bytes, str, str | None]] = []

    def new_parser(data: bytes, filename: str = "", content_type: str | None = None,
                   url: str | None = None) -> ParseResult:
        seen.append((data, filename, content_type))
        return ParseResult(template="2021", meta={"title": "新标题 2023年报告", "year": 2023},
                           cells={"requests.new.natural": 7, "requests.new.total": 7},
                           checks=[Check("requests_balance", True, "ok")], text="新的正文 行政复议",
                           parser_version="9.9.9")

    # The stored sample has ~200 cells, the new parser 2: a regression, applied on purpose here.
    stats = reparse_archive(db, warc_dir, parse=new_parser, accept_regressions=True,
                            now=lambda: datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    assert (stats.reports, stats.reparsed, stats.changed, stats.errors) == (1, 1, 1, [])
    assert seen == [(body, "000001.html", "text/html; charset=utf-8")]
    row = db["reports"].get(report_id)
    assert (row["title"], row["parser_version"], row["parsed_at"], row["arithmetic"]) == (
        "新标题 2023年报告", "9.9.9", "2025-01-02T03:04:05Z", "ok")
    cells = {r["key"]: r["value"] for r in db.query("select key, value from report_cells")}
    assert cells == {"requests.new.natural": 7, "requests.new.total": 7}
    assert {r["parser_version"] for r in db.query("select parser_version from report_cells")} == {"9.9.9"}
    from gkcrawl.archive.search import search_ids

    assert search_ids(db, "新的正文") == [report_id]
    again = reparse_archive(db, warc_dir, parse=new_parser)
    assert again.changed == 0 and db["reports"].count == 1


def test_reparse_with_the_real_parser_stamps_its_version(tmp_path: Path) -> None:
    db, warc_dir, report_id, _ = archive_with_warc(tmp_path)
    stats = reparse_archive(db, warc_dir, accept_regressions=True)  # the sample body has no table
    assert stats.reparsed == 1 and not stats.errors
    assert db["reports"].get(report_id)["parser_version"] == PARSER_VERSION


def test_missing_or_tampered_bytes_are_reported_and_rows_kept(tmp_path: Path) -> None:
    db, warc_dir, report_id, body = archive_with_warc(tmp_path)
    before = db["report_cells"].count
    (warc_dir / "crawl-00000.warc.gz").rename(warc_dir / "moved.warc.gz")
    stats = reparse_archive(db, warc_dir)
    assert stats.reparsed == 0 and "WARC file missing" in stats.errors[0]
    write_warc(warc_dir / "crawl-00000.warc.gz", "http://www.example.gov.cn/zwgk/ndbg/000001.html", body + b"x")
    stats = reparse_archive(db, warc_dir)
    assert stats.reparsed == 0 and "do not match sha256" in stats.errors[0]
    assert db["report_cells"].count == before and db["reports"].get(report_id)["parser_version"] == "0.0.1"


def test_reparse_command(tmp_path: Path) -> None:
    db, warc_dir, _, _ = archive_with_warc(tmp_path)
    db.conn.close()
    from gkcrawl.cli import main

    result = CliRunner().invoke(main, ["reparse", "--db", str(tmp_path / "gkcrawl.db"),
                                          "--accept-regressions"])  # the sample body has no table
    assert result.exit_code == 0, result.output
    assert "1/1 reports re-derived" in result.stdout
    missing = CliRunner().invoke(main, ["reparse", "--db", str(tmp_path / "nope.db")])
    assert missing.exit_code != 0 and "no archive" in missing.output
