"""Search of Chinese text at any word length: a token set per report, checked against the text.

SQLite's trigram tokenizer cannot match terms shorter than three characters and unicode61
treats a run of Chinese characters as one token. A report's text is therefore read as a token
stream (`stream`): NFKC-normalized, traditional mapped to simplified, lower case, every CJK
character its own token, every other run of letters and digits one token; spaces, line breaks
and punctuation separate tokens and are not tokens (a word a PDF wrapped, 复\\n议, is still 复议).

The index (reports_chars_fts, FTS5 detail=none, contentless) keeps for each report only which
tokens occur and which pairs of CJK tokens occur next to each other (`index_form`: 复, 议,
复议). It stores no positions (issue 13: positions were 2.1 KB of the 2.4 KB a report the index
took), so it answers "has these tokens" and nothing finer:

- a word of one token or two CJK characters (复议, 诉讼, 2023) is one index token: the index
  alone answers it exactly, in plain SQL;
- a longer word (行政复议) is found by its pairs (行政, 政复, 复议), which a report can hold
  apart; `chars_contain` then checks each candidate's own text, so what is returned is exact.

The published text is never replaced: these forms live only in the index and in memory.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import opencc

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
# One CJK ideograph (basic, extension A, compatibility, planes 2) or a run of other letters and
# digits (what unicode61 keeps as one token; `_` is a separator for it too).
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")
# Kangxi radicals / CJK radicals supplement that PDF fonts emit instead of the ideograph.
_RADICALS = str.maketrans({"\u2ea0": "民", "\u2ed8": "青", "\u2ec4": "西", "\u2ee2": "长"})
_RADICAL_CHARS = frozenset("\u2ea0\u2ed8\u2ec4\u2ee2")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """NFKC, radical repair and traditional->simplified: the form both index and query use."""
    return _t2s().convert(unicodedata.normalize("NFKC", text.translate(_RADICALS)))


def stream(text: str) -> list[str]:
    """The tokens of a text in order (see the module docstring)."""
    return _TOKEN.findall(normalize(text).lower()) if text else []


def _wide(token: str) -> bool:
    """A CJK ideograph token: it pairs with a CJK neighbour (in the index and in the text check alike)."""
    return len(token) == 1 and _CJK_CHAR.match(token) is not None


def _pairs(tokens: list[str]) -> list[str]:
    return [a + b for a, b in zip(tokens, tokens[1:], strict=False) if _wide(a) and _wide(b)]


def _joined(title: object, agency: object, region: object, text: object) -> str:
    return "\n".join(str(part or "") for part in (title, agency, region)) + "\n" + str(text or "")


def tokens_form(tokens: list[str]) -> str:
    """The index row of a token stream: each token and each CJK pair once, space separated."""
    return " ".join(dict.fromkeys([*tokens, *_pairs(tokens)]))


def search_form(title: object, agency: object, region: object, text: object) -> str:
    """What the index holds for a report: the tokens and pairs of its title, agency, region and text."""
    return tokens_form(stream(_joined(title, agency, region, text)))


@lru_cache(maxsize=256)
def _terms(user_query: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The query's terms (split at spaces; quotes dropped so no text can inject FTS5 syntax), each
    with its tokens; a term of no token (punctuation only) is dropped."""
    terms = []
    for term in user_query.replace('"', " ").split():
        tokens = tuple(stream(term))
        if tokens:
            terms.append((term, tokens))
    return tuple(terms)


def _exact_in_index(tokens: tuple[str, ...]) -> bool:
    return len(tokens) == 1 or (len(tokens) == 2 and _wide(tokens[0]) and _wide(tokens[1]))


def _needs(tokens: tuple[str, ...]) -> list[str]:
    """The index tokens a report must have to contain the term: its CJK pairs and the tokens no pair covers."""
    if len(tokens) == 1:
        return list(tokens)
    paired = [_wide(a) and _wide(b) for a, b in zip(tokens, tokens[1:], strict=False)]
    covered = {i for i, both in enumerate(paired) if both} | {i + 1 for i, both in enumerate(paired) if both}
    return [a + b for (a, b), both in zip(zip(tokens, tokens[1:], strict=False), paired, strict=True) if both] + [
        token for i, token in enumerate(tokens) if i not in covered]


