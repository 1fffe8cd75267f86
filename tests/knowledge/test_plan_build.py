"""Code-aware planning and its execution: write a crate, cargo check, repair, backtrack."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeloop.errors import UserInputError
from codeloop.knowledge import (
    CargoChecker,
    CodeBuilder,
    CodeGraph,
    Ingestor,
    RustChecker,
    TemplateLibrary,
    make_plan,
    parse_goal,
)
from codeloop.store import Store


@pytest.mark.parametrize(
    ("goal", "template", "params"),
    [
        (
            "a builder for Config with fields host: String, port: u16",
            "builder",
            {"Type": "Config", "fields": "host: String, port: u16"},
        ),
        (
            "an error type AppError with variants Io(std::io::Error), Parse(String) in crate app",
            "error-type",
            {"Type": "AppError", "variants": "Io(std::io::Error), Parse(String)"},
        ),
        ("implement Display for Point", "trait-impl", {"Trait": "Display", "Type": "Point"}),
        (
            "a CLI with subcommands Add(String), List",
            "cli-subcommand",
            {"commands": "Add(String), List"},
        ),
        (
            "a struct Order with fields id: u64, customer: Customer",
            "struct",
            {"Type": "Order", "fields": "id: u64, customer: Customer"},
        ),
    ],
)
def test_goals_are_understood(goal: str, template: str, params: dict[str, str]) -> None:
    parsed = parse_goal(goal)
    assert parsed.template == template
    assert parsed.params == params


def test_goal_without_a_pattern_names_the_fix() -> None:
    with pytest.raises(UserInputError, match="name a pattern"):
        parse_goal("make it faster")


def test_plans_differ_by_strategy() -> None:
    goal = parse_goal("a struct Order with fields id: u64, customer: Customer")
    scaffold = [s.action for s in make_plan(goal, "scaffold-first").steps]
    bottom_up = [s.action for s in make_plan(goal, "bottom-up", [Path("ref")]).steps]
    assert scaffold == ["query", "define", "generate", "write", "check", "backtrack"]
    assert bottom_up == [
        "query",
        "ingest",
        "define",
        "define",
        "generate",
        "write",
        "check",
        "backtrack",
    ]


def _builder(graph: CodeGraph, library: TemplateLibrary, store: Store) -> CodeBuilder:
    def checker(folder: Path, name: str) -> RustChecker:
        return CargoChecker(folder, name=name)

    return CodeBuilder(graph, library, checker, ingestor=Ingestor(graph, store.kg_files))


async def test_build_writes_a_crate_that_cargo_accepts(
    graph: CodeGraph, library: TemplateLibrary, store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "crate"
    report = await _builder(graph, library, store).build(
        "a builder for Config with fields host: String, tags: HashMap<String, u8>", out
    )
    assert report.ok
    assert [r.strategy for r in report.runs] == ["scaffold-first"]
    edits = [e.action for a in report.runs[0].cegis.attempts for e in a.edits]
    assert edits == ["add-depends-on"]
    lib = (out / "src" / "lib.rs").read_text()
    assert lib.startswith("use std::collections::HashMap;\n")
    assert "pub struct ConfigBuilder {" in lib
    assert (out / "Cargo.toml").read_text().startswith('[package]\nname = "generated"')


async def test_backtracking_switches_to_bottom_up(
    graph: CodeGraph, library: TemplateLibrary, store: Store, tmp_path: Path
) -> None:
    """`Customer` is unknown: scaffold-first cannot repair that, bottom-up copies it from the
    ingested reference code."""
    reference = tmp_path / "reference.rs"
    reference.write_text("#[derive(Debug, Clone)]\npub struct Customer { pub name: String }\n")
    report = await _builder(graph, library, store).build(
        "a struct Order with fields id: u64, customer: Customer",
        tmp_path / "crate",
        references=[reference],
    )
    assert report.ok
    assert [r.strategy for r in report.runs] == ["scaffold-first", "bottom-up"]
    assert report.runs[1].defined[0] == "rust:generated::Customer"
    lib = (tmp_path / "crate" / "src" / "lib.rs").read_text()
    assert "pub struct Customer {\n    pub name: String,\n}" in lib
