"""Discovery rules as pure functions: what a link or a page is, seen from its text and URL.

The spider only connects these rules to Scrapy; they take strings and return plain values
so they are tested on their own, offline. Titles are matched after folding the handful of
traditional characters that occur in report titles (公開, 報告 ...), never rewritten.
"""

from __future__ import annotations

import enum
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd", ".rtf")

# Traditional -> simplified, only for characters that occur in section and report titles.
_FOLD = str.maketrans("開報資訊務議處內門網廣東區縣鄉鎮黨國數據統計年質聯興業環歷錄導規範總請複審應",
                      "开报资讯务议处内门网广东区县乡镇党国数据统计年质联兴业环历录导规范总请复审应")

_YEAR = r"(?:19|20)\d{2}|[〇零一二][〇零一二三四五六七八九]{3}"
_REPORT_PATTERNS = [
    re.compile(r"信息公开.{0,8}(?:年度报告|年报|报告)"),
    re.compile(r"政务公开.{0,6}(?:年度报告|年报)"),
    re.compile(r"公开年报"),
]
# Titles that look like a report but are another kind of document. Words that also occur in
# agency names (审计局, 统计局) are only looked for after the year: "大川市审计局2021年…".
_NOT_REPORT_ANYWHERE = re.compile("法治政府|依法行政|政府工作报告|解读|图解|问答|通知|征求意见|发布会")
_NOT_REPORT_AFTER_YEAR = re.compile(
    "编制|报送|格式|模板|预算|决算|统计公报|国民经济|考核|评估|第三方|审计|述职|履职|工作总结|工作要点"
    "|环境信息|企业信息|社会责任|网站工作年度报表|年度报表|培训|会议|督查|检查|统计年报|年报公示|企业年报"
)
# 政务公开 reports of 2019 on are the OGI report only when they carry the template's tables.
_OGI_WORDS = re.compile("信息公开")
_OPEN_AFFAIRS_REPORT = re.compile(r"政务公开.{0,6}(?:年度报告|年报)")
# Script links: window.open('...'), openUrl("..."), location.href='...'.
_SCRIPT_CALL = re.compile(r"""(?:open\w*|go\w*|show\w*|view\w*|location(?:\.href)?|href)\s*(?:\(|=)\s*['"]([^'"]+)['"]""",
                          re.I)
_LINKISH = re.compile(r"^(?:https?://|/|\./|\.\./)|\.(?:s?html?|jhtml|jsp|aspx?|php|pdf|docx?|wps|xlsx?|ofd)(?:[?#]|$)",
                      re.I)
_SECTION_WORDS = ("政府信息公开", "信息公开", "政务公开", "法定主动公开", "主动公开", "公开目录", "信息公开目录")
_SECTION_URL = re.compile(r"/(?:xxgk|zwgk|zfxxgk|gkml|xxgkml|zwxxgk|gk|public|opengov)(?:/|_|\.|$)", re.I)
_COLUMN_WORDS = ("年报", "年度报告", "信息公开年报", "政府信息公开年报", "政府信息公开工作年度报告")
_COLUMN_URL = re.compile(r"(?:zfxxgknb|xxgknb|gknb|ndbg|xxgkndbg|zfxxgkndbg|/nb/|/nb_|annualreport|annual_report)", re.I)
_YEAR_COLUMN = re.compile(rf"^\s*({_YEAR})\s*年?度?\s*(?:年报|年度报告)?\s*$")
_PAGINATION_WORDS = ("下一页", "下页", "后一页", "尾页", "末页", "最后一页", "上一页", "上页", "首页 ", "next", "»", "›")
_PAGE_URL = re.compile(r"(?:index_\d+\.s?html?|[?&](?:page|pageno|pagenum|pageindex|currentpage|curpage|pn|p)=\d+)", re.I)
_SESSION_PATH = re.compile(r";(?:jsessionid|sid|phpsessid)=[^/?#]*", re.I)
_SESSION_PARAMS = {"jsessionid", "sid", "phpsessid", "sessionid", "session_id", "aspsessionid"}


