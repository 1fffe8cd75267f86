from __future__ import annotations

import json
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from codeloop.lang import ProcessLimits, RustSupport, SandboxRunner
from codeloop.lang._llvmcov import LlvmTools, find_llvm_tools, lcov_line_percent, llvm_major
from codeloop.lang.runner import ProcessResult

SIGN = """pub fn sign(x: i32) -> i32 {
    if x < 0 {
        let negative = -1;
        return negative;
    }
    let positive = 1;
    positive
}
"""
HEADER = "use super::*;\n"
POSITIVE = "#[test]\nfn positive() { assert_eq!(sign(3), 1); }\n"
NEGATIVE = "#[test]\nfn negative() { assert_eq!(sign(-3), -1); }\n"
WRONG = "#[test]\nfn wrong() { assert_eq!(sign(-3), 1); }\n"

needs_llvm = pytest.mark.skipif(
    RustSupport().llvm_tools() is None,
    reason="no llvm-profdata/llvm-cov of rustc's LLVM major (scripts/system-deps.sh installs it)",
)


@needs_llvm
async def test_one_branch_covers_about_half_the_lines(
    runner: SandboxRunner, limits: ProcessLimits
) -> None:
    run = await RustSupport().coverage(
        SIGN, HEADER + POSITIVE, module="calc", runner=runner, limits=limits
    )
    assert run.ok
    # lines 1, 2, 5, 6, 7, 8 ran; 3 and 4 (the negative branch) did not; the test module is not
    # counted
    assert run.coverage_percent == 75.0


@needs_llvm
async def test_both_branches_cover_every_line(runner: SandboxRunner, limits: ProcessLimits) -> None:
    tests = HEADER + POSITIVE + NEGATIVE
    run = await RustSupport().coverage(SIGN, tests, module="calc", runner=runner, limits=limits)
    assert [(o.name, o.passed) for o in run.outcomes] == [("negative", True), ("positive", True)]
    assert run.coverage_percent == 100.0
    assert run.diagnostics == ()


@needs_llvm
async def test_a_failing_test_still_reports_outcomes_and_coverage(
    runner: SandboxRunner, limits: ProcessLimits
) -> None:
    tests = HEADER + POSITIVE + WRONG
    run = await RustSupport().coverage(SIGN, tests, module="calc", runner=runner, limits=limits)
    assert run.compiled and run.exit_code == 101
    assert [(o.name, o.passed) for o in run.outcomes] == [("positive", True), ("wrong", False)]
    assert "left: -1" in run.outcomes[1].message
    assert run.coverage_percent == 100.0
    assert "@@LCOV@@" not in run.output_tail and "SF:" not in run.output_tail


@needs_llvm
async def test_tests_that_do_not_compile_measure_nothing(
    runner: SandboxRunner, limits: ProcessLimits
) -> None:
    tests = HEADER + "#[test]\nfn t() { assert_eq!(sign(), 1); }\n"
    run = await RustSupport().coverage(SIGN, tests, module="calc", runner=runner, limits=limits)
    assert not run.compiled
    assert run.diagnostics[0].code == "E0061"
    assert run.coverage_percent is None


async def test_without_matching_tools_the_tests_run_and_coverage_is_reported_missing(
    runner: SandboxRunner, limits: ProcessLimits, monkeypatch: pytest.MonkeyPatch
) -> None:
    rs = RustSupport()
    monkeypatch.setattr(rs, "llvm_tools", lambda: None)
    run = await rs.coverage(SIGN, HEADER + POSITIVE, module="calc", runner=runner, limits=limits)
    assert [(o.name, o.passed) for o in run.outcomes] == [("positive", True)]
    assert run.coverage_percent is None
    assert [d.code for d in run.diagnostics] == ["coverage-unavailable"]


class ToolchainWithoutProfiler:
    """Answers the instrumented build as a rustc built without ``profiler_builtins`` does."""

    def __init__(self) -> None:
        self.scripts: list[str] = []

    async def run_process(
        self, argv: Sequence[str], *, files: Mapping[str, str], limits: ProcessLimits
    ) -> ProcessResult:
        self.scripts.append(argv[-1])
        if "instrument-coverage" in argv[-1]:
            error = {
                "$message_type": "diagnostic",
                "level": "error",
                "message": "can't find crate for `profiler_builtins`",
                "code": {"code": "E0463"},
                "spans": [],
            }
            return ProcessResult(exit_code=1, stderr=json.dumps(error) + "\n")
        return ProcessResult(exit_code=0, stdout="@@COMPILED@@\ntest codeloop_tests::a ... ok\n")


async def test_a_toolchain_without_the_profiler_runtime_falls_back_to_a_plain_run(
    limits: ProcessLimits, monkeypatch: pytest.MonkeyPatch
) -> None:
    rs = RustSupport()
    llvm = LlvmTools(profdata="llvm-profdata-22", cov="llvm-cov-22", major=22)
    monkeypatch.setattr(rs, "_llvm", llvm)
    runner = ToolchainWithoutProfiler()
    run = await rs.coverage(SIGN, HEADER, module="calc", runner=runner, limits=limits)
    assert [(o.name, o.passed) for o in run.outcomes] == [("a", True)]
    assert [d.code for d in run.diagnostics] == ["coverage-unavailable"]
    assert ["instrument-coverage" in script for script in runner.scripts] == [True, False]
    assert rs.llvm_tools() is None


def test_tools_of_another_llvm_major_are_not_used(tmp_path: Path) -> None:
    fake = tmp_path / "rustc"
    fake.write_text("#!/bin/sh\necho 'rustc 9.0.0'\necho 'host: x'\necho 'LLVM version: 99.1.0'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    assert find_llvm_tools(str(fake), None) is None


def test_llvm_major_reads_rustc_and_llvm_cov_versions() -> None:
    assert llvm_major("release: 1.95.0\nLLVM version: 22.1.2\n") == 22
    assert llvm_major("Debian LLVM version 14.0.6\n  Optimized build.") == 14
    assert llvm_major("no version here") is None


def test_lcov_counts_only_code_lines_of_the_source() -> None:
    lcov = (
        "SF:/other/lib.rs\nDA:1,0\nend_of_record\n"
        "SF:/scratch/calc.rs\nDA:1,1\nDA:2,0\nDA:3,4\nDA:3,0\nDA:9,0\nend_of_record\n"
    )
    assert lcov_line_percent(lcov, source="calc.rs", last_line=4) == 66.7
    assert lcov_line_percent(lcov, source="calc.rs", last_line=0) is None
    cut = lcov.removesuffix("end_of_record\n")
    assert lcov_line_percent(cut, source="calc.rs", last_line=4) is None
