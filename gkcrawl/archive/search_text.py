"""A one-token-per-character form of Chinese text, so 1-2 character words are searchable.

SQLite's trigram tokenizer cannot match terms shorter than three characters and
unicode61 treats a run of Chinese characters as one token. Writing every CJK character
as its own token (NFKC-normalized, traditional mapped to simplified) into a unicode61
FTS5 table lets a phrase query such as `"复 议"` find 复议 anywhere, at any length.
The published text is never replaced: this form lives only in the search index.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# CJK ideographs (basic, extension A, compatibility) plus CJK punctuation and full-width forms
# that NFKC leaves alone; each becomes its own token.
_CJK_CHAR = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff])")
# Kangxi radicals / CJK radicals supplement that PDF fonts emit instead of the ideograph.
_RADICALS = str.maketrans({"\u2ea0": "民", "\u2ed8": "青", "\u2ec4": "西", "\u2ee2": "长"})


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """NFKC, radical repair and traditional->simplified: the form both index and query use."""
    return _t2s().convert(unicodedata.normalize("NFKC", text.translate(_RADICALS)))


def spaced_chars(text: str) -> str:
    """The index form: normalized text with a space around every CJK character."""
    if not text:
        return ""
    # Split on the characters (the pattern's group keeps them), join with spaces, collapse the runs:
    # the same string as substituting " \1 " per character, about four times as fast (merge, reparse).
    return " ".join(" ".join(_CJK_CHAR.split(normalize(text))).split())


def search_form(title: object, agency: object, region: object, text: object) -> str:
    """What the per-character index holds for a report: its title, agency, region and text."""
    return spaced_chars("\n".join(str(part or "") for part in (title, agency, region)) + "\n" + str(text or ""))


def phrase_query(user_query: str) -> str:
    """An FTS5 query for the per-character index: each term becomes a quoted phrase.

    `行政 复议` -> `"行 政" "复 议"` (both phrases must occur). Quotes in the input are
    dropped, so no user text can inject FTS5 syntax.
    """
    phrases = []
    for term in user_query.replace('"', " ").split():
        spaced = spaced_chars(term)
        if spaced:
            phrases.append('"' + spaced + '"')
    return " ".join(phrases)