class LinkKind(enum.Enum):
    """What following a link is expected to reach."""

    REPORT = "report"            # a report page, by its title
    ATTACHMENT = "attachment"    # a file (.pdf .doc ...)
    REPORT_COLUMN = "column"     # the annual-report column
    YEAR_COLUMN = "year"         # a year sub-column ("2020年")
    PAGINATION = "page"          # the next page of a list
    SECTION = "section"          # the disclosure section or one of its sub-columns
    OTHER = "other"
    SKIP = "skip"                # javascript:, mailto:, fragments


def fold_title(text: str) -> str:
    """Whitespace removed and traditional title characters folded: for matching only."""
    return re.sub(r"\s+", "", text or "").translate(_FOLD)


def has_year(text: str) -> bool:
    return re.search(_YEAR, fold_title(text)) is not None


def is_excluded_title(text: str) -> bool:
    """True for titles of other document kinds (法治政府建设年度报告, 解读, 通知 ...)."""
    folded = fold_title(text)
    if _NOT_REPORT_ANYWHERE.search(folded):
        return True
    year = re.search(_YEAR, folded)
    return _NOT_REPORT_AFTER_YEAR.search(folded[year.start():] if year else folded) is not None


def looks_like_report_name(text: str) -> bool:
    """The words of an annual report, with or without a year (also matches column names)."""
    folded = fold_title(text)
    return any(p.search(folded) for p in _REPORT_PATTERNS) and not is_excluded_title(folded)


def is_report_title(text: str) -> bool:
    """`XX2020年政府信息公开工作年度报告` and its variants; not other kinds of report."""
    return looks_like_report_name(text) and has_year(text)


def needs_template(title: str) -> bool:
    """A 政务公开 (not 信息公开) annual report of 2019 on: a report only if it has the tables.

    Since 2019 the OGI report follows the national template; a 政务公开工作年度报告 without its
    tables is a work summary (TEMPLATE.md), with them it is the OGI report under another name."""
    folded = fold_title(title)
    year = title_year(folded)
    return bool(_OPEN_AFFAIRS_REPORT.search(folded)) and not _OGI_WORDS.search(folded) \
        and year is not None and year >= 2019


def script_link_target(href: str, onclick: str = "") -> str | None:
    """The address a scripted link opens: `javascript:openUrl('a.html')`, `onclick="window.open('..')"`.

    None when the link runs no navigation (`javascript:void(0)` with no onclick target)."""
    for code in (href if href.strip().lower().startswith("javascript:") else "", onclick or ""):
        for target in _SCRIPT_CALL.findall(code):
            target = target.strip()
            if _LINKISH.search(target) and not target.lower().startswith("javascript:"):
                return target
    return None


_VIEWER_PATH = re.compile(r"(?:/pdfjs/|/pdf\.?js/|viewer\.(?:html?|jsp|aspx?|php)$|/(?:preview|fileview)\w*\.(?:html?|jsp|aspx?|php)$)",
                          re.I)
_VIEWER_PARAMS = ("file", "url", "src", "path", "filepath", "fileurl")
_MORE_LINK = re.compile(r"^[\[【(（<]?(?:更多|查看更多|more|更多信息|更多内容)[\s>»+\]】)）.…》>]*$", re.I)


def unwrap_viewer_url(url: str) -> str:
    """The file a document viewer shows: `/pdfjs/web/viewer.html?file=/uploads/a.pdf` -> `/uploads/a.pdf`.

    The viewer page is furniture; the report is the file in its query string."""
    parts = urlsplit(url)
    if not _VIEWER_PATH.search(parts.path):
        return url
    for key, value in parse_qsl(parts.query):
        if key.lower() in _VIEWER_PARAMS and value.strip() and not value.lower().startswith("javascript:"):
            return urljoin(url, value.strip())
    return url


