"""Re-derive every report version from its archived bytes with the current parser.

Nothing is fetched: the bytes come from the WARC response record named by the report's
capture (warc_file, warc_offset). Parsing goes through the same supervised workers as the
crawl (`gkcrawl.derive`): a document that breaks a limit is a recorded failure, not a hung
command. Derived rows (cells, checks, spam findings, meta columns, search index) are
replaced in one transaction per report and stamped with the parser version. A report whose
bytes cannot be read, or whose parse fails, keeps its rows. Candidates a crawl left
unfinished are derived too; a failed document is retried once, then skipped until the
parser version changes. A re-derivation that loses a title, the template, cells, or the
certainty of cells the stored rows have is a regression: listed, counted, and held back
(the stored rows stay) unless `accept_regressions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from gkcrawl.analyze import analyze_archive
from gkcrawl.archive.warc_read import ArchivedBytesError, read_response
from gkcrawl.parse import PARSER_VERSION, ParseResult

from .candidates import adopt_reports, reparse_selection
from .limits import ParseLimits
from .pictures import release_waiting
from .room import derive_batch
from .supervisor import InlineRunner, Runner, Supervisor

__all__ = ["ArchivedBytesError", "ReparseStats", "read_response", "reparse_archive"]

Parser = Callable[..., ParseResult]


@dataclass
class ReparseStats:
    reports: int = 0
    reparsed: int = 0
    changed: int = 0  # reports whose cells, checks, meta or text differ from before
    errors: list[str] = field(default_factory=list)  # unreadable archived bytes
    failures: list[str] = field(default_factory=list)  # parses that broke a limit or died
    derived: int = 0  # unfinished crawl candidates derived now
    new_reports: int = 0
    skipped: list[str] = field(default_factory=list)  # failed twice under this parser version
    regressions: list[str] = field(default_factory=list)  # one line per report: what its new parse loses
    held_back: int = 0  # regressions not applied

    def summary(self) -> str:
        text = (f"{self.reparsed}/{self.reports} reports re-derived, {self.changed} changed, "
                f"{len(self.errors)} errors")
        if self.failures:
            text += f", {len(self.failures)} parse failures"
        if self.derived:
            text += f", {self.derived} pending candidates derived ({self.new_reports} new reports)"
        if self.skipped:
            text += f", {len(self.skipped)} skipped after two failures"
        if self.regressions:
            applied = len(self.regressions) - self.held_back
            text += ", " + ", ".join(part for part in (
                _regressions(self.held_back, "held back (stored rows kept)"),
                _regressions(applied, "applied")) if part)
        return text


def _regressions(count: int, what: str) -> str:
    return f"{count} regression{'s' if count != 1 else ''} {what}" if count else ""


def reparse_archive(db: sqlite_utils.Database, warc_root: Path, *, parse: Parser | None = None,
                    now: Callable[[], datetime] | None = None, limits: ParseLimits | None = None,
                    accept_regressions: bool = False) -> ReparseStats:
    """Re-derive every report version from its WARC bytes; returns what happened.

    `parse` runs a given parser in this process (no limits); by default the supervised
    workers run the real parser under `limits`. Regressions are applied only when
    `accept_regressions`; either way each is listed in `regressions`."""
    adopt_reports(db)
    # Pages a killed crawl left waiting for pictures: derived now with the pictures archived.
    release_waiting(db, reason="not fetched before the crawl stopped",
                    now=(now() if now else datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    chosen, skipped = reparse_selection(db, PARSER_VERSION)
    stats = ReparseStats()
    for derivation_id, url in db.execute(
            f"SELECT id, url FROM derivations WHERE id IN ({','.join('?' * len(skipped))})", skipped).fetchall():
        stats.skipped.append(f"derivation {derivation_id} ({url})")
    runner: Runner = InlineRunner(parse) if parse is not None else Supervisor(limits or ParseLimits())
    try:
        recorded = derive_batch(db, Path(warc_root), chosen, runner, mode="reparse", clock=now,
                                accept_regressions=accept_regressions)
    finally:
        runner.close()
    analyze_archive(db)  # the cross-report tables follow the re-derived rows
    for step in recorded:
        label = f"report {step.report_id}" if step.report_id else f"candidate {step.derivation_id}"
        label += f" ({step.url})"
        if step.rederived or (step.unreadable and step.report_id):
            stats.reports += 1
        if step.unreadable:
            stats.errors.append(f"{label}: {step.error}")
        elif step.failed:
            stats.failures.append(f"{label}: {step.error}")
        elif step.rederived:
            if step.loss:
                stats.regressions.append(f"{label}: {step.loss.describe()}")
            if step.held_back:
                stats.held_back += 1
            else:
                stats.reparsed += 1
                stats.changed += int(step.changed)
        if not step.rederived and step.parsed:
            stats.derived += 1
            stats.new_reports += int(step.new_version)
    return stats
