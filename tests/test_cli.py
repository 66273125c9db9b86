"""The CLI reads well: every command has help with an Example block, and the README documents it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gkcrawl.cli import LAZY_COMMANDS, main

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = sorted({"parse", *LAZY_COMMANDS})


def test_top_level_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name}" in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    assert f"gkcrawl {name}" in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented_in_the_readme(name: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"gkcrawl {name}" in readme


def test_parse_json_prints_one_object_and_missing_file_exits_nonzero(tmp_path: Path) -> None:
    seed = ROOT / "tests" / "fixtures" / "seeds" / "000_c493ddf6db4f273e.txt"
    done = subprocess.run([sys.executable, "-m", "gkcrawl", "parse", str(seed), "--json"],
                          capture_output=True, text=True, check=True)
    parsed = json.loads(done.stdout)
    assert set(parsed) >= {"template", "meta", "cells", "uncertain", "checks", "spam", "text"}
    missing = subprocess.run([sys.executable, "-m", "gkcrawl", "parse", str(tmp_path / "nope.html"), "--json"],
                             capture_output=True, text=True)
    assert missing.returncode != 0
    assert missing.stdout == ""


def test_unreadable_document_gets_an_error_object_and_exit_zero(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
    done = subprocess.run([sys.executable, "-m", "gkcrawl", "parse", str(broken), "--json"],
                          capture_output=True, text=True)
    assert done.returncode == 0
    parsed = json.loads(done.stdout)
    assert parsed["template"] is None
    assert parsed.get("error")
