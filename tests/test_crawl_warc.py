"""The WARC writer: deterministic with an injected clock and ids, valid for warcio, rotating."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from gkcrawl.crawl.warc import Exchange, WarcFileWriter, sha256_hex, warc_digest

MOMENT = datetime(2024, 3, 25, 8, 0, 0, tzinfo=timezone.utc)
BODY = "<h1>某市2020年政府信息公开工作年度报告</h1>".encode("gbk")


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
                            response_headers=[("Content-Type", "text/html; charset=utf-8"),
                                              ("Content-Encoding", "gzip"), ("Content-Length", "9")],
                            body=BODY, fetched=MOMENT)
        written.append(writer.write(exchange))
    revisit = Exchange(url="http://127.0.0.1:8000/nb/0.html", method="GET", request_headers=[], request_body=b"",
                       status=304, reason="Not Modified", response_headers=[], body=b"", fetched=MOMENT,
                       revisit_of=("http://127.0.0.1:8000/nb/0.html", "2024-03-24T08:00:00Z"),
                       revisit_digest=warc_digest(BODY))
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
            assert record.rec_headers.get_header("WARC-Payload-Digest") == warc_digest(BODY)
            if record.rec_type == "response":
                payload = record.content_stream().read()
                assert sha256_hex(payload) == sha256_hex(BODY)
                # Stored headers describe the stored (decoded) body.
                assert record.http_headers.get_header("Content-Encoding") is None
                assert record.http_headers.get_header("Content-Length") == str(len(BODY))
            else:
                assert record.rec_type == "revisit"
    warcio = [sys.executable, "-m", "warcio.cli"]
    for path in tmp_path.iterdir():
        subprocess.run([*warcio, "check", str(path)], check=True, capture_output=True)
        index = subprocess.run([*warcio, "index", str(path)], check=True, capture_output=True, text=True)
        assert '"warc-type": "response"' in index.stdout


def test_rotation_starts_a_new_file(tmp_path: Path) -> None:
    written = _write(tmp_path, max_bytes=600, count=4)
    assert len({w.warc_file for w in written}) >= 2
    assert all(w.warc_file.endswith(".warc.gz") for w in written)
