"""Which national format a report follows, from the words its tables print.

2021 and 2019 differ in part 二's column headers and in (六)其他处理; a document printing
neither the part 二 nor the part 三 table has no standard tables (template None)."""

from __future__ import annotations

from gkcrawl import vocabulary

# The words are data: gkcrawl/data/vocabulary/template_markers.yaml.
_WORDS = vocabulary.template_markers()
MARKERS_2021 = _WORDS.markers_2021
MARKERS_2019 = _WORDS.markers_2019
TABLE_EVIDENCE = _WORDS.table_evidence
NOTICE_2021 = _WORDS.notice_2021
NOTICE_2019 = _WORDS.notice_2019


def _table_scope(text: str) -> str | None:
    """Parts 二 and 三 (the tables) when their headings are found: prose in part 一 that
    quotes the other format's words ("不再统计本年新制作数量…") must not decide."""
    from .rows_text import find_sections

    spans = find_sections(text).spans
    if "active" not in spans:
        return None
    start = spans["active"][0]
    stop = spans["requests"][1] if "requests" in spans else spans["active"][1]
    return text[start:stop]


def _scores(text: str) -> tuple[int, int]:
    return (sum(1 for p in MARKERS_2021 if p.search(text)), sum(1 for p in MARKERS_2019 if p.search(text)))


def detect_template(text: str) -> tuple[str | None, str]:
    """('2019' | '2021' | None, why) from normalised text."""
    evidence = sum(1 for p in TABLE_EVIDENCE if p.search(text))
    if evidence < 2:
        return None, f"no standard tables ({evidence} table markers)"
    scope = _table_scope(text)
    if scope is not None:
        in_2021, in_2019 = _scores(scope)
        if in_2021 != in_2019:
            winner = "2021" if in_2021 > in_2019 else "2019"
            return winner, f"in the tables: 2021 markers {in_2021}, 2019 markers {in_2019}"
    score_2021, score_2019 = _scores(text)
    if score_2021 > score_2019:
        return "2021", f"2021 markers {score_2021} > 2019 markers {score_2019}"
    if score_2019 > score_2021:
        return "2019", f"2019 markers {score_2019} > 2021 markers {score_2021}"
    if NOTICE_2021.search(text):
        return "2021", "cites 国办公开办函〔2021〕30号"
    if NOTICE_2019.search(text):
        return "2019", "cites 国办公开办函〔2019〕60号"
    if score_2019 == 0:
        return None, "table markers without a recognisable part 二"
    return "2019", "tie between formats"
