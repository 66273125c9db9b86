"""Report metadata: title, agency, region, year, dates, index number.

Everything comes from the document's own words (crawler header, page header lines, title,
body sentences) and, when spam overwrote the body's name, from ``SpamReport.identity``.
The agency is given in simplified characters with its city/county prefix; the title is kept
as published.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from gkcrawl import vocabulary
from gkcrawl.extract import regions
from gkcrawl.extract.html_tree import parse_html
from gkcrawl.extract.normalize import to_simplified
from gkcrawl.extract.spam import collect_evidence, combine_evidence, remove_spam

from .dates import ARCHIVED_RE, CN_YEAR_RE, cn_year, find_published, first_date
from .result import SpamReport

# The words of bodies' names are data: gkcrawl/data/vocabulary/agency_words.yaml.
_AGENCY_WORDS = vocabulary.agency_words()
# Abbreviations expanded whatever the document spells (the official name is unambiguous).
ALWAYS_EXPAND: dict[str, str] = _AGENCY_WORDS.always_expand
# Expanded only when the document itself spells the full form with the same place prefix.
EXPAND_IF_SPELLED: dict[str, str] = _AGENCY_WORDS.expand_if_spelled
AGENCY_SUFFIXES: tuple[str, ...] = _AGENCY_WORDS.suffixes
# A unit's name ending -> the body it reports as (镇 -> 人民政府, 街道 -> 办事处).
UNIT_BODIES: dict[str, str] = _AGENCY_WORDS.unit_bodies
_SUFFIX_RE = "|".join(re.escape(suffix) for suffix in AGENCY_SUFFIXES)
_CJK = r"\u4e00-\u9fff"
_INDEX_RE = re.compile(r"索\s*引\s*号\s*[:：]?\s*([0-9A-Za-z][0-9A-Za-z/\-－_]{3,60})")
_YEAR_PERIOD_RE = re.compile(r"(?:统计期限|统计时限|统计期|统计时间|统计区间|数据统计)"
                             r"[^。]{0,20}?(\d{4})\s*年\s*1\s*月\s*1\s*日")
_YEAR_REPORT_RE = re.compile(r"(\d{4})\s*年度?(?:政府信息公开|政务公开|信息公开)[^。，,]{0,12}报告")
_YEAR_OPENING_RE = re.compile(r"(?:总体情况|概述)\s*\n?\s*(\d{4})\s*年[,，、]")
_HEADER_TITLE_RE = re.compile(r"^\s*标\s*题\s*[:：]\s*(.+?)\s*$", re.MULTILINE)


def extract_meta(
    text: str,
    html: str | None,
    url: str | None,
    title_hint: str | None,
    spam: SpamReport | None,
) -> dict[str, Any]:
    """Return {title, agency, region, year, published, archived, index_no}; a field the
    document does not give is None."""
    tree = parse_html(html)
    page_text = _page_text(tree)
    # The page header (索引号, 发布日期) may be gone from a cleaned ``text``: read the page too.
    simple = to_simplified(f"{remove_spam(page_text)}\n{text or ''}" if page_text else text or "")
    title = find_title(text or "", tree, title_hint)
    identity = spam.identity if spam and spam.identity else None
    agency = find_agency(simple, to_simplified(title) if title else None, identity)
    if agency and agency[0] in "市县区" and not regions.region_from_name(agency):
        place = place_from_evidence(agency[0], simple, url)
        if place:
            agency = place + agency[1:]  # 市财政局 -> 宁安市财政局, as the page's own codes say
    region = None
    national = bool(agency) and is_national(agency or "")  # its site is in Beijing; it has no region
    if agency and not national:
        region = regions.region_from_name(agency, hint=identity["region"] if identity else None)
    if not region and identity and not national:
        region = identity.get("region")
    if not region and (not title or "报告" in to_simplified(title)) and not national:
        # No body named with its place: the codes the page prints (邮编, 区号, 索引号) decide,
        # down to the county when the body's name or the page's county codes say which.
        region = county_from_evidence(agency or "", simple, url)
    return {
        "title": title,
        "agency": agency,
        "region": region,
        "year": find_year(simple, to_simplified(title) if title else None),
        "published": find_published(simple, tree, html, url, body_text=to_simplified(text or "")),
        "archived": first_date(ARCHIVED_RE, simple),
        "index_no": find_index_no(simple),
    }


# One level of a region name: 黑龙江省 | 牡丹江市 | 宁安市.
_REGION_PART_RE = re.compile(r".+?(?:特别行政区|自治区|自治州|自治县|地区|省|市|县|区|旗|盟)")
# Evidence that names the body's own county or city, not just the city it sits in.
_SPECIFIC_EVIDENCE = ("index_no", "public_security_record")


def place_from_evidence(lead: str, simple: str, url: str | None) -> str | None:
    """The place a body titled `市…`/`县…`/`区…` belongs to, from the codes its page prints
    (索引号 and 公网安备 name the county; postal and area codes only the city), when the
    evidence agrees; None when it does not settle the place."""
    evidence = collect_evidence(simple, url)
    best, conflicts = combine_evidence(evidence)
    if not best or conflicts:
        return None
    specific = [e["points_to"] for e in evidence
                if e["kind"] in _SPECIFIC_EVIDENCE and e["points_to"].startswith(best)]
    for region in [*sorted(set(specific), key=len, reverse=True), best]:
        parts = _REGION_PART_RE.findall(region)
        if parts and parts[-1].endswith(lead) and len(parts) > 1:
            return parts[-1]
    return None


# A township or street office lies inside one county, whose portal's codes name it.
_TOWNSHIP_RE = re.compile(r"(?:镇|乡|街道)(?:人民政府|办事处)$")


def county_from_evidence(agency: str, simple: str, url: str | None) -> str | None:
    """The region of a body whose name places it nowhere (``安仁乡人民政府``, ``武昌经济开发区
    管理委员会``): the city the page's codes agree on, then the county inside it that the
    name starts with (full or short name), else the county its 公网安备/索引号 or postal code
    names; the city alone when nothing names the county."""
    evidence = collect_evidence(simple, url)
    best, conflicts = combine_evidence(evidence)
    if not best or conflicts:
        return best
    city = _REGION_PART_RE.findall(best)[-1]
    if agency.startswith(city) or (len(city) > 2 and agency[:3] in (city[:2] + "州", city[:2] + "市", city[:2] + "盟")):
        return best  # 临夏州公安局: a body of the city itself, wherever its site is registered
    by_name = regions.county_within(agency, best) if agency else None
    if by_name:
        return by_name
    if not _TOWNSHIP_RE.search(agency):
        return best  # a zone or a city's body may span counties: its site's codes do not place it
    counties = {e["points_to"] for e in evidence
                if e["kind"] in _SPECIFIC_EVIDENCE and e["points_to"].startswith(best) and e["points_to"] != best}
    counties |= {c for e in evidence if e["kind"] == "postal_code"
                 for c in [regions.county_for_postal_code(e["value"])] if c and c.startswith(best) and c != best}
    return counties.pop() if len(counties) == 1 else best


_BLOCK_TAGS = ("br", "p", "div", "tr", "li", "table", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article")


def _page_text(tree: Any) -> str:
    """The page's visible text, one line per block element."""
    if tree is None:
        return ""
    for node in tree.iter("script", "style", "noscript", "template"):
        node.drop_tree()
    for node in tree.iter(*_BLOCK_TAGS):
        node.tail = "\n" + (node.tail or "")
    for node in tree.iter("td", "th"):
        node.tail = " " + (node.tail or "")
    return tree.text_content()


