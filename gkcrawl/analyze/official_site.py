"""Is an archived page from the government's own website? One verdict per capture, with its evidence.

Under 国办发〔2017〕47号 a government website uses a .gov.cn domain and shows, in its footer, the
政府网站标识码 (whose first six digits are the region's 行政区划代码), its ICP and 公网安备 filing
numbers (the province's abbreviation; the police number's first six digits are a division code) and
the 党政机关 badge. A page on another domain carrying those marks is a copy of a government site (a
mirror, often a hijacked one selling gambling); a government page carrying injected spam is hijacked;
marks that name another province than the body's are inconsistent. Each verdict keeps the marks
found, the region each one points to and whether it agrees, so a reader can check it against the
page (the capture's WARC record). The rules are data: gkcrawl/data/official_sites.yaml.

`site_verdict_rows(db)` computes the `site_verdicts` rows (an analysis step: the table is rewritten
whole); `update_official_sites(db)` writes them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
import yaml

from gkcrawl.archive.store import replace_rows
from gkcrawl.archive.warc_read import ArchivedBytesError, read_response
from gkcrawl.extract.document import decode_bytes
from gkcrawl.extract.regions import (
    load_regions,
    province_for_abbreviation,
    region_for_adcode,
    region_for_domain,
    region_from_name,
)

TABLE = "site_verdicts"
MAX_PAGE_BYTES = 4 << 20  # a footer is at the end of a page, but nothing judged is larger than this
PASS, FAIL, MISSING, UNVERIFIABLE, NOT_APPLIED = "pass", "fail", "missing", "unverifiable", "not_applied"


@dataclass(frozen=True)
class Rules:
    version: int
    government_suffixes: tuple[str, ...]
    test_hosts: frozenset[str]
    text_patterns: dict[str, tuple[re.Pattern[str], ...]]
    html_patterns: dict[str, tuple[re.Pattern[str], ...]]
    pages_per_site: int
    verdicts: dict[str, str]


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    """gkcrawl/data/official_sites.yaml, compiled once."""
    raw = yaml.safe_load((resources.files("gkcrawl") / "data" / "official_sites.yaml").read_text(encoding="utf-8"))
    marks = raw["marks"]
    return Rules(
        version=int(raw["rules_version"]),
        government_suffixes=tuple(raw["domain"]["government_suffixes"]),
        test_hosts=frozenset(raw["domain"]["test_hosts"]),
        text_patterns={m: tuple(re.compile(p) for p in spec.get("text", [])) for m, spec in marks.items()},
        html_patterns={m: tuple(re.compile(p, re.I) for p in spec.get("html", [])) for m, spec in marks.items()},
        pages_per_site=int(raw["pages_per_site"]),
        verdicts=dict(raw["verdicts"]))


@dataclass
class Marks:
    """What one page's text and HTML show of its publisher."""

    site_code: str | None = None
    icp: tuple[str, str] | None = None          # (province abbreviation, number)
    police: tuple[str, str] | None = None       # (province abbreviation or "", number)
    conac: str | None = None                    # what matched (the badge's link or alt text)
    organizer: str | None = None                # 主办单位

    def any_government_mark(self) -> bool:
        return bool(self.site_code or self.conac or self.icp or self.police)


_TAGS = re.compile(r"<[^>]*>")


def page_text(html: str) -> str:
    """The page with tags removed, entities for spaces undone (script text kept)."""
    return re.sub(r"(&nbsp;|&emsp;|&ensp;|\u3000|\s)+", " ", _TAGS.sub(" ", html))


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    """The last match of the first pattern that matches: a page's own footer comes last (a report's
    text may quote another site's numbers above it)."""
    for pattern in patterns:
        matches = list(pattern.finditer(text))
        if matches:
            return matches[-1]
    return None


def find_marks(html: str, rules: Rules | None = None) -> Marks:
    """The marks a page shows: 标识码, ICP, 公网安备, the 党政机关 badge, the 主办单位."""
    rules = rules or load_rules()
    text = page_text(html)
    marks = Marks()
    if found := _first(rules.text_patterns["site_code"], text) or _first(rules.html_patterns["site_code"], html):
        marks.site_code = found.group(1)
    if found := _first(rules.text_patterns["icp"], text):
        marks.icp = (found.group(1), found.group(2))
    if found := _first(rules.text_patterns["police"], text):
        marks.police = (found.group(1), found.group(2))
    elif found := _first(rules.html_patterns["police"], html):
        marks.police = ("", found.group(1))
    if found := _first(rules.html_patterns["conac"], html):
        marks.conac = found.group(0)[:80]
    if found := _first(rules.text_patterns["organizer"], text):
        marks.organizer = found.group(1)
    return marks


