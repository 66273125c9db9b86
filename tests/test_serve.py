"""The published archive answering HTTP: `gkcrawl serve` as a subprocess on a free port."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from gkcrawl.archive.search_text import normalize
from gkcrawl.archive.snapshot import take_snapshot
from gkcrawl.publish.serve import RunningServer, start_background
from samples import build_sample_archive

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, dict[str, int]]]:
    folder = tmp_path_factory.mktemp("served")
    named = build_sample_archive(folder / "gkcrawl.db", count=30)
    take_snapshot(folder / "gkcrawl.db", now=lambda: datetime(2025, 1, 1, tzinfo=timezone.utc))
    server = start_background(folder / "gkcrawl.db")
    yield server, named
    server.stop()


def fetch(server: RunningServer, path: str, *, data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(server.url + path, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def fetch_json(server: RunningServer, path: str) -> Any:
    status, body = fetch(server, path)
    assert status == 200, body[:500]
    return json.loads(body)


def q(text: str) -> str:
    return urllib.parse.quote(text)


def test_metadata_states_title_license_and_canned_queries(served: tuple[RunningServer, dict[str, int]]) -> None:
    server, _ = served
    metadata = fetch_json(server, "/-/metadata.json")
    assert "CC BY 4.0" in metadata["license"] and "政府信息公开" in metadata["title"]
    queries = metadata["databases"]["gkcrawl"]["queries"]
    assert {"failing_arithmetic", "applications_per_year", "applications_by_region", "outcome_shares",
            "appeals_and_lawsuits", "changed_after_publication", "published_late", "spam_injected",
            "short_word_search", "outcomes_per_year"} <= set(queries)
    columns = metadata["databases"]["gkcrawl"]["tables"]["requests_wide"]["columns"]
    assert "自然人" in columns["new__natural"]


def test_table_page_and_facets(served: tuple[RunningServer, dict[str, int]]) -> None:
    server, _ = served
    status, page = fetch(server, "/gkcrawl/reports")
    assert status == 200 and "年政府信息公开工作年度报告" in page.decode("utf-8")
    data = fetch_json(server, "/gkcrawl/reports.json?_size=1")
    facets = data["facet_results"]
    assert {"region", "year", "template", "arithmetic", "agency"} <= set(facets)
    regions = {row["value"]: row["count"] for row in facets["region"]["results"]}
    assert regions["山西省朔州市"] >= 3 and sum(regions.values()) == 36
    arithmetic = {row["value"] for row in facets["arithmetic"]["results"]}
    assert "failed" in arithmetic


def test_long_forms_unfiltered_skip_count_and_facets(served: tuple[RunningServer, dict[str, int]]) -> None:
    """report_cells and checks (200 rows a report) show no count or facets unless filtered."""
    server, named = served
    unfiltered = fetch_json(server, "/gkcrawl/report_cells.json?_size=2")
    assert unfiltered["filtered_table_rows_count"] is None and unfiltered["facet_results"] == {}
    assert len(unfiltered["rows"]) == 2
    one = fetch_json(server, f"/gkcrawl/report_cells.json?report_id={named['script']}&_size=2")
    assert one["filtered_table_rows_count"] > 150 and {"part", "uncertain"} <= set(one["facet_results"])
    assert fetch_json(server, "/gkcrawl/checks.json")["filtered_table_rows_count"] is None
    assert fetch_json(server, "/gkcrawl/reports.json?_size=1")["filtered_table_rows_count"] == 36
    searched = fetch_json(server, f"/gkcrawl/reports.json?_search={q('复议')}&_size=1")
    assert searched["filtered_table_rows_count"] >= 30 and searched["facet_results"] == {}
    assert len(searched["rows"]) == 1


def test_search_box_finds_long_and_short_chinese_words(served: tuple[RunningServer, dict[str, int]]) -> None:
    server, named = served

    def search(term: str) -> set[int]:
        rows = fetch_json(server, f"/gkcrawl/reports.json?_search={q(term)}&_shape=array&_col=id&_size=max")
        return {row["id"] for row in rows}

    long_hits, short_hits = search("行政复议"), search("复议")
    assert named["traditional"] in long_hits and named["traditional"] in short_hits  # 行政復議 as published
    assert long_hits <= short_hits and len(short_hits) >= 30
    assert named["script"] not in short_hits  # its text never mentions 复议
    assert search("诉讼") and not search("议复")
    assert search('"复议') == short_hits  # odd quoting is not an error

    # Exact against the text itself: the index answers by characters and adjacent pairs, so a longer
    # word's candidates include reports that hold its pairs apart (本年 + 年度 + 度报 + 报告 in the title
    # and text of every report); the text check leaves only the reports that hold the word.
    reports = fetch_json(server, "/gkcrawl.json?_shape=array&_size=max&sql="
                         + q("select id, title, agency, region, text from reports"))

    def holding(word: str) -> set[int]:
        return {r["id"] for r in reports
                if word in re.sub(r"[\W_]", "", normalize("\n".join(r[c] or "" for c in ("title", "agency", "region", "text"))))}

    for word in ("行政复议", "复议", "本年度报告", "政府信息公开工作", "诉讼"):
        assert search(word) == holding(word), word
    offered = fetch_json(server, "/gkcrawl.json?_shape=array&sql=" + q(
        "select count(*) as n from reports_chars_fts where reports_chars_fts match chars_match('本年度报告')"))
    assert offered[0]["n"] > len(holding("本年度报告"))


def test_canned_queries_answer(served: tuple[RunningServer, dict[str, int]]) -> None:
    server, named = served
    failing = fetch_json(server, "/gkcrawl/failing_arithmetic.json?_shape=array")
    assert failing and named["changed_v1"] not in {row["id"] for row in failing}  # v1 is not the latest
    late = fetch_json(server, "/gkcrawl/published_late.json?_shape=array")
    assert named["late"] in {row["id"] for row in late}
    assert all(row["published"][:10] > row["deadline"] for row in late)
    spam = fetch_json(server, "/gkcrawl/spam_injected.json?_shape=array")
    assert [row["id"] for row in spam] == [named["spam"]] and "bat365" in spam[0]["spam_domains"]
    changed = fetch_json(server, "/gkcrawl/changed_after_publication.json?_shape=array")
    assert len(changed) == 1 and changed[0]["new_report_id"] == named["changed_v2"]
    assert "requests.new.natural" in changed[0]["changes"]
    per_year = fetch_json(server, "/gkcrawl/applications_per_year.json?_shape=array")
    assert per_year and all(row["applications"] >= 0 for row in per_year)
    shares = fetch_json(server, "/gkcrawl/outcome_shares.json?_shape=array")
    assert shares and 0 <= shares[0]["granted_pct"] <= 100
    outcomes = fetch_json(server, "/gkcrawl/outcomes_per_year.json?_shape=array")
    assert len(outcomes) == 6 * len(per_year)
    assert sum(row["applications"] or 0 for row in outcomes) == sum(
        row["requests_total"] for row in fetch_json(
            server, "/gkcrawl.json?_shape=array&sql=" + q("select coalesce(sum(requests_total), 0) as requests_total "
                                                          "from latest_reports where year is not null")))
    short = fetch_json(server, f"/gkcrawl/short_word_search.json?_shape=array&q={q('复议')}")
    assert named["traditional"] in {row["id"] for row in short}


def test_report_page_shows_provenance_and_escapes_text(served: tuple[RunningServer, dict[str, int]]) -> None:
    server, named = served
    status, body = fetch(server, f"/gkcrawl/reports/{named['script']}")
    page = body.decode("utf-8")
    assert status == 200
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(" in page
    assert 'class="gk-original-url" href="http://www.example.gov.cn/zwgk/ndbg/' in page
    assert "crawl-20240201-00000.warc.gz" in page and "2024-02-01T08:00:00Z" in page
    status, body = fetch(server, f"/gkcrawl/reports/{named['changed_v2']}")
    assert "v1</a>" in body.decode("utf-8") and "v2</a>" in body.decode("utf-8")


def test_downloads_database_and_latest_snapshot(served: tuple[RunningServer, dict[str, int]]) -> None:
    server, _ = served
    status, body = fetch(server, "/gkcrawl.db")
    assert status == 200 and body.startswith(b"SQLite format 3\x00")
    status, home = fetch(server, "/")
    assert 'href="/snapshots/gkcrawl-2025-01-01.db"' in home.decode("utf-8")
    status, snapshot = fetch(server, "/snapshots/gkcrawl-2025-01-01.db")
    assert status == 200 and snapshot.startswith(b"SQLite format 3\x00")
    status, sums = fetch(server, "/snapshots/SHA256SUMS")
    assert status == 200 and b"gkcrawl-2025-01-01.db" in sums


def test_no_write_endpoints(served: tuple[RunningServer, dict[str, int]]) -> None:
    server, named = served
    for path in ("/gkcrawl/reports", "/gkcrawl/reports/-/insert", "/gkcrawl/-/create", "/-/create"):
        status, _ = fetch(server, path, data=b"{}")
        assert status in (403, 404, 405), path
    status, body = fetch(server, "/gkcrawl.json?sql=" + q(f"delete from reports where id = {named['spam']}"))
    assert status != 200 or b"error" in body
    assert fetch_json(server, f"/gkcrawl/reports/{named['spam']}.json")["rows"]
    status, _ = fetch(server, "/gkcrawl.json?sql=" + q("select count(*) from report_cells a, report_cells b, "
                                                       "report_cells c"))
    assert status == 400  # the SQL time limit stops runaway queries
