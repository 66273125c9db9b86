"""Never silent on an unreadable report: a report by its own evidence whose tables were not
read gets its format from the evidence, every cell uncertain and the flag `tables_not_read`;
a document that is no report keeps `template: null` without the flag."""

from __future__ import annotations

from gkcrawl.derive.decision import Candidate, is_report
from gkcrawl.parse import parse_document
from gkcrawl.template import template_keys

PROSE = ("本机关坚持以人民为中心，认真贯彻落实政府信息公开条例，持续深化政务公开，依申请公开办理规范，"
         "主动公开内容不断丰富，公开平台建设不断加强，监督保障机制逐步健全。") * 4


def report_text(year: int, part_two: str = "（表格略）", agency: str = "大川市交通运输局") -> str:
    return (f"{agency}{year}年政府信息公开工作年度报告\n\n一、总体情况\n{PROSE}\n"
            f"二、主动公开政府信息情况\n{part_two}\n三、收到和处理政府信息公开申请情况\n（表格略）\n"
            f"四、政府信息公开行政复议、行政诉讼情况\n（表格略）\n五、存在的主要问题及改进情况\n{PROSE}\n"
            "六、其他需要报告的事项\n无。\n")


def parse(text: str) -> dict:
    return parse_document(text.encode("utf-8"), "report.txt").to_json()


def test_report_without_readable_tables_is_flagged_with_every_cell_uncertain() -> None:
    for year, template in ((2022, "2021"), (2020, "2019")):
        result = parse(report_text(year))
        assert result["template"] == template
        assert "tables_not_read" in result["flags"]
        keys = set(template_keys(template))
        assert set(result["uncertain"]) == keys
        assert all(result["cells"][key] is None for key in keys)
        assert set(result["uncertain_reasons"].values()) == {"tables_not_read"}
        check = next(c for c in result["checks"] if c["name"] == "tables_not_read")
        assert "part headings" in check["detail"] and f"reporting year {year}" in check["detail"]
        assert set(check["cells"]) == keys
        # A format known only from the year is a guess: the template check says so.
        assert next(c for c in result["checks"] if c["name"] == "template")["ok"] is None
        balance = next(c for c in result["checks"] if c["name"] == "requests_balance")
        assert balance["ok"] is None


def test_format_words_beat_the_year() -> None:
    # A 2021 report that prints its part 二 column headers but none of its values.
    headers = "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n| 信息内容 | 本年收费金额（单位：万元） |"
    result = parse(report_text(2020, headers))
    assert result["template"] == "2021"
    assert "tables_not_read" in result["flags"]
    assert next(c for c in result["checks"] if c["name"] == "template")["ok"] is True


def test_partial_report_is_read_as_far_as_it_goes() -> None:
    part_two = ("| 第二十条第（一）项 | | | |\n| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n"
                "| 规章 | 0 | 0 | 4 |\n| 行政规范性文件 | 7 | 2 | 31 |")
    result = parse(report_text(2023, part_two))
    assert result["template"] == "2021"
    assert result["cells"]["active.a20_1.normative_docs.in_force"] == 31
    assert result["cells"]["active.a20_1.regulations.in_force"] == 4
    assert "active.a20_1.normative_docs.in_force" not in result["uncertain"]
    assert "requests.new.total" in result["uncertain"]
    assert result["uncertain_reasons"]["requests.new.total"] == "not_found"
    assert "tables_not_read" not in result.get("flags", [])


def test_pre_2019_report_and_non_report_stay_without_template_or_flag() -> None:
    old = parse(report_text(2016))
    assert old["template"] is None and "tables_not_read" not in old.get("flags", [])
    news = parse("大川市召开政务公开工作推进会\n\n" + PROSE)
    assert news["template"] is None and "tables_not_read" not in news.get("flags", [])
    notice = parse("大川市交通运输局2022年政府信息公开工作年度报告\n\n现将报告予以公布，详见附件。")
    assert notice["template"] is None and "tables_not_read" not in notice.get("flags", [])
    # A 政务公开 work summary (no OGI tables, none of the national part headings) stays one.
    summary = parse("大川市交通运输局2022年政务公开工作年度报告\n\n" + PROSE * 5)
    assert summary["template"] is None and "tables_not_read" not in summary.get("flags", [])
    # The same body under an OGI report title is a report whose tables were not read.
    ogi = parse("大川市交通运输局2022年政府信息公开工作年度报告\n\n" + PROSE * 5)
    assert ogi["template"] == "2021" and "tables_not_read" in ogi["flags"]


def test_derivation_keeps_an_unread_report() -> None:
    result = parse_document(report_text(2022).encode("utf-8"), "report.txt")
    for role in ("report", "attachment"):
        candidate = Candidate(url="http://h/r.txt", sha256="0" * 64, capture_id=None,
                              fetched_at="2024-01-01T00:00:00Z", role=role)
        assert is_report(candidate, result)
