"""The built wheel carries what the product needs: installed alone in a fresh venv, it runs
the demo (portal, crawl, snapshot) and serves the archive with the project's metadata,
templates and plugin. Offline: no index is asked, dependencies come from the project venv.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from gkcrawl.publish.serve import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]  # the demo portal has a list only chromium renders

ROOT = Path(__file__).resolve().parents[1]
# Left out of the source copy: local state, and earlier builds whose stale files would leak in.
TOP_LEVEL_STATE = {".git", ".venv", "build", "dist", "archive", "test-artifacts", ".pytest_cache", ".hypothesis"}


def not_source(folder: str, names: list[str]) -> set[str]:
    top = Path(folder) == ROOT
    return {name for name in names
            if name == "__pycache__" or name.endswith(".egg-info") or (top and name in TOP_LEVEL_STATE)}


def run(argv: list[str], *, cwd: Path, timeout: float = 300, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{argv}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(ROOT, source, symlinks=True, ignore=not_source)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", str(work / "dist"), str(source)], cwd=work)
    (built,) = (work / "dist").glob("gkcrawl-*.whl")
    return built


def dependency_dir(target: Path) -> Path:
    """The project venv's site-packages as symlinks, without gkcrawl's editable install."""
    target.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if entry.name.startswith(("__editable__", "gkcrawl", "__pycache__")):
            continue
        (target / entry.name).symlink_to(entry)
    return target


@pytest.fixture(scope="module")
def venv(wheel: Path) -> Path:
    home = wheel.parent.parent / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(home)], cwd=wheel.parent)
    python = home / "bin" / "python"
    site_packages = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             cwd=home).strip())
    deps = dependency_dir(home.parent / "deps")
    # addsitedir also runs the dependencies' own .pth files; they come after the wheel's gkcrawl.
    (site_packages / "zz_project_deps.pth").write_text(f"import site; site.addsitedir({str(deps)!r})\n",
                                                       encoding="utf-8")
    # Without the caller's PYTHONPATH: a source tree on it makes pip see gkcrawl installed and skip the wheel.
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
         str(wheel)], cwd=home, env=clean_env())
    return home


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def test_wheel_holds_the_real_metadata_templates_plugin_data_and_seeds_but_no_test_portals(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read("gkcrawl/publish/metadata.yml")
        mode = archive.getinfo("gkcrawl/publish/metadata.yml").external_attr >> 16
    assert metadata == (ROOT / "metadata.yml").read_bytes() and (mode & 0o170000) != 0o120000
    assert {"gkcrawl/publish/templates/row.html", "gkcrawl/publish/templates/_gk_report_tables.html",
            "gkcrawl/publish/plugins/gkcrawl_publish.py", "gkcrawl/data/cells.tsv", "gkcrawl/data/sites.yaml",
            "gkcrawl/data/trafilatura.cfg", "gkcrawl/data/regions/divisions.csv"} <= names
    modules = {str(path.relative_to(ROOT)) for path in (ROOT / "gkcrawl").rglob("*.py") if "__pycache__" not in path.parts}
    assert modules - names == set()
    seeds = {name for name in names if name.startswith("gkcrawl/demo/site/seeds/")}
    assert len(seeds) == len(list((ROOT / "gkcrawl/demo/site/seeds").iterdir())) > 0
    assert not [name for name in names if name.startswith("tests/") or "/portals/" in name]


def test_installed_wheel_runs_the_demo_and_serves_it(venv: Path, tmp_path: Path) -> None:
    python, gkcrawl = venv / "bin" / "python", venv / "bin" / "gkcrawl"
    env = clean_env()
    where = run([str(python), "-c", "import gkcrawl.publish.serve as s; print(s.__file__); print(s.DEFAULT_METADATA)"],
                cwd=tmp_path, env=env).split()
    assert Path(where[0]).is_relative_to(venv), where  # the wheel's copy, not the checkout's
    assert Path(where[1]).is_file() and not Path(where[1]).is_symlink()

    db = tmp_path / "demo.db"
    run([str(gkcrawl), "demo", "--no-serve", "--db", str(db), "--portal-port", str(free_port())],
        cwd=tmp_path, env=env, timeout=240)
    assert list((tmp_path / "snapshots").glob("gkcrawl-*.db"))

    with serving(gkcrawl, db, tmp_path, env) as url:
        title = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))["title"]
        assert json.loads(get(url + "/-/metadata.json"))["title"] == title
        assert title in get(url + "/")
        rows = json.loads(get(url + "/demo/reports.json?_shape=array&template__notblank=1&_size=1"))
        assert rows, "the demo crawl archived no report with a template"
        page = get(f"{url}/demo/reports/{rows[0]['id']}")
        assert "gk-part-requests" in page and 'class="gk-original-url"' in page  # the plugin's rebuilt tables


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return str(response.read().decode("utf-8"))


@contextmanager
def serving(gkcrawl: Path, db: Path, cwd: Path, env: dict[str, str]) -> Iterator[str]:
    """`gkcrawl serve` from the venv, in its own process group so Datasette stops with it."""
    port = free_port()
    process = subprocess.Popen([str(gkcrawl), "serve", "--db", str(db), "--port", str(port)], cwd=cwd, env=env,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"gkcrawl serve exited with {process.returncode}"
            try:
                get(url + "/-/versions.json")
                break
            except (urllib.error.URLError, OSError):
                assert time.monotonic() < deadline, "gkcrawl serve from the wheel did not answer within 60 s"
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
