"""reparse never degrades silently: a re-derivation that loses what the previous parse had is
listed, counted, held back (exit 1) unless --accept-regressions applies it."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from click.testing import CliRunner

from gkcrawl.archive.store import open_archive
from gkcrawl.derive.reparse import reparse_archive
from gkcrawl.parse.result import ParseResult
from samples import sample_report
from test_archive_reparse import archive_sample_page


def archive_of(tmp_path: Path, stored: list[ParseResult | None]) -> tuple[sqlite_utils.Database, Path, list[int]]:
    """One WARC per report holding a sample page without tables (the real parser finds a title,
    no cells); the stored rows come from `stored[i]` (None: what the bytes give, no richer)."""
    warc_dir = tmp_path / "warc"
    warc_dir.mkdir()
    db = open_archive(tmp_path / "gkcrawl.db")
    ids = []
    for index, richer in enumerate(stored, start=1):
        sample = sample_report(index, template="2021")
        result = richer if richer is not None else ParseResult(meta={"title": sample.result.meta["title"]})
        result.parser_version = "0.0.1"
        ids.append(archive_sample_page(db, warc_dir, index, result)[1])
    return db, warc_dir, ids


def cell_count(db_path: Path, report_id: int) -> int:
    db = sqlite_utils.Database(db_path)
    try:
        return int(db.execute("SELECT count(*) FROM report_cells WHERE report_id = ? AND value IS NOT NULL",
                              [report_id]).fetchone()[0])
    finally:
        db.conn.close()


def test_a_parse_that_loses_template_and_cells_is_listed_held_back_and_fails(tmp_path: Path) -> None:
    from gkcrawl.cli import main

    rich = sample_report(1, template="2021").result
    db, _, (lossy, plain) = archive_of(tmp_path, [rich, None])
    db.conn.close()
    db_path = tmp_path / "gkcrawl.db"
    before = cell_count(db_path, lossy)
    assert before > 100

    result = CliRunner().invoke(main, ["reparse", "--db", str(db_path)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("regression:")]
    assert len(lines) == 1, result.output
    assert f"report {lossy} " in lines[0] and "template 2021" in lines[0] and f"{before} cells" in lines[0]
    assert "1 regression held back" in result.stdout
    assert cell_count(db_path, lossy) == before  # held back: the richer rows stay
    check = sqlite_utils.Database(db_path)
    assert check["reports"].get(lossy)["parser_version"] == "0.0.1"
    assert check["reports"].get(plain)["parser_version"] != "0.0.1"  # the other report is re-derived
    check.conn.close()

    accepted = CliRunner().invoke(main, ["reparse", "--db", str(db_path), "--accept-regressions"])
    assert accepted.exit_code == 0, accepted.output
    assert len([line for line in accepted.output.splitlines() if line.startswith("regression:")]) == 1
    assert "1 regression applied" in accepted.stdout
    assert cell_count(db_path, lossy) == 0

    again = CliRunner().invoke(main, ["reparse", "--db", str(db_path)])
    assert again.exit_code == 0, again.output  # nothing left to lose
    assert "regression" not in again.output


def test_lost_title_and_cells_turned_uncertain_are_named(tmp_path: Path) -> None:
    rich = ParseResult(template="2021", meta={"title": "某县2023年政府信息公开工作年度报告"},
                       cells={"requests.new.natural": 3, "requests.new.total": 3, "requests.total.total": 5})
    db, warc_dir, (report_id,) = archive_of(tmp_path, [rich])

    def worse(data: bytes, filename: str = "", content_type: str | None = None, url: str | None = None) -> ParseResult:
        return ParseResult(template="2021", meta={"title": ""},
                           cells={"requests.new.natural": 3, "requests.new.total": 3, "requests.total.total": 5},
                           uncertain=["requests.new.total", "requests.total.total"])

    stats = reparse_archive(db, warc_dir, parse=worse)
    assert len(stats.regressions) == 1 and stats.held_back == 1
    line = stats.regressions[0]
    assert "title" in line and "2 cells turned uncertain" in line and "requests.new.total" in line
    assert "template" not in line
    assert "1 regression held back" in stats.summary()
    assert db["reports"].get(report_id)["title"] == "某县2023年政府信息公开工作年度报告"

    better = reparse_archive(db, warc_dir, parse=lambda *a, **k: ParseResult(
        template="2021", meta={"title": "新标题"}, cells={**rich.cells, "requests.carried_in.total": 1}))
    assert better.regressions == [] and better.changed == 1