def _squeeze(line: str) -> str:
    """Drop the spaces PDF extraction puts around digits (``2023 年`` -> ``2023年``)."""
    return re.sub(r"(?<=\d)\s+(?=[年度])", "", line.strip())


def _plausible_title(candidate: str | None, *, need_report: bool = True) -> bool:
    """Mostly Chinese, long enough, not mojibake; a report's title when ``need_report``."""
    if not candidate:
        return False
    cjk = len(re.findall(rf"[{_CJK}]", candidate))
    if cjk < 6 or cjk / max(len(candidate), 1) <= 0.5:
        return False
    return "报告" in to_simplified(candidate) or not need_report


def find_title(text: str, tree: Any, title_hint: str | None) -> str | None:
    """The report's title: PDF/crawler hint, h1, <title>, 标题: header, first heading line."""
    candidates: list[str] = []
    if tree is not None:
        candidates += [h.text_content() for h in tree.iter("h1", "h2")]
        for node in tree.iter("title"):
            candidates += _title_parts(node.text_content())
    if title_hint:
        candidates += _title_parts(title_hint) if tree is not None else [title_hint]
    header = _HEADER_TITLE_RE.search(text[:2000])
    if header:
        candidates.append(header.group(1))
    candidates += _heading_lines(text)
    # A page whose only title is the body's sentence: 现公布《…报告》 / 现发布…报告，
    candidates += [m.group(1) for m in _ANNOUNCED_RE.finditer(text[:3000])]
    candidates = [_unlabelled(re.sub(r"\s+", " ", _squeeze(c))) for c in candidates]
    for need_report in (True, False):
        for candidate in candidates:
            if _plausible_title(candidate, need_report=need_report) and len(candidate) <= 80:
                return candidate
    return None


