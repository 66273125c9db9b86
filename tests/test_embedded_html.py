"""Report HTML that arrives inside a script string or JSON is read (extract/embedded.py).

The fixtures (tests/fixtures/make_embedded.py) carry the generated Ning'an report's article
as a `var content = "…"` string, as `document.write('…' + '…')` pieces, and as an article
API's JSON with \\u escapes. Each must give the same template and cells as the plain page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gkcrawl.extract.embedded import find_embedded, from_strings, unescape_js
from gkcrawl.parse import parse_document

FIXTURES = Path(__file__).parent / "fixtures"
EMBEDDED = FIXTURES / "embedded"


@pytest.fixture(scope="module")
def plain():
    return parse_document((FIXTURES / "reports" / "gen2021_ningan.html").read_bytes(), "gen2021_ningan.html")


@pytest.mark.parametrize("name,source", [("script_var.html", "script"), ("write_pieces.html", "script"),
                                         ("article_api.json", "json")])
def test_embedded_report_gives_the_plain_pages_cells(plain, name: str, source: str) -> None:
    assert plain.template == "2021" and plain.cells
    result = parse_document((EMBEDDED / name).read_bytes(), name)
    assert f"embedded_html:{source}" in result.flags
    assert result.template == plain.template
    assert result.cells == plain.cells
    assert result.meta["title"] == plain.meta["title"]
    assert result.meta["agency"] == plain.meta["agency"]


def test_json_api_without_a_name_or_type_is_read() -> None:
    """The API's bytes alone (no .json name, no content type) are recognised as JSON."""
    result = parse_document((EMBEDDED / "article_api.json").read_bytes())
    assert result.template == "2021" and result.meta["year"] == 2022


def test_the_shell_alone_has_no_template() -> None:
    """Without the hook the same page reads as nothing: the silent error this closes."""
    page = (EMBEDDED / "script_var.html").read_text(encoding="utf-8")
    shell = page.split("<script>")[0] + "</body></html>"
    assert parse_document(shell.encode(), "shell.html").template is None


def test_a_page_showing_its_report_is_left_alone(plain) -> None:
    """A script holding a shorter copy (a summary) does not replace the visible report."""
    page = (FIXTURES / "reports" / "gen2021_ningan.html").read_bytes().decode("gb18030")
    extra = '<script>var summary = "<p>' + "宁安市生态环境局政府信息公开工作年度报告摘要" * 3 + '</p>";</script>'
    result = parse_document(page.replace("</body>", extra + "</body>").encode("utf-8"), "a.html")
    assert not any(flag.startswith("embedded_html") for flag in result.flags)
    assert result.cells == plain.cells


def test_escapes_and_joined_pieces() -> None:
    assert unescape_js(r"\u653f\u5e9c<\/p>\x41\n\'\"") == "政府</p>A\n'\""
    code = "var a = '<p>" + "政" * 20 + "' + \"" + "府" * 20 + "</p>\";"
    found = from_strings(code)
    assert len(found) == 1 and found[0].html == "<p>" + "政" * 20 + "府" * 20 + "</p>"


def test_no_embedded_html_in_ordinary_scripts() -> None:
    page = "<html><body><p>正文</p><script>var x = 'https://example.gov.cn/a/b/c/d/e/f/g/h/i/j/k/l/m.html';" \
           "</script></body></html>"
    assert find_embedded(page) is None
    assert find_embedded('{"code": 0, "data": {"title": "年报"}}') is None


def test_string_scan_is_linear_on_hostile_input() -> None:
    """Unclosed quotes and backslashes by the ten thousand finish at once (no backtracking)."""
    hostile = "<script>" + ("'\\" * 20000) + ('"a' * 20000) + "</script>"
    assert find_embedded(hostile) is None
