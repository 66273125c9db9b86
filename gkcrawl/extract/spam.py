"""Injected gambling/SEO spam: find it, remove it, recover the identity it overwrote.

Hijacked portal copies replace a place name with a keyword chain
(``在哪个应用商店能下载365_英国365下载_bat365软件下载`` where ``朔州市`` stood) and swap the
portal address for a spam domain. Detection is by vocabulary a maintainer extends in
``gkcrawl/data/vocabulary/spam_terms.yaml``: strong terms flag a string on their own, weak
terms (words a real report also uses: 下载, 彩票, 澳门, 365) count only inside an
underscore-joined chain or next to a strong term.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from gkcrawl import vocabulary

from . import regions
from .html_tree import parse_html
from .mirror_marks import reading_spans
from .normalize import to_simplified
from .spam_report import SpamReport

# The terms are data: gkcrawl/data/vocabulary/spam_terms.yaml.
_TERMS = vocabulary.spam_terms()
STRONG_TERMS: tuple[str, ...] = _TERMS.strong
WEAK_TERMS: tuple[str, ...] = _TERMS.weak
# Government and public-interest domains a report may name as its own site.
TRUSTED_SUFFIXES: tuple[str, ...] = _TERMS.trusted_suffixes

_TERMS_RE = re.compile(
    "|".join(re.escape(t) for t in sorted(STRONG_TERMS + WEAK_TERMS, key=len, reverse=True)),
    re.IGNORECASE,
)
_STRONG = {t.lower() for t in STRONG_TERMS}
# A chain segment naming the site itself (its title, column or portal name) is no keyword.
_SITE_WORDS_RE = re.compile("|".join(re.escape(w) for w in _TERMS.site_words) or r"(?!)")
# A chain: runs with no space or punctuation, joined by underscores.
_SEGMENT_CHAR = r"[^\s_，。；：、,.;:（）()《》<>“”\"'【】\[\]|｜/]"
_SEGMENT = _SEGMENT_CHAR + "+"
# A chain starts where a segment starts: without the lookbehind every position inside a long
# run without punctuation retried the whole run (quadratic; 16,000 characters took seconds).
_CHAIN_RE = re.compile(rf"(?<!{_SEGMENT_CHAR}){_SEGMENT}(?:_{_SEGMENT})+")
_STRONG_RE = re.compile("|".join(re.escape(t) for t in STRONG_TERMS), re.IGNORECASE)
# A DNS label is at most 63 characters and a site's name has few labels: the bounds keep a
# long run of letters, digits, hyphens and dots from being rescanned from every hyphen in it.
_DOMAIN_RE = re.compile(r"(?<![\w.@])((?:[a-z0-9-]{1,63}\.){1,8}(?:com|net|cn|org|cc|vip|top|xyz|info|me|co))(?![\w.])",
                        re.IGNORECASE)
_SITE_CONTEXT_RE = re.compile(r"(?:门户网站|网站|网址|网页)[^\n。]{0,12}$")


def find_spam(text: str, html: str | None, url: str | None) -> tuple[SpamReport, str]:
    """Return the spam report and the text with the spam strings removed.

    Positions are offsets into ``text`` as given; the removed text keeps everything else
    byte for byte. A body whose name the spam overwrote gets ``identity`` from evidence.
    """
    spans = spam_spans(text)
    report = SpamReport()
    report.positions = [{"string": text[s:e], "start": s, "end": e} for s, e in spans]
    report.strings = list(dict.fromkeys(text[s:e] for s, e in spans))
    for head_text in _head_texts(html):
        for start, end in spam_spans(head_text):
            if head_text[start:end] not in report.strings:
                report.strings.append(head_text[start:end])
    report.found = bool(report.strings)
    report.spam_domains = _spam_domains(text, html, url, found=report.found)
    if report.spam_domains:
        report.found = True
    cleaned = _remove(text, spans)
    if report.found:
        report.identity = recover_identity(cleaned, url, spans=spans, original=text,
                                           exclude_domains=report.spam_domains)
    return report, cleaned


def spam_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every spam string in ``text``, merged and sorted. Traditional
    characters are matched through their simplified form (same length, same offsets)."""
    simple = to_simplified(text)
    probe = simple if len(simple) == len(text) else text
    return _merge(_chain_spans(probe) + _strong_spans(probe) + _repeated_chain_spans(probe)
                  + reading_spans(probe))  # a mirror's pinyin marks (mirror_marks.py)


