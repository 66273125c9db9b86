"""Text normalised for label matching: NFKC, CJK radicals, traditional -> simplified.

The archive keeps the text as published; this form is only for finding labels and numbers."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# CJK Radicals Supplement code points that PDF fonts emit for common characters. NFKC
# folds the Kangxi radicals (U+2F00-2FDF) but leaves these alone.
RADICAL_MAP = {
    "\u2e80": "丶", "\u2e84": "乙", "\u2e85": "亻", "\u2e86": "冂", "\u2e88": "刀", "\u2e89": "刂",
    "\u2e8c": "小", "\u2e8d": "小", "\u2e8e": "兀", "\u2e8f": "尢", "\u2e90": "尢", "\u2e92": "巳",
    "\u2e93": "幺", "\u2e94": "彐", "\u2e95": "彐", "\u2e96": "忄", "\u2e97": "心", "\u2e98": "扌",
    "\u2e99": "攵", "\u2e9b": "旡", "\u2e9c": "日", "\u2e9d": "月", "\u2e9e": "歹", "\u2e9f": "母",
    "\u2ea0": "民", "\u2ea1": "氵", "\u2ea2": "氺", "\u2ea3": "灬", "\u2ea4": "爫", "\u2ea5": "爫",
    "\u2ea6": "丬", "\u2ea7": "牛", "\u2ea8": "犭", "\u2ea9": "王", "\u2eaa": "疋", "\u2eab": "目",
    "\u2eac": "示", "\u2ead": "礻", "\u2eae": "竹", "\u2eaf": "糹", "\u2eb0": "纟", "\u2eb1": "罒",
    "\u2eb2": "罒", "\u2eb3": "罒", "\u2eb4": "罒", "\u2eb5": "罒", "\u2eb6": "羊", "\u2eb7": "羊",
    "\u2eb8": "羊", "\u2eb9": "老", "\u2eba": "肀", "\u2ebb": "肀", "\u2ebc": "月", "\u2ebd": "臼",
    "\u2ebe": "艹", "\u2ebf": "艹", "\u2ec0": "艹", "\u2ec1": "虎", "\u2ec2": "衤", "\u2ec3": "覀",
    "\u2ec4": "西", "\u2ec5": "见", "\u2ec6": "角", "\u2ec7": "角", "\u2ec8": "讠", "\u2ec9": "贝",
    "\u2eca": "足", "\u2ecb": "车", "\u2ecc": "辶", "\u2ecd": "辶", "\u2ece": "辶", "\u2ecf": "阝",
    "\u2ed0": "钅", "\u2ed1": "长", "\u2ed2": "长", "\u2ed3": "长", "\u2ed4": "门", "\u2ed5": "阜",
    "\u2ed6": "阝", "\u2ed7": "雨", "\u2ed8": "青", "\u2ed9": "韦", "\u2eda": "页", "\u2edb": "风",
    "\u2edc": "飞", "\u2edd": "食", "\u2ede": "食", "\u2edf": "饣", "\u2ee0": "饣", "\u2ee1": "首",
    "\u2ee2": "马", "\u2ee3": "骨", "\u2ee4": "鬼", "\u2ee5": "鱼", "\u2ee6": "鸟", "\u2ee7": "卤",
    "\u2ee8": "麦", "\u2ee9": "黄", "\u2eea": "黾", "\u2eeb": "齐", "\u2eec": "齐", "\u2eed": "齿",
    "\u2eee": "齿", "\u2eef": "龙", "\u2ef0": "龙", "\u2ef1": "龟", "\u2ef2": "龟", "\u2ef3": "龟",
}
_RADICALS = str.maketrans(RADICAL_MAP)
_SPACES = str.maketrans({"\u00a0": " ", "\u3000": " ", "\u2002": " ", "\u2003": " ", "\u200b": "",
                         "\ufeff": "", "\r": "\n", "\u2028": "\n", "\u2029": "\n"})
_QUOTES = str.maketrans({"“": '"', "”": '"', "〔": "[", "〕": "]", "【": "[", "】": "]"})
# Circled numbers are ordinals (①属于国家秘密). NFKC folds ① to a bare "1", which then reads
# as the previous row's last value; they become "1." like the template's own sub-row numbers.
CIRCLED_ORDINALS = {
    **{chr(0x2460 + n): f"{n + 1}." for n in range(20)},  # ① … ⑳
    **{chr(0x2776 + n): f"{n + 1}." for n in range(10)},  # ❶ … ❿
    **{chr(0x2780 + n): f"{n + 1}." for n in range(10)},  # ➀ … ➉
    **{chr(0x278A + n): f"{n + 1}." for n in range(10)},  # ➊ … ➓
}
_CIRCLED = str.maketrans(CIRCLED_ORDINALS)


@lru_cache(maxsize=1)
def _converter():
    try:
        from opencc import OpenCC
    except ImportError:  # label matching then works on simplified documents only
        return None
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional -> simplified (OpenCC t2s); unchanged when OpenCC is missing."""
    converter = _converter()
    return converter.convert(text) if converter and text else text


def normalize(text: str) -> str:
    """NFKC + radicals + circled ordinals + simplified + plain spaces; line structure and
    tabs kept."""
    text = text.translate(_SPACES).translate(_RADICALS).translate(_CIRCLED)
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    text = text.translate(_QUOTES)
    text = re.sub(r"[ ]+", " ", text)
    return text


def looks_traditional(text: str) -> bool:
    """True when a sizeable share of the characters change under t2s."""
    sample = text[:20000]
    converted = to_simplified(sample)
    if len(converted) != len(sample):
        return sum(1 for a, b in zip(sample, converted) if a != b) > 30
    changed = sum(1 for a, b in zip(sample, converted) if a != b)
    return changed > 30 and changed > len(sample) * 0.01
