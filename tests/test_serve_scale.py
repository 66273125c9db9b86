"""The published reports pages at scale (issue 13): unfiltered facets come from facet_counts and equal
what Datasette counts; a search lists the 1,000 most recently archived matches and says when more
match; a rare word, long or short, finds exactly its reports."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from gkcrawl.archive.bulk import bulk_load
from gkcrawl.archive.store import open_archive
from gkcrawl.publish.serve import RunningServer, start_background
from samples import sample_result

pytestmark = pytest.mark.slow
REPORTS = 1_010
RARE = (17, 600)  # the reports whose text holds 罕见词 and 瑰


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    path = tmp_path_factory.mktemp("scale") / "gkcrawl.db"
    db = open_archive(path)
    with bulk_load(db, batch=500) as writer:
        for index in range(REPORTS):
            result = sample_result(index, seed=5, text="本机关推进政府信息公开。" + ("罕见词瑰" if index in RARE else ""))
            writer.add(None, result, url=f"http://a.gov.cn/{index % 1000}", fetched_at="2025", sha256=str(index),
                       site=None)
    db.conn.close()
    server = start_background(path)
    yield server
    server.stop()


def _get(server: RunningServer, path: str) -> tuple[int, str]:
    with urllib.request.urlopen(server.url + path, timeout=60) as response:
        return response.status, response.read().decode("utf-8")


def _json(server: RunningServer, path: str) -> Any:
    return json.loads(_get(server, path)[1])


def _facets(data: dict[str, Any]) -> dict[str, list[tuple]]:
    return {name: [(row["value"], row["count"]) for row in facet["results"]]
            for name, facet in data["facet_results"].items()}


@pytest.mark.parametrize("table", ["reports", "latest_reports"])
def test_unfiltered_facets_are_the_counts_datasette_would_compute(served: RunningServer, table: str) -> None:
    precomputed = _json(served, f"/gkcrawl/{table}.json?_size=1")
    counted = _json(served, f"/gkcrawl/{table}.json?_size=1&id__gte=0")  # a filter: Datasette counts itself
    assert _facets(precomputed) == _facets(counted)
    assert {"region", "year", "template", "arithmetic"} <= set(_facets(precomputed))
    assert sum(count for _, count in _facets(precomputed)["region"]) == (REPORTS if table == "reports" else 1000)
    region = precomputed["facet_results"]["region"]["results"][0]
    assert urllib.parse.urlencode({"region": region["value"]}) in urllib.parse.urlsplit(region["toggle_url"]).query


def test_a_common_word_lists_the_latest_thousand_and_says_more_match(served: RunningServer) -> None:
    data = _json(served, "/gkcrawl/reports.json?_search=" + urllib.parse.quote("信息公开") + "&_shape=objects&_col=id&_size=max")
    assert data["filtered_table_rows_count"] == 1000
    assert "more than 1,000" in data["human_description_en"]
    status, page = _get(served, "/gkcrawl/reports?_search=" + urllib.parse.quote("公开"))
    assert status == 200 and "more than 1,000" in page and 'value="公开"' in page
    ids = {row["id"] for row in data["rows"]}
    assert len(ids) == 1000 and min(ids) == REPORTS - 999  # the most recently archived


@pytest.mark.parametrize("word", ["罕见词", "罕见", "瑰"])
def test_a_rare_word_finds_exactly_its_reports(served: RunningServer, word: str) -> None:
    data = _json(served, "/gkcrawl/reports.json?_search=" + urllib.parse.quote(word) + "&_shape=objects&_col=id")
    assert sorted(row["id"] for row in data["rows"]) == [index + 1 for index in RARE]
    assert data["filtered_table_rows_count"] == 2 and "more than" not in data["human_description_en"]
    latest = _json(served, f"/gkcrawl/latest_reports.json?_search={urllib.parse.quote(word)}&_shape=objects&_col=id")
    assert sorted(row["id"] for row in latest["rows"]) == [index + 1 for index in RARE]
