"""The marks mirror copies leave in a portal's text: pinyin glued after characters.

Hijacked copies of government pages are often run through a converter that writes each
character's reading after it (``當(dāng)前位置``, ``鎮(zhèn)``, ``文(wen)章(zhang)來源``), so the copy
reads differently from the original to search engines. A real report never does this, and the
mirror may carry no gambling word at all (its brand only in a <title> we may not get), so
these annotations are spam in their own right: found, removed (the text then reads as the
original), their positions recorded like any injected string.

A reading with tone marks counts from the first few; toneless readings only when many, and
only syllables that end as pinyin ends (vowel, n, ng, r): ``(app)``, ``(pdf)``, ``(www)`` are
no readings. The scan is one linear regex.
"""

from __future__ import annotations

import re

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_READING_RE = re.compile(rf"(?<=[\u4e00-\u9fff])\(([a-z{_TONED}ü]{{1,6}})\)")
_TONED_RE = re.compile(f"[{_TONED}]")
_SYLLABLE_RE = re.compile(r"(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?[aeiouvü][a-zü]{0,3}")
# How many readings make a copy annotated: a few toned ones, more toneless ones.
TONED_READINGS = 3
TONELESS_READINGS = 6


def _is_reading(word: str) -> bool:
    plain = word.translate(str.maketrans(_TONED, "aaaaeeeeiiiioooouuuuüüüü"))
    return bool(_SYLLABLE_RE.fullmatch(plain)) and plain.endswith(("a", "e", "i", "o", "u", "ü", "v", "n", "ng", "r"))


def reading_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every ``(reading)`` glued after a character, when the text carries
    enough of them to be an annotated copy; [] otherwise."""
    found = [m for m in _READING_RE.finditer(text or "") if _is_reading(m.group(1))]
    toned = sum(1 for m in found if _TONED_RE.search(m.group(1)))
    if toned < TONED_READINGS and len(found) < TONELESS_READINGS:
        return []
    return [(m.start(), m.end()) for m in found]
