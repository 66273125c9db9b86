"""Report metadata against every gold: seeds, the real corpus (when present) and fixtures."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import lxml.html
import pytest

from gkcrawl.parse.meta import extract_meta, find_year, to_simplified
from gkcrawl.parse.spam import find_spam

FIXTURES = Path(__file__).parent / "fixtures"
REAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
FIELDS = ("title", "agency", "region", "year", "published", "archived", "index_no")


def meta_of(text: str, html: str | None = None, title_hint: str | None = None,
            url: str | None = None) -> dict:
    spam, cleaned = find_spam(text, html, url)
    return extract_meta(cleaned, html, url, title_hint, spam)


def assert_gold(meta: dict, gold_meta: dict) -> None:
    for field in FIELDS:
        if field in gold_meta:
            assert meta[field] == gold_meta[field], field


@pytest.mark.parametrize("gold_path", sorted((FIXTURES / "gold").glob("*.json")), ids=lambda p: p.name[:3])
def test_seed_meta_matches_gold(gold_path: Path) -> None:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    text = (FIXTURES / "seeds" / gold["doc"]).read_text(encoding="utf-8")
    assert_gold(meta_of(text), gold["meta"])


MY_FIXTURES = sorted(p for p in (FIXTURES / "reports_gold").glob("*.json")
                     if p.name.startswith(("trad_", "pre2019_", "notreport_", "spam_")))


def test_all_four_fixture_kinds_present() -> None:
    assert {p.name.split("_")[0] for p in MY_FIXTURES} == {"trad", "pre2019", "notreport", "spam"}


@pytest.mark.parametrize("gold_path", MY_FIXTURES, ids=lambda p: p.stem)
def test_fixture_meta_matches_gold(gold_path: Path) -> None:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    page = (FIXTURES / "reports" / gold["doc"]).read_text(encoding="utf-8")
    text = lxml.html.fromstring(page).text_content()
    assert_gold(meta_of(text, page), gold["meta"])


def _real_golds() -> list[Path]:
    return sorted((REAL / "gold").glob("*.json")) if REAL.is_dir() else []


@pytest.mark.skipif(not REAL.is_dir(), reason="shared/corpus/real not beside the clone")
@pytest.mark.parametrize("gold_path", _real_golds(), ids=lambda p: p.stem)
def test_real_meta_matches_gold(gold_path: Path) -> None:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    path = REAL / "docs" / gold["doc"]
    if path.suffix == ".pdf":
        import pdfplumber

        logging.getLogger("pdfminer").setLevel(logging.ERROR)
        with pdfplumber.open(path) as pdf:
            text = "\n".join(page.extract_text() or "" for page in pdf.pages[:2])
        # A garbled PDF Title (undecoded UTF-16) must not become the title.
        meta = meta_of(text, title_hint="\xfe\xff*mýl:SºNl?e")
    else:
        meta = meta_of(path.read_text(encoding="utf-8"))
    assert_gold(meta, gold["meta"])


def test_pdf_title_hint_wins_when_readable() -> None:
    text = "本报告由淮安市洪泽区人民政府办公室根据《条例》要求编制。统计期限自2023年1月1日起至2023年12月31日止。"
    meta = meta_of(text, title_hint="洪泽区人民政府2023年政府信息公开工作年度报告")
    assert meta["title"] == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert meta["agency"] == "淮安市洪泽区人民政府"
    assert meta["region"] == "江苏省淮安市洪泽区"
    assert meta["year"] == 2023


def test_year_is_reporting_year_not_page_date() -> None:
    text = "发布日期：2021-02-01\n本报告中所列数据的统计期限自2020年1月1日起至2020年12月31日止。"
    meta = meta_of(text)
    assert meta["year"] == 2020
    assert meta["published"] == "2021-02-01"


def test_year_from_body_opening_when_no_title() -> None:
    assert find_year("一、总体情况\n2019年，南通市行政审批局认真贯彻落实", None) == 2019


def test_abbreviation_expanded_only_when_document_spells_it() -> None:
    title = "市城管执法局2020年政府信息公开工作年度报告"
    spelled = title + "\n德阳市城管执法局门户网站。本报告由德阳市城市管理行政执法局编制。"
    assert meta_of(spelled)["agency"] == "德阳市城市管理行政执法局"
    unspelled = title + "\n德阳市城管执法局门户网站。"
    assert meta_of(unspelled)["agency"] == "德阳市城管执法局"


def test_html_meta_tag_date_and_h1_title() -> None:
    page = ("<html><head><title>站点</title><meta name='PubDate' content='2022-01-20 09:00'></head>"
            "<body><h1>长沙市岳麓区人民政府2021年政府信息公开工作年度报告</h1><p>正文</p></body></html>")
    meta = meta_of("长沙市岳麓区人民政府2021年政府信息公开工作年度报告\n正文", page)
    assert meta["title"] == "长沙市岳麓区人民政府2021年政府信息公开工作年度报告"
    assert meta["published"] == "2022-01-20"
    assert meta["region"] == "湖南省长沙市岳麓区"


def test_nothing_known_gives_nulls() -> None:
    meta = meta_of("")
    assert meta == {field: None for field in FIELDS}
    assert meta_of("随便一段文字，没有任何机关。")["agency"] is None


def test_traditional_agency_is_simplified() -> None:
    assert to_simplified("南通市行政審批局") == "南通市行政审批局"


def test_region_from_codes_when_agency_has_no_place() -> None:
    text = ("局机关2020年政府信息公开工作年度报告\n"
            "如有疑问请联系（邮编：618000，电话：0838-2536010）。")
    meta = meta_of(text)
    assert meta["agency"] is None
    assert meta["region"] == "四川省德阳市"


from hypothesis import given, settings, strategies as st  # noqa: E402

from gkcrawl.parse.clean_text import clean_report_text  # noqa: E402

_PIECES = st.sampled_from(["<h1>", "</h1>", "<title>", "索引号：", "发布日期：2021-13-45", "2020年", "报告",
                           "市城管执法局", "管委会", "平潭综合实验区", "邮编：036000", "<table><tr><td>", "\n",
                           "德阳市", "归档时间:2024-02-30", "人民政府", "<script>x</script>", "&#0;", "\x00"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_garbage_never_crashes(blob: str) -> None:
    meta = meta_of(blob, blob)
    assert set(meta) == set(FIELDS)
    assert meta["published"] is None or len(meta["published"]) == 10
    assert isinstance(clean_report_text(blob, blob), str)


def test_impossible_dates_are_not_dates() -> None:
    assert meta_of("发布日期：2021-02-30\n归档时间：2024-13-01")["published"] is None
    assert meta_of("发布日期：2021-02-30\n归档时间：2024-13-01")["archived"] is None


def test_published_from_trs_url_and_time_element() -> None:
    page = "<html><body><h1>某某区人民政府2020年政府信息公开工作年度报告</h1><p>正文</p></body></html>"
    url = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202103/t20210305_80595.htm"
    assert meta_of("正文", page, url=url)["published"] == "2021-03-05"
    timed = page.replace("<p>正文</p>", '<time datetime="2021-02-03">2021年2月3日</time>')
    assert meta_of("正文", timed)["published"] == "2021-02-03"


@pytest.mark.parametrize("gold_path", MY_FIXTURES, ids=lambda p: p.stem)
def test_fixture_meta_through_parse_document(gold_path: Path) -> None:
    from gkcrawl.parse import parse_document

    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    result = parse_document((FIXTURES / "reports" / gold["doc"]).read_bytes(), gold["doc"])
    assert_gold(result.meta, gold["meta"])
    assert result.template == gold["meta"]["template"]


def test_agency_of_a_place_missing_from_region_data_is_kept_from_the_title() -> None:
    text = "示范市数据资源管理局2021年政府信息公开工作年度报告\n本年度报告由示范市数据资源管理局编制。"
    meta = extract_meta(text, None, None, "示范市数据资源管理局2021年政府信息公开工作年度报告", None)
    assert meta["agency"] == "示范市数据资源管理局"
    assert meta["region"] is None
    assert meta["year"] == 2021
