"""Report metadata against every gold: seeds, the real corpus (when present) and fixtures."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import lxml.html
import pytest

from gkcrawl.extract.spam import find_spam
from gkcrawl.parse.meta import extract_meta, find_year, to_simplified

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

from gkcrawl.extract.clean_text import clean_report_text  # noqa: E402

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


# --- round 2: county, town and department names; years and dates as printed ------------

@pytest.mark.parametrize("text, agency", [
    ("安吉县2021年政府信息公开工作年度报告\n本报告根据条例编制。", "安吉县人民政府"),
    ("递铺街道办事处2021年政府信息公开工作年度报告\n本报告由安吉县递铺街道办事处编制。", "安吉县递铺街道办事处"),
    ("新华街道办事处2021年政府信息公开工作年度报告\n本报告由新华街道办事处编制。", "新华街道办事处"),
    ("天子湖镇人民政府2021年政府信息公开工作年度报告\n本报告由安吉县天子湖镇人民政府编制。", "安吉县天子湖镇人民政府"),
    ("湖州市生态环境局安吉分局2021年政府信息公开工作年度报告\n正文", "湖州市生态环境局安吉分局"),
    ("市财政局2021年政府信息公开工作年度报告\n本报告由宁安市财政局编制。", "宁安市财政局"),
    ("德清經濟技術開發區管理委員會2021年政府信息公開工作年度報告\n正文", "德清经济技术开发区管理委员会"),
])
def test_agency_variants(text: str, agency: str) -> None:
    assert meta_of(text)["agency"] == agency


def test_agency_without_place_is_kept_as_printed_never_invented() -> None:
    text = ("市财政局2021年政府信息公开工作年度报告\n本报告由市财政局编制。"
            "根据宁安市人民政府办公室的通知要求，现将情况报告如下。")
    assert meta_of(text)["agency"] == "市财政局"  # not 宁安市人民政府, not a guessed 宁安市财政局


@pytest.mark.parametrize("title, year", [
    ("宁安市财政局二〇二一年度政府信息公开工作年度报告", 2021),
    ("宁安市财政局二○二○年政府信息公开工作年度报告", 2020),
    ("宁安市财政局政府信息公开工作年度报告(2020年)", 2020),
    ("宁安市财政局2021年度政府信息公开工作报告", 2021),
])
def test_year_from_title_forms(title: str, year: int) -> None:
    assert find_year(title, title) == year


def test_year_from_body_period_when_title_has_none() -> None:
    text = ("宁安市财政局政府信息公开工作年度报告\n发布时间：2022-01-28\n"
            "本年度报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。")
    meta = meta_of(text)
    assert meta["year"] == 2021 and meta["published"] == "2022-01-28"


@pytest.mark.parametrize("header, published", [
    ("发布时间：2022-01-28", "2022-01-28"), ("2022年1月28日", "2022-01-28"), ("日期：2022/01/28", "2022-01-28"),
    ("[2022-01-28]", "2022-01-28"), ("【2022-01-28】", "2022-01-28"), ("2022-01-28 来源：本站", "2022-01-28"),
    ("统计日期：2021/12/31", None), ("成文日期：2022-01-10", None),
])
def test_published_header_forms(header: str, published: str | None) -> None:
    text = f"宁安市财政局2021年政府信息公开工作年度报告\n{header}\n一、总体情况\n2021年，我局认真落实要求。"
    assert meta_of(text)["published"] == published


def test_signature_date_when_page_gives_none() -> None:
    body = ("宁安市财政局2021年政府信息公开工作年度报告\n一、总体情况\n统计期限自2021年1月1日起至2021年12月31日止。\n"
            "六、其他需要报告的事项\n无。\n宁安市财政局\n{}\n")
    assert meta_of(body.format("2022年1月20日"))["published"] == "2022-01-20"
    assert meta_of(body.format("二〇二二年一月二十日"))["published"] == "2022-01-20"
    # A header date wins over the signature.
    headed = body.replace("报告\n一、", "报告\n发布日期：2022-01-28\n一、", 1).format("2022年1月20日")
    assert meta_of(headed)["published"] == "2022-01-28"
    # The statistics period is never a publication date.
    assert meta_of(body.format("以上为本年度报告内容。"))["published"] is None
    # A bare date not under the signing body (a link list, a footer) is no signature.
    unsigned = body.replace("宁安市财政局\n{}", "相关链接\n{}")
    assert meta_of(unsigned.format("2022年1月20日"))["published"] is None


def test_unplaced_department_takes_its_place_from_the_pages_own_codes() -> None:
    title = "市财政局2021年政府信息公开工作年度报告"
    county = f"{title}\n索引号：231084-2022-000012\n联系电话：0453-7654321\n本报告由市财政局编制。"
    assert extract_meta(county, None, None, title, None)["agency"] == "宁安市财政局"
    city = f"{title}\n邮政编码：157000\n联系电话：0453-6543210\n本报告由市财政局编制。"
    assert extract_meta(city, None, None, title, None)["agency"] == "牡丹江市财政局"
    # Codes that disagree settle nothing: the name stays as printed.
    mixed = f"{title}\n邮政编码：157000\n联系电话：0736-7256146\n本报告由市财政局编制。"
    assert extract_meta(mixed, None, None, title, None)["agency"] == "市财政局"
    # A 县 body is not given a city's name.
    county_body = "县发展和改革局2021年政府信息公开工作年度报告"
    assert extract_meta(f"{county_body}\n邮政编码：157000", None, None, county_body, None)["agency"] == "县发展和改革局"


# --- page-start forms (tests/test_meta_page_starts.py scores them over real page starts) ---

@pytest.mark.parametrize("line,published", [
    ("发布时间：2023-01-0510:20:30 来源：县政府办", "2023-01-05"),  # time run into the date
    ("发布日期：2023年1月5日", "2023-01-05"),
    ("时间：2023/1/5 10:20", "2023-01-05"),
    ("[ 发布日期 ] 2023-01-05", "2023-01-05"),  # bracketed label (重庆 portals)
    ("发布：2023-01-05", "2023-01-05"),
    ("信息提供日期 : 2023-01-16 15:50来源 : 福田区华富街道办事处", "2023-01-16"),
    ("生成日期：2023年01月16日", "2023-01-16"),  # a catalogue header's record date
    ("成文日期：2023-01-01", None),  # written, not published
])
def test_published_date_forms(line: str, published: str | None) -> None:
    from gkcrawl.parse.dates import find_published

    assert find_published(line, None) == published


def test_published_date_below_its_label_in_a_header_table() -> None:
    """Labels in one row, values in the next: the date under 发布日期, not under 成文日期."""
    page = ("<html><body><table><tr><th>索引号</th><th>成文日期</th><th>发布日期</th></tr>"
            "<tr><td>430381-0001-2024-00012</td><td>2024-01-10</td><td>2024-01-18</td></tr></table>"
            "<p>湘乡市2023年政府信息公开工作年度报告</p></body></html>")
    assert meta_of(lxml.html.fromstring(page).text_content(), page)["published"] == "2024-01-18"


def test_town_named_without_its_body_or_county() -> None:
    from gkcrawl.parse.meta import find_agency

    text = "2023年下各镇政府信息公开工作年度报告\n如有疑问请与仙居县下各镇人民政府党政办联系。"
    assert find_agency(text, "2023年下各镇政府信息公开工作年度报告", None) == "仙居县下各镇人民政府"
    # 政府信息公开 after the town's name is the report's words, not its body.
    assert find_agency("河东乡政府信息公开工作", "河东乡2022年政府信息公开工作年度报告", None) == "河东乡人民政府"
    assert find_agency("由经纬街道编制", "经纬街道2022年政府信息公开工作年度报告", None) == "经纬街道办事处"


def test_short_forms_expand_only_when_the_page_spells_them() -> None:
    from gkcrawl.parse.meta import find_agency

    title = "武昌经开区管委会2025年政府信息公开工作年度报告"
    assert find_agency(f"{title}\n武昌经济开发区管委会深入贯彻落实", title, None) == "武昌经济开发区管理委员会"
    assert find_agency(title, title, None) == "武昌经开区管理委员会"


def test_county_from_postal_code_name_and_codes() -> None:
    from gkcrawl.extract import regions

    assert regions.county_for_postal_code("236700") == "安徽省亳州市利辛县"
    assert regions.county_within("番禺经济技术开发区管理委员会", "广东省广州市") == "广东省广州市番禺区"
    assert regions.county_within("临夏州公安局", "甘肃省临夏回族自治州") is None  # the prefecture itself
    meta = meta_of("安仁乡2022年政府信息公开工作年度报告\n安仁乡人民政府\n川公网安备 51170302000106号")
    assert (meta["agency"], meta["region"]) == ("安仁乡人民政府", "四川省达州市达川区")


def test_a_central_body_has_no_region() -> None:
    meta = meta_of("生态环境部2023年政府信息公开工作年度报告\n邮编：100006 京公网安备 11040102700072号")
    assert (meta["agency"], meta["region"]) == ("生态环境部", None)


def test_title_from_the_announcing_sentence_without_labels_or_extension() -> None:
    from gkcrawl.parse.meta import find_title

    page = "<html><head><title>西安市长安区人民政府</title></head><body><p>现公布长安区砲里街道2022年政府信息公开工作年度报告，本年度报告…</p></body></html>"
    tree = lxml.html.fromstring(page)
    assert find_title(tree.text_content(), lxml.html.fromstring(page), None) == "长安区砲里街道2022年政府信息公开工作年度报告"
    labelled = "<html><body><table><tr><td>标 题：</td><td>吴江区黎里镇2023年政府信息公开工作年度报告.docx</td></tr></table></body></html>"
    tree = lxml.html.fromstring(labelled)
    assert find_title("标 题：吴江区黎里镇2023年政府信息公开工作年度报告.docx", tree, None) == \
        "吴江区黎里镇2023年政府信息公开工作年度报告"
