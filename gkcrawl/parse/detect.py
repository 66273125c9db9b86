"""Which national format a report follows, from the words its tables print.

2021 and 2019 differ in part 二's column headers and in (六)其他处理; a document printing
neither the part 二 nor the part 三 table has no standard tables (template None)."""

from __future__ import annotations

import re

MARKERS_2021 = [re.compile(p) for p in (
    r"本\s*年\s*制\s*发\s*件\s*数", r"本\s*年\s*废\s*止\s*件\s*数", r"现\s*行\s*有\s*效\s*件\s*数",
    r"本\s*年\s*收\s*费\s*金\s*额", r"逾\s*期\s*不\s*补\s*正", r"逾\s*期\s*未\s*按\s*收\s*费\s*通\s*知",
)]
MARKERS_2019 = [re.compile(p) for p in (
    r"本\s*年\s*新\s*制\s*作\s*数\s*量", r"本\s*年\s*新\s*公\s*开\s*数\s*量", r"对\s*外\s*公\s*开\s*总\s*数\s*量",
    r"上\s*一\s*年\s*项\s*目\s*数\s*量", r"政\s*府\s*集\s*中\s*采\s*购", r"采\s*购\s*总\s*金\s*额",
    r"其\s*他\s*对\s*外\s*管\s*理\s*服\s*务\s*事\s*项",
)]
TABLE_EVIDENCE = [re.compile(p) for p in (
    r"本\s*年\s*(?:度\s*)?新\s*收\s*政\s*府\s*信\s*息\s*公\s*开\s*申\s*请",
    r"结\s*转\s*下\s*(?:一\s*)?年\s*度\s*继\s*续\s*办\s*理",
    r"第\s*二\s*十\s*条\s*第\s*\(\s*[一五六八]\s*\)\s*项", r"上\s*年\s*(?:度\s*)?结\s*转\s*政\s*府\s*信\s*息",
)]
NOTICE_2021 = re.compile(r"国\s*办\s*公\s*开\s*办\s*函\s*[\[(]?\s*2021\s*[\])]?\s*30")
NOTICE_2019 = re.compile(r"国\s*办\s*公\s*开\s*办\s*函\s*[\[(]?\s*2019\s*[\])]?\s*60")


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
