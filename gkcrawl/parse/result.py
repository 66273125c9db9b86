"""The parser's output: one dataclass whose JSON form is `gkcrawl parse --json`.

`SpamReport` is extraction's finding (gkcrawl.extract.spam_report), carried in the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gkcrawl.extract.spam_report import SpamReport

# Bumped whenever a change to the parser can change any derived value; every derived
# row in the archive carries it so a value can be traced to the code that produced it.
PARSER_VERSION = "0.5.4"

CellValue = int | float | None


@dataclass
class Check:
    """One finding about the report. `cells` names the cells it is about: for a failed check
    the cells of what failed (every cell of a failing sum), for a passing one the cells it
    covered, for an unknown one the cells it needed and could not read; [] when it concerns
    no cell (the template's detection, a document without tables)."""

    name: str
    ok: bool | None
    detail: str
    cells: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "cells": list(self.cells)}


@dataclass
class ParseResult:
    template: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, CellValue] = field(default_factory=dict)
    uncertain: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    spam: SpamReport = field(default_factory=SpamReport)
    text: str = ""
    # Notes printed inside cells ("6撤", "34435.86万元"), kept beside the number.
    cell_notes: dict[str, str] = field(default_factory=dict)
    # Why each uncertain key is uncertain (`assumed_first_column`, `ambiguous`, `not_found`,
    # `unreadable_row`, `tables_not_read`, `table_as_image`, `checks_fail_reading`: a chosen
    # reading whose checks fail): a best reading kept as a value is always here.
    uncertain_reasons: dict[str, str] = field(default_factory=dict)
    # Where and how each cell was read: {key: {"how": "grid" | "text_row" | "run_split" |
    # "dropped_blanks" | "prose" | ..., "where": {...}, "medium": "ocr"}} (docs/parse-output.md):
    # the one record of a cell's provenance; "medium": "ocr" when it was read from pixels.
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Document-level flags such as "needs_ocr", "not_a_report", "traditional".
    flags: list[str] = field(default_factory=list)
    # The document kind read: "html", "text", "pdf", "docx", "doc".
    kind: str | None = None
    error: str | None = None
    parser_version: str = PARSER_VERSION
    # The libraries and programs that read the document, name -> version (None: not
    # installed), beside parser_version (gkcrawl.parse.versions).
    tool_versions: dict[str, str | None] = field(default_factory=dict)
    # "ocr": the text was read from pictures; "mixed": some PDF pages were (docs/parse-output.md).
    text_source: str | None = None

    def medium(self, key: str) -> str | None:
        """"ocr" when the cell was read from pixels (a scan, a scanned page, a picture), else None."""
        return (self.sources.get(key) or {}).get("medium")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "template": self.template,
            "meta": self.meta,
            "cells": self.cells,
            "uncertain": sorted(self.uncertain),
            "checks": [c.to_json() for c in self.checks],
            "spam": self.spam.to_json(),
            "text": self.text,
        }
        if self.cell_notes:
            out["cell_notes"] = self.cell_notes
        if self.uncertain_reasons:
            out["uncertain_reasons"] = dict(sorted(self.uncertain_reasons.items()))
        if self.sources:
            out["sources"] = self.sources
        if self.flags:
            out["flags"] = self.flags
        if self.kind:
            out["kind"] = self.kind
        if self.error:
            out["error"] = self.error
        if self.text_source:
            out["text_source"] = self.text_source
        out["parser_version"] = self.parser_version
        if self.tool_versions:
            out["tool_versions"] = dict(self.tool_versions)
        return out
