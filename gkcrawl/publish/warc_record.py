"""One WARC record, as the bytes stored in the archive's WARC file, for download from a report page.

A `.warc.gz` holds one gzip member per record, so the record at an offset is the gzip member
that starts there: served as is, it is a valid one-record WARC file that warcio and pywb
read. Only files inside the archive's WARC folder are read, and only at an offset where a
WARC record begins.
"""

from __future__ import annotations

import zlib
from pathlib import Path

BLOCK = 1 << 16
MAX_RECORD = 512 << 20  # a record larger than this is not offered for download


class NoRecord(Exception):
    """No WARC record at that file and offset (outside the WARC folder, or not a record start)."""


def record_path(warc_dir: Path, warc_file: str) -> Path:
    """`warc_file` resolved inside `warc_dir`; anything outside it (../, absolute, links) is refused."""
    root = Path(warc_dir).resolve()
    path = (root / warc_file).resolve()
    if not path.is_relative_to(root) or not path.is_file() or not path.name.endswith(".warc.gz"):
        raise NoRecord(f"no WARC file {warc_file!r} in the archive")
    return path


def read_record(warc_dir: Path, warc_file: str, offset: int) -> bytes:
    """The gzip member holding the WARC record at `offset` of `warc_file`."""
    path = record_path(warc_dir, warc_file)
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    taken = bytearray()
    head = b""
    with path.open("rb") as stream:
        stream.seek(offset)
        while not inflate.eof:
            block = stream.read(BLOCK)
            if not block or len(taken) > MAX_RECORD:
                raise NoRecord(f"no whole WARC record at {warc_file} @ {offset}")
            try:
                out = inflate.decompress(block)
            except zlib.error as error:
                raise NoRecord(f"no WARC record at {warc_file} @ {offset}") from error
            if len(head) < 5:
                head += out[:5]
            taken += block
    if not head.startswith(b"WARC/"):
        raise NoRecord(f"no WARC record at {warc_file} @ {offset}")
    return bytes(taken[:len(taken) - len(inflate.unused_data)])
