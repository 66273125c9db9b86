"""Label mutations: every row label of both formats varied one at a time, reports rendered
and scored against numbers the generator drew.

Why: the fixtures' golds come from the same few models as the parser's assumptions, so a
wording no fixture prints is untested. Here the wordings are generated from the template
(gkcrawl.template, cells.tsv's printed labels) by systematic rules a report editor applies:
ordinal styles (一、 / （一） / 1. / ① / none), the words 属于/本/的/行政 dropped or added,
、，． and spaces inside a label, 总计/合计, full and half width, traditional characters. The
numbers are random (seeded per case) and obey the template's arithmetic; a case is one
report in which one row's label is varied, rendered as an HTML table, as text (pipe rows or
space-separated) or as a PDF. Scoring: a *silent error* is a cell outside `uncertain` whose
value differs from the truth (anywhere in the report); a varied row is *read* when all its
cells are right and certain.

Run `python tests/mutations.py` for the figures and every missed wording.
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gkcrawl import template as national
from gkcrawl.parse import ParseResult, parse_document

FIXTURES = Path(__file__).parent / "fixtures"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))
import make_variants  # noqa: E402
from report_model import COLUMNS, Report, Table  # noqa: E402

RENDERINGS = ("html", "pipe", "spaces", "pdf")
CN_NUMERALS = "一二三四五六七八九十"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
_ORDINAL = re.compile(r"^(?:\(([一二三四五六七八九十])\)|([一二三四五六七八九十])、|(\d+)\.)")
# Ordinal styles a report prints before a numbered label, by name; n is the row's number.
ORDINAL_STYLES = {
    "cn_dun": lambda n: f"{CN_NUMERALS[n - 1]}、",
    "cn_paren_full": lambda n: f"（{CN_NUMERALS[n - 1]}）",
    "cn_paren_half": lambda n: f"({CN_NUMERALS[n - 1]})",
    "digit_dot": lambda n: f"{n}.",
    "digit_dun": lambda n: f"{n}、",
    "digit_fullstop": lambda n: f"{n}．",
    "digit_paren": lambda n: f"({n})",
    "circled": lambda n: CIRCLED[n - 1],
    "none": lambda n: "",
}
DROPPABLE = ("属于", "本", "的", "行政")
HALF_TO_FULL = str.maketrans("()0123456789.,:", "（）０１２３４５６７８９．，：")
FULL_TO_HALF = str.maketrans("（）０１２３４５６７８９．，：、", "()0123456789.,:,")


@dataclass(frozen=True)
class Mutation:
    """One varied label: the row, the rule that made it, the printed text."""

    template: str
    row_id: str
    rule: str
    label: str


@dataclass(frozen=True)
class Case:
    mutation: Mutation
    rendering: str
    seed: int


@dataclass
class Outcome:
    case: Case
    silent: list[str]  # "key: want W got G"
    read: bool  # every cell of the varied row right and certain
    row_misses: list[str]
    collateral: list[str]  # cells of other rows uncertain (lost, not wrong)


def split_ordinal(label: str) -> tuple[int | None, str]:
    """(the row's number, the label without it): "1.属于国家秘密" -> (1, "属于国家秘密")."""
    match = _ORDINAL.match(label)
    if not match:
        return None, label
    paren, dun, digits = match.groups()
    number = int(digits) if digits else CN_NUMERALS.index(paren or dun) + 1
    return number, label[match.end():]


@lru_cache(maxsize=1)
def _opencc_s2t():
    from opencc import OpenCC

    return OpenCC("s2t")


def _siblings(fmt: national.Format, row: national.Row) -> list[national.Row]:
    return [r for r in fmt.rows if r.part == row.part and r.path[:-1] == row.path[:-1] and len(r.path) == len(row.path)]


def word_variants(fmt: national.Format, row: national.Row, body: str) -> list[tuple[str, str]]:
    """The words 属于/本/的/行政 dropped (each occurrence, when 3+ characters remain) or added
    (的 before 政府信息, 行政 before 规范性文件, 属于 where the row's siblings print it)."""
    out: list[tuple[str, str]] = []
    for word in DROPPABLE:
        for match in re.finditer(word, body):
            rest = body[:match.start()] + body[match.end():]
            if len(re.sub(r"[^\u4e00-\u9fff]", "", rest)) >= 3:
                out.append((f"drop_{word}", rest))
    at = body.find("政府信息")
    if at > 0 and body[at - 1] not in "的其之":  # 其的 is no Chinese
        out.append(("add_的", body[:at] + "的" + body[at:]))
    if body.startswith("规范性文件"):
        out.append(("add_行政", "行政" + body))
    siblings = [split_ordinal(r.path[-1])[1] for r in _siblings(fmt, row)]
    if not body.startswith("属于") and any(s.startswith("属于") for s in siblings):
        out.append(("add_属于", "属于" + body))
    return out


def punctuation_variants(body: str) -> list[tuple[str, str]]:
    """、 read as ，/,/．/space; a space or ideographic space inside; a space between all characters."""
    out: list[tuple[str, str]] = []
    if "、" in body:
        for name, mark in (("dun_as_comma_full", "，"), ("dun_as_comma", ","), ("dun_as_fullstop", "．"),
                           ("dun_as_space", " ")):
            out.append((name, body.replace("、", mark)))
    if "," in body:
        out.append(("comma_full", body.replace(",", "，")))
    hanzi = [i for i, ch in enumerate(body) if "\u4e00" <= ch <= "\u9fff"]
    if len(hanzi) >= 2:
        middle = hanzi[len(hanzi) // 2]
        out.append(("space_inside", body[:middle] + " " + body[middle:]))
        out.append(("ideographic_space_inside", body[:middle] + "\u3000" + body[middle:]))
        out.append(("spaced_out", " ".join(body)))
    return out


def label_variants(fmt: national.Format, row: national.Row) -> list[tuple[str, str]]:
    """(rule, printed label) for one row, every wording different from the canonical one."""
    label = row.path[-1]
    number, body = split_ordinal(label)
    found: list[tuple[str, str]] = []
    prefix = label[:len(label) - len(body)]
    if number is not None:
        found += [(f"ordinal_{name}", style(number) + body) for name, style in ORDINAL_STYLES.items()]
    found += [(rule, prefix + text) for rule, text in word_variants(fmt, row, body)]
    found += [(rule, prefix + text) for rule, text in punctuation_variants(body)]
    if "总计" in label:
        found.append(("total_as_合计", label.replace("总计", "合计")))
    found.append(("full_width", label.translate(HALF_TO_FULL)))
    found.append(("half_width", label.translate(FULL_TO_HALF)))
    found.append(("traditional", _opencc_s2t().convert(label)))
    seen = {label}
    unique = []
    for rule, text in found:
        if text not in seen:
            seen.add(text)
            unique.append((rule, text))
    return unique


def all_mutations() -> list[Mutation]:
    """Every varied label of every row (part 四 prints no row label) of both formats."""
    out = []
    for name in national.TEMPLATES:
        fmt = national.template(name)
        for row in fmt.rows:
            if row.part == "appeals":
                continue
            out += [Mutation(name, row.id, rule, text) for rule, text in label_variants(fmt, row)]
    return out


# Rules that compose with any other (a traditional, full-width or spaced-out copy of a
# label already varied): a PDF's character spacing on a restyled ordinal, for instance.
COMPOSABLE = {
    "traditional": lambda text: _opencc_s2t().convert(text),
    "full_width": lambda text: text.translate(HALF_TO_FULL),
    "spaced_out": lambda text: " ".join(text),
}


def combined_mutations(count: int, seed: int = 0) -> list[Mutation]:
    """A seeded sample of mutations each varied once more by a composable rule."""
    rng = random.Random(f"{seed}|combined")
    out = []
    for mutation in rng.sample(all_mutations(), count):
        rule = rng.choice(sorted(COMPOSABLE))
        label = COMPOSABLE[rule](mutation.label)
        if label != mutation.label:
            out.append(Mutation(mutation.template, mutation.row_id, f"{mutation.rule}+{rule}", label))
    return out


def cases(per_rendering: dict[str, int] | None = None, seed: int = 0, combined: int = 240) -> list[Case]:
    """Each mutation in HTML; a seeded sample of them as pipe text, spaced text and PDF
    (`per_rendering` sizes the samples; PDF is the slowest to build and read); `combined`
    twice-varied labels spread over HTML and the two text renderings."""
    per_rendering = per_rendering or {"pipe": 120, "spaces": 120, "pdf": 40}
    mutations = all_mutations()
    chosen = [Case(m, "html", seed * 7919 + i) for i, m in enumerate(mutations)]
    for offset, rendering in enumerate(RENDERINGS[1:], start=1):
        rng = random.Random(f"{seed}|{rendering}")
        count = min(per_rendering.get(rendering, 0), len(mutations))
        picked = sorted(rng.sample(range(len(mutations)), count))
        chosen += [Case(mutations[i], rendering, seed * 7919 + offset * 100_003 + i) for i in picked]
    for index, mutation in enumerate(combined_mutations(min(combined, len(mutations)), seed)):
        chosen.append(Case(mutation, RENDERINGS[index % 3], seed * 7919 + 900_001 + index))
    return chosen


# --- numbers ---------------------------------------------------------------------------

def _count(rng: random.Random) -> int:
    return rng.choice([0, 1, 1, 2, 3, rng.randint(0, 9), rng.randint(0, 40)])


def random_report(template: str, rng: random.Random, varied: str) -> Report:
    """A report with random numbers obeying the template's arithmetic; the varied row's
    applicant values are drawn from 1 up so a missed row cannot pass as zeros."""
    fmt = national.template(template)
    outcome_ids = national.outcome_rows([r.id for r in fmt.rows])
    width = len(COLUMNS)
    outcomes = {}
    for row_id in outcome_ids:
        low = 1 if row_id == varied else 0
        outcomes[row_id.split(".", 1)[1]] = tuple(max(low, _count(rng)) for _ in range(width))
    done = [sum(values[i] for values in outcomes.values()) for i in range(width)]
    carried_out = [rng.randint(0, 6) for _ in range(width)]
    carried_in = tuple(rng.randint(0, d + o) if rng.random() < 0.5 else 0 for d, o in zip(done, carried_out))
    new = tuple(d + o - c for d, o, c in zip(done, carried_out, carried_in))
    # carried_out is derived by the model as new + carried_in - done.
    active: dict[str, tuple[int | float | None, ...]] = {}
    for row in fmt.rows:
        if row.part != "active":
            continue
        values: list[int | float | None] = []
        for key in row.keys:
            column = key.rsplit(".", 1)[1]
            if column == "change":
                values.append(rng.randint(-9, 9) or 1)
            elif column == "amount":
                values.append(round(rng.uniform(1, 9000), rng.choice([1, 2])))
            else:
                values.append(rng.randint(1, 3000))
        active[row.id.split(".", 1)[1]] = tuple(values)
    appeals = tuple(tuple(rng.randint(0, 4) for _ in range(len(national.appeal_results()) - 1))
                    for _ in national.appeal_groups())
    year = rng.randint(2019, 2020) if template == "2019" else rng.randint(2021, 2024)
    return Report(template, "某县市场监督管理局", year, active, new=new, carried_in=carried_in,
                  outcomes=outcomes, appeals=appeals)


# --- rendering ---------------------------------------------------------------------------

def _relabel(tables: list[Table], row: national.Row, label: str) -> None:
    """Print `label` in place of the row's own label (the one cell of its table holding it)."""
    table = tables[0] if row.part == "active" else tables[1]
    hits = [(r, c) for r, cells in enumerate(table) for c, cell in enumerate(cells) if cell[0] == row.path[-1]]
    if len(hits) != 1:
        raise AssertionError(f"{row.id}: label {row.path[-1]!r} printed {len(hits)} times")
    r, c = hits[0]
    _, colspan, rowspan = table[r][c]
    table[r][c] = (label, colspan, rowspan)


def build(case: Case) -> tuple[Report, bytes, str]:
    """(the truth, the document's bytes, its file name) for one case."""
    mutation = case.mutation
    rng = random.Random(case.seed)
    report = random_report(mutation.template, rng, mutation.row_id)
    header = rng.choice(["canonical", "note"])
    tables = make_variants.three_tables(report, header=header)
    _relabel(tables, national.template(mutation.template).row(mutation.row_id), mutation.label)
    if case.rendering == "html":
        body = make_variants.html_body(report, [make_variants.html_table(t) for t in tables])
        return report, make_variants.html_page(report, body), "case.html"
    if case.rendering == "pipe":
        return report, make_variants.text_copy(report, tables, sep=" | "), "case.txt"
    if case.rendering == "spaces":
        return report, make_variants.text_copy(report, tables, sep=" "), "case.txt"
    return report, make_variants._pdf(report, tables), "case.pdf"


# --- scoring ---------------------------------------------------------------------------

def _same(have: object, want: object) -> bool:
    if isinstance(have, bool) or isinstance(want, bool):
        return False
    if isinstance(have, (int, float)) and isinstance(want, (int, float)):
        return abs(float(have) - float(want)) < 1e-9
    return have is None and want is None


def score(case: Case, parse: Callable[..., ParseResult] = parse_document) -> Outcome:
    """Parse the case's document (with `parse`) and compare every cell with the truth."""
    report, data, filename = build(case)
    result = parse(data, filename=filename)
    truth = report.cells()
    uncertain = set(result.uncertain)
    silent = []
    for key, want in truth.items():
        have = result.cells.get(key)
        zero_like = (want in (None, 0)) and (have in (None, 0))
        if key not in uncertain and not zero_like and not _same(have, want):
            silent.append(f"{key}: want {want!r} got {have!r}")
    row_keys = _row_keys(case.mutation)
    misses = [f"{key}: want {truth[key]!r} got {result.cells.get(key)!r}{' (uncertain)' if key in uncertain else ''}"
              for key in row_keys if key in uncertain or not _same(result.cells.get(key), truth[key])]
    others = sorted(uncertain - set(row_keys))
    return Outcome(case, silent, not misses, misses, others)


def _row_keys(mutation: Mutation) -> tuple[str, ...]:
    return national.template(mutation.template).row(mutation.row_id).keys


@dataclass
class Figures:
    documents: int
    silent_documents: int
    silent_cells: int
    rows_read: int
    collateral_documents: int
    by_rendering: dict[str, tuple[int, int]]  # rendering -> (read, cases)
    misses: list[Outcome]

    @property
    def recall(self) -> float:
        return self.rows_read / self.documents if self.documents else 1.0

    def lines(self) -> list[str]:
        out = [f"label mutations: {self.documents} documents, {self.silent_cells} silent cells in "
               f"{self.silent_documents} documents, recall {self.rows_read}/{self.documents} = {self.recall:.4f}, "
               f"{self.collateral_documents} documents with another row uncertain"]
        for rendering, (read, total) in sorted(self.by_rendering.items()):
            out.append(f"  {rendering}: {read}/{total} = {read / total:.4f}")
        return out


def run(chosen: list[Case]) -> Figures:
    outcomes = [score(case) for case in chosen]
    by: Counter[str] = Counter()
    read: Counter[str] = Counter()
    for outcome in outcomes:
        by[outcome.case.rendering] += 1
        read[outcome.case.rendering] += outcome.read
    return Figures(len(outcomes), sum(1 for o in outcomes if o.silent), sum(len(o.silent) for o in outcomes),
                   sum(o.read for o in outcomes), sum(1 for o in outcomes if o.collateral), {k: (read[k], by[k]) for k in by},
                   [o for o in outcomes if o.silent or not o.read or o.collateral])


def main() -> None:
    figures = run(cases())
    for outcome in figures.misses:
        m = outcome.case.mutation
        print(f"{outcome.case.rendering:6} {m.template} {m.row_id:40} {m.rule:26} {m.label!r}: "
              f"{'SILENT ' + '; '.join(outcome.silent[:3]) if outcome.silent else ''} {'; '.join(outcome.row_misses[:2])}"
              f"{' | other rows uncertain: ' + ', '.join(outcome.collateral[:3]) if outcome.collateral else ''}")
    print("\n".join(figures.lines()))


if __name__ == "__main__":
    main()
