"""The vocabulary files load, bad entries fail clearly, and a new wording is a data change."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gkcrawl import vocabulary
from gkcrawl.crawl.discovery import LinkKind, classify_link
from gkcrawl.extract.spam import find_spam
from gkcrawl.parse import parse_document
from gkcrawl.parse.labels import LABELS, MARKERS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "gkcrawl" / "data" / "vocabulary"
AMOUNTS = ROOT / "tests" / "fixtures" / "reports" / "var11_2021_amounts.txt"


@pytest.fixture
def vocab_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "vocabulary"
    shutil.copytree(SHIPPED, copy)
    return copy


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_every_file_loads_and_is_documented() -> None:
    loaded = vocabulary.load_all(SHIPPED)
    assert set(loaded) == set(vocabulary.FILES)
    for name in vocabulary.FILES:
        assert (SHIPPED / f"{name}.yaml").read_text(encoding="utf-8").startswith("# "), name
    assert set(loaded["labels"]) <= vocabulary.row_ids()
    # The parser uses exactly the shipped data.
    assert vocabulary.labels() == LABELS
    assert vocabulary.markers() == MARKERS


def test_wordings_compile_to_the_label_regexes() -> None:
    assert LABELS["active.a20_1.regulations"].pattern == r"(?:(?<!政府)规\s*章(?!制))"
    # ordinal: true puts the row-number prefix (any style: 4. / (4) / 四、) before the text.
    assert LABELS["requests.carried_out"].pattern == "(?:" + vocabulary._ORD + (
        r"(?:四\s*[、.]\s*)?结\s*转\s*下\s*(?:一\s*)?年\s*度\s*继\s*续\s*办\s*理)")
    printed = "( 4 ) 结 转 下 年 度 继 续 办 理"
    assert LABELS["requests.carried_out"].match(printed).end() == len(printed)
    assert LABELS["requests.new"].search("本 年 度 新收政府信息公开申请数量")
    assert LABELS["requests.not_processed.repeated"].search("无正当理由大量反复申请") is None


@pytest.mark.parametrize("file, old, new, says", [
    ("labels.yaml", "  active.a20_5.licensing: 行政许可\n", "  active.a20_5.licensing: {txt: 行政许可}\n",
     r"rows\.active\.a20_5\.licensing.*unknown option\(s\) txt"),
    ("labels.yaml", "  active.a20_5.licensing: 行政许可\n", "  active.a20_5.licence: 行政许可\n",
     r"rows\.active\.a20_5\.licence: is no row id of gkcrawl/data/cells\.tsv"),
    ("labels.yaml", '    - {text: "[属于]国家秘密", ordinal: true}\n', "    - {regex: '属于(国家秘密', ordinal: true}\n",
     r"rows\.requests\.withheld\.state_secret\[0\]: regex '属于\(国家秘密' does not compile"),
    ("spam_terms.yaml", "trusted_suffixes: [", "trusted: [", r"spam_terms\.yaml: unknown key\(s\) trusted"),
    ("furniture.yaml", "  - regex: '^\\s*已归档\\s*$'\n", "  - regex: '^\\s*已归档\\s*$('\n",
     r"furniture\.yaml: line_rules\[9\]: regex .* does not compile"),
    ("discovery_words.yaml", "more_words: [", "more_words: [[], ",
     r"discovery_words\.yaml: more_words: must be a non-empty string or list of strings"),
])
def test_a_malformed_entry_names_file_and_entry(vocab_copy: Path, file: str, old: str, new: str, says: str) -> None:
    _edit(vocab_copy / file, old, new)
    with pytest.raises(vocabulary.VocabularyError, match=says) as raised:
        vocabulary.load_all(vocab_copy)
    assert str(vocab_copy / file) in str(raised.value)


_PROBE = """
import json, sys
from gkcrawl.crawl.discovery import classify_link
from gkcrawl.extract.spam import find_spam
from gkcrawl.parse import parse_document
result = parse_document(open(sys.argv[1], "rb").read(), filename="report.txt").to_json()
print(json.dumps({
    "granted": {k: v for k, v in result["cells"].items() if k.startswith("requests.granted.")},
    "spam": find_spam(sys.argv[2], None, None)[0].found,
    "link": classify_link(sys.argv[3], "http://www.example.gov.cn/xxgk/list_2.html").value,
}))
"""


def test_a_new_wording_is_a_data_change(vocab_copy: Path, tmp_path: Path) -> None:
    """A report printing 同意公开 for 予以公开, a spam term and a pagination word nobody listed:
    unread with the shipped files, read once the copy says so."""
    original = parse_document(AMOUNTS.read_bytes(), filename="report.txt").cells
    granted = {k: v for k, v in original.items() if k.startswith("requests.granted.")}
    assert granted["requests.granted.total"] == 24
    reworded = tmp_path / "reworded.txt"
    reworded.write_text(AMOUNTS.read_text(encoding="utf-8").replace("予以公开", "同意公开"), encoding="utf-8")
    spam_text, link_text = "本市凯发k8官网入口", "后页"

    before = parse_document(reworded.read_bytes(), filename="report.txt").cells
    assert all(before[key] is None for key in granted)
    assert not find_spam(spam_text, None, None)[0].found
    assert classify_link(link_text, "http://www.example.gov.cn/xxgk/list_2.html") is LinkKind.OTHER

    _edit(vocab_copy / "labels.yaml", "    - {text: 予以公开, paren: true}\n",
          "    - {text: 予以公开, paren: true}\n    - {text: 同意公开, paren: true}\n")
    _edit(vocab_copy / "spam_terms.yaml", "strong: [bet365,", "strong: [凯发k8, bet365,")
    _edit(vocab_copy / "discovery_words.yaml", "pagination_words: [下一页,", "pagination_words: [后页, 下一页,")
    env = {**os.environ, vocabulary.ENV_DIR: str(vocab_copy)}
    probe = subprocess.run([sys.executable, "-c", _PROBE, str(reworded), spam_text, link_text], env=env, cwd=ROOT,
                           capture_output=True, text=True, check=True, timeout=120)
    after = json.loads(probe.stdout)
    assert after == {"granted": granted, "spam": True, "link": LinkKind.PAGINATION.value}


def test_the_override_directory_is_read(vocab_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(vocabulary.ENV_DIR, str(vocab_copy))
    assert vocabulary.vocabulary_dir() == vocab_copy
    _edit(vocab_copy / "agency_words.yaml", "  管委会: 管理委员会\n", "  管委会: 管理委员会\n  街办: 街道办事处\n")
    assert vocabulary.agency_words().always_expand == {"管委会": "管理委员会", "街办": "街道办事处"}
    assert re.fullmatch(vocabulary.loose_text("四、政府[信息]公开"), "四.政府 公开")


_UNIT_PROBE = """
import sys
from gkcrawl.parse.meta import find_agency
title = "五里铺管理区2023年政府信息公开工作年度报告"
print(find_agency(title + "\\n沙洋县五里铺管理区", title, None))
"""


def test_a_new_unit_word_is_one_line(vocab_copy: Path) -> None:
    """A unit the vocabulary does not know (管理区) gets no body; one line of unit_bodies
    gives it the body it reports as, with the county the page spells."""
    env = {**os.environ, vocabulary.ENV_DIR: str(vocab_copy)}

    def probe() -> str:
        done = subprocess.run([sys.executable, "-c", _UNIT_PROBE], env=env, cwd=ROOT, capture_output=True,
                              text=True, check=True, timeout=120)
        return done.stdout.strip()

    assert probe() != "沙洋县五里铺管理区管理委员会"
    _edit(vocab_copy / "agency_words.yaml", "  苏木: 人民政府\n", "  苏木: 人民政府\n  管理区: 管理委员会\n")
    assert probe() == "沙洋县五里铺管理区管理委员会"
