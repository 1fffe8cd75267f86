"""Source files → code graph, incremental by content hash.

A Rust file's module path comes from its crate (the nearest ``Cargo.toml``) and its place under
``src/``; a Python file's from the packages (``__init__.py``) around it. Re-ingesting a changed file
first removes the facts whose provenance names it.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import UserInputError
from codeloop.knowledge.graph import CodeGraph, Provenance
from codeloop.knowledge.python_parse import parse_python_module
from codeloop.knowledge.rust_parse import parse_rust_module
from codeloop.knowledge.tree import CodeModule, CodeSignature
from codeloop.store import IngestedFile, IngestedFileStore

__all__ = ["IngestReport", "Ingestor", "discover", "module_entity"]

_SKIP_DIRS = {
    ".git",
    "target",
    "__pycache__",
    ".venv",
    "venv",
    "node_modules",
    ".tox",
    ".mypy_cache",
}
_SUFFIXES = {".rs": "rust", ".py": "python"}


class IngestReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    files: int = 0
    ingested: int = 0
    unchanged: int = 0
    items: int = 0
    facts: int = 0
    skipped_items: int = 0
    syntax_errors: int = 0
    failed: list[str] = Field(default_factory=list)
    modules: list[str] = Field(default_factory=list)


def discover(paths: Sequence[Path]) -> list[Path]:
    """Every ``.rs`` and ``.py`` file under ``paths`` (build and VCS folders skipped), sorted."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise UserInputError(f"{path} does not exist; pass a source file or folder")
        if path.is_file():
            if path.suffix not in _SUFFIXES:
                raise UserInputError(f"{path} is not a .rs or .py file")
            found.append(path.resolve())
            continue
        found.extend(_walk(path))
    return sorted(set(found))


def _walk(folder: Path) -> Iterator[Path]:
    for child in sorted(folder.iterdir()):
        if child.is_dir():
            if child.name not in _SKIP_DIRS and not child.name.startswith("."):
                yield from _walk(child)
        elif child.suffix in _SUFFIXES:
            yield child.resolve()


def module_entity(path: Path) -> str:
    """``rust:serde_json::de`` for ``…/serde_json/src/de.rs``; ``py:json.decoder`` likewise."""
    if path.suffix == ".rs":
        return "rust:" + "::".join(_rust_module_path(path))
    parts = [] if path.stem == "__init__" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return "py:" + ".".join(parts or [path.parent.name])


def _rust_module_path(path: Path) -> list[str]:
    for folder in path.parents:
        manifest = folder / "Cargo.toml"
        if manifest.is_file():
            crate = _crate_name(manifest, folder.name)
            relative = list(path.relative_to(folder).with_suffix("").parts)
            break
    else:
        crate, relative = path.parent.name, [path.stem]
    if relative and relative[0] == "src":
        relative = relative[1:]
    if relative and relative[-1] in ("lib", "main", "mod"):
        relative = relative[:-1]
    return [_ident(crate), *(_ident(p) for p in relative)]


def _crate_name(manifest: Path, fallback: str) -> str:
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return fallback
    package = data.get("package")
    name = package.get("name") if isinstance(package, dict) else None
    return name if isinstance(name, str) else fallback


def _ident(text: str) -> str:
    return text.replace("-", "_")


def count_items(module: CodeModule) -> int:
    total = 0
    for child in module.children:
        if isinstance(child, CodeModule):
            total += count_items(child)
        elif isinstance(child, CodeSignature):
            total += 1 + len(child.items)
    return total


class Ingestor:
    """Parses files and writes their trees into the graph; unchanged files are skipped."""

    def __init__(self, graph: CodeGraph, files: IngestedFileStore) -> None:
        self._graph = graph
        self._files = files

    def ingest(
        self, paths: Sequence[Path], *, on_file: Callable[[Path], None] | None = None
    ) -> IngestReport:
        report = IngestReport()
        for path in discover(paths):
            report.files += 1
            self._ingest_file(path, report)
            if on_file is not None:
                on_file(path)
        return report

    def _ingest_file(self, path: Path, report: IngestReport) -> None:
        try:
            data = path.read_bytes()
            source = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            report.failed.append(f"{path}: {exc}")
            return
        digest = hashlib.sha256(data).hexdigest()
        key = str(path)
        known = self._files.get(key)
        if known is not None and known.sha256 == digest:
            report.unchanged += 1
            return
        if known is not None:
            self._graph.triples.remove_from_source(key)
        lang = _SUFFIXES[path.suffix]
        entity = module_entity(path)
        name = entity.split(":", 1)[1].replace(".", "::").split("::")[-1]
        try:
            if lang == "rust":
                parsed = parse_rust_module(source, name=name)
                module = parsed.module
                report.skipped_items += parsed.skipped
                report.syntax_errors += parsed.errors
            else:
                module = parse_python_module(source, name=name).module
        except UserInputError as exc:
            report.failed.append(f"{path}: {exc}")
            return
        report.facts += self._graph.put(module, entity, Provenance(how="ingested", source=key))
        report.ingested += 1
        report.items += count_items(module)
        report.modules.append(entity)
        self._files.put(IngestedFile(path=key, sha256=digest, lang=lang, entities=[entity]))
