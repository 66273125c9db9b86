"""The published reports pages at scale (issue 13): unfiltered and one-filter pages take their count
and facets from the kept counts (facet_counts, facet_pair_counts) and equal what Datasette counts,
list their rows from an index in the table's order, and say which facet they do not count; a search
lists the 1,000 most recently archived matches and says when more match; a rare word, long or
short, finds exactly its reports; a phrase of common character pairs is checked in the newest
reports, and the page says how far."""

from __future__ import annotations

import json
import shutil
import sqlite3
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gkcrawl.archive import facet_pairs
from gkcrawl.archive.bulk import bulk_load
from gkcrawl.archive.store import open_archive
from gkcrawl.publish.kept_counts import NOT_COUNTED
from gkcrawl.publish.serve import DEFAULT_METADATA, RunningServer, start_background
from samples import sample_result

pytestmark = pytest.mark.slow
REPORTS = 1_010
RARE = (17, 600)  # the reports whose text holds 罕见词 and 瑰
# Every report holds the pairs 甲乙 and 乙丙 (in 甲乙丁乙丙); only this old one holds the phrase 甲乙丙.
OLD_PHRASE = 3


NULL_REGION = range(0, REPORTS, 97)  # reports without a region: facets leave NULL out


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scale") / "gkcrawl.db"
    db = open_archive(path)
    with bulk_load(db, batch=500) as writer:
        for index in range(REPORTS):
            text = "本机关推进政府信息公开。甲乙丁乙丙。" + ("罕见词瑰" if index in RARE else "") \
                + ("甲乙丙" if index == OLD_PHRASE else "")
            result = sample_result(index, seed=5, text=text)
            if index in NULL_REGION:
                result.meta = {**result.meta, "region": None}
            writer.add(None, result, url=f"http://a.gov.cn/{index % 1000}", fetched_at="2025", sha256=str(index),
                       site=None)
    db.execute("ANALYZE")
    db.conn.close()
    return path


@pytest.fixture(scope="module")
def served(archive: Path) -> Iterator[RunningServer]:
    server = start_background(archive)
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
    latest = range(REPORTS) if table == "reports" else range(REPORTS - 1000, REPORTS)  # URL index % 1000
    assert sum(count for _, count in _facets(precomputed)["region"]) == len(set(latest) - set(NULL_REGION))
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


def test_a_phrase_of_common_pairs_is_checked_in_the_newest_reports_and_the_page_says_so(
        served: RunningServer, archive: Path, tmp_path: Path) -> None:
    """Every report holds the phrase's character pairs, so each is a candidate whose text is checked:
    the newest `search_check_cap` of them (metadata.yml). Within the cap the old report is found;
    beyond it, it is not, and the page says how far the search looked."""
    phrase = urllib.parse.quote("甲乙丙")
    data = _json(served, f"/gkcrawl/reports.json?_search={phrase}&_shape=objects&_col=id")
    assert [row["id"] for row in data["rows"]] == [OLD_PHRASE + 1]
    assert "checked in" not in data["human_description_en"]
    metadata = yaml.safe_load(DEFAULT_METADATA.read_text(encoding="utf-8"))
    metadata["plugins"]["gkcrawl"].update(search_cap=100, search_check_cap=500)  # the check cap stays above
    custom = tmp_path / "metadata.yml"
    custom.write_text(yaml.safe_dump(metadata, allow_unicode=True), encoding="utf-8")
    server = start_background(archive, extra_args=["--metadata", str(custom)])
    try:
        data = _json(server, f"/gkcrawl/reports.json?_search={phrase}&_shape=objects&_col=id")
        assert data["rows"] == []
        assert "checked in the 500 most recently archived reports" in data["human_description_en"]
        status, page = _get(server, f"/gkcrawl/reports?_search={phrase}")
        assert status == 200 and "older reports were not searched" in page
        common = _json(server, "/gkcrawl/reports.json?_search=" + urllib.parse.quote("信息公开") + "&_col=id&_size=max")
        assert len(common["rows"]) == 100 and "more than 100 reports" in common["human_description_en"]
    finally:
        server.stop()


def _values(facet: dict[str, Any]) -> list[tuple]:
    return [(row["value"], row["count"], row["selected"]) for row in facet["results"]]


def _top(archive: Path, table: str, column: str) -> str:
    with sqlite3.connect(f"file:{archive}?mode=ro", uri=True) as conn:
        return str(conn.execute(f"select [{column}] from [{table}] where [{column}] is not null "
                                "group by 1 order by count(*) desc limit 1").fetchone()[0])


