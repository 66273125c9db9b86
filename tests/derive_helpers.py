"""What the derivation tests share: low limits, fake converters on PATH, a survivor scan."""

from __future__ import annotations

import os
from pathlib import Path

from gkcrawl.derive.limits import ParseLimits

# Low on purpose: every bomb must end as a failure within these, on a loaded 2-core machine.
LOW_LIMITS = ParseLimits(wall_seconds=5.0, memory_mb=512, workers=2)
ATTACHMENTS = Path(__file__).parent / "portals" / "site" / "attachments"


def survivors(marker: str) -> list[str]:
    """Command lines of live processes that mention `marker` (a fake converter's directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            state = (entry / "stat").read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(cmdline)
    return found


def path_with(bin_dir: Path) -> str:
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
