"""Imported documents as WARC `resource` records, the way warcit writes local files.

No HTTP exchange happened, so there is no response record: a `resource` record holds the file's
bytes as they are, under WARC-Target-URI the URL it came from (or `urn:sha256:HEX` when
nobody knows), with
- WARC-Date: when the document was obtained (`--fetched-at`), else the import time;
- WARC-Creation-Date: the import time;
- WARC-Source-URI: `file:` and the file's name (percent-encoded), never the local path;
- WARC-Payload-Digest: `sha256:BASE32` of the bytes (the archive's sha256 is their hex form).
`gkcrawl.archive.warc_read` reads such a record back like any other document record."""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from warcio.warcwriter import WARCWriter

PREFIX = "gkcrawl-import"


def sha256_digest(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode("ascii")


class ImportWarc:
    """One gzip WARC file per import run, under the archive's WARC directory."""

    def __init__(self, directory: Path, started: datetime) -> None:
        self.directory = Path(directory)
        self.started = started
        self.name = ""
        self._file: io.BufferedWriter | None = None
        self._writer = WARCWriter(None, gzip=True, warc_version="1.1")

    def _open(self) -> io.BufferedWriter:
        if self._file is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            stamp = self.started.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")
            serial = 0
            while True:
                serial += 1
                self.name = f"{PREFIX}-{stamp}-{serial:05d}.warc.gz"
                if not (self.directory / self.name).exists():
                    break
            self._file = (self.directory / self.name).open("xb")
            self._writer.out = self._file
            self._writer.write_record(self._writer.create_warcinfo_record(self.name, {
                "software": "gkcrawl import (warcio)", "format": "WARC File Format 1.1",
                "description": "Documents imported by hand into the gkcrawl archive"}))
        return self._file

    def write(self, *, url: str, data: bytes, content_type: str, file_name: str, warc_date: str,
              imported_at: str) -> tuple[str, int, str]:
        """Append one resource record; returns (WARC file name, offset, record id)."""
        out = self._open()
        record_id = f"<urn:uuid:{uuid.uuid4()}>"
        headers = {"WARC-Record-ID": record_id, "WARC-Date": warc_date, "WARC-Creation-Date": imported_at,
                   "WARC-Source-URI": "file:" + quote(file_name), "WARC-Payload-Digest": sha256_digest(data)}
        record = self._writer.create_warc_record(url, "resource", payload=io.BytesIO(data), length=len(data),
                                                 warc_content_type=content_type, warc_headers_dict=headers)
        offset = out.tell()
        self._writer.write_record(record)
        out.flush()
        return self.name, offset, record_id

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
