"""Where the worker's interpreter, packages and own code come from, and where they appear inside.

Only the interpreter's home, the allowed distributions (and their dependencies) and the worker
package are mounted, read-only, under ``/opt``; nothing else of the host's Python is visible.
"""

from __future__ import annotations

import importlib.util
import re
import stat
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from codeloop.errors import ConfigError

__all__ = ["DATA_DISTRIBUTIONS", "TEST_DISTRIBUTIONS", "Bind", "PythonRuntime", "reachable"]

DATA_DISTRIBUTIONS = ("numpy", "pandas", "scikit-learn", "scipy")
TEST_DISTRIBUTIONS = ("pytest", "coverage")
INSIDE_HOME = "/opt/python"
INSIDE_SITE = "/opt/site"
INSIDE_WORKER = "/opt/worker"
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class Bind:
    """A host path mounted read-only at ``target`` inside the sandbox."""

    source: Path
    target: str


@dataclass(frozen=True)
class PythonRuntime:
    """The interpreter and packages a sandboxed Python sees."""

    home: Path
    version: str
    packages: tuple[Bind, ...]
    worker: Bind

    @property
    def executable(self) -> str:
        return f"{INSIDE_HOME}/bin/python{self.version}"

    @property
    def binds(self) -> tuple[Bind, ...]:
        return (Bind(self.home, INSIDE_HOME), *self.packages, self.worker)

    @property
    def hidden(self) -> tuple[str, ...]:
        """The interpreter's own site-packages, covered by an empty tmpfs inside (if it has one)."""
        relative = f"lib/python{self.version}/site-packages"
        return (f"{INSIDE_HOME}/{relative}",) if (self.home / relative).is_dir() else ()

    @classmethod
    def discover(cls, distributions: tuple[str, ...] = DATA_DISTRIBUTIONS) -> PythonRuntime:
        home = Path(sys.base_prefix)
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        if not (home / "bin" / f"python{version}").exists():
            raise ConfigError(f"no python{version} under {home}: reinstall the interpreter")
        entries: dict[str, Path] = {}
        for dist in _closure(distributions):
            root = Path(str(dist.locate_file("")))
            for file in dist.files or ():
                top = file.parts[0]
                if top not in ("..", "__pycache__") and (root / top).exists():
                    entries.setdefault(top, root / top)
        seccomp = importlib.util.find_spec("pyseccomp")
        if seccomp is None or seccomp.origin is None:
            raise ConfigError("pyseccomp is not installed: pip install pyseccomp")
        entries["pyseccomp.py"] = Path(seccomp.origin)
        packages = tuple(Bind(p, f"{INSIDE_SITE}/{name}") for name, p in sorted(entries.items()))
        worker = Bind(Path(__file__).parent / "_worker", f"{INSIDE_WORKER}/clworker")
        return cls(home=home, version=version, packages=packages, worker=worker)


def _closure(names: tuple[str, ...]) -> list[metadata.Distribution]:
    """The installed distributions and their non-optional dependencies."""
    seen: dict[str, metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist
        for requirement in dist.requires or ():
            if "extra ==" in requirement:
                continue
            match = _REQUIREMENT.match(requirement)
            if match:
                todo.append(match.group(1))
    return list(seen.values())


def reachable(path: Path) -> bool:
    """Whether an unprivileged user (not owner, not group) can reach and read ``path``."""
    current = path.resolve()
    for ancestor in (*reversed(current.parents), current):
        mode = ancestor.stat().st_mode
        if not mode & stat.S_IXOTH and stat.S_ISDIR(mode):
            return False
    return bool(current.stat().st_mode & stat.S_IROTH)
