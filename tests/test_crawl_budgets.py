"""No silent truncation: a long list is followed to its end, a trap is stopped by a declared
budget, and every stop is recorded (the archive's `budgets` table) and counted (summary).

Real crawls (`gkcrawl crawl` subprocesses) over the `longlist` and `subcolumns` portals.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawl_helpers import absolute, crawl, rows
from portals import EXPECTED, start_portal

pytestmark = pytest.mark.slow


def report_urls(db: Path) -> set[str]:
    return {row[0] for row in rows(db, "select url from reports")}


def test_a_200_page_list_linked_by_next_is_archived_to_its_end(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with start_portal("longlist") as portal:
        done = crawl([portal.url], db, "--no-js", "--summary-json", timeout=400)
        expected = absolute(portal.url, EXPECTED["longlist"]["reports"])
    assert len(expected) == 200
    found = report_urls(db)
    assert found == expected, f"{len(found & expected)} of 200 archived"
    assert rows(db, "select count(*) from budgets")[0][0] == 0
    assert all(row.get("budget_exhausted", 0) == 0 for row in json.loads(done.stdout)["sites"].values())


def test_a_generator_of_unique_subcolumns_is_stopped_recorded_and_counted(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    budget = 30
    with start_portal("subcolumns") as portal:
        done = crawl([portal.url], db, "--no-js", "--summary-json",
                     "-s", f"GKCRAWL_COLUMN_SUBCOLUMN_BUDGET={budget}", timeout=400)
        expected = absolute(portal.url, EXPECTED["subcolumns"]["reports"])
        prefix = EXPECTED["subcolumns"]["generator_prefix"]
        column = f"{portal.url.rstrip('/')}/xxgk/nb/index.html"
        host = f"127.0.0.1:{portal.port}"
    assert report_urls(db) == expected
    generated = rows(db, f"select count(distinct url) from captures where url like '%{prefix}%'")[0][0]
    assert generated == budget
    assert rows(db, "select budget, scope_url, site, spent from budgets") == [
        ("column_subcolumns", column, host, budget)]
    data = json.loads(done.stdout)
    assert data["sites"][host]["budget_exhausted"] == 1
    assert "budget" in done.stderr and column in done.stderr
