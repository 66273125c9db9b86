"""Report parsing: bytes of one document in, one ParseResult out. Never imports Scrapy."""

from .result import PARSER_VERSION, Check, ParseResult, SpamReport

__all__ = ["PARSER_VERSION", "Check", "ParseResult", "SpamReport", "parse_document"]


def parse_document(data: bytes, filename: str = "", content_type: str | None = None,
                   url: str | None = None) -> ParseResult:
    """Parse one report document (HTML, text, PDF, DOCX, DOC) from its raw bytes.

    Placeholder until the parser lands: returns an empty result."""
    return ParseResult(error="parser not implemented yet")
