"""One body across years: the agency name as printed, normalised, with its region.

A report for 2020 and one for 2021 are the same body's when their normalised agency names and
regions agree: full-width and half-width forms, spaces and traditional characters do not make
two bodies (`南通市行政審批局` is `南通市行政审批局`). The kind of body (a government or one of its
departments), which sets its deadline, is judged from the end of the name by the rules in
`gkcrawl/data/deadlines.yaml`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from gkcrawl.extract.normalize import normalize, to_simplified

from .reading import StoredReport

_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def deadline_rules() -> dict[str, Any]:
    """gkcrawl/data/deadlines.yaml, read once."""
    text = resources.files("gkcrawl").joinpath("data", "deadlines.yaml").read_text(encoding="utf-8")
    rules: dict[str, Any] = yaml.safe_load(text)
    return rules


@lru_cache(maxsize=1)
def _kind_words() -> list[tuple[str, str]]:
    """(word, kind), longest word first, so 管理委员会 wins over 委员会 and 人民政府办公室 over 办公室."""
    pairs = [(str(word), kind) for kind, words in deadline_rules()["body_kinds"].items() for word in words]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def normalized_agency(agency: str | None) -> str | None:
    """The name for matching: NFKC, simplified characters, no spaces; None for no name."""
    if not agency:
        return None
    name = _SPACE.sub("", to_simplified(normalize(agency)))
    return name or None


def body_kind(agency: str | None) -> tuple[str, str | None]:
    """('government' | 'department' | 'unknown', the word that decided it)."""
    name = normalized_agency(agency)
    if name:
        for word, kind in _kind_words():
            if name.endswith(word):
                return kind, word
    return "unknown", None


@dataclass(frozen=True)
class Body:
    key: str | None
    agency_normalized: str | None
    kind: str
    kind_word: str | None


def body_of(report: StoredReport) -> Body:
    """The body a report speaks for; key None when the report names no agency."""
    name = normalized_agency(report.agency)
    region = _SPACE.sub("", report.region or "")
    kind, word = body_kind(report.agency)
    return Body(f"{region}|{name}" if name else None, name, kind, word)


def body_rows(reports: list[StoredReport]) -> list[dict[str, Any]]:
    """`report_bodies` rows."""
    rows = []
    for report in reports:
        body = body_of(report)
        rows.append({"report_id": report.id, "body_key": body.key, "agency": report.agency,
                     "agency_normalized": body.agency_normalized, "region": report.region, "year": report.year,
                     "body_kind": body.kind, "kind_word": body.kind_word})
    return rows
