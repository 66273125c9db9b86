"""The template's arithmetic, read from `gkcrawl/data/template_rules.yaml`, and the one small
engine that evaluates it.

A rule is instantiated per member of its set (`each`) into instances `sum(left) = sum(right)`
over cell keys; evaluating it against a report's cells gives a `Finding`: ok (True), failed
(False) or unknown (None, where a needed cell is unknown), a detail in the rule's own words,
and the cells the verdict is about. The parser records findings as checks; the resolver uses
the rules marked `narrows` to choose between readings, and a reading of one printed row is
held to the instances lying wholly inside that row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .model import TOTAL, TemplateError, all_rows, appeal_groups, appeal_results, columns, formats, row_id_of

CellMap = Mapping[str, int | float | None]
TOLERANCE = 1e-6
_RULE_KEYS = {"name", "about", "printed", "each", "left", "right", "item", "failure", "detail", "unknown", "narrows"}
_FIELD = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Document:
    """What a report prints, as far as the rules need it: its rows in the order found, and the
    outcome rows 三(一)…(六) among them (see `outcome_rows`)."""

    rows: tuple[str, ...] = ()
    outcome_rows: tuple[str, ...] = ()


@dataclass(frozen=True)
class Instance:
    item: str  # how findings name it: 自然人, requests.granted, 行政复议
    left: tuple[str, ...]
    right: tuple[str, ...]
    column: str | None = None  # the part 三 column it lies in, for a rule over columns

    @property
    def cells(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.left + self.right))


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool | None
    detail: str
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    name: str
    about: str
    variable: str
    members: str | tuple[str, ...]  # a set's name, or the listed members
    left: tuple[str, ...]
    right: tuple[str, ...]
    item: str = ""
    failure: str = ""
    detail: str = ""
    unknown: str = ""
    narrows: str | None = None
    printed: str | None = None

    def instances(self, document: Document = Document()) -> list[Instance]:
        out = []
        for member in _members(self.variable, self.members, document):
            binding = {self.variable: member}
            left = tuple(key for pattern in self.left for key in _expand(pattern, binding, document))
            right = tuple(key for pattern in self.right for key in _expand(pattern, binding, document))
            item = self.item.format(**binding) if self.item else str(member)
            out.append(Instance(item, left, right, str(member) if self.variable == "column" else None))
        return out

    def evaluate(self, cells: CellMap, unknown: set[str] | frozenset[str], document: Document = Document()) -> Finding:
        """The rule's verdict on one report's cells; `unknown` holds the keys not established."""
        instances = self.instances(document)
        if self.detail:
            return self._verdict(instances[0], cells, unknown)
        failures: list[str] = []
        failed: list[str] = []
        held: list[str] = []
        unknown_items: list[str] = []
        unknown_cells: list[str] = []
        for instance in instances:
            left = [_value(cells, unknown, key) for key in instance.left]
            right = [_value(cells, unknown, key) for key in instance.right]
            if not left or not right or any(v is None for v in left + right):
                unknown_items.append(instance.item)
                unknown_cells += [k for k in instance.cells if _value(cells, unknown, k) is None]
                continue
            if abs(sum(left) - sum(right)) > TOLERANCE:  # type: ignore[arg-type]
                failures.append(self.failure.format(**_words(instance, left, right, "≠")))
                failed += instance.cells
            else:
                held += instance.cells
        if failures:
            return Finding(self.name, False, "; ".join(failures), _unique(failed))
        if len(unknown_items) == len(instances):
            return Finding(self.name, None, "cells unknown", _unique(unknown_cells))
        detail = "all hold" if not unknown_items else f"hold where known; unknown: {', '.join(unknown_items)}"
        return Finding(self.name, True, detail, _unique(held))

    def _verdict(self, instance: Instance, cells: CellMap, unknown: set[str] | frozenset[str]) -> Finding:
        left = [_value(cells, unknown, key) for key in instance.left]
        right = [_value(cells, unknown, key) for key in instance.right]
        if any(v is None for v in left + right):
            return Finding(self.name, None, self.unknown,
                           tuple(k for k in instance.cells if _value(cells, unknown, k) is None))
        ok = abs(sum(left) - sum(right)) < TOLERANCE  # type: ignore[arg-type]
        detail = self.detail.format(**_words(instance, left, right, "=" if ok else "≠"))
        return Finding(self.name, ok, detail, instance.cells)


def _value(cells: CellMap, unknown: set[str] | frozenset[str], key: str) -> int | float | None:
    """A cell's number (a blank counts 0), or None when it is unknown (absent or uncertain)."""
    if key in unknown or key not in cells:
        return None
    value = cells[key]
    return 0 if value is None else value