def index_query(user_query: str) -> str:
    """The FTS5 query for the index: every token each term needs (`行政 复议` -> `"行政" "复议"`;
    `行政复议` -> `"行政" "政复" "复议"`); "" when the query has no token."""
    needed = dict.fromkeys(token for _, tokens in _terms(user_query or "") for token in _needs(tokens))
    return " ".join(f'"{token}"' for token in needed)


def needs_text_check(user_query: str) -> bool:
    """Whether the index's candidates must be checked against their text (a term longer than two CJK
    characters, or of several tokens), i.e. whether `chars_contain` can say no."""
    return any(not _exact_in_index(tokens) for _, tokens in _terms(user_query or ""))


def chars_contain(title: Any, agency: Any, region: Any, text: Any, user_query: str) -> int:
    """1 when the report holds every term of the query as a run of consecutive tokens, else 0.

    Each term's pattern (`_pattern`) is searched in the text as published first (the fast path: most
    candidates of a common word hold it as typed), then in its normalized form."""
    pending = [tokens for _, tokens in _terms(user_query or "") if not _exact_in_index(tokens)]
    if not pending:
        return 1
    joined = _joined(title, agency, region, text)
    pending = [tokens for tokens in pending if not _pattern(tokens).search(joined)]
    if not pending:
        return 1
    normal = _normalized_for_check(joined)
    return int(all(_pattern(tokens).search(normal) for tokens in pending))


def warm() -> None:
    """Build the text check's character tables now (0.2 s), not during the first search."""
    _changed_by_nfkc()
    _t2s()


_WORD_CHAR = f"[^\\W_{_CJK}]"  # a character of a non-CJK token
_ABOVE_BMP = re.compile("[\U00010000-\U0010ffff]")


@lru_cache(maxsize=256)
def _pattern(tokens: tuple[str, ...]) -> re.Pattern[str]:
    """A regex matching a run of consecutive tokens in a normalized text: separators may stand
    between tokens (and must between two non-CJK tokens), a non-CJK token is whole at either end."""
    parts = []
    for i, token in enumerate(tokens):
        if i:
            parts.append("[\\W_]*" if _wide(tokens[i - 1]) or _wide(token) else "[\\W_]+")
        parts.append(re.escape(token))
        if not i and not _wide(token):  # after the token, so it is only tried where the token is
            parts.append(f"(?<!{_WORD_CHAR}{re.escape(token)})")
    if not _wide(tokens[-1]):
        parts.append(f"(?!{_WORD_CHAR})")
    return re.compile("".join(parts), re.IGNORECASE)


@lru_cache(maxsize=2048)
def _normalized_for_check(text: str) -> str:
    """normalize(text), skipping NFKC (most of its cost) when no character of the text is one it
    changes into letters or digits (full-width Chinese punctuation only becomes other punctuation).
    Cached: one search page checks the same candidates more than once (its count, then its rows)."""
    basic, astral = _changed_by_nfkc()
    if basic.search(text) or (_ABOVE_BMP.search(text) and astral.search(text)):
        return normalize(text)
    return _t2s().convert(text)


@lru_cache(maxsize=1)
def _changed_by_nfkc() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The characters normalize's NFKC or radical repair turn into (or out of) a letter or digit, as
    two character classes, in and above the BMP (re checks a BMP class by bitmap, a class with higher
    characters range by range): computed once a process from unicodedata (0.2 s), so it cannot drift.
    Only a character with a decomposition (or a repaired radical) can be changed by itself."""
    runs: list[list[int]] = []
    for code in range(0x110000):
        char = chr(code)
        if ((unicodedata.decomposition(char) or char in _RADICAL_CHARS) and not 0xD800 <= code < 0xE000
                and _changes_a_token(char)):
            if runs and runs[-1][1] == code - 1:
                runs[-1][1] = code
            else:
                runs.append([code, code])

    def char_class(selected: list[list[int]]) -> re.Pattern[str]:
        return re.compile("[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "")
                                        for a, b in selected) + "]")

    return (char_class([run for run in runs if run[1] < 0x10000]),
            char_class([run for run in runs if run[0] >= 0x10000]))


def _changes_a_token(char: str) -> bool:
    after = unicodedata.normalize("NFKC", char.translate(_RADICALS))
    return after != char and bool(_TOKEN.search(after) or _TOKEN.search(char))