def is_more_link(text: str) -> bool:
    """`更多>>`, `[更多]`, `more+`: a block's link to its full list, named only by the block's title."""
    return _MORE_LINK.match(fold_title(text)) is not None


def is_attachment_url(url: str) -> bool:
    parts = urlsplit(url)
    path = parts.path.lower()
    if path.endswith(ATTACHMENT_EXTENSIONS):
        return True
    # Download scripts: /downfile.jsp?filename=x.pdf
    return any(v.lower().endswith(ATTACHMENT_EXTENSIONS) for _, v in parse_qsl(parts.query))


_LIST_URL = re.compile(r"(?:/|/index(?:_\d+)?\.s?html?|/list[\w-]*\.s?html?|/col/col\d+/index\.html)$", re.I)


def looks_like_list_url(url: str) -> bool:
    """Directory-like URLs (`/2020/`, `/nb/index.html`, `/list_2.html`) are lists, not articles."""
    return _LIST_URL.search(urlsplit(url).path or "/") is not None


_SEARCH_PATH = re.compile(r"/(?:search|jsearch|s|so|was5/web/search|jrobot)(?:/|\.|$)", re.I)
_SEARCH_PARAMS = {"searchword", "keyword", "keywords", "q", "query", "wd", "sword"}


def is_search_url(url: str) -> bool:
    parts = urlsplit(url)
    if _SEARCH_PATH.search(parts.path):
        return True
    return any(k.lower() in _SEARCH_PARAMS for k, _ in parse_qsl(parts.query, keep_blank_values=True))


def is_column_url(url: str) -> bool:
    return _COLUMN_URL.search(url) is not None


def is_section_url(url: str) -> bool:
    return _SECTION_URL.search(urlsplit(url).path) is not None


def is_column_name(text: str) -> bool:
    folded = fold_title(text)
    if not folded or len(folded) > 30 or is_excluded_title(folded):
        return False
    return any(word in folded for word in _COLUMN_WORDS) or (looks_like_report_name(folded) and not has_year(folded))


def classify_link(text: str, url: str) -> LinkKind:
    """Decide what a link leads to from its anchor text and its absolute URL."""
    lowered = url.strip().lower()
    if not lowered or lowered.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
        return LinkKind.SKIP
    folded = fold_title(text)
    if is_search_url(url):
        return LinkKind.SKIP  # site search: endless result pages, nothing a list does not link
    if is_attachment_url(url):
        return LinkKind.ATTACHMENT
    if is_report_title(folded):
        # "2020年政府信息公开年报" pointing at a directory is a year column, not a report.
        return LinkKind.REPORT_COLUMN if looks_like_list_url(url) else LinkKind.REPORT
    if _YEAR_COLUMN.match(folded):
        return LinkKind.YEAR_COLUMN
    if folded.lower() in _PAGINATION_WORDS or any(w in folded for w in _PAGINATION_WORDS[:7]):
        return LinkKind.PAGINATION
    if folded.isdigit() and _PAGE_URL.search(url):
        return LinkKind.PAGINATION
    if is_column_name(folded) or (is_column_url(url) and not is_excluded_title(folded)):
        return LinkKind.REPORT_COLUMN
    if any(word in folded for word in _SECTION_WORDS) and not is_excluded_title(folded):
        return LinkKind.SECTION
    if not folded and is_section_url(url):
        return LinkKind.SECTION
    return LinkKind.OTHER


def canonical_url(url: str) -> str:
    """One spelling per resource: session ids dropped, query sorted, fragment removed."""
    url = _SESSION_PATH.sub("", url.strip())
    parts = urlsplit(url)
    if parts.query:
        kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                if k.lower() not in _SESSION_PARAMS]
        parts = parts._replace(query=urlencode(kept))
    return canonicalize_url(urlunsplit(parts), keep_fragments=False)


def path_key(url: str) -> str:
    """The URL without its query: the unit for the per-path query-variant cap."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def title_year(text: str) -> int | None:
    match = re.search(r"(?:19|20)\d{2}", fold_title(text))
    return int(match.group(0)) if match else None
