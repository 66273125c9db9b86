"""Carry-over across years over a real archive: generated reports parsed by the real parser,
stored through the store, analysed; canned query read by a real Datasette."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlite_utils
import yaml

from analyze_helpers import PROSE_A, PROSE_B, prose, store_report
from gkcrawl.analyze import analyze_archive
from gkcrawl.analyze.bodies import body_kind, normalized_agency
from gkcrawl.archive.store import open_archive
from gkcrawl.demo.report_content import carried_out, make_report

ROOT = Path(__file__).resolve().parents[1]
A, B = "示范市交通运输局", "示范市文化和旅游局"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[sqlite_utils.Database, dict[str, int], dict]:
    db = open_archive(tmp_path_factory.mktemp("carry") / "gkcrawl.db")
    a20 = make_report(A, 2020, seed=1, prose=prose(PROSE_A, A))
    a21 = make_report(A, 2021, seed=2, prose=prose(PROSE_A, A), carried_in=carried_out(a20))
    broken = [value + 1 if index in (0, 3) else value for index, value in enumerate(carried_out(a21))]
    a22 = make_report(A, 2022, seed=3, prose=prose(PROSE_A, A), carried_in=broken)
    b20 = make_report(B, 2020, seed=4, prose=prose(PROSE_B, B))
    # Another body's 2021 report carrying in exactly what A carried out of 2020: no check between bodies.
    b22 = make_report(B, 2022, seed=5, prose=prose(PROSE_B, B), carried_in=carried_out(a21))
    docs = {"a20": a20, "a21": a21, "a22": a22, "b20": b20, "b22": b22}
    ids = {name: store_report(db, doc, f"http://www.demo.gov.cn/nb/{name}.html", f"{doc.year + 1}-01-20")
           for name, doc in docs.items()}
    analyze_archive(db)
    return db, ids, docs


def rows(db: sqlite_utils.Database, report_id: int) -> dict[str, tuple]:
    return {r[0]: tuple(r[1:]) for r in db.execute(
        "SELECT column_key, carried_in, previous_carried_out, ok, previous_report_id FROM carry_over "
        "WHERE report_id = ?", [report_id])}


def test_a_consistent_carry_over_is_ok_in_every_column(archive) -> None:  # type: ignore[no-untyped-def]
    db, ids, docs = archive
    found = rows(db, ids["a21"])
    assert set(found) == {"natural", "commercial", "research", "nonprofit", "legal_services", "other_org", "total"}
    assert all(ok == 1 and previous == ids["a20"] for _, _, ok, previous in found.values())
    assert [found[k][0] for k in ("natural", "commercial", "research", "nonprofit", "legal_services",
                                  "other_org")] == carried_out(docs["a20"])


def test_a_broken_carry_over_keeps_both_values_and_both_report_ids(archive) -> None:  # type: ignore[no-untyped-def]
    db, ids, docs = archive
    found = rows(db, ids["a22"])
    broken = {key for key, (_, _, ok, _) in found.items() if ok == 0}
    assert broken == {"natural", "nonprofit", "total"}
    natural_in, natural_out, _, previous = found["natural"]
    assert (natural_in, natural_out) == (carried_out(docs["a21"])[0] + 1, carried_out(docs["a21"])[0])
    assert previous == ids["a21"]
    # The report keeps its numbers as printed: nothing is corrected.
    stored = db.execute("SELECT value FROM report_cells WHERE report_id = ? AND key = 'requests.carried_in.natural'",
                        [ids["a22"]]).fetchone()[0]
    assert stored == natural_in


def test_reports_of_unrelated_bodies_and_gaps_are_not_compared(archive) -> None:  # type: ignore[no-untyped-def]
    db, ids, _ = archive
    assert rows(db, ids["b22"]) == {}  # B has no 2021 report; A's 2021 is another body's
    assert rows(db, ids["a20"]) == {} and rows(db, ids["b20"]) == {}
    pairs = set(db.execute("SELECT DISTINCT report_id, previous_report_id FROM carry_over").fetchall())
    assert pairs == {(ids["a21"], ids["a20"]), (ids["a22"], ids["a21"])}


def test_analysis_is_idempotent(archive) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = archive
    before = db.execute("SELECT * FROM carry_over ORDER BY id").fetchall()
    analyze_archive(db)
    assert db.execute("SELECT * FROM carry_over ORDER BY id").fetchall() == before


def test_one_body_across_printed_forms() -> None:
    assert normalized_agency("南通市行政審批局") == normalized_agency("南通市 行政审批局")
    assert normalized_agency("ＸＸ市教育局") == "XX市教育局"
    assert normalized_agency("示范市教育局") != normalized_agency("示范市卫生健康委员会")
    assert normalized_agency(None) is None and normalized_agency("  ") is None
    assert body_kind("示范市人民政府")[0] == "government"
    assert body_kind("示范市发展和改革委员会") == ("department", "委员会")
    assert body_kind("示范经济技术开发区管理委员会") == ("government", "管理委员会")


def test_breaks_are_published_by_a_canned_query(archive) -> None:  # type: ignore[no-untyped-def]
    from datasette.app import Datasette

    db, ids, _ = archive
    path = db.execute("PRAGMA database_list").fetchone()[2]
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    metadata["databases"] = {Path(path).stem: metadata["databases"]["gkcrawl"]}
    datasette = Datasette([path], metadata=metadata)

    async def fetch() -> list[dict]:
        response = await datasette.client.get(f"/{Path(path).stem}/carry_over_breaks.json?_shape=array")
        assert response.status_code == 200, response.text
        return response.json()

    found = asyncio.run(fetch())
    assert [row["report_id"] for row in found] == [ids["a22"]]
    assert found[0]["上年报告"] == ids["a21"] and found[0]["不一致列数"] == 3
    assert "自然人" in found[0]["不一致的列"] and "≠" in found[0]["不一致的列"]
