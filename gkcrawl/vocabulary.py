"""The vocabulary maintainers extend, read from ``gkcrawl/data/vocabulary/*.yaml``.

Row labels, markers, headings, spam terms, furniture rules, agency and discovery words and
CMS fingerprints are data, so adding a wording a report prints is a data change. Each file
is read, validated and compiled once per directory (cached); a bad entry fails with the
file and entry named. ``GKCRAWL_VOCABULARY_DIR`` points the loader at another directory
(a copy with one wording added, for a test). This module imports nothing else of gkcrawl:
every room may use it.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

ENV_DIR = "GKCRAWL_VOCABULARY_DIR"
FILES = ("labels", "markers", "headings", "template_markers", "spam_terms", "furniture",
         "agency_words", "discovery_words", "cms_fingerprints")

# The prefixes a wording may declare (see labels.yaml's header).
# A row's number in any style a report prints ("2.", "2、", "(2)", "二、", "(二)"; circled
# numbers are "2." once normalised): kept in the label's match so it never reads as the
# previous row's last value.
_NUMBER_STYLES = (r"(?:(?<![\d.])\d{1,2}|(?<![一二三四五六七八九十])[一二三四五六七八九十])\s*[.、．]"
                  r"|\(\s*(?:\d{1,2}|[一二三四五六七八九十])\s*\)")
_ORD = rf"(?:(?:{_NUMBER_STYLES})\s*)?"  # before a numbered sub-row label
_PAREN = _ORD  # before a numbered group row ("(三)不予公开")
_WORDING_KEYS = {"text", "regex", "year_word", "ordinal", "paren", "not_before", "not_after", "tail"}


class VocabularyError(ValueError):
    """A vocabulary file that cannot be used: names the file and the entry."""


def vocabulary_dir() -> Path:
    """``$GKCRAWL_VOCABULARY_DIR`` when set, else the files shipped in the package."""
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    return Path(str(resources.files("gkcrawl") / "data" / "vocabulary"))


def _where(directory: Path | None) -> Path:
    return directory if directory is not None else vocabulary_dir()


@lru_cache(maxsize=64)
def read_file(directory: Path, name: str, allowed: frozenset[str]) -> dict[str, Any]:
    """One file's mapping, its top-level keys checked against ``allowed``."""
    path = directory / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise VocabularyError(f"{path}: cannot read ({error})") from error
    except yaml.YAMLError as error:
        raise VocabularyError(f"{path}: not valid YAML ({error})") from error
    if not isinstance(data, dict):
        raise VocabularyError(f"{path}: must be a mapping of kinds to entries")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise VocabularyError(f"{path}: unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed))}")
    missing = sorted(allowed - set(data))
    if missing:
        raise VocabularyError(f"{path}: missing key(s) {', '.join(missing)}")
    return data


