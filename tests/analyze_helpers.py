"""Archives for the cross-report analysis tests: generated reports rendered, parsed by the real
parser and stored through the real store (no WARC: the analysis reads only the rows)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import sqlite_utils

from gkcrawl.archive.models import Capture
from gkcrawl.archive.store import record_capture, record_report
from gkcrawl.demo.cross_year import PROSE as DEMO_PROSE
from gkcrawl.demo.report_content import ReportDoc, report_body_html
from gkcrawl.parse import parse_document

# A body's own words: the demo's (gkcrawl/demo/cross_year.py), so the demo and the tests share one text.
PROSE_A = DEMO_PROSE
PROSE_B = [
    "{agency}聚焦文化惠民和旅游市场秩序,全年发布文物保护、公共文化服务、旅游安全提示等信息,"
    "组织政务开放日活动三场,邀请市民代表走进图书馆、博物馆和文化馆参与监督。",
    "我们将政府信息公开申请办理纳入机关效能建设,实行首问负责和限时办结,对申请人提出的咨询耐心解释,"
    "对不属于本机关职责的申请告知其向有关机关提出。",
    "针对旅游旺季投诉集中的情况,编制景区服务质量通报并按季度公开,推动经营单位整改。"
    "同时加强对文化市场综合执法结果的公示,行政处罚决定在七个工作日内上网。",
    "今后,我们将继续完善公开制度,压实各处室公开责任,提升公开质量和群众满意度。",
]


def prose(paragraphs: list[str], agency: str) -> list[str]:
    return [text.format(agency=agency) for text in paragraphs]


def page_html(doc: ReportDoc, published: str) -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>{doc.title}</title></head><body><h1>{doc.title}</h1>"
            f"<p>发布日期：{published}</p>{report_body_html(doc)}</body></html>").encode()


def store_document(db: sqlite_utils.Database, data: bytes, url: str, *, filename: str = "",
                   referer: str | None = None, when: str = "2024-02-01T08:00:00Z") -> int:
    """Parse `data` with the real parser and store it as a report of `url`; returns its id."""
    sha = hashlib.sha256(data).hexdigest()
    capture_id = record_capture(db, Capture(url=url, status=200, fetched_at=when, sha256=sha, size=len(data),
                                            referer=referer, warc_record_id=f"<urn:test:{sha}:{url}>"))
    result = parse_document(data, filename=filename or Path(url).name, url=url)
    report_id, _ = record_report(db, capture_id, result, url=url, fetched_at=when, sha256=sha, site=None)
    return report_id


def store_report(db: sqlite_utils.Database, doc: ReportDoc, url: str, published: str, **kwargs: object) -> int:
    return store_document(db, page_html(doc, published), url, **kwargs)  # type: ignore[arg-type]