def host_status(host: str, rules: Rules) -> tuple[str, str]:
    """(pass / fail / not_applied, why) for the domain rule of 47号."""
    host = (host or "").lower().rstrip(".")
    if host in rules.test_hosts:
        return NOT_APPLIED, f"{host}: a local test portal, the domain rule is not applied"
    if any(host.endswith(suffix) for suffix in rules.government_suffixes):
        return PASS, f"{host} ends in a government suffix ({', '.join(rules.government_suffixes[:2])})"
    return FAIL, f"{host} is not a government domain (47号: government sites use .gov.cn)"


def province_of(region: str | None) -> str | None:
    """The province a region string starts with (山西省朔州市 -> 山西省)."""
    if not region:
        return None
    for name in sorted(set(load_regions().provinces.values()), key=len, reverse=True):
        if region.startswith(name):
            return name
    return None


def _nested(a: str, b: str) -> bool:
    """One region contains the other (山西省 and 山西省朔州市 agree; 山西省朔州市 and 山西省大同市 do not)."""
    return a.startswith(b) or b.startswith(a)


@dataclass
class Judgement:
    verdict: str
    why: str
    body_region: str | None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    copy_of: str | None = None

    def evidence_text(self) -> str:
        return "\n".join(f"{e['mark']} {e['found'] or '—'}: {e['status']}"
                         + (f" ({e['note']})" if e.get("note") else "") for e in self.evidence)


def judge_page(host: str, marks: Marks, *, spam_strings: int = 0, spam_domains: tuple[str, ...] = (),
               original_hosts: dict[str, str] | None = None, rules: Rules | None = None) -> Judgement:
    """The verdict on one page from its host and marks.

    `original_hosts` maps a 标识码 or ICP number to a government host it was also seen on (the
    site a copy was taken from); `spam_*` are what the parser found injected in the page."""
    rules = rules or load_rules()
    evidence: list[dict[str, Any]] = []
    domain, domain_note = host_status(host, rules)
    evidence.append({"mark": "domain", "found": host, "status": domain, "note": domain_note})

    body_region = region_from_name(marks.organizer) if marks.organizer else None
    code_region = None
    if marks.site_code and marks.site_code.isdigit():
        code_region = region_for_adcode(marks.site_code[:6])
    reference = body_region or code_region or region_for_domain(host)
    reference_province = province_of(reference)

    if marks.organizer:
        evidence.append({"mark": "主办单位", "found": marks.organizer, "region": body_region,
                         "status": PASS if body_region else UNVERIFIABLE,
                         "note": f"names {body_region}" if body_region else "names no known division"})
    if marks.site_code:
        if marks.site_code.startswith("bm"):
            status, note = PASS, "a State Council department's code (bm + 8 digits)"
        elif code_region is None:
            status, note = UNVERIFIABLE, f"{marks.site_code[:6]} is no division in the region data"
        elif body_region and not _nested(code_region, body_region):
            status, note = FAIL, f"points to {code_region}, the body is in {body_region}"
        else:
            status, note = PASS, f"points to {code_region}"
        evidence.append({"mark": "网站标识码", "found": marks.site_code, "region": code_region, "status": status,
                         "note": note})
    else:
        evidence.append({"mark": "网站标识码", "found": None, "status": MISSING, "note": "no 网站标识码 on the page"})
    for mark, found in (("ICP备案", marks.icp), ("公网安备", marks.police)):
        if not found:
            evidence.append({"mark": mark, "found": None, "status": MISSING})
            continue
        abbreviation, number = found
        province = province_for_abbreviation(abbreviation) if abbreviation else None
        region = province
        if mark == "公网安备":
            region = region_for_adcode(number[:6]) or province
            if province and region and not region.startswith(province):
                evidence.append({"mark": mark, "found": f"{abbreviation}{number}", "region": region, "status": FAIL,
                                 "note": f"{abbreviation} is {province}, the number's code is {region}"})
                continue
        shown = f"{abbreviation}{number}"
        if region is None:
            status, note = UNVERIFIABLE, f"{abbreviation or number[:6]} names no known province"
        elif reference_province and province_of(region) != reference_province:
            status, note = FAIL, f"filed in {province_of(region)}, the body is in {reference_province}"
        else:
            status, note = (PASS, f"filed in {region}") if reference_province else (UNVERIFIABLE, f"filed in {region}")
        evidence.append({"mark": mark, "found": shown, "region": region, "status": status, "note": note})
    evidence.append({"mark": "党政机关标识", "found": marks.conac, "status": PASS if marks.conac else MISSING})
    if spam_strings or spam_domains:
        evidence.append({"mark": "spam", "found": f"{spam_strings} injected strings"
                         + (f", domains {', '.join(spam_domains)}" if spam_domains else ""), "status": FAIL,
                         "note": "removed from the clean text; see spam_findings"})

    copy_of = None
    for key in filter(None, (marks.site_code, marks.icp and marks.icp[1])):
        other = (original_hosts or {}).get(key)
        if other and other != host:
            copy_of = other
            evidence.append({"mark": "copy", "found": key, "status": FAIL if domain == FAIL else PASS,
                             "note": f"the same mark is on the government host {other}"})
            break

    contradictions = [e for e in evidence if e["status"] == FAIL and e["mark"] not in ("domain", "spam", "copy")]
    if domain == FAIL:
        verdict = "mirror" if marks.any_government_mark() else "not_government"
    elif spam_strings or spam_domains:
        verdict = "hijacked"
    elif contradictions:
        verdict = "inconsistent"
    elif marks.site_code or marks.conac:
        verdict = "official"
    else:
        verdict = "unverified"
    return Judgement(verdict, rules.verdicts[verdict], reference, evidence, copy_of)


