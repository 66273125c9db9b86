"""The derivation room's parts, with real processes and no bombs (fast)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from derive_helpers import path_with, survivors
from gkcrawl.archive.store import derived_columns
from gkcrawl.derive import process_tree
from gkcrawl.derive.limits import ParseLimits
from gkcrawl.derive.reparse import reparse_archive
from gkcrawl.derive.result_json import result_from_json
from gkcrawl.extract import document
from gkcrawl.parse import parse_document
from gkcrawl.parse.result import ParseResult
from portals import bombs
from samples import sample_report
from test_archive_reparse import archive_with_warc


@pytest.mark.parametrize("index", range(6))
def test_a_result_survives_its_json_form(index: int) -> None:
    sample = sample_report(index, template="2021" if index % 2 else "2019", broken=index == 3)
    result = parse_document(sample.body, filename="r.html", url=sample.url)
    again = result_from_json(result.to_json())
    assert again.to_json() == result.to_json()
    assert derived_columns(again) == derived_columns(result)


def test_limits_refuse_nonsense() -> None:
    for bad in ({"wall_seconds": 0}, {"memory_mb": 10}, {"workers": 0}):
        with pytest.raises(ValueError):
            ParseLimits(**bad)  # type: ignore[arg-type]


def test_kill_tree_reaches_a_grandchild_in_its_own_session(tmp_path: Path) -> None:
    marker = str(tmp_path / "sleeper")
    script = ("import subprocess, sys, time\n"
              f"subprocess.Popen(['sleep', '1000', {marker!r}], start_new_session=True)\n"
              "time.sleep(1000)\n")
    parent = subprocess.Popen([sys.executable, "-c", script, marker], start_new_session=True)
    for _ in range(100):
        if survivors(marker) and process_tree.descendants(parent.pid):
            break
        time.sleep(0.05)
    assert survivors(marker)
    process_tree.kill_tree(parent.pid)
    parent.wait(timeout=10)
    time.sleep(0.2)
    assert survivors(marker) == []


def test_a_hung_soffice_is_killed_and_flagged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = bombs.fake_converters(tmp_path / "bin")
    monkeypatch.setenv("PATH", path_with(bin_dir))
    monkeypatch.setattr(document, "SOFFICE_TIMEOUT", 1)
    doc = document.read_document(bombs.HANG_SOFFICE_DOC, "report.doc")
    assert "converter_timeout:soffice" in doc.flags and "doc_tables_by_antiword" in doc.flags
    assert "本年新收" in doc.text  # antiword's text is kept; the tables say where they came from
    assert survivors(str(bin_dir)) == []


def test_a_hung_antiword_is_killed_and_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = bombs.fake_converters(tmp_path / "bin")
    monkeypatch.setenv("PATH", path_with(bin_dir))
    monkeypatch.setattr(document, "ANTIWORD_TIMEOUT", 1)
    result = parse_document(bombs.HANG_ANTIWORD_DOC, filename="report.doc")
    assert result.error == "antiword timed out after 1 s" and "converter_timeout:antiword" in result.flags
    assert survivors(str(bin_dir)) == []


def test_reparse_retries_a_failed_document_once(tmp_path: Path) -> None:
    db, warc_dir, report_id, _ = archive_with_warc(tmp_path)
    calls: list[str] = []

    def exhausted(data: bytes, filename: str = "", content_type: str | None = None,
                  url: str | None = None) -> ParseResult:
        calls.append(filename)
        return ParseResult(error="parser failure: MemoryError: ")

    first = reparse_archive(db, warc_dir, parse=exhausted)
    assert (first.reparsed, len(first.failures)) == (0, 1) and "parse limit: memory" in first.failures[0]
    assert db["reports"].get(report_id)["parser_version"] == "0.0.1"  # the failure kept the rows
    second = reparse_archive(db, warc_dir, parse=exhausted)
    assert len(second.failures) == 1 and len(calls) == 2
    third = reparse_archive(db, warc_dir, parse=exhausted)
    assert len(calls) == 2 and len(third.skipped) == 1 and "skipped after two failures" in third.summary()
    row = db.execute("select status, attempts, failures, error from derivations").fetchone()
    assert row == ("failed", 3, 2, "parse limit: memory exhausted")


def test_a_workers_watch_finds_the_processes_below_it_as_the_full_scan_does() -> None:
    """The supervisor's look at a working parse worker reads the kernel's children lists, not every
    process: the same processes (a child, a grandchild) as `descendants`, which `kill_tree` keeps."""
    parent = subprocess.Popen(["sh", "-c", "(sleep 30; true) & wait"])  # a subshell, its sleep below it
    try:
        deadline = time.monotonic() + 5
        while len(process_tree.descendants(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sorted(process_tree.watched_descendants(parent.pid)) == sorted(process_tree.descendants(parent.pid))
        assert len(process_tree.watched_descendants(parent.pid)) == 2
    finally:
        process_tree.kill_tree(parent.pid)
        parent.wait()
