"""Round-trip on real code: ingest → graph → tree → linearize (→ format) → parse = the same tree.

Rust: the standard library's own sources (core, alloc, std), which rustdoc ships with the
toolchain's documentation, plus any folders passed with ``--rust-dir`` (e.g. the crate sources of
an sdist unpacked at benchmark time). Python: the standard library. Three paths per item, so each
stage's loss is visible: the tree alone (parse → linearize → parse), through the graph (the SQLite
store in between), and through the graph and the formatter (rustfmt / ruff format). Items made by
macros, and items whose signature uses syntax the grammar does not know (nightly-only forms), are
not stored: they are counted in the ``macros`` and ``unreadable`` columns, not in ``items``.

    python -m benchmarks.roundtrip                 # >= 2,000 items per language (seconds)
    python -m benchmarks.roundtrip --full          # every item of both corpora
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks._corpora import python_stdlib, rust_std_sources
from codeloop.errors import UserInputError, ValidationFailed
from codeloop.knowledge import (
    CodeGraph,
    CodeItem,
    CodeModule,
    CodeSignature,
    Ingestor,
    format_python,
    format_rust,
    linearize_python,
    linearize_rust,
    module_entity,
    parse_python_module,
    parse_rust_module,
)
from codeloop.store import Store

RESULTS = Path(__file__).parent / "results" / "roundtrip.json"


def first_difference(a: Any, b: Any, path: str = "") -> str:
    """The first differing field, as a failure kind: ``.generics``, ``.items[].doc``, ``count``."""
    if type(a) is not type(b):
        return path or "type"
    if isinstance(a, dict):
        for key in a:
            if a[key] != b.get(key):
                return first_difference(a[key], b.get(key), f"{path}.{key}")
        return path
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path} (length)"
        for x, y in zip(a, b, strict=True):
            if x != y:
                return first_difference(x, y, f"{path}[]")
    return path


def items_of(module: CodeModule) -> Iterator[CodeSignature]:
    for child in module.children:
        if isinstance(child, CodeModule) and not child.external:
            yield from items_of(child)
        elif isinstance(child, CodeSignature):
            yield child


def pick_files(files: list[Path], parse: Callable[[Path], int], want: int | None) -> list[Path]:
    """Files in a fixed random order until they hold ``want`` items (all when ``want`` is None)."""
    if want is None:
        return files
    shuffled = files[:]
    random.Random(11).shuffle(shuffled)
    chosen: list[Path] = []
    total = 0
    for path in shuffled:
        if total >= want:
            break
        count = parse(path)
        if count:
            chosen.append(path)
            total += count
    return sorted(chosen)


async def run_language(lang: str, files: list[Path], folder: Path) -> dict[str, Any]:
    store = Store(folder / f"{lang}.sqlite")
    graph = CodeGraph(store.triples)
    started = time.perf_counter()
    report = Ingestor(graph, store.kg_files).ingest(files)
    ingest_s = time.perf_counter() - started
    parse = (
        (lambda s, n: parse_rust_module(s, name=n).module)
        if lang == "rust"
        else (lambda s, n: parse_python_module(s, name=n).module)
    )
    linearize = linearize_rust if lang == "rust" else linearize_python
    fmt = format_rust if lang == "rust" else format_python
    totals = Counter[str]()
    failures: dict[str, Counter[str]] = {
        "tree": Counter(),
        "graph": Counter(),
        "formatted": Counter(),
    }
    examples: list[dict[str, str]] = []
    linearize_s = 0.0
    for path in files:
        try:
            source = path.read_text(encoding="utf-8")
            name = module_entity(path).split(":", 1)[1].replace(".", "::").split("::")[-1]
            original = parse(source, name)
        except (UnicodeDecodeError, UserInputError):
            continue
        stored = graph.module(module_entity(path))
        originals = list(items_of(original))
        from_graph = list(items_of(stored))
        totals["items"] += len(originals)
        if len(from_graph) != len(originals):
            failures["graph"]["item count"] += len(originals)
            continue
        tick = time.perf_counter()
        outputs = [linearize(item) for item in from_graph]
        linearize_s += time.perf_counter() - tick
        for item, stored_item, text in zip(originals, from_graph, outputs, strict=True):
            shape = item.shape()
            tree_back = _reparse(parse, linearize(item), name)
            if tree_back != [shape]:
                failures["tree"][_kind(item, shape, tree_back)] += 1
            graph_back = _reparse(parse, text, name)
            if graph_back != [shape]:
                kind = _kind(item, shape, graph_back)
                failures["graph"][kind] += 1
                if len(examples) < 15:
                    examples.append(
                        {"file": path.name, "item": f"{item.kind} {item.name}", "kind": kind}
                    )
            del stored_item
        # one formatter call per file: the whole stored module
        try:
            formatted = await fmt(linearize(stored))
            back = [i.shape() for i in items_of(parse(formatted, name))]
            want = [i.shape() for i in originals]
            if back != want:
                bad = sum(1 for x, y in zip(want, back, strict=False) if x != y) or len(want)
                failures["formatted"][first_difference(want, back) or "count"] += bad
        except (ValidationFailed, UserInputError):
            failures["formatted"]["formatter rejected the file"] += len(originals)
    store.close()
    items = totals["items"]
    shares = {
        k: round(1 - sum(v.values()) / items, 5) if items else 0.0 for k, v in failures.items()
    }
    return {
        "files": len(files),
        "items": items,
        "skipped_by_parser": report.skipped_items,
        "unreadable_items": report.syntax_errors,
        "facts": report.facts,
        "ingest_s": round(ingest_s, 2),
        "linearize_s": round(linearize_s, 3),
        "share_round_trip": shares,
        "failures_by_kind": {k: dict(v.most_common()) for k, v in failures.items()},
        "examples": examples,
    }


def _reparse(parse: Callable[[str, str], CodeModule], text: str, name: str) -> list[dict[str, Any]]:
    try:
        return [i.shape() for i in items_of(parse(text, name))]
    except UserInputError:
        return []


def _kind(item: CodeItem, shape: dict[str, Any], back: list[dict[str, Any]]) -> str:
    if len(back) != 1:
        return f"{item.kind}: reparsed into {len(back)} items"
    return f"{item.kind}: {first_difference(shape, back[0]) or 'equal'}"


def _count(lang: str) -> Callable[[Path], int]:
    def count(path: Path) -> int:
        try:
            source = path.read_text(encoding="utf-8")
            module = (
                parse_rust_module(source, name="x").module
                if lang == "rust"
                else parse_python_module(source, name="x").module
            )
        except (UnicodeDecodeError, UserInputError):
            return 0
        return sum(1 for _ in items_of(module))

    return count


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="every item, not a 2,000-item sample")
    parser.add_argument(
        "--items", type=int, default=2200, help="items per language (sampled by file)"
    )
    parser.add_argument(
        "--rust-dir", type=Path, action="append", default=[], help="more Rust sources"
    )
    args = parser.parse_args()
    want = None if args.full else args.items
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rust_root = rust_std_sources(folder / "rust")
        rust_files = sorted(rust_root.rglob("*.rs"))
        for extra in args.rust_dir:
            rust_files += sorted(extra.rglob("*.rs"))
        py_files = sorted(
            p
            for p in python_stdlib().rglob("*.py")
            if "site-packages" not in p.parts and "test" not in p.parts and "tests" not in p.parts
        )
        result = {
            "rust": await run_language(
                "rust", pick_files(rust_files, _count("rust"), want), folder
            ),
            "python": await run_language(
                "python", pick_files(py_files, _count("python"), want), folder
            ),
        }
    target = RESULTS.with_name("roundtrip-full.json") if args.full else RESULTS
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"{'':10}{'files':>7}{'items':>8}{'tree':>9}{'graph':>9}{'formatted':>11}{'ingest s':>10}"
        f"{'macros':>8}{'unreadable':>12}"
    )
    for lang, r in result.items():
        s = r["share_round_trip"]
        print(
            f"{lang:10}{r['files']:>7}{r['items']:>8}{s['tree']:>9.2%}{s['graph']:>9.2%}"
            f"{s['formatted']:>11.2%}{r['ingest_s']:>10}{r['skipped_by_parser']:>8}"
            f"{r['unreadable_items']:>12}"
        )
    for lang, r in result.items():
        for path, kinds in r["failures_by_kind"].items():
            for kind, n in list(kinds.items())[:6]:
                print(f"  {lang} {path}: {n} × {kind}")
    print(f"wrote {target}")


if __name__ == "__main__":
    asyncio.run(main())