def fmt(value: int | float) -> str:
    """A number as a finding prints it: 3, not 3.0."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _words(instance: Instance, left: list[Any], right: list[Any], sign: str) -> dict[str, Any]:
    return {"item": instance.item, "left": [fmt(v) for v in left], "right": [fmt(v) for v in right],
            "left_sum": fmt(sum(left)), "right_sum": fmt(sum(right)), "sign": sign}


def _unique(keys: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


# ---- sets and key templates ------------------------------------------------------------

def _set(name: str, document: Document) -> tuple[Any, ...]:
    if name == "columns":
        return columns()
    if name == "applicants":
        return tuple(c for c in columns() if c.key != TOTAL)
    if name == "appeal_groups":
        return appeal_groups()
    if name == "results":
        return tuple(r for r in appeal_results() if r.key != TOTAL)
    if name == "requests_rows":
        return tuple(r for r in document.rows if r.split(".", 1)[0] == "requests")
    if name == "outcome_rows":
        return document.outcome_rows
    raise TemplateError(f"template_rules.yaml: no set named {name!r}")


SETS = ("columns", "applicants", "appeal_groups", "results", "requests_rows", "outcome_rows")


def _members(variable: str, members: str | tuple[str, ...], document: Document) -> tuple[Any, ...]:
    if isinstance(members, str):
        return _set(members, document)
    if variable == "column":
        by_key = {c.key: c for c in columns()}
        return tuple(by_key[m] for m in members)
    if variable == "group":
        by_key = {g.key: g for g in appeal_groups()}
        return tuple(by_key[m] for m in members)
    return members


def _expand(pattern: str, binding: dict[str, Any], document: Document) -> list[str]:
    """One key per member of the set the pattern names, or the one key it spells."""
    sets = [name for name in _FIELD.findall(pattern) if name not in binding]
    if not sets:
        return [pattern.format(**binding)]
    return [pattern.format(**binding, **{sets[0]: member}) for member in _set(sets[0], document)]


# ---- loading -----------------------------------------------------------------------------

def _rule(entry: Any, number: int) -> Rule:
    where = f"template_rules.yaml rule {number + 1}"
    if not isinstance(entry, dict) or "name" not in entry:
        raise TemplateError(f"{where}: a rule is a mapping with a name")
    where = f"template_rules.yaml rule {entry['name']!r}"
    unknown_keys = set(entry) - _RULE_KEYS
    if unknown_keys:
        raise TemplateError(f"{where}: unknown keys {sorted(unknown_keys)}")
    each = entry.get("each")
    if not isinstance(each, dict) or len(each) != 1:
        raise TemplateError(f"{where}: 'each' names one variable and its set")
    (variable, members), = each.items()
    if isinstance(members, list):
        members = tuple(str(m) for m in members)
    elif members not in SETS:
        raise TemplateError(f"{where}: no set named {members!r}")
    left, right = entry.get("left"), entry.get("right")
    if not (isinstance(left, list) and left and isinstance(right, list) and right):
        raise TemplateError(f"{where}: 'left' and 'right' are non-empty lists of key templates")
    for pattern in left + right:
        names = _FIELD.findall(pattern)
        if len([n for n in names if n != variable]) > 1 or any(n != variable and n not in SETS for n in names):
            raise TemplateError(f"{where}: {pattern!r} may name its variable and at most one set")
    if bool(entry.get("detail")) == bool(entry.get("failure")):
        raise TemplateError(f"{where}: give either 'failure' (per instance) or 'detail' (one instance)")
    if entry.get("detail") and not (isinstance(members, tuple) and len(members) == 1 and entry.get("unknown")):
        raise TemplateError(f"{where}: a rule worded by 'detail' has one listed member and an 'unknown' wording")
    return Rule(name=str(entry["name"]), about=str(entry.get("about") or ""), variable=str(variable),
                members=members, left=tuple(left), right=tuple(right), item=str(entry.get("item") or ""),
                failure=str(entry.get("failure") or ""), detail=str(entry.get("detail") or ""),
                unknown=str(entry.get("unknown") or ""), narrows=entry.get("narrows"),
                printed=entry.get("printed"))


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[Rule, ...]
    stand_ins: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = field(default_factory=dict)
    signed_columns: frozenset[str] = frozenset()

    def rule(self, name: str) -> Rule:
        return next(r for r in self.rules if r.name == name)


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    text = resources.files("gkcrawl").joinpath("data/template_rules.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise TemplateError("template_rules.yaml: not a mapping")
    return data


@lru_cache(maxsize=1)
def rulebook() -> RuleBook:
    """template_rules.yaml, read and checked once."""
    data = _data()
    rules = tuple(_rule(entry, number) for number, entry in enumerate(data.get("rules") or []))
    if len({r.name for r in rules}) != len(rules):
        raise TemplateError("template_rules.yaml: two rules share a name")
    stand_ins: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {}
    for template_name, entries in (data.get("stand_ins") or {}).items():
        for row_id, entry in entries.items():
            source = str(entry["from"])
            if not formats()[source].has_row(row_id):
                raise TemplateError(f"template_rules.yaml: stand-in {row_id} is no row of format {source}")
            stood_for = tuple(entry["for"])
            if not all(formats()[str(template_name)].has_row(r) for r in stood_for):
                raise TemplateError(f"template_rules.yaml: stand-in {row_id} stands for rows format "
                                    f"{template_name} does not have")
            stand_ins.setdefault(str(template_name), {})[row_id] = (source, stood_for)
    known = set(all_rows())
    everything = Document(tuple(known), outcome_row_candidates())
    for rule in rules:  # every key a rule names, for a report printing every row, is a cell
        for instance in rule.instances(everything):
            missing = [key for key in instance.cells if row_id_of(key) not in known]
            if missing:
                raise TemplateError(f"template_rules.yaml rule {rule.name!r}: {missing[0]} is no cell of cells.tsv")
    return RuleBook(rules, stand_ins, frozenset(data.get("signed_columns") or ()))


def outcome_row_candidates() -> tuple[str, ...]:
    """The outcome rows 三(一)…(六) of either format, in cells.tsv order."""
    outcome = _data().get("outcome_rows") or {}
    under, excluded = str(outcome.get("under") or ""), set(outcome.get("except") or ())
    return tuple(rid for rid, row in all_rows().items()
                 if row.part == "requests" and row.path[:1] == (under,) and rid not in excluded)


# ---- what the parser asks of the rules ---------------------------------------------------

def stand_ins(template: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Rows a table of `template` may print in place of its own: row id -> (the format whose
    row it is, the rows it stands for)."""
    return dict(rulebook().stand_ins.get(template, {}))


