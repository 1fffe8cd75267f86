"""``codeloop kg``: the commands end to end on the real store, real rustfmt and cargo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import codeloop.knowledge
from codeloop.cli import app
from codeloop.cli._app import run_app


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run_app(app, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def crate(tmp_path: Path) -> Path:
    root = tmp_path / "geo"
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text('[package]\nname = "geo"\nversion = "0.1.0"\n')
    (root / "src" / "lib.rs").write_text(
        "/// A circle.\n#[derive(Debug)]\npub struct Circle { pub r: f64 }\n"
        "impl Circle { pub fn area(&self) -> f64 { 3.14 * self.r * self.r } }\n"
        "pub fn unit() -> Circle { Circle { r: 1.0 } }\n"
    )
    return root


def test_ingest_query_and_generate(capsys: pytest.CaptureFixture[str], crate: Path) -> None:
    code, out, _ = cli(capsys, "kg", "ingest", str(crate), "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["files"], report["ingested"], report["items"]) == (1, 1, 4)
    code, out, _ = cli(capsys, "kg", "ingest", str(crate), "--json")
    assert json.loads(out)["unchanged"] == 1

    code, out, _ = cli(
        capsys, "kg", "query", "--predicate", "code:kind", "--object", "struct", "--json"
    )
    assert [f["subject"] for f in json.loads(out)] == ["rust:geo::Circle"]

    code, out, _ = cli(capsys, "kg", "gen", "Circle", "--scope", "struct")
    assert code == 0
    assert out == "/// A circle.\n#[derive(Debug)]\npub struct Circle {\n    pub r: f64,\n}\n"
    code, out, _ = cli(capsys, "kg", "gen", "Circle", "--scope", "impl")
    assert "pub fn area(&self) -> f64 {\n        todo!()\n    }" in out
    code, out, _ = cli(capsys, "kg", "gen", "rust:geo", "--scope", "file", "--json")
    generated = json.loads(out)
    assert generated["items"] == 4 and generated["source"].count("todo!()") == 2


def test_fill_bodies_hands_todo_bodies_to_the_model(
    capsys: pytest.CaptureFixture[str], crate: Path, tmp_path: Path
) -> None:
    cli(capsys, "kg", "ingest", str(crate))
    script = tmp_path / "replies.json"
    script.write_text(json.dumps(["```rust\nCircle { r: 1.0 }\n```"]))
    code, out, err = cli(
        capsys,
        "kg",
        "gen",
        "unit",
        "--scope",
        "fn",
        "--fill-bodies",
        "--model",
        f"scripted:{script}",
    )
    assert code == 0, err
    assert out == "pub fn unit() -> Circle {\n    Circle { r: 1.0 }\n}\n"
    code, out, _ = cli(
        capsys, "kg", "query", "rust:geo::unit", "--predicate", "code:body", "--json"
    )
    fact = json.loads(out)[0]
    assert fact["object"] == "Circle { r: 1.0 }"
    assert fact["provenance"]["how"] == "generated"


def test_template_generation_to_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "out" / "errors.rs"
    code, _, _ = cli(
        capsys,
        "kg",
        "gen",
        "--template",
        "error-type",
        "--param",
        "Type=AppError",
        "--param",
        "variants=Io(std::io::Error), Empty",
        "--out",
        str(target),
    )
    assert code == 0
    text = target.read_text()
    assert "pub enum AppError {\n    Io(std::io::Error),\n    Empty,\n}" in text
    assert "impl From<std::io::Error> for AppError {" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["kg", "gen"], "name a TARGET entity or pass --template NAME"),
        (["kg", "gen", "X", "--scope", "class"], "--scope 'class' is not one of"),
        (["kg", "gen", "Nope", "--scope", "struct"], "no struct 'Nope' in the graph; ingest"),
        (
            ["kg", "gen", "--template", "builder", "--param", "Type"],
            "--param 'Type' must be KEY=VALUE",
        ),
        (["kg", "plan", "make it faster"], "name a pattern"),
        (["kg", "ingest", "missing-folder"], "missing-folder does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = cli(capsys, *argv)
    assert code == 2
    assert message in " ".join(err.split())
    assert "Traceback" not in err


def test_plan_build_and_templates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = cli(capsys, "kg", "plan", "an iterator Countdown", "--json")
    assert json.loads(out)["goal"]["template"] == "iterator"
    code, out, _ = cli(
        capsys,
        "kg",
        "build",
        "a builder for Config with fields host: String, port: u16",
        "--out",
        str(tmp_path / "cfg"),
        "--json",
    )
    assert code == 0
    assert json.loads(out)["ok"] is True
    assert (
        "pub fn build(self) -> Result<Config, String> {"
        in (tmp_path / "cfg" / "src" / "lib.rs").read_text()
    )
    code, out, _ = cli(capsys, "kg", "templates", "--store", "--json")
    assert len(json.loads(out)) == 12
    code, out, _ = cli(
        capsys, "kg", "query", "template:builder", "--predicate", "template:name", "--json"
    )
    assert json.loads(out)[0]["object"] == "builder"


def test_public_surface_is_pinned() -> None:
    assert sorted(codeloop.knowledge.__all__) == sorted(
        [
            "Attempt",
            "BuildReport",
            "CargoChecker",
            "CegisLoop",
            "CegisReport",
            "CheckResult",
            "CodeBuilder",
            "CodeGoal",
            "CodeGraph",
            "CodeItem",
            "CodeModule",
            "CodeSignature",
            "CompilerDiagnostic",
            "DataFlow",
            "DefectKind",
            "Edit",
            "FieldDef",
            "FlowStep",
            "GenerateRequest",
            "Generated",
            "Generator",
            "GenericParam",
            "Hole",
            "HoleKind",
            "IngestReport",
            "Ingestor",
            "Param",
            "Plan",
            "PlanStep",
            "Provenance",
            "RustChecker",
            "RustcChecker",
            "Scope",
            "Strategy",
            "Template",
            "TemplateLibrary",
            "TemplateResult",
            "Variant",
            "canonical_rust",
            "classify",
            "format_python",
            "format_rust",
            "linearize",
            "linearize_python",
            "linearize_rust",
            "make_plan",
            "module_entity",
            "parse_goal",
            "parse_python",
            "parse_python_module",
            "parse_rust",
            "parse_rust_module",
            "rust_syntax_errors",
        ]
    )


def test_python_entities_generate_formatted_python(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "maths.py").write_text(
        "def add(a: int, b: int = 2) -> int:\n    '''Add.'''\n    return a + b\n"
    )
    assert cli(capsys, "kg", "ingest", str(package))[0] == 0
    code, out, err = cli(capsys, "kg", "gen", "pkg.maths.add", "--scope", "fn", "--lang", "python")
    assert code == 0, err
    assert (
        out
        == 'def add(a: int, b: int = 2) -> int:\n    """Add."""\n    raise NotImplementedError\n'
    )
