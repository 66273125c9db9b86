"""Layouts real reports arrive in: converter page breaks, prose after a row, part 四 with a
row per group, transposed part 三. The var5_* fixtures (make_variants5.py) are scored by the
gold gate; these tests pin the mechanisms and what each records."""

from __future__ import annotations

import json
from pathlib import Path

from gkcrawl.parse import parse_document
from gkcrawl.parse.layouts import blank_furniture, original_offset, untranspose

REPORTS = Path(__file__).parent / "fixtures" / "reports"
GOLD = Path(__file__).parent / "fixtures" / "reports_gold"


def parse_fixture(name: str) -> dict:
    return json.loads(json.dumps(parse_document((REPORTS / name).read_bytes(), filename=name).to_json()))


def test_furniture_is_blanked_in_place() -> None:
    text = "| 行政许可 | 12 |\n| --- | --- |\n| 行政处罚 | 3 |\n\n- 2 -\n第3页 共6页\n-\n||||\n| 行政强制 | 0 |"
    blanked = blank_furniture(text)
    assert len(blanked) == len(text)
    assert "---" not in blanked and "- 2 -" not in blanked and "第3页" not in blanked
    # A lone blank mark and the empty pipe row a converter prints for a spanned header stay.
    assert "\n-\n||||\n" in blanked
    assert blanked.index("行政强制") == text.index("行政强制")


def test_a_transposed_part_three_is_turned_round_and_recorded() -> None:
    grid = [["申请人情况", "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "(一)予以公开"],
            ["自然人", "7", "1", "5"], ["商业企业", "2", "0", "2"], ["科研机构", "0", "0", "0"],
            ["社会公益组织", "0", "0", "0"], ["总计", "9", "1", "7"]]
    block = "\n".join("\t".join(row) for row in grid)
    text = "三、收到和处理政府信息公开申请情况\n" + block + "\n四、后文"
    turned, rewrites = untranspose(text)
    assert len(rewrites) == 1 and len(turned) == len(text)  # rectangular: same length
    assert "一、本年新收政府信息公开申请数量\t7\t2\t0\t0\t9" in turned
    assert original_offset(rewrites[0].end + 2, rewrites) == rewrites[0].old_end + 2
    # The template's way round is left alone.
    normal = "\n".join("\t".join(column) for column in zip(*grid))
    assert untranspose(normal) == (normal, [])


def test_transposed_fixture_cells_say_where_they_came_from() -> None:
    result = parse_fixture("var5_06_2019_transposed_requests.html")
    assert any(c["name"] == "layout" and "transposed" in c["detail"] for c in result["checks"])
    where = result["sources"]["requests.new.natural"]["where"]
    assert where["layout"] == "transposed part 三" and where["block_start"] < where["block_end"]
    assert "start" not in where


def test_label_cells_of_a_header_row_are_not_blank_rows() -> None:
    # Part 三 the other way round with too few applicant rows to be recognised as such: the
    # labels stand on one header line, so their rows are unknown (uncertain), never blank.
    text = ("大川市统计局2022年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
            "申请人情况\t一、本年新收政府信息公开申请数量\t二、上年结转政府信息公开申请数量\t(一)予以公开\t"
            "(七)总计\t四、结转下年度继续办理\n自然人\t7\t1\t5\t5\t3\n总计\t9\t1\t7\t7\t3\n"
            "四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n无。\n")
    result = parse_document(text.encode("utf-8"), "r.txt").to_json()
    assert "requests.new.natural" in result["uncertain"]
    assert "requests.carried_in.total" in result["uncertain"]


def test_prose_after_a_row_on_its_line_or_the_next() -> None:
    name = "var5_03_2021_prose_after_active.txt"
    gold = json.loads((GOLD / "var5_03_2021_prose_after_active_txt.json").read_text(encoding="utf-8"))
    fee = gold["cells"]["active.a20_8.fees.amount"]
    text = (REPORTS / name).read_text(encoding="utf-8")
    inline = text.replace("|  |  |\n说明：", "|  |  | 说明：", 1)
    assert inline != text
    for variant in (text, inline):
        result = parse_document(variant.encode("utf-8"), name).to_json()
        assert result["cells"]["active.a20_8.fees.amount"] == fee
        assert "active.a20_8.fees.amount" not in result["uncertain"]


def test_page_broken_pipe_tables_read_every_row() -> None:
    for name in ("var5_01_2021_pipe_page_breaks.txt", "var5_02_2019_pipe_rows_continue.txt"):
        text = (REPORTS / name).read_text(encoding="utf-8")
        assert "| --- |" in text  # the fixture really has rows in header position
        result = parse_fixture(name)
        gold = json.loads((GOLD / (name.replace(".", "_") + ".json")).read_text(encoding="utf-8"))
        wrong = {k: (v, result["cells"].get(k)) for k, v in gold["cells"].items()
                 if (result["cells"].get(k) or 0) != (v or 0)}
        assert not wrong and not result["uncertain"]


def _without_repeated_header(page: str) -> str:
    """The var5_10 page with the second table's two repeated header rows taken out."""
    start = page.find("<table", page.find("page-break-after"))
    cut = page.find("</tr>", page.find("</tr>", start) + 1) + len("</tr>")
    return page[:start] + "<table border=1 cellspacing=0>\n" + page[cut:]


def test_a_row_continued_after_a_page_break_is_read_whole() -> None:
    name = "var5_10_2021_row_continues.html"
    gold = json.loads((GOLD / "var5_10_2021_row_continues_html.json").read_text(encoding="utf-8"))
    page = (REPORTS / name).read_text(encoding="utf-8")
    for variant in (page, _without_repeated_header(page)):
        result = json.loads(json.dumps(parse_document(variant.encode("utf-8"), name).to_json()))
        continued = [k for k, s in result["sources"].items() if s["where"].get("continued_after_break")]
        assert continued and len({k.rsplit(".", 1)[0] for k in continued}) == 1
        for key in continued:
            assert (result["cells"][key] or 0) == (gold["cells"][key] or 0)
            assert key not in result["uncertain"]


def test_a_cell_printed_on_both_sides_of_the_break_is_not_placed() -> None:
    name = "var5_10_2021_row_continues.html"
    page = (REPORTS / name).read_text(encoding="utf-8")
    result = parse_document(page.encode("utf-8"), name).to_json()
    row = next(k for k, s in result["sources"].items() if s["where"].get("continued_after_break")).rsplit(".", 1)[0]
    # Print a number in the first piece's last (empty) cell as well: the pieces now collide.
    first_piece_end = page.find("</table>", page.find("三、收到和处理"))
    empty_cell = page.rfind("<td></td>", 0, first_piece_end)
    broken = page[:empty_cell] + "<td>9</td>" + page[empty_cell + len("<td></td>"):]
    assert broken != page
    clashed = parse_document(broken.encode("utf-8"), name).to_json()
    assert f"{row}.total" in clashed["uncertain"]
