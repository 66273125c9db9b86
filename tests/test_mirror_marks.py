"""A mirror's pinyin marks are spam: found, removed, and never found in a real report."""

from __future__ import annotations

from gkcrawl.extract.mirror_marks import reading_spans
from gkcrawl.extract.spam import find_spam


def test_toned_readings_are_removed_and_the_original_reads_again() -> None:
    copy = "當(dāng)前位置：首頁 發(fā)布單位：下管鎮(zhèn) 2009年度下管鎮(zhèn)政府信息公開年度報(bào)告"
    report, cleaned = find_spam(copy, None, None)
    assert report.found and "(zhèn)" in report.strings
    assert cleaned == "當前位置：首頁 發布單位：下管鎮 2009年度下管鎮政府信息公開年度報告"


def test_many_toneless_readings_count_a_few_do_not() -> None:
    copy = "文(wen)章(zhang)來源：中央政府網 發(fa)布時(shi)間(jian)：2020-11-26 和(he)國(guo)"
    assert len(reading_spans(copy)) == 7
    assert reading_spans("文(wen)章(zhang)來源") == []


def test_latin_words_in_parentheses_are_no_readings() -> None:
    report = "通过移动端(app)、门户网站(www)、附件(pdf)、微信(wechat)、政务服务网(web)、热线(hotline)公开信息。"
    assert reading_spans(report) == []
    assert not find_spam(report, None, None)[0].found


def test_a_portal_title_chain_is_no_keyword_chain() -> None:
    """``标题_站名_栏目``: weak words (体育, 官方, 平台) in the site's own names are no spam;
    the same chain without the site's words still is."""
    title = "广元市体育局2024年政府信息公开工作年度报告_广元市体育局官方网站_政务公开平台"
    assert not find_spam("", f"<html><head><title>{title}</title></head></html>", None)[0].found
    assert find_spam("体育下载_官方平台_app注册", None, None)[0].found


def test_mirror_brands_are_strong_terms_and_lottery_administration_is_not() -> None:
    for brand in ("即时比分", "开云·kaiyun官方在线登录", "欧洲杯买球平台", "c7官网入口(中国)官方网站", "九游会"):
        assert find_spam(f"首页 > {brand} > 信息公开", None, None)[0].found, brand
    report = "落实《彩票管理条例》，严禁网络售彩和互联网购彩，体育彩票公益金使用情况按季度公开。"
    assert not find_spam(report, None, None)[0].found
