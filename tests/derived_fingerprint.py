"""A fingerprint of the values the parser derives from every fixture, kept with the
PARSER_VERSION that produced them (tests/fixtures/derived_fingerprint.json).

Every derived row in the archive carries PARSER_VERSION so a value can be traced to the code
that made it; that only works if a change to the values comes with a new version.
`tests/test_derived_fingerprint.py` fails when the values changed and the version did not.
After a deliberate change: bump PARSER_VERSION in gkcrawl/parse/result.py, then

    .venv/bin/python tests/derived_fingerprint.py --update

Values hashed per document: cells, uncertain keys and checks (name, ok, detail, cells).
Documents read through a program that may be missing (a .doc needs LibreOffice for its
tables) are compared only where the tools that produced the stored fingerprint are present.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FINGERPRINT = FIXTURES / "derived_fingerprint.json"
DOCUMENT_DIRS = ("reports", "seeds")
UPDATE_COMMAND = ".venv/bin/python tests/derived_fingerprint.py --update"


def fixture_documents() -> list[Path]:
    return sorted(path for folder in DOCUMENT_DIRS for path in (FIXTURES / folder).iterdir()
                  if path.is_file() and path.suffix != ".json")


def derived_values(path: Path) -> tuple[dict[str, Any], dict[str, str | None]]:
    """(the derived values of one document, the tool versions that read it)."""
    from gkcrawl.parse import parse_document

    result = parse_document(path.read_bytes(), filename=path.name)
    values = {"cells": result.cells, "uncertain": sorted(result.uncertain),
              "checks": [[c.name, c.ok, c.detail, list(c.cells)] for c in result.checks]}
    return values, dict(result.tool_versions)


def digest(value: Any) -> str:
    canonical = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def fingerprint() -> dict[str, Any]:
    """The current fingerprint: PARSER_VERSION, one hash over all, a hash and tools per document."""
    from gkcrawl.parse.result import PARSER_VERSION

    documents: dict[str, Any] = {}
    for path in fixture_documents():
        values, tools = derived_values(path)
        documents[f"{path.parent.name}/{path.name}"] = {"hash": digest(values), "tools": tools}
    return {"parser_version": PARSER_VERSION, "hash": digest({k: v["hash"] for k, v in documents.items()}),
            "documents": documents}


def stored() -> dict[str, Any] | None:
    if not FINGERPRINT.exists():
        return None
    return json.loads(FINGERPRINT.read_text(encoding="utf-8"))


def write(found: dict[str, Any]) -> None:
    """Atomically: a test may be reading the file."""
    temporary = FINGERPRINT.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    temporary.replace(FINGERPRINT)


def changed_documents(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(documents whose values changed, documents not comparable here: read by other tools,
    e.g. LibreOffice missing where it was present)."""
    changed, skipped = [], []
    for name in sorted(set(old["documents"]) | set(new["documents"])):
        before, after = old["documents"].get(name), new["documents"].get(name)
        if before is None or after is None:
            changed.append(name)
        elif before["hash"] != after["hash"]:
            missing = [tool for tool, version in before["tools"].items()
                       if version is not None and after["tools"].get(tool) is None]
            (skipped if missing else changed).append(name)
    return changed, skipped


def tool_changes(old: dict[str, Any], new: dict[str, Any], names: list[str]) -> list[str]:
    """"trafilatura 2.3.1 -> 2.4.0" for every tool whose version differs on these documents."""
    found = set()
    for name in names:
        before = (old["documents"].get(name) or {}).get("tools", {})
        after = (new["documents"].get(name) or {}).get("tools", {})
        found |= {f"{tool} {before.get(tool)} -> {after.get(tool)}" for tool in set(before) | set(after)
                  if before.get(tool) != after.get(tool)}
    return sorted(found)


def main(argv: list[str]) -> int:
    found = fingerprint()
    if "--update" in argv:
        write(found)
        print(f"wrote {FINGERPRINT}: parser {found['parser_version']}, "
              f"{len(found['documents'])} documents, hash {found['hash'][:16]}")
        return 0
    old = stored()
    if old is None:
        print(f"no {FINGERPRINT.name}; run {UPDATE_COMMAND}")
        return 1
    changed, _ = changed_documents(old, found)
    print(f"parser {found['parser_version']} (stored {old['parser_version']}); changed: {', '.join(changed) or 'none'}")
    return 1 if changed or old["parser_version"] != found["parser_version"] else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
