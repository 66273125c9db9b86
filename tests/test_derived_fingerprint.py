"""Derived values never change without a PARSER_VERSION bump (tests/derived_fingerprint.py),
and each result names the tool versions that read it (gkcrawl.parse.versions)."""

from __future__ import annotations

import copy
import io
import json
import shutil
from pathlib import Path

import pytest

import derived_fingerprint as fp
from gkcrawl.archive.store import open_archive, record_report
from gkcrawl.derive.result_json import result_from_json
from gkcrawl.parse import parse_document
from gkcrawl.parse.result import PARSER_VERSION
from gkcrawl.parse.versions import PACKAGES_BY_KIND, ProgramVersion, package_version, tool_versions

REPORTS = fp.FIXTURES / "reports"


@pytest.fixture(scope="module")
def current() -> dict:
    return fp.fingerprint()


def test_values_change_only_with_a_version_bump(current: dict) -> None:
    old = fp.stored()
    assert old is not None, f"tests/fixtures/derived_fingerprint.json is missing: run {fp.UPDATE_COMMAND}"
    changed, skipped = fp.changed_documents(old, current)
    how = (f"bump PARSER_VERSION in gkcrawl/parse/result.py (now {PARSER_VERSION}) and run {fp.UPDATE_COMMAND}")
    tools = fp.tool_changes(old, current, changed)
    assert not (changed and old["parser_version"] == PARSER_VERSION), \
        f"derived values changed without a version bump in {changed}" \
        f"{' (tools changed: ' + ', '.join(tools) + ')' if tools else ''}: {how}"
    assert old["parser_version"] == PARSER_VERSION, \
        f"PARSER_VERSION is {PARSER_VERSION}, the fingerprint was made by {old['parser_version']}: run {fp.UPDATE_COMMAND}"
    assert len(skipped) <= sum(1 for name in old["documents"] if name.endswith(".doc"))


def test_the_gate_fails_on_a_changed_value(current: dict) -> None:
    tampered = copy.deepcopy(current)
    name = "reports/var01_2019_canonical.html"
    tampered["documents"][name]["hash"] = "0" * 64
    assert fp.changed_documents(tampered, current) == ([name], [])
    assert fp.changed_documents(current, copy.deepcopy(current)) == ([], [])


def test_a_document_read_without_a_missing_program_is_skipped_not_failed(current: dict) -> None:
    tampered = copy.deepcopy(current)
    name = next(n for n, d in current["documents"].items() if "libreoffice" in d["tools"])
    tampered["documents"][name]["hash"] = "0" * 64
    tampered["documents"][name]["tools"]["libreoffice"] = "7.4.7.2"
    absent = copy.deepcopy(current)
    absent["documents"][name]["tools"]["libreoffice"] = None
    assert fp.changed_documents(tampered, absent) == ([], [name])


def test_fingerprint_covers_every_fixture_and_is_deterministic(current: dict) -> None:
    assert set(current["documents"]) == {f"{p.parent.name}/{p.name}" for p in fp.fixture_documents()}
    assert len(current["documents"]) >= 60
    again = fp.derived_values(REPORTS / "var01_2019_canonical.html")[0]
    assert fp.digest(again) == current["documents"]["reports/var01_2019_canonical.html"]["hash"]


def test_update_writes_the_file_the_check_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, current: dict) -> None:
    monkeypatch.setattr(fp, "FINGERPRINT", tmp_path / "derived_fingerprint.json")
    monkeypatch.setattr(fp, "fingerprint", lambda: current)
    assert fp.main([]) == 1  # nothing stored yet
    assert fp.main(["--update"]) == 0
    assert fp.stored() == json.loads(json.dumps(current))
    assert fp.main([]) == 0


def test_each_kind_names_the_tools_that_read_it() -> None:
    assert set(tool_versions("html")) == {"trafilatura", "opencc"}
    assert tool_versions("pdf")["pdfplumber"] == package_version("pdfplumber")
    assert set(tool_versions("doc")) == {"opencc", "antiword", "libreoffice"}
    assert tool_versions(None) == {} and tool_versions("unknown") == {}
    assert package_version("no-such-distribution-gkcrawl") is None
    for kind in PACKAGES_BY_KIND:
        for name, version in tool_versions(kind).items():
            assert version is None or version[0].isdigit(), (kind, name, version)
    if shutil.which("soffice") or shutil.which("libreoffice"):
        assert tool_versions("doc")["libreoffice"]
    else:
        assert tool_versions("doc")["libreoffice"] is None


def test_tool_versions_recorded_beside_parser_version(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(50, 700, "Annual report 2022")
    page.save()
    result = parse_document(buffer.getvalue(), filename="a.pdf")
    assert result.tool_versions == tool_versions("pdf")
    data = result.to_json()
    assert data["tool_versions"]["pdfplumber"] == package_version("pdfplumber")
    assert result_from_json(json.loads(json.dumps(data))).tool_versions == result.tool_versions
    db = open_archive(tmp_path / "g.db")
    report_id, _ = record_report(db, None, result, url="http://www.example.gov.cn/a.pdf",
                                 fetched_at="2024-02-01T08:00:00Z", sha256="b" * 64, site=None)
    row = db["reports"].get(report_id)
    assert row["parser_version"] == PARSER_VERSION
    assert json.loads(row["tool_versions"]) == result.tool_versions


def test_a_program_answer_is_kept_but_a_failed_run_is_asked_again() -> None:
    answers = iter([(None, False), ("7.4", True), ("9.9", True)])
    version = ProgramVersion(lambda: next(answers))
    assert version() is None  # failed run: not kept
    assert version() == "7.4" and version() == "7.4"  # kept
    absent = ProgramVersion(lambda: (None, True))
    assert absent() is None and absent() is None
