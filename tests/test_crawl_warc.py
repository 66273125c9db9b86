"""The WARC writer: deterministic with an injected clock and ids, valid for warcio, rotating;
payloads stored as received (content coding and its header kept), revisits that replay."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from gkcrawl.archive.warc_read import read_response
from gkcrawl.crawl.warc import SERVER_NOT_MODIFIED, Exchange, RefersTo, WarcFileWriter, sha256_hex, warc_digest

MOMENT = datetime(2024, 3, 25, 8, 0, 0, tzinfo=timezone.utc)
BODY = "<h1>某市2020年政府信息公开工作年度报告</h1>".encode("gbk")
GZIPPED = gzip.compress(BODY, mtime=0)


def _ids() -> object:
    counter = iter(range(1, 10_000))
    return lambda: f"<urn:uuid:00000000-0000-0000-0000-{next(counter):012d}>"


def _write(directory: Path, max_bytes: int = 100 * 1024 * 1024, count: int = 2) -> list:
    writer = WarcFileWriter(directory, max_bytes=max_bytes, clock=lambda: MOMENT, make_record_id=_ids())
    written = []
    for n in range(count):
        exchange = Exchange(url=f"http://127.0.0.1:8000/nb/{n}.html", method="GET",
                            request_headers=[("User-Agent", "gkcrawl/test")], request_body=b"",
                            status=200, reason="OK",
                            response_headers=[("Content-Type", "text/html; charset=gbk"),
                                              ("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")],
                            body=GZIPPED, fetched=MOMENT)
        written.append(writer.write(exchange))
    revisit = Exchange(url="http://127.0.0.1:8000/nb/0.html", method="GET", request_headers=[], request_body=b"",
                       status=200, reason="OK",
                       response_headers=[("Content-Type", "text/html; charset=gbk"), ("Content-Encoding", "gzip")],
                       body=b"", fetched=MOMENT, revisit_profile=SERVER_NOT_MODIFIED,
                       refers_to=RefersTo("http://127.0.0.1:8000/nb/0.html", "2024-03-24T08:00:00Z",
                                          written[0].record_id),
                       revisit_digest=warc_digest(GZIPPED), revisit_length=len(GZIPPED),
                       not_modified=("304 Not Modified", [("ETag", '"abc"')]))
    written.append(writer.write(revisit))
    writer.close()
    return written


def test_same_input_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    _write(first)
    _write(second)
    files_a, files_b = sorted(first.iterdir()), sorted(second.iterdir())
    assert [f.name for f in files_a] == [f.name for f in files_b]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(files_a, files_b))


def test_records_read_back_at_their_offsets_and_pass_warcio_check(tmp_path: Path) -> None:
    written = _write(tmp_path)
    for record_at in written:
        with (tmp_path / record_at.warc_file).open("rb") as stream:
            stream.seek(record_at.offset)
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_headers.get_header("WARC-Record-ID") == record_at.record_id
            assert record.rec_headers.get_header("WARC-Payload-Digest") == warc_digest(GZIPPED)
            if record.rec_type == "response":
                # The payload as received, with the headers that describe it: gzip kept, chunking undone.
                assert record.raw_stream.read() == GZIPPED
                assert record.http_headers.get_header("Content-Encoding") == "gzip"
                assert record.http_headers.get_header("Transfer-Encoding") is None
                assert record.http_headers.get_header("Content-Length") == str(len(GZIPPED))
            else:
                assert record.rec_type == "revisit"
                headers = record.rec_headers
                assert headers.get_header("WARC-Profile") == SERVER_NOT_MODIFIED
                assert headers.get_header("WARC-Refers-To") == written[0].record_id
                assert headers.get_header("WARC-Refers-To-Target-URI") == "http://127.0.0.1:8000/nb/0.html"
                assert headers.get_header("WARC-Refers-To-Date") == "2024-03-24T08:00:00Z"
                # The confirmed response's status line and headers, with its payload's length.
                assert record.http_headers.get_statuscode() == "200"
                assert record.http_headers.get_header("Content-Length") == str(len(GZIPPED))
                assert record.http_headers.get_header("Content-Encoding") == "gzip"
        document, content_type = read_response(tmp_path / record_at.warc_file, written[0].offset)
        assert sha256_hex(document) == sha256_hex(BODY) and content_type == "text/html; charset=gbk"
    with (tmp_path / written[-1].warc_file).open("rb") as stream:
        types = [(r.rec_type, r.rec_headers.get_header("Content-Type"), r.content_stream().read())
                 for r in ArchiveIterator(stream)]
    assert types[-1][:2] == ("metadata", "application/warc-fields")  # the 304 as the server sent it
    assert b"http-status-line: HTTP/1.1 304 Not Modified" in types[-1][2] and b'ETag: "abc"' in types[-1][2]
    warcio = [sys.executable, "-m", "warcio.cli"]
    for path in tmp_path.iterdir():
        subprocess.run([*warcio, "check", str(path)], check=True, capture_output=True)
        index = subprocess.run([*warcio, "index", str(path)], check=True, capture_output=True, text=True)
        assert '"warc-type": "response"' in index.stdout


def test_rotation_starts_a_new_file(tmp_path: Path) -> None:
    written = _write(tmp_path, max_bytes=600, count=4)
    assert len({w.warc_file for w in written}) >= 2
    assert all(w.warc_file.endswith(".warc.gz") for w in written)


def test_a_rendered_page_is_a_resource_that_refers_to_its_response(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, clock=lambda: MOMENT, make_record_id=_ids())
    response = writer.write(Exchange(url="http://127.0.0.1:8000/nb/", method="GET", request_headers=[],
                                     request_body=b"", status=200, reason="OK",
                                     response_headers=[("Content-Type", "text/html; charset=gbk")], body=BODY,
                                     fetched=MOMENT))
    dom = "<html><body><a href='/nb/1.html'>年报</a></body></html>".encode()
    rendered = writer.write_resource("http://127.0.0.1:8000/nb/", dom, "text/html; charset=utf-8", MOMENT,
                                     RefersTo("http://127.0.0.1:8000/nb/", response.date, response.record_id))
    writer.close()
    with (tmp_path / rendered.warc_file).open("rb") as stream:
        stream.seek(rendered.offset)
        record = next(iter(ArchiveIterator(stream)))
        assert record.rec_type == "resource" and record.content_stream().read() == dom
    headers = record.rec_headers
    assert headers.get_header("WARC-Target-URI") == "urn:dom:http://127.0.0.1:8000/nb/"
    assert headers.get_header("Content-Type") == "text/html; charset=utf-8"
    assert headers.get_header("WARC-Refers-To") == response.record_id
    assert headers.get_header("WARC-Refers-To-Target-URI") == "http://127.0.0.1:8000/nb/"
    assert headers.get_header("WARC-Refers-To-Date") == "2024-03-25T08:00:00Z" == response.date
    assert headers.get_header("WARC-Payload-Digest") == warc_digest(dom)