_ANNOUNCED_RE = re.compile(r"现(?:予以)?(?:公布|发布|印发|将)\s*《?([^《》，。,；;\n]{6,70}?报告)》?")
_TITLE_LABEL_RE = re.compile(r"^(?:标\s*题|名\s*称|题\s*名|文\s*件\s*名)\s*[:：]?\s*")
_FILE_EXTENSION_RE = re.compile(r"\.(?:docx?|pdf|wps|xlsx?|ofd|html?)\s*$", re.IGNORECASE)


def _unlabelled(candidate: str) -> str:
    """A title without the header's label (``标 题：``) or an attachment's file extension."""
    candidate = _TITLE_LABEL_RE.sub("", candidate.strip())
    candidate = _FILE_EXTENSION_RE.sub("", candidate).strip()
    if candidate.startswith("《") and candidate.endswith("》") and candidate.count("《") == 1:
        candidate = candidate[1:-1].strip()  # a title printed inside 《》
    return candidate


def _title_parts(title: str) -> list[str]:
    """A <title> is ``report title - site name``: each part, spam removed."""
    return [remove_spam(part) for part in re.split(r"\s+[-|｜—]+\s+|\s*[_|｜]\s*|\s*-\s*(?=[^\d])", title)]


def _heading_lines(text: str) -> list[str]:
    """Short lines near the top that read like a report title; a title broken over two
    lines (``洪泽区人民政府`` / ``2023 年…报告``) is joined."""
    lines = [line.strip() for line in text.splitlines()[:20]]
    found: list[str] = []
    for number, line in enumerate(lines):
        simple = to_simplified(line)
        if not line or len(line) > 70 or "报告" not in simple or re.search(r"[，。；,;]", line):
            continue
        if simple.startswith(("本报告", "根据", "一、", "按照")):
            continue
        if re.match(r"\d{4}\s*年", line) and number and lines[number - 1] and len(lines[number - 1]) <= 30:
            line = lines[number - 1] + line
        found.append(line)
    return found


def find_year(simple: str, title: str | None) -> int | None:
    """The reporting year: the title's year, else the statistics period, else the body."""
    if title and "报告" in title:
        match = re.search(r"(\d{4})\s*年", title)
        if match:
            return int(match.group(1))
        match = CN_YEAR_RE.search(title)  # 二〇二一年度
        if match and 1990 < cn_year(match.group(1)) < 2100:
            return cn_year(match.group(1))
    patterns: tuple[re.Pattern[str], ...] = (_YEAR_PERIOD_RE, _YEAR_REPORT_RE, _YEAR_OPENING_RE)
    if title and "报告" not in title:
        patterns = (_YEAR_PERIOD_RE,)  # a page that is no report names other reports' years
    for pattern in patterns:
        match = pattern.search(simple)
        if match and 1990 < int(match.group(1)) < 2100:
            return int(match.group(1))
    return None