# ---- over the archive ----------------------------------------------------------------------

PAGES_SQL = """
SELECT c.id, c.url, c.site, c.fetched_at, c.warc_file, c.warc_offset, c.content_type,
       EXISTS (SELECT 1 FROM reports r WHERE r.capture_id = c.id) AS report_page
FROM captures c
WHERE c.status = 200 AND c.warc_type = 'response' AND c.warc_file IS NOT NULL
  AND lower(coalesce(c.content_type, '')) LIKE 'text/html%'
ORDER BY c.site, report_page DESC, c.id DESC
"""
SPAM_SQL = """
SELECT r.capture_id,
       sum(f.kind = 'string') AS strings,
       group_concat(CASE WHEN f.kind = 'domain' THEN f.domain END, ' ') AS domains
FROM spam_findings f JOIN reports r ON r.id = f.report_id
WHERE r.capture_id IS NOT NULL
GROUP BY r.capture_id
"""


def database_dir(db: sqlite_utils.Database) -> Path:
    """The folder of the archive's file (its warc/ folder is beside it)."""
    for _seq, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main" and file:
            return Path(file).parent
    return Path(".")


def _page_html(warc_dir: Path, row: dict[str, Any]) -> str | None:
    try:
        data, content_type = read_response(warc_dir / row["warc_file"], int(row["warc_offset"]))
    except (ArchivedBytesError, OSError, ValueError):
        return None
    return decode_bytes(data[:MAX_PAGE_BYTES], content_type, is_html=True)[0]


def site_verdict_rows(db: sqlite_utils.Database, warc_dir: Path | None = None) -> list[dict[str, Any]]:
    """One `site_verdicts` row per judged page: the pages reports came from, then the latest others,
    up to `pages_per_site` a site."""
    rules = load_rules()
    warc_dir = Path(warc_dir) if warc_dir else database_dir(db) / "warc"
    pages = [dict(zip(("id", "url", "site", "fetched_at", "warc_file", "warc_offset", "content_type", "report_page"),
                      row)) for row in db.execute(PAGES_SQL).fetchall()]
    per_site: dict[str | None, int] = {}
    chosen = []
    for page in pages:
        if per_site.get(page["site"], 0) < rules.pages_per_site:
            per_site[page["site"]] = per_site.get(page["site"], 0) + 1
            chosen.append(page)
    spam = {row[0]: (int(row[1] or 0), tuple(sorted(set((row[2] or "").split())))) for row in
            db.execute(SPAM_SQL).fetchall()} if "spam_findings" in db.table_names() else {}

    found: list[tuple[dict[str, Any], str, Marks]] = []
    for page in chosen:
        html = _page_html(warc_dir, page)
        if html is None:
            continue
        host = (urlsplit(page["url"]).hostname or "").lower()
        found.append((page, host, find_marks(html, rules)))
    # Where each 标识码 / ICP number appears on a government domain: the original a copy was taken from.
    original_hosts: dict[str, str] = {}
    for _page, host, marks in found:
        if host_status(host, rules)[0] == PASS:
            for key in filter(None, (marks.site_code, marks.icp and marks.icp[1])):
                original_hosts.setdefault(key, host)

    rows = []
    for page, host, marks in found:
        strings, domains = spam.get(page["id"], (0, ()))
        judged = judge_page(host, marks, spam_strings=strings, spam_domains=domains, original_hosts=original_hosts,
                            rules=rules)
        rows.append({
            "capture_id": page["id"], "site": page["site"], "host": host, "url": page["url"],
            "fetched_at": page["fetched_at"], "report_page": int(page["report_page"]), "verdict": judged.verdict,
            "why": judged.why, "organizer": marks.organizer, "body_region": judged.body_region,
            "site_code": marks.site_code, "icp": "".join(marks.icp) if marks.icp else None,
            "police_record": "".join(marks.police) if marks.police else None, "conac_mark": int(bool(marks.conac)),
            "spam_strings": strings, "copy_of": judged.copy_of, "evidence": judged.evidence_text(),
            "evidence_json": json.dumps(judged.evidence, ensure_ascii=False), "rules_version": rules.version})
    return rows


# The analysis runner's step (table, rows of the archive): rewritten whole, before coverage's.
STEPS = [(TABLE, site_verdict_rows)]


def update_official_sites(db: sqlite_utils.Database, warc_dir: Path | None = None) -> int:
    """Rewrite `site_verdicts` whole from the archive; returns the number of pages judged."""
    return replace_rows(db, TABLE, site_verdict_rows(db, warc_dir))
