"""Compiler feedback (CEGIS) on graphs with seeded defects, and generation speed.

Builds N crates in a code graph from templates (each compiles), seeds one defect of one of five
kinds into the graph (type mismatch, unresolved name, missing trait, ownership, syntax), and runs
the loop with the real rustc. The baseline in the same run applies only the compiler's own
suggestions (no classification into graph edits). Then times 1,000 items from graph to source.

    python -m benchmarks.cegis            # 40 graphs (8 per kind)
    python -m benchmarks.cegis --full     # 120 graphs (24 per kind)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from codeloop.knowledge import (
    CegisLoop,
    CodeGraph,
    CodeModule,
    CodeSignature,
    Provenance,
    RustcChecker,
    TemplateLibrary,
    format_rust,
    linearize_rust,
    parse_rust,
)
from codeloop.store import Store

RESULTS = Path(__file__).parent / "results" / "cegis.json"
NAMES = [
    "Cart",
    "Order",
    "Ledger",
    "Sensor",
    "Player",
    "Invoice",
    "Route",
    "Account",
    "Packet",
    "Recipe",
]
OWNERS = ["owner", "label", "title", "name", "tag"]
COUNTS = ["count", "hits", "total", "level", "score"]
NUMBERS = ["u64", "u32", "i64", "usize", "u16"]
COLLECTIONS = [
    ("HashMap<String, u32>", "std::collections::HashMap"),
    ("BTreeMap<u8, String>", "std::collections::BTreeMap"),
    ("HashSet<u64>", "std::collections::HashSet"),
    ("VecDeque<i32>", "std::collections::VecDeque"),
    ("Rc<str>", "std::rc::Rc"),
    ("Duration", "std::time::Duration"),
]
WRONG = {"u64": "i32", "u32": "u8", "i64": "u16", "usize": "i8", "u16": "f64"}
KINDS = ["type_mismatch", "unresolved", "missing_trait", "ownership", "syntax"]
Seed = Callable[[CodeGraph, str], None]


def base_crate(
    library: TemplateLibrary, rng: random.Random, name: str
) -> tuple[CodeModule, dict[str, str]]:
    owner, count, number = rng.choice(OWNERS), rng.choice(COUNTS), rng.choice(NUMBERS)
    collection, path = rng.choice(COLLECTIONS)
    fields = f"{owner}: String, {count}: {number}, items: {collection}"
    items = library.instantiate("struct", {"Type": name, "fields": fields}).items
    items += library.instantiate("new-constructor", {"Type": name, "fields": fields}).items
    methods = parse_rust(
        f"impl {name} {{ fn bump(&mut self) {{}} fn size(&self) -> usize {{}}"
        f" fn twice(self) -> usize {{}} fn get(&self) -> {number} {{}}"
        f" fn describe(&self) -> String {{}} fn show(&self) -> String {{}}"
        f" fn same(&self, other: &Self) -> bool {{}} }}"
    )[0]
    bodies = {
        "bump": f"self.{count} += 1;",
        "size": f"self.{owner}.len()",
        "twice": "let a = self.size();\nlet b = self.size();\na + b",
        "get": f"self.{count}",
        "describe": 'format!("{:?}", self)',
        "show": f"self.{owner}.clone()",
        "same": f"self.{owner} == other.{owner}",
    }
    assert isinstance(methods, CodeSignature)
    for method in methods.items:
        method.body = bodies[method.name]
    summary = parse_rust(
        "pub trait Summary { fn summary(&self) -> String; fn weight(&self) -> u32; }"
        f" impl Summary for {name} {{ fn summary(&self) -> String {{}}"
        " fn weight(&self) -> u32 {} }"
    )
    impl = summary[1]
    assert isinstance(impl, CodeSignature)
    impl.items[0].body = f"self.{owner}.clone()"
    impl.items[1].body = "1"
    helpers = parse_rust(
        "pub fn consume(data: Vec<u8>) -> usize {} pub fn use_twice(data: Vec<u8>) -> usize {}"
    )
    helpers[0].body = "data.len()"  # type: ignore[union-attr]
    helpers[1].body = "let a = consume(data.clone());\na + consume(data)"  # type: ignore[union-attr]
    module = CodeModule(
        name=name.lower(), uses=[path], children=[*items, methods, *summary, *helpers]
    )
    return module, {
        "owner": owner,
        "count": count,
        "number": number,
        "path": path,
        "collection": collection,
    }


def defects(name: str, facts: dict[str, str], variant: int) -> dict[str, Seed]:
    """One seeding function per kind; ``variant`` picks among a few forms of each."""
    impl = "::<impl " + name + ">[2]"
    new = "::<impl " + name + ">::new"
    prov = Provenance(how="user", detail={"seeded": True})

    def type_mismatch(g: CodeGraph, m: str) -> None:
        if variant % 2:
            g.set(f"{m}{impl}::get", "code:return-type", WRONG[facts["number"]], prov)
        else:
            g.set(f"{m}{new}#param1", "code:type", WRONG[facts["number"]], prov)

    def unresolved(g: CodeGraph, m: str) -> None:
        if variant % 2:
            g.set(f"{m}::{name}#field.{facts['owner']}", "code:type", "Strng", prov)
        else:
            g.triples.remove_fact(m, "code:depends-on", facts["path"])

    def missing_trait(g: CodeGraph, m: str) -> None:
        if variant % 4 == 0:
            g.triples.remove_fact(f"{m}::{name}", "code:derives", "Debug")
        elif variant % 4 == 1:
            g.set(f"{m}{impl}::show", "code:body", "self.to_string()", prov)
        elif variant % 4 == 2:
            g.set(f"{m}{impl}::same", "code:body", "self == other", prov)
        else:
            g.remove(f"{m}::<impl Summary for {name}>::weight")

    def ownership(g: CodeGraph, m: str) -> None:
        if variant % 3 == 0:
            g.set(f"{m}{impl}::size#param0", "code:type", "self", prov)
        elif variant % 3 == 1:
            g.set(f"{m}{impl}::bump#param0", "code:type", "&self", prov)
        else:
            g.set(f"{m}::use_twice", "code:body", "consume(data) + consume(data)", prov)

    def syntax(g: CodeGraph, m: str) -> None:
        broken = (
            facts["collection"][:-1]
            if facts["collection"].endswith(">")
            else facts["collection"] + ">"
        )
        target = f"{m}::{name}#field.items" if variant % 2 else f"{m}{new}#param2"
        g.set(target, "code:type", broken, prov)

    return {
        "type_mismatch": type_mismatch,
        "unresolved": unresolved,
        "missing_trait": missing_trait,
        "ownership": ownership,
        "syntax": syntax,
    }


async def run_cases(graphs: int, *, classified: bool, folder: Path) -> list[dict[str, object]]:
    library = TemplateLibrary.builtin()
    store = Store(folder / f"cegis-{classified}.sqlite")
    graph = CodeGraph(store.triples)
    checker = RustcChecker()
    rng = random.Random(7)
    rows: list[dict[str, object]] = []
    for index in range(graphs):
        kind = KINDS[index % len(KINDS)]
        name = NAMES[index % len(NAMES)] + str(index)
        module, facts = base_crate(library, rng, name)
        entity = f"rust:case{index}"
        graph.put(module, entity, Provenance(how="generated"))
        defects(name, facts, index // len(KINDS))[kind](graph, entity)
        loop = CegisLoop(graph, checker, library, max_attempts=3, classified=classified)
        report = await loop.run(entity)
        first_errors = report.attempts[0].errors
        rows.append(
            {
                "case": entity,
                "kind": kind,
                "defect_detected": bool(first_errors) and not report.attempts[0].ok,
                "first_codes": sorted({d.code or "syntax" for d in first_errors}),
                "fixed": report.ok,
                "repairs": report.repairs,
                "edits": [e.action for a in report.attempts for e in a.edits],
                "seconds_per_attempt": [round(a.seconds, 4) for a in report.attempts],
            }
        )
    store.close()
    return rows


def summarise(rows: list[dict[str, object]]) -> dict[str, object]:
    fixed = [r for r in rows if r["fixed"]]
    seconds = [s for r in rows for s in r["seconds_per_attempt"]]  # type: ignore[attr-defined]
    per_kind = {
        k: {
            "graphs": sum(r["kind"] == k for r in rows),
            "fixed": sum(r["kind"] == k and bool(r["fixed"]) for r in rows),
        }
        for k in KINDS
    }
    return {
        "graphs": len(rows),
        "defects_detected": sum(bool(r["defect_detected"]) for r in rows),
        "fixed_within_3": len(fixed),
        "share_fixed": round(len(fixed) / len(rows), 4),
        "repairs_per_fix_mean": round(statistics.mean([int(r["repairs"]) for r in fixed]), 3)
        if fixed
        else None,  # type: ignore[call-overload]
        "seconds_per_attempt_mean": round(statistics.mean(seconds), 4),
        "seconds_per_attempt_p50": round(statistics.median(seconds), 4),
        "per_kind": per_kind,
    }


async def generation_speed(items: int, folder: Path) -> dict[str, float]:
    """``items`` signatures (structs, impls and their methods) from graph to source."""
    library = TemplateLibrary.builtin()
    store = Store(folder / "speed.sqlite")
    graph = CodeGraph(store.triples)
    children: list[CodeSignature | CodeModule] = []
    count = 0
    index = 0
    while count < items:
        name = f"Item{index}"
        fields = f"id: u64, name: String, tags: Vec<String>, score{index}: f64"
        built = library.instantiate("struct", {"Type": name, "fields": fields}).items
        built += library.instantiate("builder", {"Type": name, "fields": fields}).items
        for item in built:
            assert isinstance(item, CodeSignature)
            count += 1 + len(item.items)
        children += built
        index += 1
    graph.put(
        CodeModule(name="speed", children=children), "rust:speed", Provenance(how="generated")
    )
    started = time.perf_counter()
    module = graph.module("rust:speed")
    read = time.perf_counter()
    source = linearize_rust(module)
    linearized = time.perf_counter()
    await format_rust(source)
    formatted = time.perf_counter()
    store.close()
    return {
        "items": count,
        "graph_read_s": round(read - started, 4),
        "linearize_s": round(linearized - read, 4),
        "graph_to_source_s": round(linearized - started, 4),
        "rustfmt_s": round(formatted - linearized, 4),
        "lines": source.count("\n"),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="120 graphs instead of 40")
    args = parser.parse_args()
    graphs = 120 if args.full else 40
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        loop_rows = await run_cases(graphs, classified=True, folder=folder)
        baseline_rows = await run_cases(graphs, classified=False, folder=folder)
        speed = await generation_speed(1000, folder)
    ours, baseline = summarise(loop_rows), summarise(baseline_rows)
    result = {
        "graphs": graphs,
        "cegis": ours,
        "baseline_suggestions_only": baseline,
        "ratio_fixed_vs_baseline": round(ours["share_fixed"] / baseline["share_fixed"], 2)  # type: ignore[operator]
        if baseline["share_fixed"]
        else None,
        "generation": speed,
        "cases": loop_rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{'':28}{'CEGIS':>10}{'baseline':>10}")
    for key in (
        "graphs",
        "defects_detected",
        "fixed_within_3",
        "share_fixed",
        "repairs_per_fix_mean",
        "seconds_per_attempt_mean",
        "seconds_per_attempt_p50",
    ):
        print(f"{key:28}{ours[key]!s:>10}{baseline[key]!s:>10}")
    for kind in KINDS:
        a, b = ours["per_kind"][kind], baseline["per_kind"][kind]  # type: ignore[index]
        print(f"  {kind:26}{a['fixed']:>5}/{a['graphs']:<4}{b['fixed']:>5}/{b['graphs']:<4}")
    print(
        f"generation: {speed['items']} items graph→source {speed['graph_to_source_s']}s"
        f" (read {speed['graph_read_s']}s, linearize {speed['linearize_s']}s),"
        f" rustfmt {speed['rustfmt_s']}s"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    asyncio.run(main())