def remove_spam(text: str) -> str:
    """``text`` without its spam strings (for text re-extracted from the page's HTML)."""
    return _remove(text, spam_spans(text))


def _head_texts(html: str | None) -> list[str]:
    """The page's <title> and meta keywords/description: SEO spam's favourite places,
    which the body text may not include."""
    tree = parse_html(html)
    if tree is None:
        return []
    texts = [node.text_content() for node in tree.iter("title")]
    texts += [node.get("content") or "" for node in tree.iter("meta")
              if (node.get("name") or "").lower() in ("keywords", "description")]
    return texts


def _term_hits(segment: str) -> list[re.Match[str]]:
    return list(_TERMS_RE.finditer(segment))


def _chain_spans(text: str) -> list[tuple[int, int]]:
    """Underscore chains whose segments carry spam words, cut to the words' extent."""
    spans: list[tuple[int, int]] = []
    runs = _ascii_runs(text)
    for chain in _CHAIN_RE.finditer(text):
        segments = chain.group().split("_")
        hits_per_segment = [_term_hits(s) for s in segments]
        with_terms = sum(1 for s, hits in zip(segments, hits_per_segment) if hits and not _SITE_WORDS_RE.search(s))
        strong = any(h.group().lower() in _STRONG for hits in hits_per_segment for h in hits)
        if with_terms < 2 or not (strong or with_terms >= 3):
            continue
        first_hits, last_hits = hits_per_segment[0], hits_per_segment[-1]
        start = chain.start() + (first_hits[0].start() if first_hits else len(segments[0]) + 1)
        last_offset = chain.end() - len(segments[-1])
        end = last_offset + last_hits[-1].end() if last_hits else last_offset - 1
        start, end = _widen_ascii(runs, start, end)
        spans.append((start, end))
    return spans


# An underscore chain of this many segments repeated this often is injected even when its
# words are not in the vocabulary: reports do not repeat keyword chains.
REPEATED_CHAIN_SEGMENTS = 3
REPEATED_CHAIN_COUNT = 3


def _repeated_chain_spans(text: str) -> list[tuple[int, int]]:
    """Chains repeated in several places; the edges glued to different neighbours are cut
    to what every occurrence shares."""
    groups: dict[tuple[str, ...], list[re.Match[str]]] = {}
    for chain in _CHAIN_RE.finditer(text):
        segments = chain.group().split("_")
        if len(segments) >= REPEATED_CHAIN_SEGMENTS:
            groups.setdefault(tuple(segments[1:-1]), []).append(chain)
    spans: list[tuple[int, int]] = []
    for chains in groups.values():
        if len(chains) < REPEATED_CHAIN_COUNT:
            continue
        firsts = [c.group().split("_")[0] for c in chains]
        lasts = [c.group().split("_")[-1] for c in chains]
        head = _common_prefix([f[::-1] for f in firsts])
        tail = _common_prefix(lasts)
        for chain, first, last in zip(chains, firsts, lasts):
            spans.append((chain.start() + len(first) - len(head), chain.end() - len(last) + len(tail)))
    return spans


def _common_prefix(words: list[str]) -> str:
    prefix = words[0]
    for word in words[1:]:
        while not word.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


# A spam phrase is removed whole: from a strong term it grows over the spam words around it,
# across up to GAP_CHARS Chinese characters that are no word of the vocabulary (澳门[特区]赌场,
# 澳门博彩[业]网址) and across a separator between two of its parts (赌场,澳门), so no
# fragment such as 特区 or 业网址 is left behind. Each step looks at a bounded window.
GAP_CHARS = 2
_GAP_RE = re.compile(rf"[\u4e00-\u9fff]{{0,{GAP_CHARS}}}")
_SEPARATOR_RE = re.compile(r"[,，、_;；:：/|｜\s]{1,2}")
# A web address the phrase advertises ("网址：www.tyc888.com", "http://bet.example.com/x").
_ADDRESS_RE = re.compile(r"(?:https?://)?((?:[a-z0-9-]{1,63}\.){1,8}[a-z]{2,6})(?:/[\w./%?=&-]{0,200})?(?![\w.])",
                         re.IGNORECASE)
