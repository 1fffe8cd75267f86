"""Reading a process tree's CPU time and members from /proc (host side, no trust in the worker)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cpu_seconds", "descendants", "leaf_python"]

_TICK = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children first), read from ``/proc/*/task/*/children``."""
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in children:
                found.append(int(child))
                todo.append(int(child))
    return found


def leaf_python(pid: int) -> int | None:
    """The sandboxed interpreter below a launcher: the deepest process whose name starts python."""
    for child in reversed(descendants(pid)):
        try:
            name = Path(f"/proc/{child}/comm").read_text().strip()
        except OSError:
            continue
        if name.startswith("python"):
            return child
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process (all its threads); None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK
