from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from codeloop.errors import UserInputError
from codeloop.lang import ProcessLimits, SandboxRunner, TypeScriptSupport, get_language
from codeloop.pipeline.types import Example

CODE = "export function add(a: number, b: number): number {\n  const x = 1;\n  return a + b;\n}\n"


@pytest.fixture(scope="module")
def ts() -> Iterator[TypeScriptSupport]:
    support = TypeScriptSupport()
    if not support.tools()["tsc"]:
        pytest.fail("typescript is not installed: npm ci --prefix tools/ts")
    yield support
    asyncio.run(support.aclose())


async def test_lint_and_types_come_from_one_tsc_run(ts: TypeScriptSupport) -> None:
    lint = await ts.lint(CODE)
    assert [(d.code, d.line) for d in lint.diagnostics] == [("TS6133", 2)]
    assert (await ts.typecheck(CODE)).ok
    bad = await ts.typecheck("export const x: number = 'a';\n")
    assert [d.code for d in bad.errors] == ["TS2322"]
    syntax = await ts.parse("export function x( {")
    assert syntax.diagnostics[0].code == "TS1005"


async def test_node_tests_run_in_sandbox_with_coverage(
    ts: TypeScriptSupport, runner: SandboxRunner, limits: ProcessLimits
) -> None:
    tests = ts.example_tests(
        "calc", [Example(call="add(1, 2)", expected="3"), Example(call="add(1, 1)", expected="3")]
    )
    run = await ts.coverage(CODE, tests, module="calc", runner=runner, limits=limits)
    assert [(o.name, o.passed) for o in run.outcomes] == [("example_1", True), ("example_2", False)]
    assert run.outcomes[1].message == "expected 3, actual 2"
    assert run.coverage_percent == 100.0
    assert ts.test_names(ts.drop_tests(tests, ["example_2"])) == ["example_1"]


def test_unsupported_language_names_the_choices() -> None:
    with pytest.raises(
        UserInputError,
        match="unsupported language 'cobol': use --lang with one of python, rust, typescript",
    ):
        get_language("cobol")
