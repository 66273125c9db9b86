"""Contracts of the crawl package: one owner per resource, one declaration per setting,
and a Scrapy version the crawl was tested against."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from scrapy.utils.test import get_crawler

from gkcrawl.crawl import settings as crawl_settings
from gkcrawl.crawl.archive_access import ArchiveExtension, archive_of
from gkcrawl.crawl.items import GoneReportItem
from gkcrawl.crawl.resume import CompletedDupeFilter, fingerprint_record, read_fingerprints

ROOT = Path(__file__).resolve().parent.parent
CRAWL = ROOT / "gkcrawl" / "crawl"
# Environment variables, not Scrapy settings: read with os.environ by the module named.
ENVIRONMENT_VARIABLES = {"GKCRAWL_VOCABULARY_DIR": "gkcrawl/vocabulary.py",
                         "GKCRAWL_OCR_CACHE_DIR": "gkcrawl/extract/ocr_cache.py"}


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module a file imports (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package if node.level else ""
            module = f"{base}.{node.module}" if base and node.module else (node.module or base)
            names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def test_crawl_reaches_the_archive_through_one_module() -> None:
    reaching = sorted(str(p.relative_to(CRAWL)) for p in CRAWL.rglob("*.py")
                      if any(m == "gkcrawl.archive" or m.startswith("gkcrawl.archive.") for m in imported_modules(p)))
    assert reaching == ["archive_access.py"]


def test_no_crawl_module_imports_the_spider() -> None:
    spiders = sorted(str(p.relative_to(CRAWL)) for p in CRAWL.glob("*.py")
                     if any(m.startswith("gkcrawl.crawl.spiders.") for m in imported_modules(p)))
    assert spiders == ["runner.py"]  # it starts the spider; middlewares and pipelines never import it


def test_every_gkcrawl_setting_is_declared_in_settings_py() -> None:
    used: dict[str, set[str]] = {}
    for path in [*(ROOT / "gkcrawl").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        for name in re.findall(r"\bGKCRAWL_[A-Z0-9]+(?:_[A-Z0-9]+)*\b", path.read_text(encoding="utf-8")):
            used.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    assert len(used) >= 10  # the grep itself works
    for name, module in ENVIRONMENT_VARIABLES.items():
        assert "os.environ" in (ROOT / module).read_text(encoding="utf-8"), name
    undeclared = {name: sorted(files) for name, files in used.items()
                  if not hasattr(crawl_settings, name) and name not in ENVIRONMENT_VARIABLES}
    assert undeclared == {}


def test_every_gkcrawl_setting_has_a_comment_in_settings_py() -> None:
    lines = (CRAWL / "settings.py").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"GKCRAWL_\w+ = ", line):
            assert "#" in line or lines[number - 1].startswith("#"), line


def test_installed_scrapy_is_in_the_tested_range() -> None:
    """Fails on the next Scrapy: re-check then what the crawl relies on (below), then widen the pin.

    Scrapy 2.19 never calls start_requests (the spider has `async def start`); pipelines and
    middlewares get no `spider` argument; CompletedDupeFilter subclasses RFPDupeFilter and keeps
    the completed set in its own file; item_scraped passes (item, response, spider)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pin = next(Requirement(d) for d in project["dependencies"] if Requirement(d).name.lower() == "scrapy")
    assert pin.specifier.contains(version("scrapy")), f"Scrapy {version('scrapy')} is outside {pin}"
    assert any(s.operator == "<" for s in pin.specifier), "the Scrapy pin needs an upper bound"


def test_completed_file_format_round_trips_and_drops_a_torn_record() -> None:
    records = [b"\x01" * 20, b"\x02" * 20]
    data = b"".join(fingerprint_record(r) for r in records)
    assert list(read_fingerprints(data)) == records
    assert list(read_fingerprints(data + fingerprint_record(b"\x03" * 20)[:9])) == records