class _Entry:
    """Where an entry sits, for error messages: ``labels.yaml: rows.requests.new[1]``."""

    def __init__(self, directory: Path, name: str, entry: str) -> None:
        self.label = f"{directory / (name + '.yaml')}: {entry}"

    def item(self, number: int) -> _Entry:
        """The entry's ``number``-th list item."""
        child = _Entry.__new__(_Entry)
        child.label = f"{self.label}[{number}]"
        return child

    def fail(self, problem: str) -> VocabularyError:
        return VocabularyError(f"{self.label}: {problem}")

    def compile(self, pattern: str, flags: int = 0) -> re.Pattern[str]:
        try:
            return re.compile(pattern, flags)
        except re.error as error:
            raise self.fail(f"regex {pattern!r} does not compile ({error})") from error

    def strings(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise self.fail("must be a non-empty string or list of strings")
        return tuple(value)

    def text(self, value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail("must be a non-empty string")
        return value


# --- wordings: printed text with declared variants -> regex -----------------------------

def loose_text(text: str, entry: _Entry | None = None) -> str:
    """Regex for printed text: whitespace allowed between any two characters, ``[..]`` an
    optional word, ``、`` also matching ``.`` (``二、`` / ``二.``)."""
    tokens: list[tuple[bool, str]] = []  # (optional, text)
    position = 0
    for match in re.finditer(r"\[([^\[\]]+)\]", text):
        tokens.extend((False, ch) for ch in text[position:match.start()])
        tokens.append((True, match.group(1)))
        position = match.end()
    tokens.extend((False, ch) for ch in text[position:])
    if any(ch in "[]" for optional, ch in tokens if not optional) and entry is not None:
        raise entry.fail(f"text {text!r} has an unbalanced [ ]")
    parts: list[str] = []
    previous_optional = True  # nothing to separate the first token from
    for optional, piece in tokens:
        if not optional and piece.isspace():
            continue
        if not previous_optional:
            parts.append(r"\s*")
        if optional:
            parts.append(f"(?:{loose_text(piece)}\\s*)?")
        else:
            parts.append("[、.]" if piece == "、" else re.escape(piece))
        previous_optional = optional
    return "".join(parts)


def wording_regex(value: Any, entry: _Entry) -> str:
    """The regex source of one wording (a string or a mapping, see labels.yaml)."""
    if isinstance(value, str):
        value = {"text": value}
    if not isinstance(value, dict):
        raise entry.fail("a wording is a string or a mapping with text or regex")
    unknown = sorted(set(value) - _WORDING_KEYS)
    if unknown:
        raise entry.fail(f"unknown option(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_WORDING_KEYS))}")
    if ("text" in value) == ("regex" in value):
        raise entry.fail("give exactly one of text and regex")
    for flag in ("year_word", "ordinal", "paren"):
        if flag in value and not isinstance(value[flag], bool):
            raise entry.fail(f"{flag} must be true or false")
    if "text" in value:
        text = entry.text(value["text"])
        if value.get("year_word"):
            if "年" not in text:
                raise entry.fail("year_word needs a 年 in the text")
            text = text.replace("年", "年[度]", 1)
        body = loose_text(text, entry)
    else:
        body = entry.text(value["regex"])
        entry.compile(body)
    prefix = (_PAREN if value.get("paren") else "") + (_ORD if value.get("ordinal") else "")
    if "not_before" in value:
        prefix += f"(?<!{entry.text(value['not_before'])})"
    suffix = entry.text(value["tail"]) if "tail" in value else ""
    if "not_after" in value:
        suffix += f"(?!{entry.text(value['not_after'])})"
    source = prefix + body + suffix
    entry.compile(source)
    return source


def wordings_regex(value: Any, entry: _Entry, *, wrap: bool = True) -> str:
    """One regex for a list of wordings: each alternative wrapped ``(?:…)`` or joined bare."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise entry.fail("needs at least one wording")
    sources = [wording_regex(item, entry.item(n) if isinstance(value, list) else entry) for n, item in enumerate(items)]
    return "|".join(f"(?:{s})" for s in sources) if wrap else "|".join(sources)


def _words_regex(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(word) for word in words)


# --- the files ------------------------------------------------------------------------

@lru_cache(maxsize=1)
def row_ids() -> frozenset[str]:
    """Row ids of every template in cells.tsv (a cell key without its column)."""
    text = (resources.files("gkcrawl") / "data" / "cells.tsv").read_text(encoding="utf-8")
    keys = [row["key"] for row in csv.DictReader(text.splitlines(), delimiter="\t")]
    return frozenset("appeals" if key.startswith("appeals.") else key.rsplit(".", 1)[0] for key in keys)


@lru_cache(maxsize=8)
def _labels(directory: Path) -> dict[str, re.Pattern[str]]:
    data = read_file(directory, "labels", frozenset({"rows"}))
    rows = data["rows"]
    if not isinstance(rows, dict):
        raise _Entry(directory, "labels", "rows").fail("must map row ids to wordings")
    known = row_ids()
    labels: dict[str, re.Pattern[str]] = {}
    for row_id, wordings in rows.items():
        entry = _Entry(directory, "labels", f"rows.{row_id}")
        if row_id not in known:
            raise entry.fail("is no row id of gkcrawl/data/cells.tsv")
        labels[row_id] = entry.compile(wordings_regex(wordings, entry))
    return labels


def labels(directory: Path | None = None) -> dict[str, re.Pattern[str]]:
    """Row id -> the pattern of its printed label(s)."""
    return _labels(_where(directory))


@lru_cache(maxsize=8)
def _markers(directory: Path) -> re.Pattern[str]:
    data = read_file(directory, "markers", frozenset({"markers"}))
    entry = _Entry(directory, "markers", "markers")
    return entry.compile(wordings_regex(data["markers"], entry))


def markers(directory: Path | None = None) -> re.Pattern[str]:
    """Headings inside the tables that end a row's values and hold none."""
    return _markers(_where(directory))


@dataclass(frozen=True)
class Headings:
    """Section headings of parts 二/三/四 and the table end, their fallbacks, part 四's words."""

    sections: dict[str, re.Pattern[str]]
    fallbacks: dict[str, re.Pattern[str]]
    appeals_header: re.Pattern[str]
    appeals_result_names: tuple[str, ...]


_SECTION_NAMES = frozenset({"active", "requests", "appeals", "end"})


@lru_cache(maxsize=8)
def _headings(directory: Path) -> Headings:
    data = read_file(directory, "headings", frozenset({"sections", "fallbacks", "appeals_header",
                                                       "appeals_result_names"}))
    found: dict[str, dict[str, re.Pattern[str]]] = {}
    for kind, names in (("sections", _SECTION_NAMES), ("fallbacks", _SECTION_NAMES - {"end"})):
        table = data[kind]
        entry = _Entry(directory, "headings", kind)
        if not isinstance(table, dict) or set(table) != names:
            raise entry.fail(f"must give exactly {', '.join(sorted(names))}")
        found[kind] = {}
        for name, value in table.items():
            sub = _Entry(directory, "headings", f"{kind}.{name}")
            found[kind][name] = sub.compile(wordings_regex(value, sub, wrap=False))
    header = _Entry(directory, "headings", "appeals_header")
    names_entry = _Entry(directory, "headings", "appeals_result_names")
    return Headings(found["sections"], found["fallbacks"],
                    header.compile(wordings_regex(data["appeals_header"], header, wrap=False)),
                    names_entry.strings(data["appeals_result_names"]))


def headings(directory: Path | None = None) -> Headings:
    return _headings(_where(directory))


@dataclass(frozen=True)
class TemplateMarkers:
    """Words telling the 2019 and 2021 formats apart, table evidence, the two notices."""

    markers_2021: list[re.Pattern[str]]
    markers_2019: list[re.Pattern[str]]
    table_evidence: list[re.Pattern[str]]
    notice_2021: re.Pattern[str]
    notice_2019: re.Pattern[str]


@lru_cache(maxsize=8)
def _template_markers(directory: Path) -> TemplateMarkers:
    kinds = ("markers_2021", "markers_2019", "table_evidence", "notice_2021", "notice_2019")
    data = read_file(directory, "template_markers", frozenset(kinds))
    lists: dict[str, list[re.Pattern[str]]] = {}
    for kind in kinds[:3]:
        values = data[kind]
        if not isinstance(values, list) or not values:
            raise _Entry(directory, "template_markers", kind).fail("must be a non-empty list")
        lists[kind] = []
        for number, value in enumerate(values):
            entry = _Entry(directory, "template_markers", f"{kind}[{number}]")
            lists[kind].append(entry.compile(wording_regex(value, entry)))
    notices = {}
    for kind in kinds[3:]:
        entry = _Entry(directory, "template_markers", kind)
        notices[kind] = entry.compile(wording_regex(data[kind], entry))
    return TemplateMarkers(lists["markers_2021"], lists["markers_2019"], lists["table_evidence"],
                           notices["notice_2021"], notices["notice_2019"])


def template_markers(directory: Path | None = None) -> TemplateMarkers:
    return _template_markers(_where(directory))


@dataclass(frozen=True)
class SpamTerms:
    """Spam vocabulary: strong terms, weak terms, trusted domain suffixes, and the words that
    mark a chain segment as the site's own name (``site_words``)."""

    strong: tuple[str, ...]
    weak: tuple[str, ...]
    trusted_suffixes: tuple[str, ...]
    site_words: tuple[str, ...] = ()


@lru_cache(maxsize=8)
def _spam_terms(directory: Path) -> SpamTerms:
    data = read_file(directory, "spam_terms", frozenset({"strong", "weak", "trusted_suffixes", "site_words"}))
    return SpamTerms(*(_Entry(directory, "spam_terms", kind).strings(data[kind])
                       for kind in ("strong", "weak", "trusted_suffixes", "site_words")))


def spam_terms(directory: Path | None = None) -> SpamTerms:
    return _spam_terms(_where(directory))


@dataclass(frozen=True)
class Furniture:
    """Furniture line rules, and the breadcrumb/report-start words of flattened pages."""

    line_rules: tuple[re.Pattern[str], ...]
    breadcrumb: re.Pattern[str]
    report_start: re.Pattern[str]


@lru_cache(maxsize=8)
def _furniture(directory: Path) -> Furniture:
    data = read_file(directory, "furniture", frozenset({"line_rules", "breadcrumbs", "report_starts"}))
    rules = data["line_rules"]
    if not isinstance(rules, list) or not rules:
        raise _Entry(directory, "furniture", "line_rules").fail("must be a non-empty list")
    compiled = []
    for number, rule in enumerate(rules):
        entry = _Entry(directory, "furniture", f"line_rules[{number}]")
        if not isinstance(rule, dict) or set(rule) - {"words", "regex", "at_start"} \
                or ("words" in rule) == ("regex" in rule):
            raise entry.fail("a rule is a mapping with words or regex, and optionally at_start")
        source = _words_regex(entry.strings(rule["words"])) if "words" in rule else entry.text(rule["regex"])
        if rule.get("at_start"):
            source = rf"^\s*(?:{source})"
        compiled.append(entry.compile(source))
    crumbs = _Entry(directory, "furniture", "breadcrumbs").strings(data["breadcrumbs"])
    starts = _Entry(directory, "furniture", "report_starts").strings(data["report_starts"])
    return Furniture(tuple(compiled), re.compile(rf"^\s*(?:{_words_regex(crumbs)})[:：]"),
                     re.compile(_words_regex(starts)))


def furniture(directory: Path | None = None) -> Furniture:
    return _furniture(_where(directory))


@dataclass(frozen=True)
class AgencyWords:
    """How reporting bodies' names end and which abbreviations expand."""

    suffixes: tuple[str, ...]
    always_expand: dict[str, str]
    expand_if_spelled: dict[str, str]
    # The body a unit named without one reports as (``下各镇`` -> ``下各镇人民政府``).
    unit_bodies: dict[str, str] = field(default_factory=dict)
    # How a central body's name starts or ends (生态环境部, 国家统计局): it has no region.
    national_prefixes: tuple[str, ...] = ()
    national_suffixes: tuple[str, ...] = ()


@lru_cache(maxsize=8)
def _agency_words(directory: Path) -> AgencyWords:
    data = read_file(directory, "agency_words",
                     frozenset({"suffixes", "always_expand", "expand_if_spelled", "unit_bodies",
                                "national_prefixes", "national_suffixes"}))
    expansions = []
    for kind in ("always_expand", "expand_if_spelled", "unit_bodies"):
        table = data[kind]
        if not isinstance(table, dict) or not all(isinstance(k, str) and isinstance(v, str) and k and v
                                                   for k, v in table.items()):
            raise _Entry(directory, "agency_words", kind).fail("must map abbreviations to full forms")
        expansions.append(dict(table))
    always, if_spelled, units = expansions
    return AgencyWords(_Entry(directory, "agency_words", "suffixes").strings(data["suffixes"]), always, if_spelled,
                       units,
                       _Entry(directory, "agency_words", "national_prefixes").strings(data["national_prefixes"]),
                       _Entry(directory, "agency_words", "national_suffixes").strings(data["national_suffixes"]))


def agency_words(directory: Path | None = None) -> AgencyWords:
    return _agency_words(_where(directory))


@dataclass(frozen=True)
class DiscoveryWords:
    """The crawler's link and title words, compiled as discovery.py uses them."""

    fold: dict[int, int]
    report_patterns: list[re.Pattern[str]]
    not_report_anywhere: re.Pattern[str]
    not_report_after_year: re.Pattern[str]
    ogi_words: re.Pattern[str]
    open_affairs_report: re.Pattern[str]
    section_words: tuple[str, ...]
    section_url: re.Pattern[str]
    column_words: tuple[str, ...]
    column_url: re.Pattern[str]
    pagination_words: tuple[str, ...]
    pagination_exact: tuple[str, ...]
    more_link: re.Pattern[str]


_DISCOVERY_KINDS = frozenset({"fold", "report_patterns", "open_affairs_report_pattern", "ogi_words", "not_report_words",
                              "not_report_after_year_words", "section_words", "section_url_dirs", "column_words",
                              "column_url_words", "pagination_words", "pagination_exact", "more_words"})


@lru_cache(maxsize=8)
def _discovery_words(directory: Path) -> DiscoveryWords:
    data = read_file(directory, "discovery_words", _DISCOVERY_KINDS)

    def words(kind: str) -> tuple[str, ...]:
        return _Entry(directory, "discovery_words", kind).strings(data[kind])

    def compiled(kind: str, source: str, flags: int = 0) -> re.Pattern[str]:
        return _Entry(directory, "discovery_words", kind).compile(source, flags)

    fold = data["fold"]
    if not isinstance(fold, dict) or not all(isinstance(k, str) and isinstance(v, str) and len(k) == len(v) == 1
                                             for k, v in fold.items()):
        raise _Entry(directory, "discovery_words", "fold").fail("must map single characters to single characters")
    reports = [compiled(f"report_patterns[{n}]", p) for n, p in enumerate(words("report_patterns"))]
    return DiscoveryWords(
        fold=str.maketrans("".join(fold), "".join(fold.values())),
        report_patterns=reports,
        not_report_anywhere=compiled("not_report_words", _words_regex(words("not_report_words"))),
        not_report_after_year=compiled("not_report_after_year_words",
                                       _words_regex(words("not_report_after_year_words"))),
        ogi_words=compiled("ogi_words", _words_regex(words("ogi_words"))),
        open_affairs_report=compiled("open_affairs_report_pattern",
                                     _Entry(directory, "discovery_words", "open_affairs_report_pattern")
                                     .text(data["open_affairs_report_pattern"])),
        section_words=words("section_words"),
        section_url=compiled("section_url_dirs", rf"/(?:{_words_regex(words('section_url_dirs'))})(?:/|_|\.|$)", re.I),
        column_words=words("column_words"),
        column_url=compiled("column_url_words", f"(?:{_words_regex(words('column_url_words'))})", re.I),
        pagination_words=words("pagination_words"),
        pagination_exact=words("pagination_exact"),
        more_link=compiled("more_words", rf"^[\[【(（<]?(?:{_words_regex(words('more_words'))})[\s>»+\]】)）.…》>]*$",
                           re.I),
    )


def discovery_words(directory: Path | None = None) -> DiscoveryWords:
    return _discovery_words(_where(directory))


@dataclass(frozen=True)
class CmsFingerprints:
    """What CMS families print, compiled as strategies.py and list_endpoints.py use it."""

    trs_call: re.Pattern[str]
    hanweb_proxy_url: re.Pattern[str]
    hanweb_keys: tuple[str, ...]
    analytics: re.Pattern[str]
    page_field: re.Pattern[str]
    size_field: re.Pattern[str]
    api_literal: re.Pattern[str]
    json_title_keys: tuple[str, ...]
    json_url_keys: tuple[str, ...]
    json_total_keys: tuple[str, ...]
    record_count_field: re.Pattern[str]
    page_count_field: re.Pattern[str]


_CMS_KINDS = frozenset({"trs_pager_function", "hanweb_proxy", "hanweb_keys", "analytics_scripts", "page_fields",
                        "size_fields", "api_url_words", "json_title_keys", "json_url_keys", "json_total_keys",
                        "record_count_fields", "page_count_fields"})


@lru_cache(maxsize=8)
def _cms_fingerprints(directory: Path) -> CmsFingerprints:
    data = read_file(directory, "cms_fingerprints", _CMS_KINDS)

    def entry(kind: str) -> _Entry:
        return _Entry(directory, "cms_fingerprints", kind)

    def fields(kind: str) -> re.Pattern[str]:
        names = entry(kind).strings(data[kind])
        for name in names:
            entry(kind).compile(name)
        return entry(kind).compile(f"^(?:{'|'.join(names)})$", re.I)

    trs = re.escape(entry("trs_pager_function").text(data["trs_pager_function"]))
    proxy = re.escape(entry("hanweb_proxy").text(data["hanweb_proxy"]))
    api = _words_regex(entry("api_url_words").strings(data["api_url_words"]))
    return CmsFingerprints(
        # The call, not the function's definition (`function createPageHTML(_nPageCount, ...)`).
        trs_call=entry("trs_pager_function").compile(rf"(?<!function ){trs}\(([^()]*)\)"),
        hanweb_proxy_url=entry("hanweb_proxy").compile(rf"""[^\s'"<>()]*{proxy}[^\s'"<>()]*""", re.I),
        hanweb_keys=entry("hanweb_keys").strings(data["hanweb_keys"]),
        analytics=entry("analytics_scripts").compile(
            f"(?:{_words_regex(entry('analytics_scripts').strings(data['analytics_scripts']))})", re.I),
        page_field=fields("page_fields"),
        size_field=fields("size_fields"),
        api_literal=entry("api_url_words").compile(
            rf"""(["'])((?:[^"'\s<>]*?)(?:{api})[^"'\s<>]*)\1""", re.I),
        json_title_keys=entry("json_title_keys").strings(data["json_title_keys"]),
        json_url_keys=entry("json_url_keys").strings(data["json_url_keys"]),
        json_total_keys=entry("json_total_keys").strings(data["json_total_keys"]),
        record_count_field=fields("record_count_fields"),
        page_count_field=fields("page_count_fields"),
    )


def cms_fingerprints(directory: Path | None = None) -> CmsFingerprints:
    return _cms_fingerprints(_where(directory))


def load_all(directory: Path | None = None) -> dict[str, Any]:
    """Every file read and validated: the first bad entry raises VocabularyError."""
    where = _where(directory)
    return {"labels": labels(where), "markers": markers(where), "headings": headings(where),
            "template_markers": template_markers(where), "spam_terms": spam_terms(where),
            "furniture": furniture(where), "agency_words": agency_words(where),
            "discovery_words": discovery_words(where), "cms_fingerprints": cms_fingerprints(where)}
