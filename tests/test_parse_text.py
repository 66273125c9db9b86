"""Clean text: report sentences stay, portal furniture and spam go ("must / must not contain")."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
import trafilatura.settings

from gkcrawl.extract.clean_text import clean_lines, clean_report_text, is_furniture, trafilatura_config
from gkcrawl.extract.spam import find_spam

FIXTURES = Path(__file__).parent / "fixtures"
REAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"

SEED_CASES = {
    "000": (["本报告是根据《中华人民共和国政府信息公开条例》的要求", "一、总体情况", "(七)总计",
             "六、其他需要报告的事项"],
            ["字号:【", "2021-01-29 16:51 来源", "归档时间", "已归档"]),
    "001": (["报告中所列数据统计期限自2020年1月1日起", "改进措施:一是深入推进基层政务公开",
             "请与人民政府办公室政府信息公开科联系"],
            ["主办单位:", "承办单位:", "晋ICP备07500137号", "晋公网安备14060202000030号", "bat365"]),
    "002": (["海东市平安区政务服务中心 2019年政府信息公开工作制度报告", "（一）健全落实工作责任"], []),
    "003": (["一、總體情況", "2019年,南通市行政審批局認真貫徹落實"], []),
    "004": (["本年度报告由德阳市城市管理行政执法局按照", "(三)强化门户网站和政务新媒体建设管理"],
            ["索  引  号", "510600-2021-000510", "发布日期", "信息来源", "浏览次数", "字体大小", "责任编辑",
             "李应飞", "公开形式"]),
}


def clean_seed(prefix: str) -> str:
    path = next((FIXTURES / "seeds").glob(f"{prefix}_*.txt"))
    _, text = find_spam(path.read_text(encoding="utf-8"), None, None)
    return clean_report_text(None, text)


@pytest.mark.parametrize("prefix", sorted(SEED_CASES))
def test_seed_clean_text(prefix: str) -> None:
    must, must_not = SEED_CASES[prefix]
    cleaned = clean_seed(prefix)
    for snippet in must:
        assert snippet in cleaned, snippet
    for snippet in must_not:
        assert snippet not in cleaned, snippet


def test_seed_text_kept_as_published_apart_from_furniture() -> None:
    original = next((FIXTURES / "seeds").glob("003_*.txt")).read_text(encoding="utf-8")
    assert clean_seed("003").strip() == original.strip()


HTML_CASES = {
    "trad_changde_2020.html": (["由常德市行政審批服務局政務公開領導小組辦公室編制而成", "予以公開", "六、其他需要報告的事項"],
                               ["字號", "打印", "關閉", "分享到", "主辦單位", "湘ICP備", "公網安備", "當前位置", "互動交流"]),
    "pre2019_deqing_2016.html": (["湖州市德清县人民政府办公室编制了", "政府信息公开情况统计表", "4326"],
                                 ["浙ICP备05003187号", "网站标识码", "浏览次数", "主办单位", "首页"]),
    "spam_shuozhou_2020.html": (["报告中所列数据统计期限自2020年1月1日起", "34435.86", "改进措施"],
                                ["bat365", "bet365", "晋ICP备", "主办单位", "分享到", "字号"]),
    "notreport_deqing_news.html": (["德清县召开2020年政务公开工作推进会，总结2019年"], ["浙公网安备", "主办单位"]),
}


@pytest.mark.parametrize("name", sorted(HTML_CASES))
def test_html_fixture_clean_text(name: str) -> None:
    page = (FIXTURES / "reports" / name).read_text(encoding="utf-8")
    _, text = find_spam(lxml.html.fromstring(page).text_content(), page, None)
    cleaned = clean_report_text(page, text)
    must, must_not = HTML_CASES[name]
    for snippet in must:
        assert snippet in cleaned, snippet
    for snippet in must_not:
        assert snippet not in cleaned, snippet


def test_table_text_survives_html_extraction() -> None:
    page = (FIXTURES / "reports" / "spam_shuozhou_2020.html").read_text(encoding="utf-8")
    cleaned = clean_report_text(page, "")
    assert "（七）总计" in cleaned and "行政许可" in cleaned and "27565" in cleaned


def test_flattened_page_keeps_report_after_breadcrumb() -> None:
    if not REAL.is_dir():
        pytest.skip("shared/corpus/real not beside the clone")
    cleaned = clean_report_text(None, (REAL / "docs" / "014.txt").read_text(encoding="utf-8"))
    assert cleaned.startswith("本报告主要根据《中华人民共和国政府信息公开条例》")
    assert "原文链接" not in cleaned and "当前位置" not in cleaned and "微信 微博" not in cleaned


def test_trafilatura_config_is_project_owned() -> None:
    config = trafilatura_config()
    assert config["DEFAULT"]["MIN_EXTRACTED_SIZE"] == "100"
    assert config["DEFAULT"]["EXTENSIVE_DATE_SEARCH"] == "off"
    # The library's shared default is untouched.
    assert trafilatura.settings.DEFAULT_CONFIG["DEFAULT"]["MIN_EXTRACTED_SIZE"] == "250"


def test_furniture_rules_spare_long_report_lines() -> None:
    assert is_furniture("责任编辑:李应飞")
    assert is_furniture("- 3 -")
    long_line = "本年度通过门户网站主动公开信息1200余条，" * 8 + "主办单位积极配合。"
    assert not is_furniture(long_line)
    assert clean_lines("正文第一段\n\n\n\n打印 关闭\n正文第二段") == "正文第一段\n\n正文第二段\n"


def test_broken_html_falls_back_to_line_rules() -> None:
    text = "某某县人民政府2020年政府信息公开工作年度报告\n一、总体情况\n责任编辑：张三"
    assert clean_report_text("<<<not html", text) == "某某县人民政府2020年政府信息公开工作年度报告\n一、总体情况\n"
    assert clean_report_text(None, "") == ""


def test_header_table_rows_rendered_by_trafilatura_are_furniture() -> None:
    assert is_furniture("| 索引号： | 651819625/2021-00012 | 信息来源： | 朔州市人民政府办公室 |")
    assert is_furniture("| 发布日期： | 2021-01-28 | 文号： | |")
    assert is_furniture("| 名称： | 朔州市人民政府2020年政府信息公开工作年度报告 | | |")
    assert not is_furniture("| 行政许可 | 3 | 0 | 110 |")