def find_index_no(simple: str) -> str | None:
    match = _INDEX_RE.search(simple[:5000])
    return match.group(1) if match and re.search(r"\d", match.group(1)) else None


# --- agency ---------------------------------------------------------------------------

_PLACE_LEAD = rf"[{_CJK}]{{2,10}}?(?:省|市|县|区|州|盟|旗|实验区|新区)"
_TOWN_LEAD = rf"[{_CJK}]{{2,8}}?(?:镇|乡|街道)"
_AGENCY_RE = re.compile(rf"(?:{_PLACE_LEAD})+[{_CJK}]{{0,14}}?(?:{_SUFFIX_RE})")
_BY_RE = re.compile(rf"由([{_CJK}]{{4,40}}?)(?:政务公开领导小组办公室|政务公开领导小组|办公室)?"
                    r"(?:按照|根据|依据|编制|负责)")
_OPENING_RE = re.compile(rf"\d{{4}}\s*年\s*[,，]\s*([{_CJK}]{{4,30}}?(?:{_SUFFIX_RE}))")


def find_agency(simple: str, title: str | None, identity: dict[str, Any] | None) -> str | None:
    """The reporting body's full name, simplified, with its place prefix."""
    candidates: list[str] = []
    subject = title_subject(title) if title else ""
    if not subject:
        # ``2023年度…报告`` names no body; the sentence that announces it does (现公布永康市…报告).
        subject = next((s for m in _ANNOUNCED_RE.finditer(simple[:3000])
                        for s in [title_subject(m.group(1))]
                        if s and not s[:1].isdigit() and not s.startswith(_SELF_WORDS)), "")
    if subject:
        unit = unit_body(subject, simple)
        if unit:
            return unit
        candidates.append(subject)
    if identity and identity.get("agency"):
        candidates.append(identity["agency"])
    for pattern in (_BY_RE, _OPENING_RE):
        match = pattern.search(simple)
        if match:
            candidates.append(match.group(1))
    for candidate in candidates:
        agency = complete_agency(candidate, simple)
        if agency:
            return agency
    if title and "报告" not in title:
        return None  # not a report: the most named body is no reporting body
    printed = None
    if candidates and title:
        # A title naming a body of a place the region data does not know (a new district,
        # a town, a street office) still names the reporting body: keep it as printed.
        subject = to_simplified(candidates[0]).strip(" ：:，,")
        if subject.endswith(AGENCY_SUFFIXES) and (re.match(_PLACE_LEAD, subject) or re.match(_TOWN_LEAD, subject)):
            return full_form(subject, simple)
        if subject.endswith(AGENCY_SUFFIXES) and re.fullmatch(rf"[{_CJK}]{{2,30}}", subject):
            printed = full_form(subject, simple)  # ``县发展和改革局``: the document never names its place
    if printed is None and subject and is_national(subject):
        return full_form(subject, simple)
    counts = Counter(m.group() for m in _AGENCY_RE.finditer(simple))
    for name, _ in counts.most_common(5):
        agency = complete_agency(name, simple)
        if agency and (printed is None or agency.endswith(printed.lstrip("市县区"))):
            return agency
    return printed


def is_national(name: str) -> bool:
    """A central body (生态环境部, 国家统计局): no place of its own, a national name."""
    name = to_simplified(name or "").strip()
    if not re.fullmatch(rf"[{_CJK}]{{2,20}}", name) or regions.region_from_name(name) or _is_place(name[:3]):
        return False
    return name.startswith(_AGENCY_WORDS.national_prefixes) or name.endswith(_AGENCY_WORDS.national_suffixes)


def _is_place(name: str) -> bool:
    index = regions.load_regions()
    return (name in index.special or name in index.cities or name in index.counties
            or name in index.provinces)


