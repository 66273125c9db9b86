"""Spam detection and identity recovery over the seeds, the real corpus and the fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest

from gkcrawl.extract import regions
from gkcrawl.extract.spam import collect_evidence, combine_evidence, find_spam, index_region_code, remove_spam

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))
REAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
SPAM_CHAIN = "在哪个应用商店能下载365_英国365下载_bat365软件下载"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_seed_001_spam_found_five_times_with_positions() -> None:
    text = read(FIXTURES / "seeds" / "001_a649cb153f94700b.txt")
    report, cleaned = find_spam(text, None, None)
    assert report.found
    assert report.strings == [SPAM_CHAIN]
    assert len(report.positions) == 5
    for position in report.positions:
        assert text[position["start"]:position["end"]] == SPAM_CHAIN == position["string"]
    assert report.spam_domains == ["www.njxqqj.com"]
    assert SPAM_CHAIN not in cleaned and "365" not in cleaned
    assert len(text) - len(cleaned) == 5 * len(SPAM_CHAIN)
    # Only the spam went: the words around it are intact.
    assert "请与人民政府办公室政府信息公开科联系" in cleaned


def test_seed_001_identity_is_shuozhou_from_agreeing_evidence() -> None:
    report, _ = find_spam(read(FIXTURES / "seeds" / "001_a649cb153f94700b.txt"), None, None)
    identity = report.identity
    assert identity["region"] == "山西省朔州市"
    assert identity["agency"] == "朔州市人民政府"
    kinds = {e["kind"]: e for e in identity["evidence"]}
    assert kinds["postal_code"]["value"] == "036000"
    assert kinds["postal_code"]["points_to"] == "山西省朔州市"
    assert kinds["area_code"]["value"] == "0349"
    assert kinds["icp_prefix"]["points_to"] == "山西省"
    assert kinds["public_security_record"]["points_to"].startswith("山西省朔州市")
    assert "conflicts" not in identity
    assert report.to_json()["identity"]["region"] == "山西省朔州市"


@pytest.mark.parametrize("seed", [s for s in SEEDS if not s.name.startswith("001")], ids=lambda p: p.name[:3])
def test_no_spam_in_clean_seeds(seed: Path) -> None:
    text = read(seed)
    report, cleaned = find_spam(text, None, None)
    assert not report.found and report.strings == [] and report.identity is None
    assert cleaned == text


def test_no_spam_in_real_corpus() -> None:
    if not REAL.is_dir():
        pytest.skip("shared/corpus/real not beside the clone")
    for path in sorted((REAL / "docs").glob("*.txt")):
        report, _ = find_spam(read(path), None, None)
        assert not report.found, path.name


@pytest.mark.parametrize("sentence", [
    "全年发放体育彩票公益金资助项目12个，娱乐场所审批3件。",
    "为群众提供港澳台通行证自助签注、澳门特别行政区来往通行证办理等服务。",
    "本年度报告的电子版可在市政府网站下载，平台全年365天不间断运行。",
    "依法打击网络赌博违法犯罪，整治棋牌室噪音扰民问题，发布真人秀节目审查意见。",
    "附件_2020年政府信息公开工作年度报告_下载.doc",
    "皇冠花园小区、英国驻华使馆来访，官方网站注册用户1200人。",
])
def test_normal_report_words_are_not_spam(sentence: str) -> None:
    report, cleaned = find_spam(sentence, None, None)
    assert not report.found, report.strings
    assert cleaned == sentence


@pytest.mark.parametrize("sentence, spam", [
    ("请与澳门威尼斯人官网联系", "澳门威尼斯人官网"),
    ("本局bet365体育投注开展工作", "bet365体育投注"),
    ("关于app下载_彩票平台_注册送彩金的通知", "app下载_彩票平台"),
])
def test_injected_strings_are_found(sentence: str, spam: str) -> None:
    report, cleaned = find_spam(sentence, None, None)
    assert report.found
    assert any(spam in s for s in report.strings)
    assert spam not in cleaned


def test_spam_fixture_html_finds_hidden_link_domain_and_identity() -> None:
    page = read(FIXTURES / "reports" / "spam_shuozhou_2020.html")
    gold = json.loads(read(FIXTURES / "reports_gold" / "spam_shuozhou_2020.json"))
    text = lxml.html.fromstring(page).text_content()
    report, cleaned = find_spam(text, page, "http://www.shuozhou.gov.cn/zwgk/ndbg/t1.html")
    assert report.found
    assert set(gold["spam"]["injected_strings"]) <= set(report.strings)
    assert set(report.spam_domains) == set(gold["spam"]["spam_domains"])
    assert report.identity["region"] == gold["spam"]["identity_region"]
    kinds = {e["kind"] for e in report.identity["evidence"]}
    assert {"postal_code", "area_code", "icp_prefix", "index_no"} <= kinds
    assert "bat365" not in cleaned and "bet365" not in cleaned


def test_conflicting_evidence_is_reported() -> None:
    text = "地址：朔州市某路1号，邮编：036000，电话：0731-12345678。晋ICP备07500137号"
    region, conflicts = combine_evidence(collect_evidence(text))
    assert region == "山西省朔州市"
    assert conflicts and "0731" in conflicts[0] and "湖南省长沙市" in conflicts[0]


def test_remove_spam_keeps_other_text() -> None:
    assert remove_spam(f"请与{SPAM_CHAIN}人民政府联系") == "请与人民政府联系"


def test_region_lookups() -> None:
    assert regions.region_for_adcode("510600") == "四川省德阳市"
    assert regions.region_for_adcode("999999") is None
    assert regions.region_for_postal_code("036000") == "山西省朔州市"
    assert regions.region_for_area_code("0838") == "四川省德阳市"
    assert regions.province_for_abbreviation("晋") == "山西省"
    assert index_region_code("510600-2021-000510") == "510600"
    assert index_region_code("11140600012045286R/2021-00031") == "140600"
    assert index_region_code("MB1C45928/2021-00012") is None
    assert regions.region_from_name("海东市平安区政务服务中心") == "青海省海东市平安区"
    assert regions.region_from_name("北京市海淀区人民政府") == "北京市海淀区"
    assert regions.region_from_name("平潭综合实验区管理委员会") == "福建省平潭综合实验区"
    assert regions.region_from_name("某某单位") is None


def test_repeated_chain_without_vocabulary_is_spam() -> None:
    chain = "甲乙网_丙丁站_戊己庚"
    text = f"请与{chain}人民政府联系。地址：{chain}府西街3号。印发《{chain}实施方案》。"
    report, cleaned = find_spam(text, None, None)
    assert report.found and report.strings == [chain] and len(report.positions) == 3
    assert cleaned == "请与人民政府联系。地址：府西街3号。印发《实施方案》。"
    once = f"文件名：{chain}.doc"
    assert not find_spam(once, None, None)[0].found


def test_site_domain_evidence() -> None:
    assert regions.region_for_domain("www.shuozhou.gov.cn") == "山西省朔州市"
    assert regions.region_for_domain("www.njxqqj.com") is None
    evidence = collect_evidence("门户网站（xzsp.changde.gov.cn）", url="http://www.njxqqj.com/a.html",
                                exclude_domains=["www.njxqqj.com"])
    assert evidence == [{"kind": "site_domain", "value": "xzsp.changde.gov.cn", "points_to": "湖南省常德市"}]


from hypothesis import given, settings, strategies as st  # noqa: E402

_ALPHABET = st.sampled_from(list("朔州市人民政府下载365_英国bat软件在哪个应用商店澳门彩票体育投注威尼斯人，。 \n0349-邮编036000晋ICP备"))


@settings(max_examples=200, deadline=None)
@given(st.lists(_ALPHABET, max_size=120).map("".join))
def test_positions_describe_exactly_what_was_removed(text: str) -> None:
    report, cleaned = find_spam(text, None, None)
    rebuilt, cursor = [], 0
    for position in report.positions:
        assert text[position["start"]:position["end"]] == position["string"]
        assert position["start"] >= cursor
        rebuilt.append(text[cursor:position["start"]])
        cursor = position["end"]
    rebuilt.append(text[cursor:])
    assert "".join(rebuilt) == cleaned
    assert report.found == bool(report.positions or report.spam_domains)


def test_traditional_spam_found_at_original_offsets() -> None:
    text = "請與澳門威尼斯人官網聯繫，本局體育投注下載"
    report, cleaned = find_spam(text, None, None)
    assert report.found
    assert [p["string"] for p in report.positions] == ["澳門威尼斯人官網", "體育投注下載"]
    assert cleaned == "請與聯繫，本局"


def test_spam_in_page_head_only_is_reported() -> None:
    page = ("<html><head><title>年度报告_澳门威尼斯人官网</title>"
            "<meta name='keywords' content='bet365体育投注,政府信息公开'></head>"
            "<body><p>本报告根据条例编制。</p></body></html>")
    report, cleaned = find_spam("本报告根据条例编制。", page, None)
    assert report.found and report.positions == []
    assert report.strings == ["澳门威尼斯人官网", "bet365体育投注"]
    assert cleaned == "本报告根据条例编制。"
    assert find_spam("本报告根据条例编制。", "<html><title>年度报告</title></html>", None)[0].found is False


@pytest.mark.parametrize("text, spam, kept, fragments", [
    ("朔州市人民政府办公室。澳门特区赌场,澳门博彩业网址，本年度主动公开信息。", "澳门特区赌场,澳门博彩业网址",
     "朔州市人民政府办公室。，本年度主动公开信息。", ["澳门特区", "特区", "业网址", "网址"]),
    ("本机关澳门特区赌场，澳门博彩业网址、威尼斯人官网注册送彩金 2021年报告",
     "澳门特区赌场，澳门博彩业网址、威尼斯人官网注册送彩金", "本机关 2021年报告", ["送彩金", "彩金", "官网"]),
    ("欢迎访问太阳城娱乐网址：www.tyc888.com 官方入口。本年度", "太阳城娱乐网址：www.tyc888.com 官方入口",
     "欢迎访问。本年度", ["tyc888", "官方入口"]),
    ("澳门博彩业网址，平台建设情况良好。", "澳门博彩业网址", "，平台建设情况良好。", ["业网址"]),
    ("我局官方平台，澳门赌场", "澳门赌场", "我局官方平台，", []),
])
def test_spam_phrase_removed_whole_and_reported(text: str, spam: str, kept: str, fragments: list[str]) -> None:
    report, cleaned = find_spam(text, None, None)
    assert report.strings == [spam]
    assert [(p["string"], text[p["start"]:p["end"]]) for p in report.positions] == [(spam, spam)]
    assert cleaned == kept
    for fragment in fragments:
        assert fragment not in cleaned, fragment


def test_spam_phrase_keeps_a_trusted_address_and_the_report_words_around_it() -> None:
    text = "门户网站（www.shuozhou.gov.cn）。澳门赌场 www.shuozhou.gov.cn 联系"
    report, cleaned = find_spam(text, None, None)
    assert report.strings == ["澳门赌场"]
    assert cleaned == "门户网站（www.shuozhou.gov.cn）。 www.shuozhou.gov.cn 联系"
