"""The scored gate: every gold fixture parses perfectly; the real corpus has no silent error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gkcrawl.parse import parse_document
from scoring import score_dir, score_one

FIXTURES = Path(__file__).parent / "fixtures"
REAL = Path(__file__).parents[1] / ".." / "shared" / "corpus" / "real"
# Word 97 tables are read through LibreOffice; without it antiword loses merged rows.
NEEDS_SOFFICE = frozenset() if shutil.which("soffice") or shutil.which("libreoffice") else frozenset({"var12_2019.doc"})


@pytest.mark.parametrize("gold_dir, docs_dir", [
    (FIXTURES / "gold", FIXTURES / "seeds"),
    (FIXTURES / "reports_gold", FIXTURES / "reports"),
], ids=["seeds", "reports"])
def test_fixtures_score_perfectly(gold_dir: Path, docs_dir: Path) -> None:
    score = score_dir(gold_dir, docs_dir, skip=NEEDS_SOFFICE)
    assert score.docs >= 5
    assert score.silent == 0, score.misses
    assert score.unflagged_guess == 0, score.misses
    assert score.accuracy == 1.0, score.misses
    assert score.perfect, score


# Floors pinned at the scores measured when the gate was set (parser 0.4.0, 7 real documents,
# 958 scored cells of which 222 nonzero): a change may raise them, never lower them.
REAL_FLOORS = {"docs": 7, "cells": 958, "accuracy": 1.0, "nonzero_accuracy": 1.0}


@pytest.mark.slow
def test_real_corpus_meets_its_floors() -> None:
    if not (REAL / "gold").is_dir():
        pytest.skip("shared/corpus/real is not beside this clone")
    score = score_dir(REAL / "gold", REAL / "docs")
    assert score.docs >= REAL_FLOORS["docs"]
    assert score.cells >= REAL_FLOORS["cells"], score.summary()
    assert score.silent == 0, score.misses
    assert score.unflagged_guess == 0, score.misses
    assert score.accuracy >= REAL_FLOORS["accuracy"], (score.summary(), score.misses)
    assert score.nonzero_accuracy >= REAL_FLOORS["nonzero_accuracy"], (score.summary(), score.misses)
    assert score.template_right == score.balance_right == score.year_right == score.agency_right == score.docs


def test_gate_fails_on_a_corrupted_result() -> None:
    gold_path = FIXTURES / "gold" / "001_a649cb153f94700b.json"
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    parsed = parse_document((FIXTURES / "seeds" / gold["doc"]).read_bytes()).to_json()
    assert score_one(gold, parsed).perfect
    parsed["cells"]["requests.new.natural"] = 34  # one silent error
    corrupted = score_one(gold, parsed)
    assert corrupted.accuracy < 1.0 and corrupted.silent == 1 and not corrupted.perfect
    parsed["uncertain"] = ["requests.new.natural"]
    flagged = score_one(gold, parsed)
    assert flagged.silent == 0 and flagged.flagged_wrong == 1 and not flagged.perfect
