"""The rooms' import contracts, read from the source with ast (function-level imports included).

The pure rooms (extract, parse, template) must stay runnable without Scrapy or SQLite; the
archive must not know who serves or fills it; the crawler reaches the archive through one
module; nothing shipped imports the test bench.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
STORAGE_AND_FRAMEWORKS = ("scrapy", "twisted", "sqlite3", "sqlite_utils", "datasette")
ROOMS = ("extract", "parse", "crawl", "archive", "publish", "derive", "demo", "template", "analyze", "ingest")
CRAWL_ARCHIVE_GATE = "gkcrawl/crawl/archive_access.py"


@dataclass(frozen=True)
class Rule:
    """Modules under `room` may not import anything under one of `forbidden` (except `allowed_files`)."""

    room: str
    forbidden: tuple[str, ...]
    why: str
    allowed_files: tuple[str, ...] = ()


def rules(test_modules: tuple[str, ...]) -> list[Rule]:
    return [
        Rule("gkcrawl.extract", STORAGE_AND_FRAMEWORKS + ("gkcrawl.archive", "gkcrawl.crawl", "gkcrawl.publish",
                                                          "gkcrawl.derive", "gkcrawl.parse"),
             "extract turns bytes into documents: pure, and below parse"),
        Rule("gkcrawl.parse", STORAGE_AND_FRAMEWORKS + ("gkcrawl.archive", "gkcrawl.crawl", "gkcrawl.publish",
                                                        "gkcrawl.derive"),
             "parse is pure: document in, ParseResult out"),
        Rule("gkcrawl.archive", ("gkcrawl.publish", "gkcrawl.crawl", "gkcrawl.derive"),
             "the archive stores; it does not know who fills or serves it"),
        Rule("gkcrawl.derive", ("scrapy", "twisted", "datasette", "gkcrawl.crawl", "gkcrawl.publish"),
             "derivation is fed from the archive by the crawl and by reparse alike; it knows neither Scrapy nor "
             "the publication"),
        Rule("gkcrawl.publish", ("scrapy", "twisted", "gkcrawl.crawl", "gkcrawl.derive"),
             "publishing reads the archive; it never crawls or parses"),
        Rule("gkcrawl.crawl", ("gkcrawl.archive",),
             f"the crawler reaches the archive only through {CRAWL_ARCHIVE_GATE}", (CRAWL_ARCHIVE_GATE,)),
        Rule("gkcrawl.analyze", STORAGE_AND_FRAMEWORKS[:2] + ("datasette", "gkcrawl.crawl", "gkcrawl.derive",
                                                               "gkcrawl.publish", "gkcrawl.parse", "gkcrawl.ingest"),
             "the analysis reads and writes stored reports through the archive; it never crawls, parses or serves"),
        Rule("gkcrawl.ingest", ("scrapy", "twisted", "datasette", "gkcrawl.crawl", "gkcrawl.publish"),
             "an import archives and derives like the crawl, without Scrapy or the publication"),
        Rule("gkcrawl.template", tuple(f"gkcrawl.{room}" for room in ROOMS if room != "template"),
             "the template is vocabulary every room reads; it reads none of them"),
        Rule("gkcrawl", test_modules, "the shipped package never imports the test bench"),
    ]


def bench_module_names(tests_dir: Path = TESTS) -> tuple[str, ...]:
    """What `import X` would find in tests/ (it is on sys.path when pytest runs)."""
    names = {path.stem for path in tests_dir.glob("*.py")}
    names |= {path.name for path in tests_dir.iterdir() if path.is_dir() and not path.name.startswith((".", "_"))}
    return tuple(sorted(names | {"tests"}))


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file; `from a import b` yields a and a.b."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*"]
    return found


def under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def violations(root: Path = ROOT, tests_dir: Path = TESTS) -> list[str]:
    """One line per forbidden import: file:line, the import, and the contract it breaks."""
    out: list[str] = []
    all_rules = rules(bench_module_names(tests_dir))
    for path in sorted((root / "gkcrawl").rglob("*.py")):
        relative = str(path.relative_to(root))
        module = module_name(path, root)
        for rule in all_rules:
            if not under(module, rule.room) or relative in rule.allowed_files:
                continue
            seen: set[tuple[int, str]] = set()
            for line, imported in imports(path, root):
                hit = next((f for f in rule.forbidden if under(imported, f)), None)
                if hit and (line, hit) not in seen:
                    seen.add((line, hit))
                    out.append(f"{relative}:{line} imports {imported}: {rule.why}")
    return out


def test_every_module_keeps_its_rooms_import_contract() -> None:
    found = violations()
    assert not found, "import contracts broken:\n" + "\n".join(found)


def test_the_contract_check_catches_each_kind_of_breach(tmp_path: Path) -> None:
    """The gate can fail: a planted breach of every rule is reported with its file and line."""
    tests_dir = tmp_path / "tests"
    tests_dir.mkdir()
    (tests_dir / "samples.py").write_text("", encoding="utf-8")
    planted = {
        "gkcrawl/extract/reader.py": "import json\n\ndef f():\n    import sqlite3\n",
        "gkcrawl/extract/uses_parse.py": "from ..parse import result\n",
        "gkcrawl/parse/fetch.py": "from scrapy.http import Response\n",
        "gkcrawl/archive/serve_too.py": "from gkcrawl.publish.serve import serve\n",
        "gkcrawl/archive/parse_too.py": "from gkcrawl.derive.room import derive_batch\n",
        "gkcrawl/derive/decide.py": "from gkcrawl.crawl import discovery\n",
        "gkcrawl/crawl/pipelines.py": "from gkcrawl.archive.store import open_archive\n",
        "gkcrawl/crawl/archive_access.py": "from gkcrawl.archive.store import open_archive\n",
        "gkcrawl/template/__init__.py": "from gkcrawl import parse\n",
        "gkcrawl/demo/portal.py": "from samples import sample_result\n",
        "gkcrawl/analyze/reads.py": "from gkcrawl.derive import reparse\n",
        "gkcrawl/ingest/fetch.py": "import scrapy\n",
    }
    for relative, text in planted.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    found = violations(tmp_path, tests_dir)
    assert [line.split(" imports ")[0] for line in found] == [
        "gkcrawl/analyze/reads.py:1", "gkcrawl/archive/parse_too.py:1", "gkcrawl/archive/serve_too.py:1", "gkcrawl/crawl/pipelines.py:1",
        "gkcrawl/demo/portal.py:1", "gkcrawl/derive/decide.py:1",
        "gkcrawl/extract/reader.py:4", "gkcrawl/extract/uses_parse.py:1", "gkcrawl/ingest/fetch.py:1",
        "gkcrawl/parse/fetch.py:1",
        "gkcrawl/template/__init__.py:1"]
    assert "gkcrawl/extract/uses_parse.py:1 imports gkcrawl.parse: " in "\n".join(found)
    assert "gkcrawl/extract/reader.py:4 imports sqlite3: " in "\n".join(found)