def complete_agency(candidate: str, simple: str) -> str | None:
    """Give ``candidate`` its place prefix and full form from the document's own evidence;
    None when it names no body (``我局``, a bare office without place)."""
    name = to_simplified(candidate).strip(" ：:，,")
    if _is_place(name):
        name = _body_of_place(name, simple)
    for short, full in ALWAYS_EXPAND.items():
        if name.endswith(short):
            name = name[: -len(short)] + full
    name = _add_place_prefix(name, simple)
    name = _expand_if_spelled(name, simple)
    if not name.endswith(AGENCY_SUFFIXES):
        return None
    if name.startswith(("我", "本", "市", "县", "区")) and not regions.region_from_name(name):
        return None
    if not regions.region_from_name(name) and not _is_place(name[:3]):
        return None
    return name


def _body_of_place(place: str, simple: str) -> str:
    """A report titled by its place (``平潭综合实验区``) is the place's government."""
    counts = Counter(re.findall(re.escape(place) + r"(管委会|管理委员会|人民政府|行政公署)", simple))
    if counts:
        return place + counts.most_common(1)[0][0]
    if place in regions.load_regions().special:
        return place + "管理委员会"
    # A league or prefecture (阿拉善盟, 阿克苏地区) is governed by its 行政公署 (unit_bodies).
    return place + next((body for word, body in UNIT_BODIES.items()
                         if place.endswith(word) and body == "行政公署"), "人民政府")


def _add_place_prefix(name: str, simple: str) -> str:
    """``市城管执法局`` -> ``德阳市城管执法局``, ``洪泽区人民政府`` -> ``淮安市洪泽区人民政府``
    when the document spells the longer name."""
    core = name[1:] if name[:1] in "市县区" else name
    longer = Counter(re.findall(rf"([{_CJK}]{{2,8}}?)(?={re.escape(core)})", simple))
    best = None
    for prefix, _ in longer.most_common():
        for start in range(len(prefix)):
            piece = prefix[start:]
            if name[:1] in "市县区" and not piece.endswith(name[0]):
                piece = piece + name[0] if (piece + name[0]) in regions.load_regions().cities else piece
            if piece.rstrip("市县区") and (piece in regions.load_regions().cities or
                                          (piece.endswith(("市", "州")) and regions.find_city(piece))):
                candidate = piece + core if not core.startswith(piece) else core
                if name[:1] in "市县区" or regions.region_from_name(candidate):
                    best = candidate
                    break
        if best:
            break
    if best and (name[:1] in "市县区" or not regions.find_city(name)):
        return best
    return name


def _expand_if_spelled(name: str, simple: str) -> str:
    """``城管局`` -> ``城市管理局``, ``武昌经开区`` -> ``武昌经济开发区`` when the page spells the
    full form (with its 管委会 read as 管理委员会, as the name already is)."""
    spelled = _always_expanded(simple)
    for short, full in EXPAND_IF_SPELLED.items():
        if short in name and full not in name:
            expanded = name.replace(short, full)
            core = expanded
            for body in UNIT_BODIES.values():
                core = core.removesuffix(body)
            if expanded in spelled or (core != expanded and core in spelled):
                name = expanded
    return name


def _always_expanded(text: str) -> str:
    for short, full in ALWAYS_EXPAND.items():
        text = text.replace(short, full)
    return text


def full_form(name: str, simple: str) -> str:
    """A body's name as printed, with the abbreviations the vocabulary expands expanded."""
    for short, full in ALWAYS_EXPAND.items():
        if name.endswith(short):
            name = name[: -len(short)] + full
    return _expand_if_spelled(name, simple)


# --- units named without their body: towns, streets, development zones -----------------

_REPORT_WORDS_RE = re.compile(r"(?:政府信息公开|政务公开|信息公开|政府信息)")
# The body spelled right after a unit's name; ``政府信息公开`` is the report's words, not a body.
_BODY_AFTER_RE = re.compile(r"(人民政府|政府(?!信息)|办事处|管理委员会|管委会|街道办)")
_BODY_NAMES = {"政府": "人民政府", "管委会": "管理委员会", "街道办": "办事处"}
_UNIT_WORDS = tuple(sorted(UNIT_BODIES, key=len, reverse=True))
_SELF_WORDS = ("我", "本", "该", "全", "各")


