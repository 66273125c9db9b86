"""Publish the archive with Datasette 0.65, read-only: SQL time limit, the project's metadata,
templates and plugin, and the snapshots folder for download.

The database is opened as a read-only WAL reader (`mode=ro`), not immutable: a crawl may be
writing it, and an immutable reader of a file that changes reads torn pages ("database disk
image is malformed"). A WAL reader sees each committed transaction whole. Datasette only
offers the `.db` download of immutable databases, so the plugin answers `/<name>.db` with
the latest snapshot (a file nothing writes).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gkcrawl.archive.schema import cell_label_rows, wide_column

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
PLUGINS_DIR = PACKAGE_DIR / "plugins"
# The top-level metadata.yml, carried into the package (a symlink in the checkout, a file in the wheel).
DEFAULT_METADATA = PACKAGE_DIR / "metadata.yml"
DATABASE_KEY = "gkcrawl"  # the database's name in metadata.yml
WIDE_VIEWS = {"requests.": "requests_wide", "appeals.": "appeals_wide", "active.": "active_disclosure_wide"}
SETTINGS = {"sql_time_limit_ms": "3000", "facet_time_limit_ms": "1500", "max_returned_rows": "1000",
            "default_page_size": "50", "suggest_facets": "off", "allow_download": "on",
            "default_cache_ttl": "60",
            # Table and query pages show the first characters of a long cell (a report's whole text,
            # a capture's headers) with "…"; the row page shows it all.
            "truncate_cells_html": "80"}


@dataclass
class ServeOptions:
    db_path: Path
    host: str = "127.0.0.1"
    port: int = 8001
    metadata_path: Path = DEFAULT_METADATA
    snapshots_dir: Path | None = None  # default: snapshots/ beside the database
    warc_dir: Path | None = None  # default: warc/ beside the database (records offered for download)
    replay_url: str | None = None  # a pywb-style collection URL: replay links are URL/<timestamp>/<original>


def wide_view_labels() -> dict[str, dict[str, str]]:
    """Chinese labels for every wide-view column, from cells.tsv (label; template; section)."""
    labels: dict[str, dict[str, str]] = {}
    for key, template, section, label in cell_label_rows():
        view = next((v for prefix, v in WIDE_VIEWS.items() if key.startswith(prefix)), None)
        if view:
            column = wide_column(key)
            labels.setdefault(view, {}).setdefault(column, f"{section} {label} ({template})")
    return labels


def build_metadata(options: ServeOptions, snapshots_dir: Path) -> dict[str, Any]:
    """metadata.yml, addressed to this database's name, plus generated column labels and plugin config."""
    metadata: dict[str, Any] = yaml.safe_load(options.metadata_path.read_text(encoding="utf-8")) or {}
    databases = metadata.setdefault("databases", {})
    db_meta = databases.pop(DATABASE_KEY, {})
    databases[options.db_path.stem] = db_meta
    if options.db_path.stem != DATABASE_KEY and "description_html" in metadata:
        metadata["description_html"] = metadata["description_html"].replace(
            f"/{DATABASE_KEY}/", f"/{options.db_path.stem}/")
    tables = db_meta.setdefault("tables", {})
    for view, columns in wide_view_labels().items():
        described = tables.setdefault(view, {}).setdefault("columns", {})
        for column, label in columns.items():
            described.setdefault(column, label)
    plugins = metadata.setdefault("plugins", {})
    plugins.setdefault("gkcrawl", {}).update({"snapshots_dir": str(snapshots_dir), "snapshots_url": "/snapshots/",
                                             "database": options.db_path.stem,
                                             "warc_dir": str(options.warc_dir or options.db_path.parent / "warc"),
                                             "replay_url": options.replay_url})
    return metadata


def datasette_command(options: ServeOptions, metadata_file: Path, snapshots_dir: Path) -> list[str]:
    # Not `-i`: the file may be written by a crawl (see the module docstring).
    command = [sys.executable, "-m", "datasette", "serve", str(options.db_path),
               "--metadata", str(metadata_file), "--template-dir", str(TEMPLATES_DIR),
               "--plugins-dir", str(PLUGINS_DIR), "--static", f"snapshots:{snapshots_dir}",
               "--host", options.host, "--port", str(options.port)]
    for name, value in SETTINGS.items():
        command += ["--setting", name, value]
    return command


def serve(options: ServeOptions) -> int:
    """Run Datasette in the foreground until interrupted; returns its exit code."""
    db_path = options.db_path.resolve()
    options.db_path = db_path
    snapshots_dir = (options.snapshots_dir or db_path.parent / "snapshots").resolve()
    snapshots_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gkcrawl-serve-") as work:
        metadata_file = Path(work) / "metadata.json"
        metadata_file.write_text(json.dumps(build_metadata(options, snapshots_dir), ensure_ascii=False),
                                 encoding="utf-8")
        process = subprocess.Popen(datasette_command(options, metadata_file, snapshots_dir))
        print(f"Serving {db_path} read-only at http://{options.host}:{options.port}/", file=sys.stderr, flush=True)

        def stop(_signum: int, _frame: Any) -> None:
            process.terminate()

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            return process.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port(host: str = "127.0.0.1") -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def start_background(db_path: Path, *, port: int | None = None, timeout: float = 60.0,
                     extra_args: list[str] | None = None) -> RunningServer:
    """Start `gkcrawl serve` as a subprocess on 127.0.0.1 and wait until it answers (tests, benchmark)."""
    import time
    import urllib.request

    port = port or free_port()
    # A file, not a pipe: uvicorn's access log would fill an unread pipe and stall the server.
    log = tempfile.TemporaryFile()  # noqa: SIM115 -- lives as long as the server process
    process = subprocess.Popen([sys.executable, "-m", "gkcrawl", "serve", "--db", str(db_path), "--port", str(port),
                                *(extra_args or [])],
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError("gkcrawl serve exited: " + log.read().decode("utf-8", "replace")[-2000:])
        try:
            with urllib.request.urlopen(url + "/-/versions.json", timeout=2):
                return RunningServer(url=url, process=process)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gkcrawl serve did not answer on {url} within {timeout} s")