def outcome_rows(present: Sequence[str] | Mapping[str, Any]) -> list[str]:
    """The outcome rows among the rows a document prints, each sub-row once: a stand-in row
    only when none of the rows it stands for is printed (and then last)."""
    present = list(present)
    candidates = set(outcome_row_candidates())
    standing = {row: stood for per in rulebook().stand_ins.values() for row, (_, stood) in per.items()}
    ids = [rid for rid in present if rid in candidates and rid not in standing]
    for row, stood in standing.items():
        if row in present and not any(r in present for r in stood):
            ids.append(row)
    return ids


def evaluate(cells: CellMap, unknown: set[str] | frozenset[str], document: Document) -> list[Finding]:
    """Every rule's finding on one report, in the order of template_rules.yaml."""
    return [rule.evaluate(cells, unknown, document) for rule in rulebook().rules]


@lru_cache(maxsize=256)
def row_equations(row_id: str, keys: tuple[str, ...]) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    """The row's own arithmetic, as (left, right) positions in `keys`: every rule instance
    whose cells all lie in this row (a requests row's six columns = 总计; part 四's groups)."""
    position = {key: index for index, key in enumerate(keys)}
    out = []
    for rule in rulebook().rules:
        for instance in rule.instances(Document((row_id,), ())):
            if instance.left and instance.right and all(key in position for key in instance.cells):
                out.append((tuple(position[k] for k in instance.left), tuple(position[k] for k in instance.right)))
    return tuple(out)


@dataclass(frozen=True)
class ColumnRule:
    """sum(plus rows[column]) == sum(minus rows[column]) in part 三, for the resolver."""

    family: str
    column: int
    plus: list[str]
    minus: list[str]


def column_rules(document: Document) -> list[ColumnRule]:
    """The instances of every rule that `narrows`, per column in column order (rules in file
    order within a column), as rows and a column index."""
    index = {c.key: i for i, c in enumerate(columns())}
    out: list[ColumnRule] = []
    for rule in rulebook().rules:
        if not rule.narrows:
            continue
        for instance in rule.instances(document):
            if instance.column is None:
                raise TemplateError(f"template_rules.yaml rule {rule.name!r}: only a rule over columns narrows")
            out.append(ColumnRule(rule.narrows, index[instance.column], [row_id_of(k) for k in instance.left],
                                  [row_id_of(k) for k in instance.right]))
    out.sort(key=lambda c: c.column)  # stable: file order within a column
    return out


def narrowing_families() -> tuple[str, ...]:
    return tuple(dict.fromkeys(r.narrows for r in rulebook().rules if r.narrows))


def signed(key: str) -> bool:
    """Whether the cell may print a negative number (本年增/减)."""
    return key.rsplit(".", 1)[-1] in rulebook().signed_columns