def title_subject(title: str) -> str:
    """Who a report title names: the words before its year (``龙游县横山镇2023年…``), or
    between the year and the report's words (``2023年下各镇政府信息公开…``)."""
    simple = to_simplified(title)
    head = re.split(r"\s*(?:\d{4}\s*年|关于)", simple)[0].strip()
    # No year (``市府东路街道政府信息公开工作年度报告``): the name ends where the report's words
    # start (人民政府信息公开 keeps its 人民政府).
    head = re.split(r"(?<!人民)(?:政府信息公开|政务公开)|(?<!政府)信息公开", head)[0].strip()
    if len(head) >= 2:
        return head
    after = re.match(r"\s*\d{4}\s*年度?\s*(.+)", simple)
    if after:
        words = _REPORT_WORDS_RE.search(after.group(1))
        subject = after.group(1)[: words.start()] if words else ""
        if len(subject) >= 2 and re.fullmatch(rf"[{_CJK}]+", subject):
            return subject
    return head


def _place_prefix(name: str) -> tuple[str, str]:
    """(known place names leading ``name``, the rest): ``北京市大兴区魏善庄镇`` ->
    (``北京市大兴区``, ``魏善庄镇``)."""
    index = regions.load_regions()
    cut = 0
    while cut < len(name):
        for end in range(min(len(name), cut + 12), cut + 1, -1):
            piece = name[cut:end]
            if end < len(name) and (piece in index.counties or piece in index.cities
                                    or (piece in index.provinces and piece.endswith(("省", "市", "自治区")))):
                cut = end
                break
        else:
            break
    return name[:cut], name[cut:]


def _without_province(place: str, kept: str) -> str:
    """``安徽省亳州市利辛县`` -> ``亳州市利辛县`` unless the title itself leads with the province."""
    for province in set(regions.load_regions().provinces.values()):
        if place.startswith(province) and not kept.startswith(province) and province not in regions.MUNICIPALITIES:
            return place[len(province):]
    return place


def unit_body(subject: str, simple: str) -> str | None:
    """The body of a town, street or zone a title names without it (``下各镇``), with the
    longest place prefix and the body the page itself spells after the unit's name
    (``仙居县下各镇人民政府``); the vocabulary's default body when the page spells none."""
    subject = subject.strip(" ：:，,")
    if subject.endswith(AGENCY_SUFFIXES) or _is_place(subject) or subject.startswith(_SELF_WORDS):
        return None  # 我镇, 本街道: the page speaking of itself names no unit
    unit_word = next((w for w in _UNIT_WORDS if subject.endswith(w)), None)
    if unit_word is None:
        return None
    prefix, core = _place_prefix(subject)
    core = _expand_if_spelled(core, simple)
    if len(core) <= len(unit_word) or not re.fullmatch(rf"[{_CJK}]+", core):  # 镇 alone names no town
        return None
    spelled = _always_expanded(simple)
    places: list[str] = [prefix]
    bodies: Counter[str] = Counter()
    for match in re.finditer(re.escape(core), spelled):
        before = spelled[max(0, match.start() - 16):match.start()]
        for start in range(len(before)):
            found, rest = _place_prefix(before[start:] + core)
            if found and rest == core:
                places.append(found)
                break
        after = _BODY_AFTER_RE.match(spelled, match.end())
        if after:
            name = _BODY_NAMES.get(after.group(1), after.group(1))
            if not (unit_word == "街道" and name == "人民政府"):
                bodies[name] += 1
    # The longest place the page puts before the unit, as long as it agrees with the title's;
    # a province leading an address (安徽省亳州市利辛县…) is no part of a town's name.
    place = max((_without_province(p, prefix) for p in places if p.endswith(prefix)), key=len)
    body = bodies.most_common(1)[0][0] if bodies else UNIT_BODIES[unit_word]
    return place + core + body
