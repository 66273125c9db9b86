"""Realistic synthetic reports for tests, the browser check and the benchmark.

Cells follow cells.tsv for the chosen template and obey the template's arithmetic
unless `broken=True`; their checks are the parser's own (gkcrawl.parse.checks, real names,
each naming its cells); text reads like a report. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from gkcrawl import template as national
from gkcrawl.parse.checks import run_checks
from gkcrawl.parse.result import Check, ParseResult, SpamReport

REGIONS = ["北京市", "上海市", "广东省广州市", "山西省朔州市", "湖南省常德市", "浙江省杭州市", "四川省成都市",
           "江苏省南京市", "湖北省武汉市", "陕西省西安市"]
DEPARTMENTS = ["人民政府", "人民政府办公室", "财政局", "自然资源局", "生态环境局", "市场监督管理局", "公安局",
               "住房和城乡建设局", "经济技术开发区管理委员会", "教育局"]
PROSE = ("本年度，我单位深入贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
         "推进决策、执行、管理、服务、结果公开。全年主动公开政府信息{active}条，收到政府信息公开申请{new}件，"
         "均在法定期限内答复。发生政府信息公开行政复议{review}起，行政诉讼{lit}起。"
         "存在的主要问题是公开内容不够全面，解读形式较为单一。下一步将加强培训，提升公开质量。")


@dataclass
class SampleReport:
    url: str
    result: ParseResult
    body: bytes


def sample_cells(template: str, rng: random.Random, *, broken: bool = False) -> dict[str, int | float | None]:
    """Cells for every key of the template, consistent with the table's own arithmetic."""
    cells: dict[str, int | float | None] = {key: rng.randint(0, 40) for key in national.template_keys(template)}
    rows = sorted({key.rsplit(".", 1)[0] for key in cells if key.startswith("requests.")})
    outcomes = set(national.outcome_rows(rows))
    outcome_rows = [r for r in rows if r in outcomes]
    applicants = [c.key for c in national.columns() if c.key != national.TOTAL]
    for applicant in applicants:
        for row in outcome_rows:
            cells[f"{row}.{applicant}"] = rng.choice([0, 0, 0, 1, 2, 5, rng.randint(0, 60)])
        total = sum(cells[f"{row}.{applicant}"] or 0 for row in outcome_rows)  # type: ignore[misc]
        cells[f"requests.total.{applicant}"] = total
        carried_out = rng.randint(0, 5)
        carried_in = rng.randint(0, min(5, total + carried_out))
        cells[f"requests.carried_out.{applicant}"] = carried_out
        cells[f"requests.carried_in.{applicant}"] = carried_in
        cells[f"requests.new.{applicant}"] = total + carried_out - carried_in
    for row in rows:
        if f"{row}.total" in cells:
            cells[f"{row}.total"] = sum(cells[f"{row}.{a}"] or 0 for a in applicants)  # type: ignore[misc]
    for group in national.appeal_groups():
        parts = [f"appeals.{group.key}.{r.key}" for r in national.appeal_results() if r.key != national.TOTAL]
        cells[f"appeals.{group.key}.total"] = sum(cells[p] or 0 for p in parts)  # type: ignore[misc]
    if "active.a20_8.fees.amount" in cells:
        cells["active.a20_8.fees.amount"] = round(rng.uniform(0, 3000), 2)
    if broken:
        cells["requests.new.total"] = (cells["requests.new.total"] or 0) + 2  # type: ignore[operator]
    return cells


def sample_checks(template: str, cells: dict[str, int | float | None]) -> list[Check]:
    """The checks the parser records for these cells, every row of the template printed."""
    row_ids = [row.id for row in national.template(template).rows]
    return run_checks(cells, [], row_ids, national.outcome_rows(row_ids)) + [
        Check("template", True, f"sample report in the {template} format")]


