"""``codeloop gen``, ``refactor`` and ``bench humaneval`` through the CLI on a scripted model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeloop.cli import app
from codeloop.cli._app import run_app
from codeloop.pipeline.humaneval import load_problems, select_problems

GOOD = "```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```"
TESTS = "```python\nfrom add import add\n\ndef test_zero():\n    assert add(0, 0) == 0\n```"
REQUEST = "Write a function add(a, b) that adds two integers: add(1, 2) == 3"


def _script(tmp_path: Path, replies: list[str]) -> str:
    path = tmp_path / "replies.json"
    path.write_text(json.dumps(replies))
    return f"scripted:{path}"


def test_gen_shows_a_diff_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = run_app(
        app, ["gen", REQUEST, "--model", _script(tmp_path, [GOOD, TESTS]), "--out", str(out)]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert not out.exists()
    assert "+def add(a: int, b: int) -> int:" in captured.out
    assert "nothing written; add --write to write" in captured.err


def test_gen_write_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    argv = ["gen", REQUEST, "--model", _script(tmp_path, [GOOD, TESTS]), "--out", str(out)]
    code = run_app(app, [*argv, "--write", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["status"] == "ok"
    assert report["written"] is True
    assert sorted(p.name for p in out.iterdir()) == ["add.py", "test_add.py"]
    assert (out / "add.py").read_text() == report["files"]["add.py"]
    assert report["tests_kept"] == ["test_example_1", "test_zero"]


def test_gen_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _script(tmp_path, [GOOD])
    assert run_app(app, ["gen", REQUEST, "--model", model, "--lang", "cobol"]) == 2
    assert "unsupported language 'cobol'" in " ".join(capsys.readouterr().err.split())
    assert run_app(app, ["gen", REQUEST, "--model", model, "--pattern", "nope"]) == 2
    assert "unknown pattern 'nope' for python: use --pattern with one of" in " ".join(
        capsys.readouterr().err.split()
    )


def test_gen_failure_exits_1_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "```python\ndef add(a: int, b: int) -> int:\n    return a - b\n```"
    model = _script(tmp_path, [wrong, wrong])
    code = run_app(app, ["gen", REQUEST, "--model", model, "--samples", "1", "--rounds", "1"])
    assert code == 1
    assert (
        "ValidationFailed: no candidate passed: add(1, 2) must be 3; got: assert -1 == 3"
        in " ".join(capsys.readouterr().err.split())
    )


def test_refactor_accepts_only_when_tests_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    source = project / "stats.py"
    source.write_text(
        "def mean(xs: list[float]) -> float:\n    total = 0.0\n    for x in xs:\n"
        "        total += x\n    return total / len(xs)\n"
    )
    (project / "test_stats.py").write_text(
        "from stats import mean\n\ndef test_mean():\n    assert mean([1.0, 3.0]) == 2.0\n"
    )
    broken = "```python\ndef mean(xs: list[float]) -> float:\n    return sum(xs)\n```"
    better = "```python\ndef mean(xs: list[float]) -> float:\n    return sum(xs) / len(xs)\n```"
    model = _script(tmp_path, [broken, better])
    argv = [
        "refactor",
        str(source),
        "-i",
        "use sum()",
        "--model",
        model,
        "--samples",
        "2",
        "--json",
    ]
    assert run_app(app, argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "accepted"
    assert "+    return sum(xs) / len(xs)" in report["diff"]
    assert source.read_text().startswith("def mean(xs: list[float]) -> float:\n    total = 0.0")
    rejected = _script(tmp_path, [broken, broken, broken, broken])
    again = ["refactor", str(source), "-i", "shorter", "--model", rejected, "--samples", "2"]
    assert run_app(app, [*again, "--rounds", "1", "--write"]) == 1
    assert "ValidationFailed: rejected: no candidate kept the tests passing" in " ".join(
        capsys.readouterr().err.split()
    )
    assert "total = 0.0" in source.read_text()


def test_refactor_without_tests_names_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "lonely.py"
    source.write_text("x = 1\n")
    assert (
        run_app(
            app, ["refactor", str(source), "-i", "rename", "--model", _script(tmp_path, [GOOD])]
        )
        == 2
    )
    assert "no tests found for lonely.py (looked for test_lonely.py): pass --test-cmd" in " ".join(
        capsys.readouterr().err.split()
    )


def test_bench_humaneval_runs_problems_in_the_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (problem,) = select_problems(load_problems(), "dev", limit=1, seed=3)
    solution = "```python\n" + problem.prompt + problem.canonical_solution + "```"
    argv = [
        "bench",
        "humaneval",
        "--split",
        "dev",
        "--mode",
        "single",
        "--limit",
        "1",
        "--seed",
        "3",
    ]
    code = run_app(app, [*argv, "--model", _script(tmp_path, [solution]), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (summary["problems"], summary["passed"]) == (1, 1)
    assert summary["results"][0]["task_id"] == problem.task_id
