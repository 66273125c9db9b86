"""Official-site verdicts (gkcrawl/analyze/official_site.py) and coverage accounting
(gkcrawl/analyze/coverage.py + the coverage views).

First the rules on real footers (as published by 北京市 and 住房和城乡建设部) and on their
doctored copies; then real crawls into real archives: three portals under their own host names
reached through a local proxy (an official site, its mirror on another domain, a portal whose ICP
number is another province's) and the demo portal (an official test portal with one hijacked page).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import DemoBuild
from gkcrawl.analyze import coverage, official_site
from gkcrawl.analyze.coverage import division_rows, is_government_agency, update_coverage
from gkcrawl.analyze.official_site import find_marks, judge_page, update_official_sites
from gkcrawl.archive.schema import TABLES
from gkcrawl.archive.store import open_archive
from official_portals import INCONSISTENT, MIRROR, OFFICIAL, start_proxy

# 北京市政务服务管理局's footer as published (政府网站标识码 1100000088 = 北京市 + serial).
BEIJING_FOOTER = ('<div class="footer_file">主办：北京市政务服务管理局&emsp;&emsp;技术支持热线：010-89150001</div>'
                  '<div class="footer_file">政府网站标识码：1100000088&emsp;&emsp; 京公网安备110105000722&emsp;&emsp;'
                  ' 京ICP备05060933</div><a href="http://bszs.conac.cn/sitename?method=show&id=0AB1">'
                  '<img src="/images/red.png" alt="党政机关"></a>')
# 住房和城乡建设部: a State Council department's code (bm + 8 digits).
MOHURD_FOOTER = "<p>主办单位：中华人民共和国住房和城乡建设部</p><p>网站标识码：bm18000002</p><p>备案编号：京ICP备10036469号</p>"


# ---- the rules on footers ------------------------------------------------------------------

def test_a_real_government_footer_on_its_own_domain_is_official() -> None:
    marks = find_marks(BEIJING_FOOTER)
    assert (marks.site_code, marks.icp, marks.police) == ("1100000088", ("京", "05060933"), ("京", "110105000722"))
    assert marks.conac and marks.organizer == "北京市政务服务管理局"
    judged = judge_page("zwfwj.beijing.gov.cn", marks)
    assert judged.verdict == "official", judged.evidence_text()
    by_mark = {e["mark"]: e for e in judged.evidence}
    assert by_mark["网站标识码"]["region"] == "北京市" and by_mark["网站标识码"]["status"] == "pass"
    assert by_mark["公网安备"]["region"].startswith("北京市") and by_mark["domain"]["status"] == "pass"
    department = judge_page("www.mohurd.gov.cn", find_marks(MOHURD_FOOTER))
    assert department.verdict == "official" and "bm + 8 digits" in department.evidence_text()


def test_the_same_footer_elsewhere_is_a_mirror_and_a_doctored_one_inconsistent() -> None:
    marks = find_marks(BEIJING_FOOTER)
    copy = judge_page("www.beijing-gov.net", marks, original_hosts={"1100000088": "zwfwj.beijing.gov.cn"})
    assert copy.verdict == "mirror" and copy.copy_of == "zwfwj.beijing.gov.cn"
    assert "not a government domain" in copy.evidence_text()
    # Another province's ICP prefix under a Beijing body: the marks contradict each other.
    doctored = judge_page("zwfwj.beijing.gov.cn", find_marks(BEIJING_FOOTER.replace("京ICP备", "粤ICP备")))
    assert doctored.verdict == "inconsistent"
    assert any(e["mark"] == "ICP备案" and e["status"] == "fail" and "广东省" in e["note"] for e in doctored.evidence)
    # A 标识码 of another city than the 主办单位's.
    other_city = judge_page("zwfwj.beijing.gov.cn", find_marks(BEIJING_FOOTER.replace("1100000088", "1406000001")))
    assert other_city.verdict == "inconsistent"
    # Spam injected into a government page: hijacked, with the spam as evidence.
    hijacked = judge_page("zwfwj.beijing.gov.cn", marks, spam_strings=3, spam_domains=("bet365.example",))
    assert hijacked.verdict == "hijacked" and "bet365.example" in hijacked.evidence_text()
    # No marks at all: a non-government domain is not a government site; a gov.cn one is unverified.
    assert judge_page("blog.example.com", find_marks("<p>hello</p>")).verdict == "not_government"
    assert judge_page("www.x.gov.cn", find_marks("<p>hello</p>")).verdict == "unverified"


def test_the_footer_wins_over_numbers_quoted_in_the_body() -> None:
    page = "<p>原网站 晋ICP备07500137号 网站标识码：1406000003</p>" + BEIJING_FOOTER
    marks = find_marks(page)
    assert marks.site_code == "1100000088" and marks.icp == ("京", "05060933")


# ---- real crawls -----------------------------------------------------------------------------

def crawl_through_proxy(db_path: Path, proxy_url: str, urls: list[str]) -> None:
    env = dict(os.environ, http_proxy=proxy_url, HTTP_PROXY=proxy_url, no_proxy="", NO_PROXY="")
    done = subprocess.run([sys.executable, "-m", "gkcrawl", "crawl", *urls, "--db", str(db_path),
                           "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "GKCRAWL_PROGRESS_INTERVAL=30"],
                          env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def portals_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    db_path = tmp_path_factory.mktemp("official") / "gkcrawl.db"
    proxy = start_proxy()
    try:
        crawl_through_proxy(db_path, proxy.url, [f"http://{host}/" for host in (OFFICIAL, MIRROR, INCONSISTENT)])
    finally:
        proxy.stop()
    db = open_archive(db_path)
    update_official_sites(db)
    update_coverage(db)
    db.close()
    yield db_path


def query(db_path: Path, sql: str, *args: object) -> list[sqlite3.Row]:
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, args).fetchall()


@pytest.mark.slow
def test_crawled_official_site_is_official_and_its_copy_a_mirror(portals_archive: Path) -> None:
    sites = {row["site"]: row for row in query(portals_archive, "SELECT * FROM site_verdict_summary")}
    assert set(sites) == {OFFICIAL, MIRROR, INCONSISTENT}
    official = sites[OFFICIAL]
    assert official["site_verdict"] == "official" and official["official"] == official["pages"] >= 4
    assert sites[MIRROR]["site_verdict"] == "mirror" and sites[MIRROR]["copy_of"] == OFFICIAL
    assert sites[INCONSISTENT]["site_verdict"] == "inconsistent"
    # Each verdict names its capture, and its evidence is the marks of that capture's page.
    report_page = query(portals_archive, "SELECT v.*, c.url AS capture_url FROM site_verdicts v "
                        "JOIN captures c ON c.id = v.capture_id WHERE v.host = ? AND v.report_page = 1", MIRROR)[0]
    assert report_page["capture_url"] == report_page["url"] and report_page["verdict"] == "mirror"
    evidence = {e["mark"]: e for e in json.loads(report_page["evidence_json"])}
    assert evidence["domain"]["status"] == "fail" and evidence["copy"]["note"].endswith(OFFICIAL)
    assert evidence["网站标识码"]["found"] == "1406000001" and evidence["网站标识码"]["region"] == "山西省朔州市"
    datong = query(portals_archive, "SELECT evidence_json FROM site_verdicts WHERE host = ? LIMIT 1", INCONSISTENT)[0]
    icp = next(e for e in json.loads(datong["evidence_json"]) if e["mark"] == "ICP备案")
    assert icp["found"] == "粤12345678" and icp["status"] == "fail" and "山西省" in icp["note"]


@pytest.mark.slow
def test_coverage_counts_the_official_report_once_and_flags_the_late_one(portals_archive: Path) -> None:
    held = {row["region"]: row for row in query(
        portals_archive, "SELECT * FROM coverage WHERE year = 2021 AND held = 1")}
    assert set(held) == {"山西省朔州市", "山西省大同市"}
    shuozhou, datong = held["山西省朔州市"], held["山西省大同市"]
    assert shuozhou["on_time"] == 1 and shuozhou["deadline"] == "2022-03-31"
    assert datong["on_time"] == 0 and datong["days_late"] == 15 and datong["published"] == "2022-04-15"
    # The mirror's copy of 朔州's report is listed, but the division counts the official one.
    rows = query(portals_archive, "SELECT g.*, r.site FROM government_reports g JOIN reports r ON r.id = g.report_id "
                 "WHERE g.adcode = '140600'")
    assert {row["source_verdict"] for row in rows} == {"official", "mirror"}
    counted = next(row for row in rows if row["report_id"] == shuozhou["report_id"])
    assert counted["site"] == OFFICIAL
    # A division with no report in the archive is held = 0 (山西省太原市), every division once a year.
    assert query(portals_archive, "SELECT held FROM coverage WHERE adcode = '140100' AND year = 2021")[0][0] == 0
    summary = {row["level"]: row for row in query(portals_archive, "SELECT * FROM coverage_summary WHERE year = 2021")}
    assert summary["city"]["held"] == 2 and summary["city"]["on_time"] == 1 and summary["city"]["late"] == 1
    assert sum(row["divisions"] for row in summary.values()) == len(division_rows())


def test_divisions_and_government_bodies_from_the_shipped_data() -> None:
    divisions = {row["region"]: row for row in division_rows()}
    assert divisions["山西省朔州市"]["level"] == "city" and divisions["山西省朔州市"]["adcode"] == "140600"
    assert divisions["北京市"]["level"] == "province" and divisions["青海省海东市平安区"]["level"] == "county"
    assert not any(row["region"].endswith("市辖区") for row in divisions.values())
    assert is_government_agency("朔州市人民政府") and is_government_agency("德阳市人民政府办公室")
    assert not is_government_agency("常德市行政审批服务局") and not is_government_agency("示范市数据资源管理局")


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory: pytest.TempPathFactory, demo_build: DemoBuild) -> Path:
    db_path = demo_build.copy(tmp_path_factory.mktemp("demo-official") / "archive")  # the analyses write
    db = open_archive(db_path)
    update_official_sites(db)
    update_coverage(db)
    db.close()
    return db_path


@pytest.mark.slow
def test_demo_portal_is_an_official_test_portal_with_one_hijacked_page(demo_archive: Path) -> None:
    (site,) = query(demo_archive, "SELECT * FROM site_verdict_summary")
    assert site["site_verdict"] == "official" and site["hijacked"] == 1 and site["mirror"] == 0
    (hijacked,) = query(demo_archive, "SELECT v.*, r.agency FROM site_verdicts v JOIN reports r "
                        "ON r.capture_id = v.capture_id WHERE v.verdict = 'hijacked'")
    assert hijacked["agency"] == "朔州市人民政府" and hijacked["spam_strings"] > 0
    assert "www.njxqqj.com" in hijacked["evidence"]  # the spam domain the parser found in the page
    others = query(demo_archive, "SELECT evidence_json FROM site_verdicts WHERE verdict = 'official'")
    for row in others:
        marks = {e["mark"]: e for e in json.loads(row["evidence_json"])}
        assert marks["domain"]["status"] == "not_applied" and marks["党政机关标识"]["status"] == "pass"


@pytest.mark.slow
def test_demo_coverage_holds_the_one_government_report(demo_archive: Path) -> None:
    held = query(demo_archive, "SELECT * FROM coverage WHERE held = 1")
    assert [(row["region"], row["year"], row["on_time"]) for row in held] == [("山西省朔州市", 2020, 1)]
    # 常德市行政审批服务局 is a department: 湖南省常德市 has no government report in the demo.
    assert query(demo_archive, "SELECT held FROM coverage WHERE region = '湖南省常德市' AND year = 2020")[0][0] == 0
    years = {row[0] for row in query(demo_archive, "SELECT DISTINCT year FROM coverage")}
    (first, last), = query(demo_archive, "SELECT min(year), max(year) FROM reports")
    assert years == set(range(first, last + 1)) and len(years) >= 3  # every year the archive spans, gaps too


@pytest.mark.slow
def test_runner_steps_compute_what_the_update_functions_wrote(demo_archive: Path) -> None:
    db = open_archive(demo_archive)
    try:
        for table, compute in [*official_site.STEPS, *coverage.STEPS]:
            rows = compute(db)
            assert len(rows) == db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0] > 0, table
            assert set(rows[0]) <= {name for name, _ in TABLES[table].columns}, table
    finally:
        db.close()
