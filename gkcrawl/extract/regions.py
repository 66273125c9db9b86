"""China's administrative divisions and the codes that point to them.

Looks up the region (``湖南省常德市`` style: province + city + county) named by an agency name,
an adcode (索引号 / 公网安备 prefixes), a postal code, a telephone area code or a province
abbreviation (晋ICP备). Data: ``gkcrawl/data/regions/`` (see SOURCES.md there).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")
# City rows that only group a municipality's or a directly-governed city's counties.
_GROUPING_COUNTIES = ("市辖区", "县", "市直辖行政区划", "省直辖县级行政区划", "自治区直辖县级行政区划")


@dataclass(frozen=True)
class Division:
    adcode: str
    province: str
    city: str
    county: str

    @property
    def region(self) -> str:
        return join_region(self.province, self.city, self.county)


@dataclass
class RegionIndex:
    """Every lookup table, built once from the shipped CSV files."""

    by_adcode: dict[str, Division] = field(default_factory=dict)
    provinces: dict[str, str] = field(default_factory=dict)  # full name and short name -> full
    cities: dict[str, list[Division]] = field(default_factory=dict)  # city name -> divisions
    counties: dict[str, list[Division]] = field(default_factory=dict)  # county name -> divisions
    area_codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    postal_codes: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    abbreviations: dict[str, str] = field(default_factory=dict)
    special: dict[str, str] = field(default_factory=dict)  # zone name -> region string
    pinyin: dict[str, list[Division]] = field(default_factory=dict)  # "changde" -> divisions
    shorts: dict[str, list[Division]] = field(default_factory=dict)  # county short name -> divisions
    postal_counties: dict[str, set[str]] = field(default_factory=dict)  # postal code -> county names


def join_region(province: str, city: str = "", county: str = "") -> str:
    """``province + city + county`` without repeating a municipality's name."""
    parts = [province]
    if city and city != province and city not in _GROUPING_COUNTIES:
        parts.append(city)
    if county and county not in _GROUPING_COUNTIES:
        parts.append(county)
    return "".join(parts)


def _rows(name: str) -> list[dict[str, str]]:
    data = resources.files("gkcrawl") / "data" / "regions" / name
    return list(csv.DictReader(io.StringIO(data.read_text(encoding="utf-8"), newline="")))


@lru_cache(maxsize=1)
def load_regions() -> RegionIndex:
    """Read the region data files (cached: the data never changes at run time)."""
    index = RegionIndex()
    for row in _rows("divisions.csv"):
        division = Division(row["adcode"], row["province"], row["city"], row["county"])
        if row.get("pinyin") and division not in index.pinyin.get(row["pinyin"], []):
            index.pinyin.setdefault(row["pinyin"], []).append(division)
        if not row["city"]:
            index.provinces[row["province"]] = row["province"]
            index.provinces[row["short"]] = row["province"]
            index.by_adcode.setdefault(row["adcode"], division)
        elif not row["county"]:
            index.by_adcode[row["adcode"]] = division
            index.cities.setdefault(row["city"], []).append(division)
        else:
            index.by_adcode[row["adcode"]] = division
            if row["county"] not in _GROUPING_COUNTIES:
                index.counties.setdefault(row["county"], []).append(division)
                if len(row.get("short") or "") >= 2:
                    index.shorts.setdefault(row["short"], []).append(division)
    for row in _rows("area_codes.csv"):
        index.area_codes[row["area_code"]] = (row["province"], row["city"])
    for row in _rows("postal_codes.csv"):
        index.postal_codes.setdefault(row["postal_code"], set()).add((row["province"], row["city"]))
        index.postal_counties.setdefault(row["postal_code"], set()).add(row.get("county_as_listed") or "")
    for row in _rows("province_abbreviations.csv"):
        index.abbreviations[row["abbreviation"]] = row["province"]
    for row in _rows("special_regions.csv"):
        index.special[row["name"]] = row["region"]
    return index


def region_for_adcode(code: str) -> str | None:
    """``510600`` -> ``四川省德阳市``; None for a code that is no division."""
    if not re.fullmatch(r"\d{6}", code or ""):
        return None
    division = load_regions().by_adcode.get(code)
    return division.region if division else None


def region_for_postal_code(code: str) -> str | None:
    """``036000`` -> ``山西省朔州市``; None when unknown or shared by several cities."""
    places = load_regions().postal_codes.get(code)
    if not places or len(places) != 1:
        return None
    province, city = next(iter(places))
    return join_region(province, city)


