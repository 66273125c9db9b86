"""Pieces the CMS-imitating styles share: bodies, department names, report articles."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from html import escape
from pathlib import Path

from gkcrawl.demo.furniture import ArticleMeta, Identity
from gkcrawl.demo.report_content import make_report, report_body_html
from gkcrawl.demo.sitebuild import SiteBuilder, stable_serial, trs_doc_path

DEPARTMENTS = ("发展和改革局", "教育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
               "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
               "文化和旅游局", "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
               "行政审批服务局", "退役军人事务局", "林业局", "城市管理局", "信访局", "科学技术局", "工业和信息化局",
               "民族宗教事务局", "体育局")

# Report files served by the test portals, made once by make_attachments.py.
ATTACHMENT_DIR = Path(__file__).parent / "site" / "attachments"


def identity_for(body_name: str, code: int) -> Identity:
    """A portal identity with the fictional 示 ICP prefix (no real province is implied)."""
    return Identity(body_name=body_name, icp=f"示ICP备{20210000 + code}号-1",
                    police_record=f"示公网安备 {code:014d}号", site_code=f"{code:010d}",
                    organizer=f"{body_name}办公室", operator=f"{body_name[:3]}大数据中心")


def publish_date(year: int, key: str) -> str:
    """Reports go out in January-March of the next year; deterministic per key."""
    serial = stable_serial(key, year, digits=4)
    month = 1 + serial % 3
    day = 10 + serial % 18
    return f"{year + 1}-{month:02d}-{day:02d}"


@dataclass(frozen=True)
class ReportEntry:
    """One generated report and where it lives."""

    agency: str
    year: int
    path: str
    published: str
    title: str
    href: str       # as linked from its list (may be relative)
    revision: int = 1


def report_entry(column_dir: str, agency: str, year: int, *, relative: bool = True,
                 title_override: str | None = None, revision: int = 1) -> ReportEntry:
    published = publish_date(year, agency)
    path = trs_doc_path(column_dir, published, stable_serial(agency, year))
    title = title_override or f"{agency}{year}年政府信息公开工作年度报告"
    href = "./" + path[len(column_dir.rstrip("/")) + 1:] if relative else path
    return ReportEntry(agency, year, path, published, title, href, revision)


def free_form_report_html(agency: str, year: int) -> str:
    """A pre-2019 report: no standard tables, prose with figures."""
    paragraphs = [
        f"根据《中华人民共和国政府信息公开条例》规定，现公布{agency}{year}年政府信息公开工作年度报告。",
        "一、概述", f"{year}年，{agency}认真贯彻落实政府信息公开各项工作要求，不断完善工作机制。",
        "二、主动公开政府信息情况", f"全年主动公开政府信息{stable_serial(agency, year, digits=3)}条。",
        "三、依申请公开政府信息情况", f"全年共受理政府信息公开申请{stable_serial(agency, year, digits=2) % 20}件，均按时答复。",
        "四、政府信息公开的收费及减免情况", "本年度未收取任何费用。",
        "五、因政府信息公开申请行政复议、提起行政诉讼的情况", "本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。",
        "六、存在的主要问题和改进措施", "信息公开的及时性有待进一步提高。",
    ]
    return "\n".join(f'<p style="text-indent:2em">{escape(text)}</p>' for text in paragraphs)


def publish_report(builder: SiteBuilder, entry: ReportEntry, crumbs: list[tuple[str, str]], *,
                   encoding: str = "utf-8", content_type: str | None = "auto",
                   meta_charset: str | None = None, attachments_html: str = "") -> None:
    """Render one generated report as an article page (tables for 2019+, prose before)."""
    if entry.year >= 2019:
        doc = make_report(entry.agency, entry.year, seed=stable_serial(entry.agency, digits=3),
                          revision=entry.revision)
        body = report_body_html(doc)
    else:
        body = free_form_report_html(entry.agency, entry.year)
    meta = ArticleMeta(index_no=f"{stable_serial(entry.agency, digits=9)}/{entry.published[:4]}-{stable_serial(entry.path, digits=5)}",
                       published=entry.published, source=entry.agency)
    builder.article(entry.path, entry.title, crumbs, meta, body, encoding=encoding,
                    content_type=content_type, meta_charset=meta_charset, attachments_html=attachments_html)
    if entry.revision > 1:
        # A corrected report is newer: its Last-Modified must move on with its bytes.
        page = builder.pages[entry.path]
        builder.pages[entry.path] = dataclasses.replace(page, last_modified=f"{entry.year + entry.revision - 1}-03-15")


def explainer_title(body_name: str, year: int) -> str:
    """A 解读 of a report: shares the report's words, is not a report."""
    return f"《{body_name}{year}年政府信息公开工作年度报告》解读"
