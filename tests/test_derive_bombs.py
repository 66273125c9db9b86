"""Real bombs against real limits: each ends as a recorded failure, the rest lands.

The bombs are generated here (tests/portals/bombs.py); hung converters are shell scripts
on the workers' PATH. Limits are low (5 s, 512 MiB) so the machine is never at risk.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from crawl_helpers import FAST, absolute, rows
from derive_helpers import ATTACHMENTS, LOW_LIMITS, path_with, survivors
from gkcrawl.derive.jobs import JobOutcome, WorkerJob
from gkcrawl.derive.supervisor import Supervisor
from portals import EXPECTED, bombs, start_portal

pytestmark = pytest.mark.slow

BOMBS = {"pathological_pdf": (bombs.pathological_pdf, "pdf"), "thousand_page_pdf": (bombs.thousand_page_pdf, "pdf"),
         "docx_zip_bomb": (bombs.docx_zip_bomb, "docx"),
         "antiword_hangs": (lambda: bombs.HANG_ANTIWORD_DOC, "doc"),
         "soffice_hangs": (lambda: bombs.HANG_SOFFICE_DOC, "doc")}
LIMIT_REASONS = ("parse limit: wall time 5 s exceeded", "parse limit: memory 512 MiB exceeded")


def test_every_bomb_fails_within_its_limit_and_the_reports_beside_them_parse(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = bombs.fake_converters(tmp_path / "bin")
    monkeypatch.setenv("PATH", path_with(bin_dir))
    files: dict[str, Path] = {}
    for name, (make, kind) in BOMBS.items():
        files[name] = tmp_path / f"{name}.{kind}"
        files[name].write_bytes(make())
    files["report_pdf"] = ATTACHMENTS / "pdf_783436.pdf"
    files["report_docx"] = ATTACHMENTS / "docx_984708.docx"
    names = list(files)
    outcomes: dict[str, JobOutcome] = {}
    all_done = threading.Event()

    def done(outcome: JobOutcome) -> None:
        outcomes[names[outcome.job_id]] = outcome
        if len(outcomes) == len(names):
            all_done.set()

    supervisor = Supervisor(LOW_LIMITS)
    try:
        for job_id, name in enumerate(names):
            supervisor.submit(WorkerJob(job_id=job_id, url=f"http://h/{files[name].name}", filename=files[name].name,
                                        file_path=str(files[name])), done)
        assert all_done.wait(timeout=300)
    finally:
        supervisor.close()
    for name in BOMBS:
        assert outcomes[name].failure in LIMIT_REASONS, (name, outcomes[name])
        assert outcomes[name].seconds <= LOW_LIMITS.wall_seconds + 1.0, name
    assert outcomes["docx_zip_bomb"].failure == "parse limit: memory 512 MiB exceeded"
    assert outcomes["antiword_hangs"].failure == outcomes["soffice_hangs"].failure == LIMIT_REASONS[0]
    for name in ("report_pdf", "report_docx"):
        result = outcomes[name].result
        assert result is not None and result["template"] in ("2019", "2021") and not result.get("error"), name
    assert survivors(str(bin_dir)) == []
    assert supervisor.workers_started >= 2 + 3  # each limit-breaker's worker was replaced


def run_gkcrawl(*args: str, env: dict[str, str]) -> str:
    """`gkcrawl ARGS` as its own process with `env` added; its stdout and stderr."""
    done = subprocess.run([sys.executable, "-m", "gkcrawl", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def test_a_crawl_with_bombs_stores_the_reports_and_records_the_bombs(tmp_path: Path) -> None:
    bin_dir = bombs.fake_converters(tmp_path / "bin")
    env = {"PATH": path_with(bin_dir)}
    db = tmp_path / "gkcrawl.db"
    limits = ["--parse-timeout", "5", "--parse-memory", "512", "--parse-workers", "2"]
    manifest = EXPECTED["bombs"]
    portal = start_portal("bombs")
    try:
        run_gkcrawl("crawl", portal.url, "--db", str(db), "--no-js", *FAST, *limits, env=env)
        reports = absolute(portal.url, manifest["reports"])
        bomb_urls = absolute(portal.url, manifest["bombs"])
    finally:
        portal.stop()
    stored = dict(rows(db, "select url, template from reports where error is null"))
    assert set(stored) == reports and set(stored.values()) <= {"2019", "2021"}
    failed = dict(rows(db, "select url, error from reports where flags like '%parse_failed%'"))
    assert set(failed) == bomb_urls and set(failed.values()) <= set(LIMIT_REASONS)
    derivations = {url: (status, failures) for url, status, failures in
                   rows(db, "select url, status, failures from derivations")}
    assert {url: derivations[url] for url in bomb_urls} == dict.fromkeys(bomb_urls, ("failed", 1))
    assert {url: derivations[url] for url in reports} == dict.fromkeys(reports, ("done", 0))
    assert rows(db, "select count(*) from derivations where status = 'pending'") == [(0,)]
    assert survivors(str(bin_dir)) == []

    # reparse takes the same path: the reports again, each bomb failed a second time ...
    out = run_gkcrawl("reparse", "--db", str(db), *limits, env=env)
    assert f"{len(reports)}/{len(reports) + len(bomb_urls)} reports re-derived" in out, out
    assert f"{len(bomb_urls)} parse failures" in out
    assert rows(db, "select count(*) from reports where error is null") == [(len(reports),)]
    assert {url: f for url, f in rows(db, "select url, failures from derivations") if url in bomb_urls} == \
        dict.fromkeys(bomb_urls, 2)
    # ... and then not again: a document is retried once, never more.
    out = run_gkcrawl("reparse", "--db", str(db), *limits, env=env)
    assert f"{len(reports)}/{len(reports)} reports re-derived" in out and \
        f"{len(bomb_urls)} skipped after two failures" in out, out
    assert survivors(str(bin_dir)) == []
