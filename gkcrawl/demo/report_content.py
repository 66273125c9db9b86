"""Generated annual reports for the test portals, in the national 2019 or 2021 format.

The figures are drawn from a seeded random generator and then made to satisfy the template's
arithmetic (一 + 二 = 三(七) + 四 per column, row totals, part 四 totals), so a parser that
checks the arithmetic finds it holds. Rows, columns, groups and their printed labels are the
national formats' own (gkcrawl.template). The same `ReportDoc` renders to HTML (real `<table>`s
with rowspan/colspan headers), DOCX and PDF, so one report reads the same in every form.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from html import escape

from gkcrawl import template as national

# How often each outcome row is drawn (a demo's taste, not the template's); others weigh 1.
OUTCOME_WEIGHTS = {"requests.granted": 40, "requests.partial": 8, "requests.unable.no_info": 12,
                   "requests.unable.needs_creation": 3, "requests.unable.unclear": 2,
                   "requests.not_processed.petition": 3, "requests.not_processed.repeated": 2,
                   "requests.other": 2, "requests.other.no_supplement": 2, "requests.other.no_fee": 2,
                   "requests.other.other": 2}


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


Grid = list[list[Cell]]


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    table: Grid | None = None


@dataclass
class ReportDoc:
    """One report: title, agency, year and its six parts."""

    title: str
    agency: str
    year: int
    template: str
    intro: str
    sections: list[Section]


def _spread(rng: random.Random, total: int, slots: int, weights: list[int]) -> list[int]:
    counts = [0] * slots
    for _ in range(total):
        counts[rng.choices(range(slots), weights=weights)[0]] += 1
    return counts


def _request_rows(rng: random.Random, template: str, scale: int,
                  carried_in_given: list[int] | None = None) -> list[tuple[str, list[int]]]:
    """Part 三 as (label path, six applicant counts), in the format's row order; arithmetic consistent.
    `carried_in_given` fixes 上年结转 (a body's carry-over from its report of the year before)."""
    new = [rng.randint(0, 12 * scale), rng.randint(0, 3 * scale), 0, rng.randint(0, 1),
           rng.randint(0, 1), rng.randint(0, 2)]
    carried_in = [rng.randint(0, 2), rng.randint(0, 1), 0, 0, 0, 0]
    if carried_in_given is not None:
        carried_in = list(carried_in_given)
    carried_out = [min(rng.randint(0, 2), n + c) for n, c in zip(new, carried_in)]
    rows = [row for row in national.template(template).rows if row.part == "requests"]
    outcomes = national.outcome_rows([row.id for row in rows])
    weights = [OUTCOME_WEIGHTS.get(row_id, 1) for row_id in outcomes]
    outcome_counts = [_spread(rng, n + c - o, len(outcomes), weights)
                      for n, c, o in zip(new, carried_in, carried_out)]
    counts = {"requests.new": new, "requests.carried_in": carried_in, "requests.carried_out": carried_out,
              "requests.total": [n + c - o for n, c, o in zip(new, carried_in, carried_out)]}
    for index, row_id in enumerate(outcomes):
        counts[row_id] = [column[index] for column in outcome_counts]
    return [("/".join(row.path), counts[row.id]) for row in rows]


def _requests_table(rows: list[tuple[str, list[int]]]) -> Grid:
    def values(counts: list[int]) -> list[Cell]:
        return [Cell(str(v)) for v in counts] + [Cell(str(sum(counts)))]

    columns = national.columns()
    over: list[Cell] = []
    for index, column in enumerate(columns):
        if column.heading is None:
            over.append(Cell(column.name, rowspan=2))
        elif index == 0 or columns[index - 1].heading != column.heading:
            over.append(Cell(column.heading, colspan=sum(1 for c in columns if c.heading == column.heading)))
    grid: Grid = [
        [Cell(national.rulebook().rule("requests_balance").printed or "", rowspan=3, colspan=3),
         Cell(national.APPLICANTS_HEADING, colspan=len(columns))],
        over,
        [Cell(column.name) for column in columns if column.heading is not None],
    ]
    outcome_rows = [r for r in rows if len(r[0].split("/")) > 1]
    groups: dict[str, int] = {}
    for label, _ in outcome_rows:
        parts = label.split("/")
        if len(parts) == 3:
            groups[parts[1]] = groups.get(parts[1], 0) + 1
    seen_groups: set[str] = set()
    first_outcome = True
    for label, counts in rows:
        parts = label.split("/")
        if len(parts) == 1:
            grid.append([Cell(parts[0], colspan=3), *values(counts)])
            continue
        row: list[Cell] = []
        if first_outcome:
            row.append(Cell(parts[0], rowspan=len(outcome_rows)))
            first_outcome = False
        if len(parts) == 2:
            row.append(Cell(parts[1], colspan=2))
        else:
            if parts[1] not in seen_groups:
                seen_groups.add(parts[1])
                row.append(Cell(parts[1], rowspan=groups[parts[1]]))
            row.append(Cell(parts[2]))
        grid.append(row + values(counts))
    return grid


def _appeals(rng: random.Random) -> tuple[Grid, list[int]]:
    groups, results = national.appeal_groups(), national.appeal_results()
    numbers: list[int] = []
    for _ in groups:
        group = [rng.randint(0, 2), rng.randint(0, 1), 0, rng.randint(0, 1)]
        numbers.extend(group + [sum(group)])
    names = [result.name for result in results]
    top: list[Cell] = []
    middle: list[Cell] = []
    bottom: list[Cell] = []
    for index, named in enumerate(groups):
        if named.heading is None:
            top.append(Cell(named.name, colspan=len(names)))
            middle += [Cell(name, rowspan=2) for name in names]
            continue
        if index == 0 or groups[index - 1].heading != named.heading:
            top.append(Cell(named.heading, colspan=len(names) * sum(1 for g in groups if g.heading == named.heading)))
        middle.append(Cell(named.name, colspan=len(names)))
        bottom += [Cell(name) for name in names]
    return [top, middle, bottom, [Cell(str(n)) for n in numbers]], numbers


def _active_2021(rng: random.Random) -> Grid:
    in_force_regs = rng.randint(0, 3)
    issued_docs, repealed_docs = rng.randint(0, 6), rng.randint(0, 2)
    in_force_docs = rng.randint(repealed_docs, 20) + issued_docs
    fee = f"{rng.randint(0, 900)}.{rng.randint(0, 99):02d}"
    head = [Cell("信息内容"), Cell("本年制发件数"), Cell("本年废止件数"), Cell("现行有效件数")]
    return [
        [Cell("第二十条第(一)项", colspan=4)], head,
        [Cell("规章"), Cell("0"), Cell("0"), Cell(str(in_force_regs))],
        [Cell("行政规范性文件"), Cell(str(issued_docs)), Cell(str(repealed_docs)), Cell(str(in_force_docs))],
        [Cell("第二十条第(五)项", colspan=4)], [Cell("信息内容"), Cell("本年处理决定数量", colspan=3)],
        [Cell("行政许可"), Cell(str(rng.randint(50, 3000)), colspan=3)],
        [Cell("第二十条第(六)项", colspan=4)], [Cell("信息内容"), Cell("本年处理决定数量", colspan=3)],
        [Cell("行政处罚"), Cell(str(rng.randint(0, 400)), colspan=3)],
        [Cell("行政强制"), Cell(str(rng.randint(0, 30)), colspan=3)],
        [Cell("第二十条第(八)项", colspan=4)], [Cell("信息内容"), Cell("本年收费金额(单位:万元)", colspan=3)],
        [Cell("行政事业性收费"), Cell(fee, colspan=3)],
    ]


def _active_2019(rng: random.Random) -> Grid:
    def trio(a: int, b: int, c: int) -> list[Cell]:
        return [Cell(str(a)), Cell(str(b)), Cell(str(c))]

    docs_new = rng.randint(0, 5)
    return [
        [Cell("第二十条第(一)项", colspan=4)],
        [Cell("信息内容"), Cell("本年新制作数量"), Cell("本年新公开数量"), Cell("对外公开总数量")],
        [Cell("规章"), *trio(0, 0, 0)], [Cell("规范性文件"), *trio(docs_new, docs_new, docs_new + rng.randint(0, 30))],
        [Cell("第二十条第(五)项", colspan=4)],
        [Cell("信息内容"), Cell("上一年项目数量"), Cell("本年增/减"), Cell("处理决定数量")],
        [Cell("行政许可"), *trio(rng.randint(1, 60), rng.randint(-3, 3), rng.randint(10, 2000))],
        [Cell("其他对外管理服务事项"), *trio(rng.randint(0, 20), 0, rng.randint(0, 200))],
        [Cell("第二十条第(六)项", colspan=4)],
        [Cell("信息内容"), Cell("上一年项目数量"), Cell("本年增/减"), Cell("处理决定数量")],
        [Cell("行政处罚"), *trio(rng.randint(0, 300), rng.randint(-5, 5), rng.randint(0, 300))],
        [Cell("行政强制"), *trio(rng.randint(0, 10), 0, rng.randint(0, 10))],
        [Cell("第二十条第(八)项", colspan=4)],
        [Cell("信息内容"), Cell("上一年项目数量"), Cell("本年增/减", colspan=2)],
        [Cell("行政事业性收费"), Cell(str(rng.randint(0, 5))), Cell("0", colspan=2)],
        [Cell("第二十条第(九)项", colspan=4)],
        [Cell("信息内容"), Cell("采购项目数量"), Cell("采购总金额", colspan=2)],
        [Cell("政府集中采购"), Cell(str(rng.randint(0, 20))),
         Cell(f"{rng.randint(0, 900)}.{rng.randint(0, 9)}", colspan=2)],
    ]


def report_title(agency: str, year: int) -> str:
    return f"{agency}{year}年政府信息公开工作年度报告"


def carried_out(doc: ReportDoc) -> list[int]:
    """The six 结转下年度继续办理 counts a report prints (自然人 … 其他, without 总计)."""
    table = next(section.table for section in doc.sections if section.heading.startswith("三、"))
    assert table is not None
    row = next(r for r in table if r and r[0].text.startswith("四、结转"))
    return [int(cell.text) for cell in row[1:-1]]


def make_report(agency: str, year: int, *, seed: int, revision: int = 1, carried_in: list[int] | None = None,
                prose: list[str] | None = None) -> ReportDoc:
    """A complete report; the same (agency, year, seed, revision) always gives the same text.

    `carried_in` fixes its 上年结转 row (six applicant counts); `prose` replaces the paragraphs
    under 一、总体情况 and 五 (a body's own words, or another body's copied)."""
    rng = random.Random(f"{agency}|{year}|{seed}")
    template = "2021" if year >= 2021 else "2019"
    request_rows = _request_rows(rng, template, scale=1 + seed % 4, carried_in_given=carried_in)
    requests_grid = _requests_table(request_rows)
    appeals_grid, _ = _appeals(rng)
    active_grid = _active_2021(rng) if template == "2021" else _active_2019(rng)
    total_new = sum(request_rows[0][1])
    published_items = rng.randint(300, 9000)
    intro = (f"本报告根据《中华人民共和国政府信息公开条例》(以下简称《条例》)和国务院办公厅政府信息与政务公开办公室"
             f"有关要求,由{agency}编制。全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
             f"政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。本报告所列数据的统计期限"
             f"自{year}年1月1日起至{year}年12月31日止。如对本报告有疑问,请与{agency}办公室联系。")
    overview = [
        f"{year}年,{agency}坚持以习近平新时代中国特色社会主义思想为指导,认真贯彻落实《条例》,"
        f"全年通过门户网站主动公开政府信息{published_items}条,收到政府信息公开申请{total_new}件。",
        "(一)主动公开。围绕优化营商环境、重大建设项目、公共资源配置等重点领域,及时准确公开政策文件和工作动态。",
        "(二)依申请公开。严格按照法定程序和时限办理,做到依法答复、规范答复。",
        "(三)政府信息管理。健全信息发布审核机制,落实“三审三校”制度,动态调整公开目录。",
        "(四)平台建设。优化门户网站政府信息公开专栏,加强政务新媒体管理。",
        "(五)监督保障。将政务公开纳入年度绩效考核,组织业务培训。",
    ]
    if prose is not None:
        overview = list(prose)
    if revision > 1:
        overview.append(f"(更正说明:本报告于{year + revision - 1}年3月修订,更正了部分统计数据的表述。)")
    sections = [
        Section("一、总体情况", overview),
        Section("二、主动公开政府信息情况", [], active_grid),
        Section("三、收到和处理政府信息公开申请情况", [], requests_grid),
        Section("四、政府信息公开行政复议、行政诉讼情况", [], appeals_grid),
        Section("五、存在的主要问题及改进情况", [] if prose is not None else [
            "一是政策解读形式还不够丰富;二是基层政务公开标准化规范化水平有待提高。",
            f"下一步,{agency}将进一步丰富解读形式,加强业务培训,持续提升政务公开质量。"]),
        Section("六、其他需要报告的事项", [
            f"本年度未收取信息处理费。{agency}无其他需要报告的事项。"]),
    ]
    return ReportDoc(report_title(agency, year), agency, year, template, intro, sections)


def grid_html(grid: Grid) -> str:
    rows = []
    for row in grid:
        cells = []
        for cell in row:
            spans = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + \
                    (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
            cells.append(f'<td{spans}><p style="text-align:center">{escape(cell.text)}</p></td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ('<table border="1" cellspacing="0" cellpadding="0" width="100%" '
            'style="border-collapse:collapse">\n<tbody>\n' + "\n".join(rows) + "\n</tbody>\n</table>")


def report_body_html(doc: ReportDoc) -> str:
    """The article body: paragraphs and tables as a TRS editor would save them."""
    parts = [f'<p style="text-indent:2em">{escape(doc.intro)}</p>']
    for section in doc.sections:
        parts.append(f'<p style="text-indent:2em"><strong>{escape(section.heading)}</strong></p>')
        parts.extend(f'<p style="text-indent:2em">{escape(text)}</p>' for text in section.paragraphs)
        if section.table:
            parts.append(grid_html(section.table))
    return "\n".join(parts)


def place_cells(grid: Grid) -> tuple[list[tuple[int, int, Cell]], int, int]:
    """Absolute (row, column, cell) positions of a spanned grid, plus its size."""
    taken: set[tuple[int, int]] = set()
    placed: list[tuple[int, int, Cell]] = []
    width = 0
    for r, row in enumerate(grid):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
            width = max(width, c)
    return placed, len(grid), width
