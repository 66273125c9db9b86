"""Whatever bytes arrive, parse_document returns a ParseResult that serialises to JSON."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from gkcrawl.parse import ParseResult, parse_document

FIXTURES = Path(__file__).parent / "fixtures"
DOCUMENTS = sorted(p for d in ("seeds", "reports") for p in (FIXTURES / d).iterdir() if p.is_file())
SMALL = [p for p in DOCUMENTS if p.suffix in (".txt", ".html")]
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_result(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    out = result.to_json()
    json.loads(json.dumps(out, ensure_ascii=False))
    assert out["template"] in (None, "2019", "2021")
    if out["template"] is None:
        assert all(v is None for v in out["cells"].values())
    for key in out["uncertain"]:
        assert key in out["cells"]


@FUZZ
@given(index=st.integers(min_value=0, max_value=len(DOCUMENTS) - 1), cut=st.floats(0, 1))
def test_truncated_documents(index: int, cut: float) -> None:
    data = DOCUMENTS[index].read_bytes()
    _assert_result(parse_document(data[: int(len(data) * cut)], filename=DOCUMENTS[index].name))


@FUZZ
@given(index=st.integers(min_value=0, max_value=len(SMALL) - 1), seed=st.integers(0, 10_000))
def test_shuffled_lines(index: int, seed: int) -> None:
    lines = SMALL[index].read_bytes().split(b"\n")
    random.Random(seed).shuffle(lines)
    _assert_result(parse_document(b"\n".join(lines), filename=SMALL[index].name))


@FUZZ
@given(data=st.binary(max_size=4000), name=st.sampled_from(["x.pdf", "x.docx", "x.doc", "x.html", "x.txt", ""]))
def test_random_bytes(data: bytes, name: str) -> None:
    _assert_result(parse_document(data, filename=name))


@FUZZ
@given(prefix=st.sampled_from([b"%PDF-1.4\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"<html>"]),
       body=st.binary(max_size=2000))
def test_garbage_behind_magic_numbers(prefix: bytes, body: bytes) -> None:
    result = parse_document(prefix + body)
    _assert_result(result)
    assert result.template is None


@FUZZ
@given(text=st.text(alphabet="0123456789 |\t\n-—/.+万元撤规章总计自然人行政许可一二三四、()", max_size=600))
def test_table_like_noise_never_raises(text: str) -> None:
    framed = "二、主动公开政府信息情况\n" + text + "\n三、收到和处理政府信息公开申请情况\n本年新收政府信息公开申请数量 " + text
    _assert_result(parse_document(framed.encode("utf-8"), filename="noise.txt"))


def test_truncated_pdf_fixture() -> None:
    data = (FIXTURES / "reports" / "gen2021_ningan.pdf").read_bytes()
    for cut in (10, 500, len(data) // 2, len(data) - 10):
        result = parse_document(data[:cut], filename="cut.pdf")
        _assert_result(result)


def _cjk_run(length: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(length))


# Inputs that made the spam regexes backtrack (seconds to minutes before they were rewritten):
# a long run without punctuation, strong terms glued into one run, a domain-like run of
# labels and hyphens. Each must parse at once; the timeout is a hang guard, not a benchmark.
HOSTILE = {
    "cjk_16000": _cjk_run(16_000),
    "digits_16000": "7" * 16_000,
    "latin_16000": "x" * 16_000,
    "glued_strong_terms": "bet365" * 2_700,
    "strong_terms_in_latin": "xbet365" * 2_300,
    "domain_labels": "-a." * 5_400,
    # Spam phrases grown across gaps and separators (澳门[特区]赌场,澳门博彩[业]网址).
    "strong_phrases_bridged": "澳门特区赌场,澳门博彩业网址，" * 1_200,
    "strong_terms_with_addresses": "赌场 www.a1.com " * 1_100,
}


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_runs_parse_without_hanging(name: str) -> None:
    framed = f"某市2023年政府信息公开工作年度报告\n二、主动公开政府信息情况\n{HOSTILE[name]}\n五、存在的主要问题\n"
    result = parse_document(framed.encode("utf-8"), filename="hostile.txt")
    _assert_result(result)
    assert result.spam.found == ("bet365" in name or "strong" in name)
