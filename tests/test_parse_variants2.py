"""Round-2 variants (tests/fixtures/make_variants2.py): label wording, template words quoted
in prose, part 四 as one row, and the metadata forms of counties, towns and departments.
Each reads exactly (gold from the model) or says uncertain; none invents a number or a name."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from gkcrawl.extract.document import read_document
from gkcrawl.extract.normalize import normalize
from gkcrawl.parse import parse_document
from gkcrawl.parse.detect import detect_template

FIXTURES = Path(__file__).parent / "fixtures"
REPORTS = FIXTURES / "reports"
GOLD = FIXTURES / "reports_gold"

sys.path.insert(0, str(FIXTURES))
import make_variants2  # noqa: E402

NAMES = sorted(make_variants2.VARIANTS2)


def _gold(name: str) -> dict:
    return json.loads((GOLD / f"{name.replace('.', '_')}.json").read_text(encoding="utf-8"))


def test_committed_files_are_what_the_generator_builds() -> None:
    """Gold and documents are exactly the model's rendering (no hand edits)."""
    for name, build in make_variants2.VARIANTS2.items():
        variant = build()
        assert _gold(name) == json.loads(json.dumps(make_variants2.gold(name, variant), ensure_ascii=False)), name
        assert (REPORTS / name).read_bytes() == make_variants2.render(variant), name


@pytest.mark.parametrize("name", NAMES)
def test_variant_reads_exactly(name: str) -> None:
    gold = _gold(name)
    result = parse_document((REPORTS / name).read_bytes(), filename=name)
    assert result.template == gold["meta"]["template"]
    assert not result.uncertain
    wrong = {k: (v, result.cells.get(k)) for k, v in gold["cells"].items() if (v or 0) != (result.cells.get(k) or 0)}
    assert not wrong
    for field in ("title", "agency", "year", "published"):
        assert result.meta[field] == gold["meta"][field], field
    assert next(c for c in result.checks if c.name == "requests_balance").ok is True


def test_prose_quoting_2019_words_does_not_decide_the_template() -> None:
    data = (REPORTS / "var2_04_2021_prose_2019_words.html").read_bytes()
    table_text = normalize(read_document(data, "var2_04.html", None).table_text)
    assert "本年新制作数量" in table_text.split("二、主动公开")[0]  # the noise is really there
    template, why = detect_template(table_text)
    assert template == "2021" and "in the tables" in why


def test_prose_only_template_words_stay_without_template() -> None:
    prose = ("按照新格式，不再统计本年新制作数量、本年新公开数量、对外公开总数量、政府集中采购；"
             "继续统计本年新收政府信息公开申请数量和结转下年度继续办理。")
    result = parse_document(prose.encode("utf-8"), filename="news.txt")
    assert result.template is None and not any(v is not None for v in result.cells.values())


def _appeals_variant(body: str) -> tuple[dict, dict]:
    variant = make_variants2.v_appeals_one_row()
    variant.kind = "text"
    text = make_variants2.page_text(variant)
    start, stop = text.index("四、政府"), text.index("五、")
    doc = text[:start] + "四、政府信息公开行政复议、行政诉讼情况\n" + body + "\n" + text[stop:]
    return make_variants2.gold("x", variant)["cells"], parse_document(doc.encode("utf-8"), filename="x.txt").to_json()


def test_appeals_pairs_with_a_missing_value_are_uncertain_not_guessed() -> None:
    names = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3
    values = ["1", "2", "0", "0", "3", "0", "1", "0", "1", "2", "1", "0", "0", "0", "1"]
    cells, parsed = _appeals_variant(" ".join(f"{n} {v}" for n, v in zip(names, values)))
    assert [parsed["cells"][k] or 0 for k in cells if k.startswith("appeals.")] == [int(v) for v in values]
    pairs = [f"{n} {v}" for n, v in zip(names, values)]
    pairs[7] = names[7]  # one value lost
    cells, parsed = _appeals_variant(" ".join(pairs))
    for key in (k for k in cells if k.startswith("appeals.")):
        got = parsed["cells"][key]
        assert key in parsed["uncertain"] or (got or 0) == (cells[key] or 0), key
