"""The report's own prose as evidence for a table cell with several readings.

Reports often repeat a table's figure in a sentence (全年共收到申请218件, 新制发规范性文件3件).
When a row's cells ran together or lost their blanks, that sentence may leave one reading.
It is evidence only among readings the table already allows: a row read unambiguously is
never changed, a figure no reading holds is ignored, and a key stated with two different
numbers settles nothing. The wordings are data: `gkcrawl/data/prose_figures.yaml`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from gkcrawl.template import template_keys

_SENTENCE_END = "。；;\n"


@dataclass(frozen=True)
class Statement:
    """One figure stated in words: the cell, its number, the sentence and its offsets."""

    key: str
    value: int | float
    sentence: str
    start: int
    end: int


@lru_cache(maxsize=1)
def figure_patterns() -> dict[str, tuple[re.Pattern[str], ...]]:
    """Key -> compiled wordings; refuses a key outside cells.tsv or a regex without one group."""
    raw = yaml.safe_load((resources.files("gkcrawl") / "data" / "prose_figures.yaml").read_text("utf-8"))
    known = set(template_keys("2019")) | set(template_keys("2021"))
    out: dict[str, tuple[re.Pattern[str], ...]] = {}
    for key, wordings in (raw or {}).items():
        if key not in known:
            raise ValueError(f"prose_figures.yaml: {key!r} is not a cell key")
        patterns = tuple(re.compile(w) for w in wordings)
        for pattern in patterns:
            if pattern.groups != 1:
                raise ValueError(f"prose_figures.yaml: {key}: {pattern.pattern!r} needs exactly one group")
        out[key] = patterns
    return out


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around a match, as printed (for the reader, not for matching)."""
    left = max(text.rfind(ch, 0, start) for ch in _SENTENCE_END) + 1
    rights = [i for i in (text.find(ch, end) for ch in _SENTENCE_END) if i >= 0]
    right = min(rights) + 1 if rights else len(text)
    return text[left:right].strip()


def stated_figures(text: str, template: str, outside: list[tuple[int, int]] | None = None) -> dict[str, Statement]:
    """The figures `text` states for this template's cells, one per key.

    Matches inside `outside` spans (the table rows themselves) are not prose and are skipped;
    a key stated with different numbers is dropped."""
    keys = set(template_keys(template))
    found: dict[str, list[Statement]] = {}
    for key, patterns in figure_patterns().items():
        if key not in keys:
            continue
        for pattern in patterns:
            for match in pattern.finditer(text):
                if any(s <= match.start() < e for s, e in outside or ()):
                    continue
                digits = match.group(1)
                value: int | float = float(digits) if "." in digits else int(digits)
                sentence = _sentence(text, match.start(), match.end())
                found.setdefault(key, []).append(Statement(key, value, sentence, match.start(1), match.end(1)))
    return {key: items[0] for key, items in found.items() if len({s.value for s in items}) == 1}
