"""Fixtures more than one test module needs: headless Debian chromium through Playwright, and the
run-wide OCR cache (gkcrawl/extract/ocr_cache.py) every test and the processes it starts share."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gkcrawl.extract.ocr_cache import ENV_DIR as OCR_CACHE_ENV

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium keeps calling out to a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, launched by path (Playwright cannot download its own browser here)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This run's temporary root, the same for every pytest-xdist worker (each has its own basetemp below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session", autouse=True)
def ocr_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One OCR cache for the run: the demo's scanned report is read by the engine once, not in every
    crawl of the demo portal. Inherited by every `gkcrawl` process a test starts; empty at each run's
    start, so every run still OCRs each page for real once. A test that needs OCR's own time (a page
    budget spent) removes the variable (`monkeypatch.delenv(OCR_CACHE_ENV)`)."""
    path = run_dir(tmp_path_factory) / "ocr-cache"
    path.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(OCR_CACHE_ENV, str(path))
        yield path


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str,
                 build: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """`build(folder)`'s record (JSON), made once per run in `folder` (the run's `name`/): pytest-xdist
    workers share it, the first one builds under a lock while the others wait, then all read the record."""
    root = run_dir(tmp_path_factory) / name
    root.mkdir(exist_ok=True)
    record = root / "build.json"
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            for left in root.iterdir():  # what a failed earlier attempt left: each attempt starts empty
                if left.is_dir():
                    shutil.rmtree(left)
                elif left.name != "lock":
                    left.unlink()
            record.write_text(json.dumps(build(root), ensure_ascii=False), "utf-8")
    return dict(json.loads(record.read_text("utf-8")))


@dataclass(frozen=True)
class DemoBuild:
    """`gkcrawl demo --no-serve` run once for the whole test run (read-only: copy it to change it)."""

    db: Path            # the archive (its warc/, snapshots/ and HTTP cache beside it)
    portal_port: int    # the demo portal's port when it was crawled: the archived URLs name it
    stderr: str         # what the demo command said

    def copy(self, target: Path) -> Path:
        """A private copy of the whole archive folder under `target`; its database's path."""
        shutil.copytree(self.db.parent, target)
        return target / self.db.name


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> DemoBuild:
    """The demo archive, built by the real `gkcrawl demo --no-serve` once per run, not once per test module
    (it crawls the portal with chromium and OCRs its scan)."""
    def build(root: Path) -> dict[str, Any]:
        db, port = root / "archive" / "gkcrawl.db", free_port()
        done = subprocess.run([sys.executable, "-m", "gkcrawl", "demo", "--no-serve", "--db", str(db),
                               "--portal-port", str(port)], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return {"db": str(db), "portal_port": port, "stderr": done.stderr}

    built = once_per_run(tmp_path_factory, "demo-build", build)
    return DemoBuild(Path(built["db"]), int(built["portal_port"]), built["stderr"])


@dataclass(frozen=True)
class DemoCrawl:
    """`gkcrawl crawl` of the test bench's demo portal (crawl_helpers.crawl: chromium on), once per run.
    Read-only; the portal is stopped (its URL is the one the archive names)."""

    db: Path
    portal_url: str
    stderr: str


@pytest.fixture(scope="session")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory) -> DemoCrawl:
    """One crawl of `start_portal("demo")` for the tests that only read what such a crawl stored."""
    def build(root: Path) -> dict[str, Any]:
        from crawl_helpers import crawl
        from portals import start_portal

        db = root / "archive" / "a.db"
        with start_portal("demo") as portal:
            done = crawl([portal.url], db, timeout=600)  # the run's first OCR of the scan may happen here
        return {"db": str(db), "portal_url": portal.url, "stderr": done.stderr}

    built = once_per_run(tmp_path_factory, "demo-crawl", build)
    return DemoCrawl(Path(built["db"]), built["portal_url"], built["stderr"])


# Test modules measured slowest (pytest --durations, a full run on 2 cores): handed out first under
# pytest-xdist (`-n 2 --dist loadfile --no-loadscope-reorder`, the Makefile's), so the run does not end with
# one worker on a long module while the other idles. A module missing here (a new one) simply comes after.
SLOW_FIRST = ("test_label_mutations.py", "test_crawl_resume_signals.py", "test_scrapy_commands.py", "test_ocr.py",
              "test_ocr_pages.py", "test_ocr_mixed.py",
              "test_demo_command.py", "test_warc_fidelity.py", "test_crawl_portals.py", "test_publication_pages.py",
              "test_ocr_demo.py", "test_official_site.py", "test_derive_bombs.py", "test_import.py",
              "test_demo_analysis.py", "test_renditions.py", "test_crawl_provenance.py", "test_crawl_nginx.py",
              "test_wheel.py", "test_cluster.py", "test_crawl_schedule.py", "test_crawl_exit_status.py",
              "test_crawl_services.py", "test_cluster_budgets.py", "test_serve_scale.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist only: the slowest modules first (each worker collects, in this order). With
    `--dist loadfile` a module's tests stay on one worker, so its module fixtures are built once."""
    if not hasattr(config, "workerinput"):  # a plain run (no -n) keeps the order as written
        return
    rank = {name: index for index, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(Path(item.path).name, len(rank)))
