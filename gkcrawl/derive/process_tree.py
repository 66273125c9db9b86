"""Processes under a worker, read from /proc, so a timed-out job leaves nothing running.

A worker lives in its own process group; the converters it starts live in theirs (so the
worker can end one alone). Killing a worker therefore means: find every descendant first
(while the parent links still hold), then kill each of their process groups.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    return text[text.rfind(")") + 2:].split()


def parent_and_group(pid: int) -> tuple[int, int] | None:
    """(ppid, pgid) of a live process, None when it is gone."""
    fields = _stat_fields(pid)
    if not fields or fields[0] == "Z":
        return None
    return int(fields[1]), int(fields[2])


def all_processes() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, pgid) of every live process."""
    table: dict[int, tuple[int, int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            info = parent_and_group(int(entry.name))
            if info is not None:
                table[int(entry.name)] = info
    return table


def descendants(pid: int) -> list[int]:
    """Every live process below `pid`."""
    table = all_processes()
    children: dict[int, list[int]] = {}
    for child, (parent, _) in table.items():
        children.setdefault(parent, []).append(child)
    found: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _children(pid: int) -> list[int]:
    """The children of `pid`, from its threads' /proc `children` lists (none once it is gone)."""
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return []
    found: list[int] = []
    for task in tasks:
        try:
            found += [int(child) for child in (task / "children").read_text(encoding="ascii").split()]
        except OSError:  # the thread ended
            continue
    return found


# The kernel keeps each thread's children list (CONFIG_PROC_CHILDREN)?
_HAS_CHILDREN = (PROC / "thread-self" / "children").exists()


def watched_descendants(pid: int) -> list[int]:
    """Every live process below `pid`, for watching a worker while it works: from the kernel's
    per-thread children lists (a few reads, where `descendants` reads every process's stat: ~4 ms a
    look on a quiet machine, in the crawl's process), else as `descendants`. The lists may miss a
    child being reparented at that instant; `kill_tree` reads every process."""
    if not _HAS_CHILDREN:
        return descendants(pid)
    found: list[int] = []
    stack = [pid]
    while stack:
        children = _children(stack.pop())
        found += children
        stack += children
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL `pid`'s process group and the groups of all its descendants (never our own)."""
    own_group = os.getpgrp()
    groups: set[int] = set()
    members = [pid, *descendants(pid)]
    for member in members:
        info = parent_and_group(member)
        if info is not None and info[1] != own_group:
            groups.add(info[1])
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for member in members:  # a descendant sharing our group (never expected) still dies
        try:
            os.kill(member, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def memory_kb(pid: int) -> tuple[int | None, int | None]:
    """(VmHWM, VmPeak) of a live process in KiB: its peak RSS and peak address space."""
    try:
        text = (PROC / str(pid) / "status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None, None
    values: dict[str, int] = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmPeak"):
            values[name] = int(rest.split()[0])
    return values.get("VmHWM"), values.get("VmPeak")
