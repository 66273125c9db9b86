"""The project's own scorer: the rules of shared/tools/score_parse.py, run in-process.

Per cell of the gold: gold null and 0 both match a parsed 0 or null; gold "?" is not scored,
but a non-zero number there without the key in `uncertain` is an unflagged guess; a wrong
number outside `uncertain` is a silent error. Template, requests_balance, year and agency
are scored where the gold gives them. `certain` counts the scored cells the parser claims (a
value given, the key outside `uncertain`), and `add_run` the pages read and the seconds spent,
so a benchmark (benchmarks/bench_ocr.py) reports pages per second from the same tally."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def same(a: Any, b: Any) -> bool:
    a = 0 if a is None else a
    b = 0 if b is None else b
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return False


@dataclass
class Score:
    docs: int = 0
    cells: int = 0
    right: int = 0
    # Cells whose gold is neither blank nor 0 (an empty parser already matches the rest).
    nz_cells: int = 0
    nz_right: int = 0
    silent: int = 0
    flagged_wrong: int = 0
    unflagged_guess: int = 0
    template_right: int = 0
    balance_right: int = 0
    year_right: int = 0
    agency_right: int = 0
    certain: int = 0
    pages: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    def add_run(self, pages: int, seconds: float) -> None:
        self.pages += pages
        self.seconds += seconds

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def accuracy(self) -> float:
        return self.right / self.cells if self.cells else 1.0

    @property
    def nonzero_accuracy(self) -> float:
        return self.nz_right / self.nz_cells if self.nz_cells else 1.0

    def summary(self) -> str:
        return (f"docs {self.docs} cells {self.right}/{self.cells} ({self.accuracy:.4f}) nonzero "
                f"{self.nz_right}/{self.nz_cells} ({self.nonzero_accuracy:.4f}) silent {self.silent} "
                f"flagged {self.flagged_wrong} unflagged guesses {self.unflagged_guess}")

    @property
    def perfect(self) -> bool:
        return (self.accuracy == 1.0 and self.silent == 0 and self.unflagged_guess == 0
                and self.template_right == self.balance_right == self.year_right == self.agency_right == self.docs)


def _check_ok(parsed: dict, name: str) -> Any:
    for check in parsed.get("checks") or []:
        if isinstance(check, dict) and check.get("name") == name:
            return check.get("ok")
    return None


def score_one(gold: dict, parsed: dict, total: Score | None = None) -> Score:
    """Add one document's figures to `total` (a new Score when None) and return it."""
    total = total or Score()
    total.docs += 1
    cells = parsed.get("cells") or {}
    uncertain = set(parsed.get("uncertain") or [])
    for key, want in gold["cells"].items():
        have = cells.get(key)
        if want == "?":
            if have is not None and key not in uncertain and not same(have, 0):
                total.unflagged_guess += 1
                total.misses.append(f"{gold['doc']} GUESS {key}: got {have!r}")
            continue
        total.cells += 1
        total.certain += key in cells and key not in uncertain
        nonzero = not same(want, 0)
        total.nz_cells += nonzero
        if same(have, want):
            total.right += 1
            total.nz_right += nonzero
        elif key in uncertain:
            total.flagged_wrong += 1
            total.misses.append(f"{gold['doc']} flagged {key}: want {want!r} got {have!r}")
        else:
            total.silent += 1
            total.misses.append(f"{gold['doc']} SILENT {key}: want {want!r} got {have!r}")
    meta_gold, meta_parsed = gold.get("meta", {}), parsed.get("meta") or {}
    total.template_right += "template" not in meta_gold or str(parsed.get("template")) == str(meta_gold.get("template"))
    want_balance = gold.get("checks", {}).get("requests_balance")
    total.balance_right += want_balance is None or _check_ok(parsed, "requests_balance") == want_balance
    total.year_right += "year" not in meta_gold or str(meta_parsed.get("year")) == str(meta_gold.get("year"))
    total.agency_right += not meta_gold.get("agency") or meta_parsed.get("agency") == meta_gold.get("agency")
    return total


def score_dir(gold_dir: Path, docs_dir: Path, skip: frozenset[str] = frozenset()) -> Score:
    """Parse every gold's document (except the names in `skip`) and score the lot."""
    from gkcrawl.parse import parse_document

    total = Score()
    for gold_path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        doc_path = docs_dir / gold["doc"]
        if not doc_path.exists() or gold["doc"] in skip:
            continue
        parsed = parse_document(doc_path.read_bytes(), filename=doc_path.name).to_json()
        score_one(gold, json.loads(json.dumps(parsed)), total)
    return total
