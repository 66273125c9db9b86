"""The README's schedule, run as written: three weekly runs over the `changing` portal, each
recording that week's corrections and removals although every run reuses `--job-dir`.

The cron line and the systemd unit's ExecStart/ExecStartPost are read out of README.md and
run in a throw-away checkout whose `.venv/bin/gkcrawl` stands in for the installed entry
point (it points `--site changde-xzsp` at the test portal through a registry file and turns
the browser off); the command lines themselves are the README's, character for character.
"""

from __future__ import annotations

import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest

from crawl_helpers import FAST, absolute, rows
from portals import EXPECTED, start_portal

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[1] / "README.md"
CHECKOUT = "/srv/gkcrawl"


def cron_line() -> str:
    block = re.search(r"```cron\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block, "README has no cron block"
    line = next(x for x in block.group(1).splitlines() if x.strip() and not x.startswith("#"))
    return line.split(None, 5)[5]  # the command after the five time fields


def systemd_commands() -> tuple[str, str]:
    text = README.read_text(encoding="utf-8")
    start = re.search(r"^ExecStart=(.+)$", text, re.M)
    post = re.search(r"^ExecStartPost=(.+)$", text, re.M)
    workdir = re.search(r"^WorkingDirectory=(.+)$", text, re.M)
    assert start and post and workdir and workdir.group(1) == CHECKOUT
    return start.group(1), post.group(1)


def fake_checkout(root: Path, portal_url: str) -> Path:
    """A checkout at `root` whose gkcrawl is this one, with `changde-xzsp` served by the portal."""
    (root / "archive").mkdir(parents=True)
    sites = root / "sites.yaml"
    sites.write_text(f"sites:\n  - name: changde-xzsp\n    agency: 松涛市人民政府\n    start_urls: ['{portal_url}']\n"
                     f"    verified: false\n", encoding="utf-8")
    stand_in = root / ".venv" / "bin" / "gkcrawl"
    stand_in.parent.mkdir(parents=True)
    crawl_extra = " ".join(shlex.quote(a) for a in [*FAST, "--no-js", "-s", f"GKCRAWL_SITES_FILE={sites}"])
    stand_in.write_text(f'#!/bin/sh\nif [ "$1" = crawl ]; then shift; exec {shlex.quote(sys.executable)} -m gkcrawl '
                        f'crawl "$@" {crawl_extra}; fi\nexec {shlex.quote(sys.executable)} -m gkcrawl "$@"\n')
    stand_in.chmod(stand_in.stat().st_mode | stat.S_IEXEC)
    return root


def run_cron(root: Path) -> None:
    command = cron_line().replace(CHECKOUT, str(root))
    done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (root / "archive" / "crawl.log").read_text()[-3000:]


def run_systemd(root: Path) -> None:
    for line in systemd_commands():
        done = subprocess.run(shlex.split(line.replace(CHECKOUT, str(root))), cwd=root,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]


def versions_and_gone(db: Path) -> tuple[dict[str, int], set[str]]:
    versions = dict(rows(db, "select url, max(version) from reports group by url"))
    gone = {url for url, when in rows(db, "select url, gone_at from reports where gone_at is not null") if when}
    return versions, gone


@pytest.mark.parametrize("runner", [run_cron, run_systemd], ids=["cron", "systemd"])
def test_three_scheduled_runs_record_every_correction_and_removal(tmp_path: Path, runner) -> None:  # noqa: ANN001
    manifest = EXPECTED["changing"]
    with start_portal("changing") as portal:
        root = fake_checkout(tmp_path / "srv", portal.url)
        db = root / "archive" / "gkcrawl.db"
        runner(root)
        assert set(versions_and_gone(db)[0]) == absolute(portal.url, manifest["reports"])
        for generation in (2, 3):
            portal.set_generation(generation)
            runner(root)
            changes = manifest[f"generation{generation}"]
            versions, gone = versions_and_gone(db)
            for url in absolute(portal.url, changes["changed"]):  # type: ignore[arg-type]
                assert versions[url] == generation, (generation, url)
            assert gone == absolute(portal.url, changes["removed"]), generation  # type: ignore[arg-type]
            moved = {urljoin(portal.url, new) for new in dict(changes["moved"]).values()}  # type: ignore[call-overload]
            assert moved <= set(versions)
        snapshots = sorted((root / "archive" / "snapshots").glob("gkcrawl-*.db"))
    assert snapshots, "the ExecStartPost/cron snapshot ran"