@pytest.mark.parametrize("table", ["reports", "latest_reports"])
@pytest.mark.parametrize("column", facet_pairs.FILTERS)
def test_a_one_filter_page_counts_and_facets_as_datasette_would(served: RunningServer, archive: Path, table: str,
                                                                column: str) -> None:
    value = urllib.parse.quote(_top(archive, table, column))
    kept = _json(served, f"/gkcrawl/{table}.json?_size=1&{column}={value}")
    counted = _json(served, f"/gkcrawl/{table}.json?_size=1&{column}={value}&id__gte=0")  # Datasette counts
    assert kept["filtered_table_rows_count"] == counted["filtered_table_rows_count"] > 0
    sources = {}
    for name, facet in kept["facet_results"].items():
        sources[name] = facet["gk_counted_from"]
        if facet["gk_counted_from"] == "not counted":
            assert facet["results"] == [] and facet["gk_not_counted"] == NOT_COUNTED
            continue
        assert _values(facet) == _values(counted["facet_results"][name]), name
        assert facet["truncated"] == counted["facet_results"][name]["truncated"], name
    assert sources.get(column, "facet_counts") == "facet_counts"
    assert sources.get("agency", "") in (("facet_pair_counts", "") if column == "region" else ("not counted", ""))
    assert {name for name, source in sources.items() if source == "facet_pair_counts"} == {
        g for g in sources if facet_pairs.kept(column, g)} != set()


@pytest.mark.parametrize("query", ["year=2022.0", "year=%202022", "year=abc", "year=", "spam_found=1",
                                   "spam_found=1.0", "region=%E4%B8%8D%E5%AD%98%E5%9C%A8", "region="])
def test_a_filter_value_matches_as_sqlite_compares_it(served: RunningServer, query: str) -> None:
    """`col = :p0` semantics: numeric affinity for INTEGER columns, text as typed, nothing for no match."""
    kept = _json(served, f"/gkcrawl/reports.json?_size=1&{query}")
    counted = _json(served, f"/gkcrawl/reports.json?_size=1&{query}&id__gte=0")
    assert kept["filtered_table_rows_count"] == counted["filtered_table_rows_count"]
    for name, facet in kept["facet_results"].items():
        if facet["gk_counted_from"] != "not counted":
            assert _values(facet) == _values(counted["facet_results"][name]), name


def test_the_page_says_which_facet_it_does_not_count(served: RunningServer, archive: Path) -> None:
    status, page = _get(served, f"/gkcrawl/reports?year={_top(archive, 'reports', 'year')}")
    assert status == 200 and NOT_COUNTED in page
    status, page = _get(served, "/gkcrawl/reports?region=" + urllib.parse.quote(_top(archive, "reports", "region")))
    assert status == 200 and NOT_COUNTED not in page


def test_kept_counts_are_what_the_page_shows(archive: Path, tmp_path: Path) -> None:
    """The one-filter page reads the kept tables (tampered on a copy, the page shows the tampering); a
    page with two filters is counted by Datasette (shows the truth)."""
    copy = tmp_path / "gkcrawl.db"
    shutil.copy(archive, copy)
    with sqlite3.connect(copy) as conn:
        year, true_count = conn.execute("select year, count(*) from reports group by year order by 2 desc").fetchone()
        conn.execute("update facet_counts set count = count + 1000 where facet = 'year'")
        conn.execute("update facet_pair_counts set count = count + 500 where filter = 'year'")
    server = start_background(copy)
    try:
        tampered = _json(server, f"/gkcrawl/reports.json?_size=1&year={year}")
        assert tampered["filtered_table_rows_count"] == true_count + 1000
        assert all(row["count"] > 500 for row in tampered["facet_results"]["region"]["results"])
        honest = _json(server, f"/gkcrawl/reports.json?_size=1&year={year}&id__gte=0")
        assert honest["filtered_table_rows_count"] == true_count
    finally:
        server.stop()


@pytest.mark.parametrize("where", ['"template" = :p0', '"arithmetic" = :p0', '"spam_found" = :p0',
                                   '"year" = :p0', '"region" = :p0'])
def test_a_one_filter_page_lists_its_rows_in_order_from_an_index(archive: Path, where: str) -> None:
    """The table's order (year desc, metadata.yml) comes from an index: no sort of the filtered rows."""
    with sqlite3.connect(f"file:{archive}?mode=ro", uri=True) as conn:
        plan = conn.execute(f"explain query plan select * from reports where {where} order by year desc limit 21",
                            {"p0": "x"}).fetchall()
    assert not any("TEMP B-TREE" in row[-1] for row in plan), plan
