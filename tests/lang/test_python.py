from __future__ import annotations

from codeloop.lang import ProcessLimits, PythonSupport, SandboxRunner
from codeloop.pipeline.types import Example

CODE = "import os\ndef add(a: int, b: int) -> int:\n    return a+b\n"


async def test_parse_reports_line_and_message() -> None:
    result = await PythonSupport().parse("def f(:\n    pass\n")
    assert not result.ok
    (diag,) = result.diagnostics
    assert (diag.line, diag.code, diag.tool) == (1, "syntax", "ast")


async def test_lint_fix_format_round_trip() -> None:
    py = PythonSupport()
    lint = await py.lint(CODE)
    assert [d.code for d in lint.diagnostics] == ["I001", "F401"]
    fixed = await py.fix(CODE)
    assert "import os" not in fixed
    formatted = await py.format(fixed)
    assert formatted == "def add(a: int, b: int) -> int:\n    return a + b\n"
    assert (await py.lint(formatted)).diagnostics == ()


async def test_fix_applies_the_fixes_small_models_need_but_not_b006() -> None:
    code = (
        "def f(items: list[int], seen: list[int] = []) -> bool:\n"
        "    unused = 5\n"
        "    total = 0\n"
        "    for i in range(len(items)):\n"
        "        total += 1\n"
        "    if total > 3:\n"
        "        return True\n"
        "    else:\n"
        "        return False\n"
    )
    py = PythonSupport()
    fixed = await py.format(await py.fix(code))
    remaining = [d.code for d in (await py.lint(fixed)).diagnostics]
    assert remaining == ["B006"]
    assert "unused" not in fixed
    assert "return total > 3" in fixed


async def test_typecheck_gives_mypy_code_and_line() -> None:
    result = await PythonSupport().typecheck("def f(a: int) -> str:\n    return a\n")
    (diag,) = result.errors
    assert (diag.line, diag.code, diag.tool) == (2, "return-value", "mypy")


async def test_example_tests_run_in_sandbox_with_per_test_outcomes(
    runner: SandboxRunner, limits: ProcessLimits
) -> None:
    py = PythonSupport()
    tests = py.example_tests(
        "calc", [Example(call="add(1, 2)", expected="3"), Example(call="add(1, 1)", expected="3")]
    )
    run = await py.coverage(CODE, tests, module="calc", runner=runner, limits=limits)
    assert [(o.name, o.passed) for o in run.outcomes] == [
        ("test_example_1", True),
        ("test_example_2", False),
    ]
    assert run.outcomes[1].message == "assert 2 == 3"
    assert run.coverage_percent == 100.0
    kept = py.drop_tests(tests, ["test_example_2"])
    assert py.test_names(kept) == ["test_example_1"]


BRANCHES = (
    "def sign(x: int) -> str:\n"
    "    if x > 0:\n"
    "        return 'pos'\n"
    "    if x < 0:\n"
    "        return 'neg'\n"
    "    return 'zero'\n"
)


async def test_coverage_of_some_tests_from_one_run_matches_a_run_of_those_tests(
    runner: SandboxRunner, limits: ProcessLimits
) -> None:
    py = PythonSupport()
    tests = (
        "from sign import sign\n\n"
        "def test_pos():\n    assert sign(1) == 'pos'\n\n"
        "def test_neg_wrong():\n    assert sign(-1) == 'minus'\n\n"
        "class TestZero:\n    def test_zero(self):\n        assert sign(0) == 'zero'\n"
    )
    run = await py.coverage(BRANCHES, tests, module="sign", runner=runner, limits=limits)
    assert run.coverage_percent == 100.0
    assert run.statements == 6
    assert run.lines_by_test[""] == (1,)
    assert run.lines_by_test["test_pos"] == (2, 3)
    assert run.lines_by_test["TestZero::test_zero"] == (2, 4, 6)
    assert run.coverage_of(["test_pos"]) == 50.0
    kept = [o.name for o in run.outcomes if o.passed]
    assert kept == ["test_pos", "TestZero::test_zero"]
    alone = await py.coverage(
        BRANCHES, py.drop_tests(tests, ["test_neg_wrong"]), module="sign", runner=runner,
        limits=limits,
    )  # fmt: skip
    assert run.coverage_of(kept) == alone.coverage_percent == 83.3
    assert (
        await py.test(BRANCHES, tests, module="sign", runner=runner, limits=limits)
    ).statements is None


async def test_per_test_coverage_counts_statements_and_knows_parametrized_cases(
    runner: SandboxRunner, limits: ProcessLimits
) -> None:
    py = PythonSupport()
    code = (
        "def double_all(xs: list[int]) -> list[int]:\n"
        "    out = [\n        x * 2\n        for x in xs\n    ]\n    return out\n"
    )
    tests = (
        "import pytest\nfrom dbl import double_all\n\n"
        "@pytest.mark.parametrize('v', [1, 2])\n"
        "def test_one(v):\n    assert double_all([v]) == [2 * v]\n"
    )
    run = await py.coverage(code, tests, module="dbl", runner=runner, limits=limits)
    assert [o.name for o in run.outcomes] == ["test_one[1]", "test_one[2]"]
    assert run.statements == 3  # the lines inside the list's brackets are one statement
    assert run.coverage_percent == 100.0
    assert run.coverage_of(["test_one[2]"]) == 100.0
    assert run.coverage_of([]) == 33.3


async def test_float_examples_compare_with_tolerance(
    runner: SandboxRunner, limits: ProcessLimits
) -> None:
    py = PythonSupport()
    tests = py.example_tests("m", [Example(call="half(1)", expected="0.5")])
    run = await py.test(
        "def half(x: int) -> float:\n    return x / 2 + 1e-12\n",
        tests,
        module="m",
        runner=runner,
        limits=limits,
    )
    assert run.ok
    assert run.passed == 1


async def test_infinite_loop_is_killed_by_the_runner(runner: SandboxRunner) -> None:
    py = PythonSupport()
    run = await py.test(
        "def spin() -> None:\n    while True:\n        pass\n",
        "from m import spin\n\ndef test_spin():\n    spin()\n",
        module="m",
        runner=runner,
        limits=ProcessLimits(wall_s=3, cpu_s=2),
    )
    assert run.limit_hit in ("cpu", "wall")
    assert not run.ok


async def test_sandbox_has_no_network(runner: SandboxRunner) -> None:
    program = (
        "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 80), timeout=2)\n"
        "    print('connected')\nexcept OSError as exc:\n    print('blocked', type(exc).__name__)\n"
    )
    result = await runner.run_process(
        ["python", "net.py"], files={"net.py": program}, limits=ProcessLimits()
    )
    assert result.stdout.startswith("blocked")


def test_normalize_points_placeholder_imports_at_the_module() -> None:
    py = PythonSupport()
    tests = py.normalize_tests(
        "from solution import add\n\ndef test_a():\n    pass\n", module="calc"
    )
    assert tests.startswith("from calc import add\n")
    bare = py.normalize_tests("def test_a():\n    pass\n", module="calc")
    assert bare.startswith("from calc import *")


def test_extract_prefers_the_block_with_the_name() -> None:
    reply = "Here:\n```python\nprint(1)\n```\nand\n```python\ndef add(a, b):\n    return a + b\n```"
    assert PythonSupport().extract_code(reply, prefer="def add") == (
        "def add(a, b):\n    return a + b\n"
    )
    unclosed = "```python\ndef f():\n    return 1"
    assert PythonSupport().extract_code(unclosed) == "def f():\n    return 1\n"