_LONGEST_TERM = max(len(t) for t in STRONG_TERMS + WEAK_TERMS)


def _strong_spans(text: str) -> list[tuple[int, int]]:
    """A strong term with the spam words, gaps and ASCII around it (``澳门威尼斯人官网``,
    ``澳门特区赌场,澳门博彩业网址``).

    How far a start grows back depends only on the start, how far an end grows on only
    the end: both are memoised, so a run of glued terms is walked once, not once per hit."""
    backs: dict[int, int] = {}
    forwards: dict[int, int] = {}
    runs = _ascii_runs(text)
    spans: list[tuple[int, int]] = []
    for hit in _STRONG_RE.finditer(text):
        start = _grown(hit.start(), backs, lambda at: _term_ending_at(text, at))
        end = _grown(hit.end(), forwards, lambda at: _term_starting_at(text, at))
        spans.append(_widen_ascii(runs, start, end))
    return spans


def _is_gap(piece: str) -> bool:
    return not piece or bool(_GAP_RE.fullmatch(piece))


def _spammy(segment: str) -> bool:
    """A segment beyond a separator belongs to the phrase only when it holds a strong term or
    is made of spam words alone (官方入口), never a report's own words (平台建设情况)."""
    if not segment or _STRONG_RE.search(segment):
        return bool(segment)
    at = 0
    while at < len(segment):
        term = _TERMS_RE.match(segment, at)
        if term is None:
            return False
        at = term.end()
    return True


_SEGMENT_AFTER_RE = re.compile(rf"{_SEGMENT_CHAR}{{1,40}}")
_SEGMENT_BEFORE_RE = re.compile(rf"{_SEGMENT_CHAR}{{1,40}}$")
_SEPARATOR_BEFORE_RE = re.compile(r"[,，、_;；:：/|｜\s]{1,2}$")


def _gap_term_before(text: str, at: int) -> int | None:
    """The start of the nearest spam word ending at ``at`` or a short gap before it."""
    best: int | None = None
    best_end = -1
    for term in _TERMS_RE.finditer(text, max(0, at - GAP_CHARS - _LONGEST_TERM), at):
        if term.end() > best_end and _is_gap(text[term.end():at]):
            best, best_end = term.start(), term.end()
    return best if best is not None and best < at else None


def _term_ending_at(text: str, at: int) -> int | None:
    """The start of the nearest spam word ending at ``at`` or a short gap before it, or of
    the last word of a spam segment across a separator before it."""
    found = _gap_term_before(text, at)
    if found is not None:
        return found
    separator = _SEPARATOR_BEFORE_RE.search(text[max(0, at - 2):at])
    if separator:
        before = at - len(separator.group())
        segment = _SEGMENT_BEFORE_RE.search(text[max(0, before - 40):before])
        if segment and _spammy(segment.group()):
            # Only the word touching the separator: growth goes on from there, so the
            # segment's own words before its spam stay (本机关澳门赌场 keeps 本机关).
            return _gap_term_before(text, before)
    return None


def _term_starting_at(text: str, at: int) -> int | None:
    """The end of the nearest spam word starting at ``at`` or a short gap after it, or of a
    spam segment or advertised address across a separator after it."""
    for offset in range(GAP_CHARS + 1):
        if not _is_gap(text[at:at + offset]):
            break
        term = _TERMS_RE.match(text, at + offset)
        if term:
            return term.end()
    separator = _SEPARATOR_RE.match(text, at)
    if separator:
        address = _ADDRESS_RE.match(text, separator.end())
        if address and not _trusted(address.group(1), None):
            return address.end()
        segment = _SEGMENT_AFTER_RE.match(text, separator.end())
        if segment and _spammy(segment.group()):
            first = _TERMS_RE.match(text, separator.end())
            return first.end() if first else None
    return None


def _grown(at: int, memo: dict[int, int], step: Callable[[int], int | None]) -> int:
    """Follow ``step`` from ``at`` until it stops; every position walked remembers the result."""
    walked: list[int] = []
    while at not in memo:
        walked.append(at)
        following = step(at)
        if following is None:
            break
        at = following
    final = memo.get(at, at)
    for position in walked:
        memo[position] = final
    return final