def test_completed_dupefilter_filters_what_an_earlier_run_stored(tmp_path: Path) -> None:
    from scrapy import Request

    crawler = get_crawler(settings_dict={"JOBDIR": str(tmp_path)})
    first = CompletedDupeFilter.from_crawler(crawler)
    stored, other = Request("http://a.example/r.pdf"), Request("http://a.example/list.html")
    assert not first.request_seen(stored) and not first.request_seen(other)
    first.mark_completed(stored)
    first.close("shutdown")  # stopped (Ctrl-C, SIGTERM): its job dir resumes
    second = CompletedDupeFilter.from_crawler(crawler)
    assert second.completed_count == 1
    assert second.request_seen(stored)
    assert not second.request_seen(other)  # navigation is walked again
    assert second.request_seen(other)  # ... once per run
    second.close("finished")


def test_a_finished_crawl_leaves_no_completed_set_for_the_next_run(tmp_path: Path) -> None:
    from scrapy import Request

    crawler = get_crawler(settings_dict={"JOBDIR": str(tmp_path)})
    first = CompletedDupeFilter.from_crawler(crawler)
    stored = Request("http://a.example/r.pdf")
    first.mark_completed(stored)
    first.close("finished")  # a weekly schedule reusing --job-dir must revalidate every report
    second = CompletedDupeFilter.from_crawler(crawler)
    assert second.completed_count == 0 and not second.request_seen(stored)
    second.close("finished")


def test_archive_extension_is_found_records_gone_items_and_closes(tmp_path: Path) -> None:
    db_path = tmp_path / "a.db"
    crawler = get_crawler(settings_dict={
        "GKCRAWL_DB_PATH": str(db_path),
        "EXTENSIONS": {"gkcrawl.crawl.archive_access.ArchiveExtension": 100}})
    archive = archive_of(crawler)
    assert isinstance(archive, ArchiveExtension) and archive.db_path == db_path
    assert archive.known_report_urls({"a.example"}) == []
    archive.item_scraped(GoneReportItem(url="http://a.example/r.html", when="2024-01-01T00:00:00Z", status=404))
    row = archive.db.execute("select gone_at from urls where url = ?", ["http://a.example/r.html"]).fetchone()
    assert row == ("2024-01-01T00:00:00Z",)
    archive.close()
    assert not hasattr(crawler, "_gkcrawl_archive")  # nothing stashed on the crawler


def test_no_archive_without_a_database_path() -> None:
    crawler = get_crawler(settings_dict={
        "GKCRAWL_DB_PATH": "", "EXTENSIONS": {"gkcrawl.crawl.archive_access.ArchiveExtension": 100}})
    with pytest.raises(RuntimeError, match="no archive"):
        archive_of(crawler)


def test_the_engine_slot_the_frontier_reads_is_there_and_a_missing_one_stops_the_crawl() -> None:
    """The cluster frontier acknowledges a request only once Scrapy's engine slot no longer holds it
    (frontier.engine_slot: private API, no public equivalent). The pinned Scrapy's slot has what it
    reads (the cluster tests run it in real workers); an engine without it is refused with a clear
    error, never acknowledged early."""
    import inspect

    from scrapy.core.engine import ExecutionEngine, _Slot

    from gkcrawl.crawl.frontier import engine_slot

    made = inspect.getsource(_Slot.__init__)
    assert "self.inprogress: set[Request] = set()" in made and "self.nextcall" in made
    assert "self._slot = _Slot(" in inspect.getsource(ExecutionEngine)
    assert "self._slot.remove_request(request)" in inspect.getsource(ExecutionEngine)

    class Nextcall:
        def schedule(self) -> None: ...

    class Slot:
        inprogress: set = set()
        nextcall = Nextcall()

    class Engine:
        _slot: Slot | None = None

    engine = Engine()
    assert engine_slot(engine) is None  # not open yet
    engine._slot = Slot()
    assert engine_slot(engine) is engine._slot

    class OtherEngine:
        slot = object()

    with pytest.raises(RuntimeError, match="cannot tell when a request is finished"):
        engine_slot(OtherEngine())