def sample_result(index: int, *, seed: int = 0, template: str | None = None, broken: bool | None = None,
                  text: str | None = None, spam: bool = False) -> ParseResult:
    """One plausible report: meta, ~200 cells, checks, clean text."""
    rng = random.Random(seed * 1_000_003 + index)
    template = template or rng.choice(["2019", "2021", "2021", "2021"])
    year = rng.randint(2019, 2020) if template == "2019" else rng.randint(2021, 2024)
    broken = rng.random() < 0.1 if broken is None else broken
    region = REGIONS[index % len(REGIONS)]
    agency = region + DEPARTMENTS[(index // len(REGIONS)) % len(DEPARTMENTS)]
    cells = sample_cells(template, rng, broken=broken)
    month = rng.choice(["01-15", "01-28", "02-20", "03-25", "04-10"])
    new_total = cells.get("requests.new.total")
    body = text if text is not None else PROSE.format(active=rng.randint(100, 9000), new=new_total,
                                                       review=cells.get("appeals.review.total"),
                                                       lit=cells.get("appeals.lit_direct.total"))
    checks = sample_checks(template, cells)
    spam_report = SpamReport()
    if spam:
        spam_string = "在哪个应用商店能下载365_英国365下载_bat365软件下载"
        spam_report = SpamReport(found=True, strings=[spam_string],
                                 positions=[{"string": spam_string, "start": 0, "end": len(spam_string)}],
                                 spam_domains=["bat365-spam.example"],
                                 identity={"region": region, "agency": agency,
                                           "evidence": [{"kind": "postal_code", "value": "036000",
                                                         "points_to": "山西省朔州市"}]})
    return ParseResult(
        template=template,
        meta={"title": f"{agency}{year}年政府信息公开工作年度报告", "agency": agency, "region": region,
              "year": year, "published": f"{year + 1}-{month}", "archived": None,
              "index_no": f"11{index:07d}/{year + 1}-{index % 997:05d}"},
        cells=cells, uncertain=[], checks=checks, spam=spam_report, text=f"{agency}{year}年政府信息公开工作年度报告\n"
        + body, kind="html", flags=[])


def sample_report(index: int, *, seed: int = 0, host: str = "www.example.gov.cn", **kwargs: object) -> SampleReport:
    """A sample result with a URL and an HTML body (what a WARC would hold)."""
    result = sample_result(index, seed=seed, **kwargs)  # type: ignore[arg-type]
    url = f"http://{host}/zwgk/ndbg/{index:06d}.html"
    html = (f"<html><head><meta charset='utf-8'><title>{result.meta['title']}</title></head>"
            f"<body><h1>{result.meta['title']}</h1><p>{result.text}</p></body></html>")
    return SampleReport(url=url, result=result, body=html.encode("utf-8"))


SCRIPT_TEXT = "注意：<script>alert('xss')</script> 本报告正文应按文本显示。"


def build_sample_archive(path: Path, count: int = 40, *, seed: int = 0) -> dict[str, int]:
    """A small archive through the store API, with the cases the publication must show.

    Returns named report ids: `script` (text holding <script>), `spam`, `changed_v1`/`changed_v2`
    (one URL, two versions), `late` (a department published in April), `traditional`.
    """
    from gkcrawl.archive.models import Capture
    from gkcrawl.archive.store import open_archive, record_capture, record_report

    db = open_archive(Path(path))
    named: dict[str, int] = {}

    def store(index: int, sample: SampleReport, name: str | None = None, when: str = "2024-02-01T08:00:00Z",
              offset: int = 0) -> int:
        import hashlib

        sha = hashlib.sha256(sample.body).hexdigest()
        capture_id = record_capture(db, Capture(
            url=sample.url, status=200, fetched_at=when, sha256=sha, size=len(sample.body),
            content_type="text/html; charset=utf-8", warc_file="crawl-20240201-00000.warc.gz",
            warc_offset=offset + index * 4096, warc_record_id=f"<urn:uuid:{seed}-{index}-{sha[:8]}>",
            response_headers={"Content-Type": "text/html; charset=utf-8"}))
        report_id, _ = record_report(db, capture_id, sample.result, url=sample.url, fetched_at=when, sha256=sha,
                                     site=None, parsed_at=when)
        if name:
            named[name] = report_id
        return report_id

    for index in range(count):
        store(index, sample_report(index, seed=seed))
    named["script"] = store(count, sample_report(count, seed=seed, text=SCRIPT_TEXT))
    named["spam"] = store(count + 1, sample_report(count + 1, seed=seed, spam=True))
    named["traditional"] = store(count + 2, sample_report(count + 2, seed=seed,
                                                          text="本年度發生行政復議案件三起，均已審結。"))
    first = sample_report(count + 3, seed=seed, template="2021", broken=True)
    named["changed_v1"] = store(count + 3, first)
    second = sample_report(count + 3, seed=seed, template="2021", broken=False)
    second.result.cells["requests.new.natural"] = (second.result.cells["requests.new.natural"] or 0) + 5
    second.result.checks = sample_checks("2021", second.result.cells)
    second.body += b"<!-- corrected -->"
    named["changed_v2"] = store(count + 3, second, when="2024-03-15T08:00:00Z", offset=1)
    late = sample_report(count + 4, seed=seed)
    late.result.meta.update({"agency": "湖南省常德市财政局", "published": f"{late.result.meta['year'] + 1}-04-10"})
    named["late"] = store(count + 4, late)
    from gkcrawl.analyze import analyze_archive

    analyze_archive(db)  # as a crawl's end does: the cross-report tables (deadlines, carry-over, ...)
    db.conn.close()
    return named