_ASCII_ALNUM_RE = re.compile(r"[A-Za-z0-9]+")


def _ascii_runs(text: str) -> tuple[list[int], list[int]]:
    """Starts and ends of the text's runs of ASCII letters and digits, in order."""
    runs = [(m.start(), m.end()) for m in _ASCII_ALNUM_RE.finditer(text)]
    return [s for s, _ in runs], [e for _, e in runs]


def _widen_ascii(runs: tuple[list[int], list[int]], start: int, end: int) -> tuple[int, int]:
    """Grow a span over the ASCII letters and digits glued to either side (in O(log n))."""
    starts, ends = runs
    index = bisect.bisect_right(starts, start - 1) - 1  # the run holding start - 1, if any
    if index >= 0 and ends[index] > start - 1 >= 0:
        start = min(start, starts[index])
    index = bisect.bisect_right(starts, end) - 1  # the run holding end, if any
    if index >= 0 and ends[index] > end:
        end = ends[index]
    return start, end


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _remove(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, cursor = [], 0
    for start, end in spans:
        pieces.append(text[cursor:start])
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _trusted(domain: str, own_host: str | None) -> bool:
    domain = domain.lower()
    if own_host and (domain == own_host or domain.endswith("." + own_host)):
        return True
    return domain.endswith(TRUSTED_SUFFIXES)


def _spam_domains(text: str, html: str | None, url: str | None, *, found: bool) -> list[str]:
    """Domains the page presents as its portal although they are no government site, and
    link targets whose anchor text is spam."""
    own_host = urlsplit(url).hostname if url else None
    domains: list[str] = []
    if found:
        for match in _DOMAIN_RE.finditer(text):
            domain = match.group(1)
            if _trusted(domain, own_host) or "@" in text[max(0, match.start() - 1):match.start()]:
                continue
            if _SITE_CONTEXT_RE.search(text[max(0, match.start() - 16):match.start()]):
                domains.append(domain.lower())
    tree = parse_html(html)
    if tree is not None:
        for link in tree.iter("a"):
            anchor = link.text_content() or ""
            host = urlsplit(link.get("href") or "").hostname
            if host and not _trusted(host, own_host) and _STRONG_RE.search(anchor):
                domains.append(host.lower())
    return list(dict.fromkeys(domains))


# --- identity recovery -------------------------------------------------------------------

_PROVINCE_CHARS = "京津沪渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川蜀贵黔云滇藏陕秦甘陇青宁新"
_POSTAL_RE = re.compile(r"邮\s*(?:政\s*)?编\s*(?:码\s*)?[:：]?\s*(\d{6})(?!\d)")
_PHONE_RE = re.compile(r"(?<![\d-])[（(]?(0\d{2,3})[）)]?\s*[-－—]?\s*\d{7,8}(?!\d)")
_ICP_RE = re.compile(rf"([{_PROVINCE_CHARS}])\s*ICP\s*备", re.IGNORECASE)
_PSB_RE = re.compile(rf"([{_PROVINCE_CHARS}])公网安备\s*(\d{{6}})\d*")
_INDEX_RE = re.compile(r"索\s*引\s*号\s*[:：]?\s*([0-9A-Za-z][0-9A-Za-z/\-－]{5,40})")


def collect_evidence(text: str, url: str | None = None,
                     exclude_domains: list[str] | None = None) -> list[dict[str, Any]]:
    """Every code in the document that names a place: postal code, telephone area code,
    ICP and 公网安备 record prefixes, 索引号 region code, government site domains (the page's
    own and those the text names, spam domains excluded), and the city the text names most."""
    evidence: list[dict[str, Any]] = []

    def add(kind: str, value: str, points_to: str | None) -> None:
        item = {"kind": kind, "value": value, "points_to": points_to}
        if points_to and item not in evidence:
            evidence.append(item)

    for match in _POSTAL_RE.finditer(text):
        add("postal_code", match.group(1), regions.region_for_postal_code(match.group(1)))
    for match in _PHONE_RE.finditer(text):
        code = match.group(1)
        place = regions.region_for_area_code(code) or regions.region_for_area_code(code[:3])
        add("area_code", code if regions.region_for_area_code(code) else code[:3], place)
    for match in _ICP_RE.finditer(text):
        add("icp_prefix", match.group(0).replace(" ", ""), regions.province_for_abbreviation(match.group(1)))
    for match in _PSB_RE.finditer(text):
        add("public_security_record", match.group(0), regions.region_for_adcode(match.group(2)))
    for match in _INDEX_RE.finditer(text):
        code = index_region_code(match.group(1))
        if code:
            add("index_no", match.group(1), regions.region_for_adcode(code))
    hosts = [urlsplit(url).hostname or ""] if url else []
    hosts += [m.group(1).lower() for m in _DOMAIN_RE.finditer(text) if m.group(1).lower().endswith(".gov.cn")]
    for host in dict.fromkeys(hosts):
        if host and host not in (exclude_domains or []):
            add("site_domain", host, regions.region_for_domain(host))
    city = _most_named_city(text)
    if city:
        add("name_in_text", city.city, city.region)
    return evidence


def index_region_code(index_no: str) -> str | None:
    """The adcode inside a 索引号: ``510600-2021-000510`` or a unified credit code prefix."""
    head = re.split(r"[-－/]", index_no)[0]
    if re.fullmatch(r"\d{6}", head) and regions.region_for_adcode(head):
        return head
    if re.fullmatch(r"\d{9}", head) and regions.region_for_adcode(head[:6]) and head[4:6] != "00":
        return head[:6]  # 620702081: a county's adcode and a unit's number (甘州区 portals)
    if re.fullmatch(r"[0-9A-Z]{18}", head.upper()) and regions.region_for_adcode(head[2:8]):
        return head[2:8]
    return None


def _most_named_city(text: str) -> regions.Division | None:
    counts = Counter(m.group() for m in regions.city_name_pattern().finditer(text))
    if not counts:
        return None
    return regions.find_city(counts.most_common(1)[0][0])


def _city_level(region: str) -> str:
    """Cut a region to province + prefecture-level city."""
    city = None
    for province in set(regions.load_regions().provinces.values()):
        if region.startswith(province):
            rest = region[len(province):]
            city = regions.find_city(rest)
            if province in regions.MUNICIPALITIES:
                return province
            return regions.join_region(province, city.city) if city else province
    return region


def combine_evidence(evidence: list[dict[str, Any]]) -> tuple[str | None, list[str]]:
    """The city-level region most evidence agrees with, and the evidence that disagrees."""
    if not evidence:
        return None, []
    candidates = {_city_level(e["points_to"]) for e in evidence}

    def support(region: str) -> tuple[int, int]:
        agreeing = sum(1 for e in evidence if region.startswith(_city_level(e["points_to"])))
        return agreeing, len(region)

    best = max(sorted(candidates), key=support)
    conflicts = [f'{e["kind"]} {e["value"]} points to {e["points_to"]}' for e in evidence
                 if not best.startswith(_city_level(e["points_to"]))]
    return best, conflicts


def recover_identity(text: str, url: str | None = None, *, spans: list[tuple[int, int]] | None = None,
                     original: str | None = None,
                     exclude_domains: list[str] | None = None) -> dict[str, Any] | None:
    """The body's region (and agency when the spam stood before 人民政府) from evidence."""
    evidence = collect_evidence(text, url, exclude_domains)
    region, conflicts = combine_evidence(evidence)
    if not region:
        return None
    identity: dict[str, Any] = {"region": region, "evidence": evidence}
    if conflicts:
        identity["conflicts"] = conflicts
    if spans and original:
        following = Counter(original[end:end + 4] for _, end in spans)
        if following and following.most_common(1)[0][0] == "人民政府":
            place = _place_name(region)
            if place:
                identity["agency"] = f"{place}人民政府"
    return identity


def _place_name(region: str) -> str | None:
    """The lowest level's name in a region string: ``山西省朔州市`` -> ``朔州市``."""
    for province in set(regions.load_regions().provinces.values()):
        if region.startswith(province):
            rest = region[len(province):]
            return rest.split("市", 1)[0] + "市" if "市" in rest else (rest or province)
    return None
