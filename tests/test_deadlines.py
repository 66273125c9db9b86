"""Deadlines by the regulation in force: 2008-2018 every body by 31 March (2008 条例 art. 31);
from 2019, departments by 31 January and governments by 31 March (2019 条例 art. 49). Judged over
a real archive and read through the canned query's own SQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import yaml

from analyze_helpers import store_document
from gkcrawl.analyze import analyze_archive
from gkcrawl.analyze.bodies import deadline_rules
from gkcrawl.analyze.deadlines import deadline_of, regulation_for
from gkcrawl.archive.store import open_archive

ROOT = Path(__file__).resolve().parents[1]


def test_the_rule_by_year_and_body_kind() -> None:
    assert deadline_of(2017, "示范市交通运输局")[0] == "2018-03-31"       # 2008 条例: every body by 31 March
    assert deadline_of(2017, "示范市人民政府")[0] == "2018-03-31"
    assert deadline_of(2008, "示范市教育局")[0] == "2009-03-31"
    assert deadline_of(2019, "示范市交通运输局")[:1] == ("2020-01-31",)   # 2019 条例: departments by 31 January
    assert deadline_of(2019, "示范市人民政府") == ("2020-03-31", "2019年《条例》第四十九条", "government")
    assert deadline_of(2022, "示范市人民政府办公室")[2] == "government"
    assert deadline_of(2022, "示范市发展和改革委员会")[2] == "department"
    assert deadline_of(2022, "示范市政务服务管理办")[2] == "department"
    assert deadline_of(2022, "示范市某某")[1:] == ("2019年《条例》第四十九条", "unknown")
    assert deadline_of(2022, "示范市某某")[0] == "2023-03-31"  # a kind the name does not tell: the later date
    assert deadline_of(2007, "示范市教育局")[:2] == (None, None)  # before the 2008 条例
    assert regulation_for(2018)["name"] != regulation_for(2019)["name"]


def test_the_rules_are_data() -> None:
    rules = deadline_rules()
    assert {entry["first_year"] for entry in rules["regulations"]} == {2008, 2019}
    assert "人民政府" in rules["body_kinds"]["government"] and "局" in rules["body_kinds"]["department"]


def _report(agency: str, year: int, published: str) -> bytes:
    return (f"<html><body><h1>{agency}{year}年政府信息公开工作年度报告</h1><p>发布日期：{published}</p>"
            f"<p>本报告由{agency}编制,统计期限自{year}年1月1日起至{year}年12月31日止。</p>"
            "<p>一、总体情况。本年度依法做好政府信息公开工作。</p></body></html>").encode()


def test_late_reports_in_the_archive_and_the_canned_query(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "gkcrawl.db")
    cases = {
        "dept_2017_march": ("示范市交通运输局", 2017, "2018-03-20"),   # on time under the 2008 条例
        "dept_2017_april": ("示范市交通运输局", 2017, "2018-04-02"),   # late under it
        "dept_2020_march": ("示范市交通运输局", 2020, "2021-03-20"),   # late: a department from 2019
        "gov_2020_march": ("示范市人民政府", 2020, "2021-03-20"),      # on time: a government
        "gov_2020_april": ("示范市人民政府", 2020, "2021-04-01"),      # late
        "dept_2021_january": ("示范市教育局", 2021, "2022-01-31"),     # the last day is on time
    }
    ids = {name: store_document(db, _report(*case), f"http://www.demo.gov.cn/{name}.html")
           for name, case in cases.items()}
    analyze_archive(db)
    stored = {row[0]: row[1:] for row in db.execute(
        "SELECT report_id, body_kind, deadline, days_late, late FROM report_deadlines")}
    assert stored[ids["dept_2020_march"]] == ("department", "2021-01-31", 48, 1)
    assert stored[ids["gov_2020_march"]] == ("government", "2021-03-31", -11, 0)
    assert stored[ids["dept_2021_january"]][3] == 0
    sql = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))[
        "databases"]["gkcrawl"]["queries"]["published_late"]["sql"]
    conn = sqlite3.connect(tmp_path / "gkcrawl.db")
    conn.row_factory = sqlite3.Row
    late = {row["id"]: dict(row) for row in conn.execute(sql)}
    assert set(late) == {ids["dept_2017_april"], ids["dept_2020_march"], ids["gov_2020_april"]}
    assert late[ids["dept_2017_april"]]["依据"] == "2008年《条例》第三十一条"
    assert all(row["published"][:10] > row["deadline"] for row in late.values())
