"""The demo's reports that only make sense together: one body across three years, another body
copying its words, and one report published as a page and a PDF.

- 示范市交通运输局 2020, 2021, 2022: 2021's 上年结转 is 2020's 结转下年度继续办理 (a consistent
  carry-over); 2022's 上年结转 is not 2021's in two columns (a broken one). The three share
  their prose, as a body's reports often do year to year.
- 示范市文化和旅游局 2022: 交通运输局's prose with its own name put in (a copied report).
- 交通运输局 2022 links the same report as a PDF attachment (a rendition pair), committed under
  `site/attachments/` (written by `python -m portals.make_demo_pdf` from tests/, reportlab).
- 交通运输局 2021 was published on 15 February: late for a department under the 2019 条例.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from .report_content import ReportDoc, carried_out, make_report
from .sitebuild import trs_doc_path

COLUMN = "/xxgk/bmndbg"
COLUMN_NAME = "部门年度报告"
TRANSPORT = "示范市交通运输局"
CULTURE = "示范市文化和旅游局"
PDF_FILE = "jtysj_2022.pdf"
PDF_PATH = f"{COLUMN}/202301/P020230118512340.pdf"

PROSE = [
    "{agency}以建设法治政府为目标,把政务公开作为转变政府职能的重要抓手,全年围绕交通基础设施建设、"
    "运输服务保障和行业安全监管等重点领域,通过门户网站、政务新媒体和新闻发布会及时发布权威信息。",
    "在依申请公开方面,{agency}建立登记、审核、答复、归档全流程台账,对每一件申请明确承办科室和办理时限,"
    "疑难申请集体研究并征求法律顾问意见,确保答复内容准确、程序合法、文书规范。",
    "在平台建设方面,完成政府网站集约化迁移,优化栏目设置和检索功能,主动公开目录实现动态更新,"
    "并在办事大厅设置政府信息查阅点,方便群众就近查询。",
    "存在的问题主要是部分科室公开意识不强,政策解读的针对性和可读性有待增强。下一步将加强培训考核,"
    "推行图文、视频等多种解读形式,回应群众关切。",
]


@dataclass(frozen=True)
class CrossYearReport:
    key: str
    doc: ReportDoc
    published: str
    serial: int
    attachment: str | None = None  # path of the PDF rendition linked from the page

    @property
    def path(self) -> str:
        return trs_doc_path(COLUMN, self.published, self.serial)


def _prose(agency: str) -> list[str]:
    return [text.format(agency=agency) for text in PROSE]


def reports() -> list[CrossYearReport]:
    t2020 = make_report(TRANSPORT, 2020, seed=31, prose=_prose(TRANSPORT))
    t2021 = make_report(TRANSPORT, 2021, seed=32, prose=_prose(TRANSPORT), carried_in=carried_out(t2020))
    out = carried_out(t2021)
    broken = [out[0] + 2, out[1] + 1, *out[2:]]
    t2022 = make_report(TRANSPORT, 2022, seed=33, prose=_prose(TRANSPORT), carried_in=broken)
    c2022 = make_report(CULTURE, 2022, seed=34, prose=_prose(CULTURE))
    return [CrossYearReport("transport_2020", t2020, "2021-01-22", 6100201),
            CrossYearReport("transport_2021", t2021, "2022-02-15", 6100202),
            CrossYearReport("transport_2022", t2022, "2023-01-18", 6100203, attachment=PDF_PATH),
            CrossYearReport("culture_2022", c2022, "2023-01-19", 6100204)]


def pdf_bytes() -> bytes:
    return resources.files("gkcrawl.demo").joinpath("site", "attachments", PDF_FILE).read_bytes()