def county_for_postal_code(code: str) -> str | None:
    """``236700`` -> ``安徽省亳州市利辛县`` when the code belongs to exactly one county that is
    still a division of its city (the data lists old county names); None otherwise."""
    index = load_regions()
    places = index.postal_codes.get(code)
    counties = index.postal_counties.get(code, set())
    if not places or len(places) != 1 or len(counties) != 1:
        return None
    province, city = next(iter(places))
    county = next(iter(counties))
    found = [d for d in index.counties.get(county, []) if d.city == city and d.province == province]
    return found[0].region if len(found) == 1 else None


def county_within(name: str, region: str) -> str | None:
    """The county-level division inside the city-level ``region`` that ``name`` starts with,
    by its full or short name (``番禺经济技术开发区…`` in 广东省广州市 -> 番禺区)."""
    index = load_regions()
    for prefix in _prefixes(name[:8]):
        shorts = index.shorts.get(prefix, [])
        if any(d.city.startswith(prefix) for d in shorts):
            shorts = []  # 临夏 is the prefecture (临夏州) as much as 临夏市
        found = {d.region for d in index.counties.get(prefix, []) + shorts
                 if d.region.startswith(region) and d.region != region}
        if len(found) == 1:
            return found.pop()
    return None


def region_for_area_code(code: str) -> str | None:
    """``0349`` -> ``山西省朔州市`` (telephone area code of a prefecture-level city)."""
    place = load_regions().area_codes.get(code)
    return join_region(*place) if place else None


# Host labels that never name a place.
_GENERIC_LABELS = {"www", "gov", "cn", "com", "net", "org", "zwgk", "xxgk", "zfxxgk", "http", "https"}


def region_for_domain(host: str) -> str | None:
    """``www.shuozhou.gov.cn`` -> ``山西省朔州市`` when a host label is the toneless pinyin of
    exactly one division's name (``xzsp.changde.gov.cn`` -> 湖南省常德市); None otherwise."""
    index = load_regions()
    found: set[str] = set()
    for label in (host or "").lower().split("."):
        if len(label) < 4 or label in _GENERIC_LABELS:
            continue
        divisions = index.pinyin.get(label, [])
        places = {d.region for d in divisions}
        if len(places) == 1:
            found |= places
    return found.pop() if len(found) == 1 else None


def province_for_abbreviation(char: str) -> str | None:
    """``晋`` -> ``山西省`` (the prefix of ICP and 公网安备 record numbers)."""
    return load_regions().abbreviations.get(char)


def _prefixes(text: str) -> list[str]:
    return [text[:end] for end in range(len(text), 1, -1)]


def find_city(name: str) -> Division | None:
    """The prefecture-level city a name starts with (``常德市行政审批服务局`` -> 常德市)."""
    index = load_regions()
    for prefix in _prefixes(name[:12]):
        found = index.cities.get(prefix)
        if found and len(found) == 1:
            return found[0]
    return None


def region_from_name(name: str, hint: str | None = None) -> str | None:
    """The region an agency's name places it in: ``海东市平安区政务服务中心`` ->
    ``青海省海东市平安区``. ``hint`` (a region from other evidence) picks among counties
    that share a name and confirms a bare county name."""
    if not name:
        return None
    index = load_regions()
    for zone, region in index.special.items():
        if name.startswith(zone):
            return region
    for prefix in _prefixes(name[:10]):
        if prefix in index.provinces and prefix.endswith(("省", "市", "自治区")):
            province = index.provinces[prefix]
            rest = name[len(prefix):]
            if province in MUNICIPALITIES:
                county = _county_at(rest, province=province)
                return join_region(province, province, county.county if county else "")
            city = find_city(rest)
            if city and city.province == province:
                county = _county_at(rest[len(city.city):], city=city.city)
                return join_region(province, city.city, county.county if county else "")
            return province
    city = find_city(name)
    if city:
        county = _county_at(name[len(city.city):], city=city.city)
        return join_region(city.province, city.city, county.county if county else "")
    county = _county_at(name, hint=hint)
    if county:
        return county.region
    return None


def _county_at(text: str, *, city: str | None = None, province: str | None = None,
               hint: str | None = None) -> Division | None:
    """The county-level division ``text`` starts with, inside ``city``/``province`` or
    consistent with ``hint`` when given; unique nationally otherwise."""
    index = load_regions()
    for prefix in _prefixes(text[:10]):
        candidates = index.counties.get(prefix, [])
        if city:
            candidates = [c for c in candidates if c.city == city]
        if province:
            candidates = [c for c in candidates if c.province == province]
        if hint:
            candidates = [c for c in candidates if c.region.startswith(hint) or hint.startswith(
                join_region(c.province, c.city))]
        if len(candidates) == 1:
            return candidates[0]
    return None


@lru_cache(maxsize=1)
def city_name_pattern() -> re.Pattern[str]:
    """One regex matching any prefecture-level city's full name (longest first)."""
    names = [n for n, found in load_regions().cities.items() if len(found) == 1 and len(n) > 2]
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
