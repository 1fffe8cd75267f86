from __future__ import annotations

from codeloop.lang import ProcessLimits, RustSupport, SandboxRunner
from codeloop.pipeline.types import Example

CODE = "pub fn add(a: i32, b: i32) -> i32 {\n    let x = a + b;\n    return x;\n}\n"


async def test_parse_error_has_line() -> None:
    result = await RustSupport().parse("fn x( {")
    (diag,) = result.diagnostics
    assert (diag.line, diag.code, diag.message) == (
        1,
        "syntax",
        "this file contains an unclosed delimiter",
    )


async def test_clippy_finding_and_machine_applicable_fix() -> None:
    rs = RustSupport()
    lint = await rs.lint(CODE)
    assert [d.code for d in lint.diagnostics] == ["clippy::needless_return"]
    fixed = await rs.fix(CODE)
    assert fixed == "pub fn add(a: i32, b: i32) -> i32 {\n    \n    a + b\n}\n"
    assert (await rs.lint(fixed)).diagnostics == ()


async def test_typecheck_reports_rustc_error_code() -> None:
    result = await RustSupport().typecheck("pub fn f(a: i32) -> String { a }\n")
    assert [(d.code, d.line) for d in result.errors] == [("E0308", 1)]


async def test_tests_compile_and_run_in_the_sandbox(
    runner: SandboxRunner, limits: ProcessLimits
) -> None:
    rs = RustSupport()
    tests = rs.example_tests(
        "calc", [Example(call="add(1, 2)", expected="3"), Example(call="add(1, 1)", expected="3")]
    )
    run = await rs.test(CODE, tests, module="calc", runner=runner, limits=limits)
    assert run.compiled
    assert [(o.name, o.passed) for o in run.outcomes] == [("example_1", True), ("example_2", False)]
    assert "left: 2" in run.outcomes[1].message
    assert rs.test_names(rs.drop_tests(tests, ["example_2"])) == ["example_1"]


async def test_tests_that_do_not_compile_give_rustc_diagnostics(
    runner: SandboxRunner, limits: ProcessLimits
) -> None:
    rs = RustSupport()
    run = await rs.test(
        CODE, "use super::*;\n#[test]\nfn t() { assert_eq!(add(1), 1); }\n",
        module="calc", runner=runner, limits=limits,
    )  # fmt: skip
    assert not run.compiled
    assert run.diagnostics[0].code == "E0061"


def test_normalize_unwraps_a_tests_module() -> None:
    text = "#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn a() {}\n}\n"
    assert RustSupport().normalize_tests(text, module="m") == "use super::*;\n#[test]\nfn a() {}\n"


def test_output_keeps_tests_in_the_same_file() -> None:
    rs = RustSupport()
    files = rs.output_files("calc", CODE, "use super::*;\n#[test]\nfn a() {}\n")
    assert list(files) == ["calc.rs"]
    assert "#[cfg(test)]\nmod codeloop_tests {\n    use super::*;" in files["calc.rs"]
