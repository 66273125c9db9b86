"""The template's rows: which label starts each row and which cell keys its values fill.

Keys come from `gkcrawl/data/cells.tsv`; this module adds the printed labels (matched on
simplified, NFKC-normalised text, with any whitespace allowed between characters) and the
markers that end a row without holding values (group headings, column headers)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

APPLICANT_COLUMNS = ("natural", "commercial", "research", "nonprofit", "legal_services", "other_org", "total")
APPEAL_COLUMNS = tuple(f"{group}.{col}" for group in ("review", "lit_direct", "lit_after_review")
                       for col in ("upheld", "corrected", "other", "pending", "total"))


@dataclass(frozen=True)
class RowSpec:
    """One printed row of the template: its cell keys in column order and its label."""

    row_id: str  # "requests.new", "active.a20_5.licensing", "appeals"
    section: str  # "active", "requests", "appeals"
    keys: tuple[str, ...]
    pattern: re.Pattern[str] | None

    @property
    def width(self) -> int:
        return len(self.keys)


def loose(label: str) -> str:
    """Regex for a label allowing whitespace between any two characters."""
    parts = []
    for ch in label:
        parts.append(re.escape(ch) if ch not in "?" else ch)
    return r"\s*".join(parts)


def _p(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{alt})" for alt in alternatives))


def _year_word(year: str, rest: str) -> str:
    """``本年新收`` also printed ``本年度新收``; ``上年结转`` as ``上年度结转``."""
    return loose(year) + r"\s*(?:度\s*)?" + loose(rest)


_ORD = r"(?:(?<![\d.])\d\s*[.、．]\s*)?"  # "2." or "2、" before a sub-row label
_PAREN = r"(?:\(\s*[一二三四五六七八九十]\s*\)\s*)?"

LABELS: dict[str, re.Pattern[str]] = {
    "active.a20_1.regulations": _p(r"(?<!政府)" + loose("规章") + r"(?!制)"),
    "active.a20_1.normative_docs": _p(r"(?:行\s*政\s*)?" + loose("规范性文件") + r"(?!库)"),
    "active.a20_5.licensing": _p(loose("行政许可")),
    "active.a20_5.other_services": _p(loose("其他对外管理服务事项")),
    "active.a20_6.penalty": _p(loose("行政处罚")),
    "active.a20_6.coercion": _p(loose("行政强制")),
    "active.a20_8.fees": _p(loose("行政事业性收费")),
    "active.a20_9.procurement": _p(loose("政府集中采购")),
    "requests.new": _p(r"(?:一\s*[、.]\s*)?" + _year_word("本年", "新收政府信息公开申请数量"),
                       _year_word("本年", "新收") + r"[^\d\n|]{0,12}"),
    "requests.carried_in": _p(r"(?:二\s*[、.]\s*)?" + _year_word("上年", "结转政府信息公开申请数量"),
                              _year_word("上年", "结转") + r"[^\d\n|]{0,12}"),
    "requests.granted": _p(_PAREN + loose("予以公开")),
    "requests.partial": _p(_PAREN + loose("部分公开") + r"(?:\s*\([^)]{0,30}\))?"),
    "requests.withheld.state_secret": _p(_ORD + loose("属于国家秘密")),
    "requests.withheld.law_prohibited": _p(_ORD + loose("其他法律") + r"\s*(?:行\s*政\s*)?(?:法\s*规\s*)?(?:禁\s*)?"
                                           + loose("止公开")),
    "requests.withheld.three_security": _p(_ORD + loose("危及") + r"\s*\S?\s*" + loose("三安全一稳定") + r"\s*[”\"]?"),
    "requests.withheld.third_party": _p(_ORD + loose("保护第三方合法权益")),
    "requests.withheld.internal_affairs": _p(_ORD + loose("属于三类内部事务信息")),
    "requests.withheld.process_info": _p(_ORD + loose("属于四类过程性信息")),
    "requests.withheld.enforcement_files": _p(_ORD + loose("属于行政执法案卷")),
    "requests.withheld.inquiry": _p(_ORD + loose("属于行政查询事项")),
    "requests.unable.no_info": _p(_ORD + loose("本机关不掌握相关政府信息")),
    "requests.unable.needs_creation": _p(_ORD + loose("没有现成信息需要另行制作")),
    "requests.unable.unclear": _p(_ORD + loose("补正后申请内容仍不明确")),
    "requests.not_processed.petition": _p(_ORD + loose("信访举报投诉类申请")),
    "requests.not_processed.repeated": _p(_ORD + r"(?<!反)" + loose("重复申请")),
    "requests.not_processed.publications": _p(_ORD + loose("要求提供公开出版物")),
    "requests.not_processed.mass_repeated": _p(_ORD + loose("无正当理由大量反复申请")),
    "requests.not_processed.confirm": _p(_ORD + loose("要求行政机关确认或重新出具已获取信息")),
    "requests.other": _p(_PAREN + loose("其他处理"), r"\(\s*六\s*\)\s*" + loose("其他") + r"(?!\s*[法结对])"),
    "requests.other.no_supplement": _p(_ORD + loose("申请人无正当理由逾期不补正") + r"[^\d|\n]{0,30}?" + loose("公开申请")),
    "requests.other.no_fee": _p(_ORD + loose("申请人逾期未按收费通知要求缴纳费用") + r"[^\d|\n]{0,30}?" + loose("公开申请")),
    "requests.other.other": _p(r"\d\s*[.、．]\s*" + loose("其他") + r"(?!\s*[法处结对])"),
    "requests.total": _p(r"(?:\(\s*七\s*\)|七\s*[、.])\s*(?:" + loose("总计") + "|" + loose("合计") + ")"),
    "requests.carried_out": _p(r"(?:四\s*[、.]\s*)?" + loose("结转下") + r"\s*(?:一\s*)?" + loose("年度继续办理")),
}

# Headings that end the previous row's values but hold none themselves.
MARKERS = _p(
    r"第\s*二\s*十\s*条\s*第\s*\(\s*[一二三四五六七八九十]\s*\)\s*项",
    loose("信息内容"), loose("本年新制作数量"), loose("本年新公开数量"), loose("对外公开总数量"),
    loose("上一年项目数量"), loose("本年增") + r"\s*/?\s*(?:减)?", loose("处理决定数量"), loose("采购项目数量"),
    loose("采购总金额"), loose("本年制发件数"), loose("本年废止件数"), loose("现行有效件数"),
    loose("本年收费金额") + r"(?:\s*\(\s*单位\s*:?\s*万元\s*\))?",
    r"三\s*[、.]\s*" + loose("本年度办理结果"), _PAREN + loose("不予公开"), _PAREN + loose("无法提供"),
    _PAREN + loose("不予处理"), loose("申请人情况"), loose("法人或其他组织"),
)


@lru_cache(maxsize=4)
def template_keys(template: str) -> tuple[str, ...]:
    """Every cell key of a template, in cells.tsv order."""
    text = resources.files("gkcrawl").joinpath("data/cells.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines(), delimiter="\t")
    return tuple(row["key"] for row in rows if row["template"] == template)


@lru_cache(maxsize=4)
def row_specs(template: str) -> tuple[RowSpec, ...]:
    """The template's printed rows in document order (appeals as one 15-cell row)."""
    grouped: dict[str, list[str]] = {}
    for key in template_keys(template):
        row_id = "appeals" if key.startswith("appeals.") else key.rsplit(".", 1)[0]
        grouped.setdefault(row_id, []).append(key)
    specs = []
    for row_id, keys in grouped.items():
        section = row_id.split(".", 1)[0]
        specs.append(RowSpec(row_id, section, tuple(keys), LABELS.get(row_id)))
    return tuple(specs)


def negative_allowed(spec: RowSpec) -> tuple[bool, ...]:
    """Only 本年增/减 can be negative; every other cell counts something."""
    return tuple(key.endswith(".change") for key in spec.keys)
