"""Coverage accounting: for every division of the shipped region data (province, city, county) and
every year the archive spans, does the archive hold its government's report, and was it on time?

The divisions come from gkcrawl/data/regions/divisions.csv (the `divisions` table); which report is
a government's own, and its deadline, from gkcrawl/data/coverage.yaml (the `government_reports`
table). The accounting itself is SQL: the `coverage` and `coverage_summary` views
(gkcrawl/archive/schema.py), so a newly archived report counts as soon as this step has run.

A report from a page judged a copy (site_verdicts: mirror, not_government) is listed but not counted:
run this step after `update_official_sites`.

A government report is matched to its division by the agency's own name (朔州市人民政府 ->
山西省朔州市), with the report's region as the hint for county names several provinces share; a
bare 人民政府 with no place name takes the report's region. `matched_by` says which.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import sqlite_utils
import yaml

from gkcrawl.archive.store import replace_rows
from gkcrawl.extract.regions import MUNICIPALITIES, load_regions, region_from_name

DIVISIONS, GOVERNMENT_REPORTS = "divisions", "government_reports"
# City rows that only group counties (市辖区, 省直辖县级行政区划): no government of their own.
_GROUPING = ("市辖区", "县", "市直辖行政区划", "省直辖县级行政区划", "自治区直辖县级行政区划")


@lru_cache(maxsize=1)
def load_rules() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(
        (resources.files("gkcrawl") / "data" / "coverage.yaml").read_text(encoding="utf-8"))
    raw["government_agency"] = [re.compile(p) for p in raw["government_agency"]]
    return raw


def division_rows() -> list[dict[str, str]]:
    """Every province, prefecture-level city and county-level division once, by its 行政区划代码."""
    rows: dict[str, dict[str, str]] = {}
    seen_regions: set[str] = set()
    for adcode, division in sorted(load_regions().by_adcode.items()):
        province, city, county = division.province, division.city, division.county
        if county:
            if county in _GROUPING:
                continue
            level = "county"
        elif city and city != province:
            if city in _GROUPING:
                continue
            level = "city"
        else:
            level = "province"
        region = division.region
        if region in seen_regions:
            continue
        seen_regions.add(region)
        rows[adcode] = {"adcode": adcode, "level": level, "province": province,
                        "city": "" if level == "province" or province in MUNICIPALITIES and not county else city,
                        "county": county, "region": region}
    return list(rows.values())


def is_government_agency(agency: str | None) -> bool:
    name = re.sub(r"\s+", "", agency or "")
    return any(p.search(name) for p in load_rules()["government_agency"])


def government_report_rows(db: sqlite_utils.Database, divisions: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The latest reports published by a division's government, with their division and deadline."""
    rules = load_rules()
    by_region = {d["region"]: d["adcode"] for d in divisions}
    verdicts = dict(db.execute("SELECT capture_id, verdict FROM site_verdicts").fetchall()) \
        if "site_verdicts" in db.table_names() else {}
    # The deadline by the regulation in force for the report's year (report_deadlines), where that step ran.
    deadlines = dict(db.execute("SELECT report_id, deadline FROM report_deadlines").fetchall()) \
        if "report_deadlines" in db.table_names() else {}
    rows = []
    for report_id, agency, region, year, published, site, capture_id in db.execute(
            "SELECT id, agency, region, year, published, site, capture_id FROM latest_reports "
            "WHERE year IS NOT NULL").fetchall():
        if not is_government_agency(agency) or int(year) < int(rules["first_year"]):
            continue
        named = region_from_name(re.sub(r"\s+", "", agency), hint=region)
        matched_by = "agency"
        if not named or named not in by_region:
            named, matched_by = region, "report region"
        adcode = by_region.get(named or "")
        if adcode is None:
            continue
        deadline = deadlines.get(report_id) or f"{int(year) + 1}-{rules['deadline_month_day']}"
        day = (published or "")[:10]
        on_time = (1 if day <= deadline else 0) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else None
        days_late = None
        if on_time == 0:
            days_late = int(db.execute("SELECT julianday(?) - julianday(?)", [day, deadline]).fetchone()[0])
        rows.append({"report_id": report_id, "adcode": adcode, "region": named, "year": int(year), "agency": agency,
                     "published": day or None, "deadline": deadline, "on_time": on_time, "days_late": days_late,
                     "matched_by": matched_by, "site": site, "source_verdict": verdicts.get(capture_id)})
    return rows


# The analysis runner's steps (table, rows of the archive), after the official-site step.
STEPS = [(DIVISIONS, lambda db: division_rows()),
         (GOVERNMENT_REPORTS, lambda db: government_report_rows(db, division_rows()))]


def update_coverage(db: sqlite_utils.Database) -> dict[str, int]:
    """Rewrite `divisions` and `government_reports` whole; returns rows per table."""
    divisions = division_rows()
    return {DIVISIONS: replace_rows(db, DIVISIONS, divisions),
            GOVERNMENT_REPORTS: replace_rows(db, GOVERNMENT_REPORTS, government_report_rows(db, divisions))}
