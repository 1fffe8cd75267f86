"""Rust, std only and offline: rustc/clippy-driver with ``--error-format=json``, rustfmt, libtest.

Tests are compiled and run inside the runner (the toolchain's sysroot is mounted read-only there);
coverage builds them once with ``-C instrument-coverage`` and reads the profile with llvm-cov there.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from codeloop.lang._llvmcov import LlvmTools, find_llvm_tools, lcov_line_percent
from codeloop.lang._rustc import apply_suggestions, parse_rustc_json
from codeloop.lang._testing import RunsTests
from codeloop.lang._tools import find_tool, run_tool, scratch_dir
from codeloop.lang.extract import extract_fenced
from codeloop.lang.protocol import Example
from codeloop.lang.runner import ProcessLimits, Runner
from codeloop.lang.types import CheckResult, Diagnostic, TestOutcome, TestRun

__all__ = ["RustSupport"]

EDITION = "2021"
_TEST_LINE = re.compile(r"^test (\S+) \.\.\. (ok|FAILED|ignored)$", re.MULTILINE)
_PANIC = re.compile(r"^---- (\S+) stdout ----\n(.*?)(?=\n\n|\n----|\Z)", re.MULTILINE | re.DOTALL)
_TEST_FN = re.compile(r"#\[test\]\s*(?:#\[[^\]]*\]\s*)*fn\s+(\w+)")
_MOD_WRAPPER = re.compile(r"^\s*(?:#\[cfg\(test\)\]\s*)?mod\s+\w+\s*\{(.*)\}\s*$", re.DOTALL)
_COMPILED = "@@COMPILED@@"
_LCOV = "@@LCOV@@"
_TEST_MOD = "codeloop_tests"


def _cargo_bin(name: str) -> str | None:
    return find_tool(name, Path.home() / ".cargo" / "bin")


def block_end(text: str, open_brace: int) -> int:
    """Index just past the brace matching ``text[open_brace]`` (strings and chars respected)."""
    depth = 0
    index = open_brace
    in_string = False
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return len(text)


class RustSupport(RunsTests):
    name = "rust"
    type_errors_block_run = True
    fence_tags: tuple[str, ...] = ("rust", "rs")

    def __init__(self) -> None:
        self._rustc = _cargo_bin("rustc")
        self._clippy = _cargo_bin("clippy-driver")
        self._rustfmt = _cargo_bin("rustfmt")
        self._sysroot: Path | None = None
        self._llvm: LlvmTools | Literal[False] | None = None

    def code_file(self, module: str) -> str:
        return f"{module}.rs"

    def test_file(self, module: str) -> str:
        return f"{module}_tests.rs"

    def runtime_paths(self) -> list[Path]:
        """The sysroot, and the llvm tools' folder where the sandbox's ``/usr`` does not hold it."""
        sysroot = self.sysroot()
        paths = [sysroot] if sysroot else []
        llvm = self.llvm_tools()
        for tool in (llvm.profdata, llvm.cov) if llvm is not None else ():
            folder = Path(tool).parent
            if not any(folder.is_relative_to(root) for root in [Path("/usr"), *paths]):
                paths.append(folder)
        return paths

    def tools(self) -> dict[str, bool]:
        return {
            "rustc": self._rustc is not None,
            "clippy": self._clippy is not None,
            "rustfmt": self._rustfmt is not None,
            "llvm-cov": self.llvm_tools() is not None,
        }

    async def aclose(self) -> None:
        """Nothing is held between checks."""

    def extract_code(self, reply: str, *, prefer: str = "") -> str:
        return extract_fenced(reply, self.fence_tags, prefer=prefer)

    def sysroot(self) -> Path | None:
        """The toolchain folder a runner must mount read-only to compile tests."""
        if self._sysroot is None and self._rustc is not None:
            out = subprocess.run(
                [self._rustc, "--print", "sysroot"], capture_output=True, text=True, check=False
            )
            if out.returncode == 0:
                self._sysroot = Path(out.stdout.strip())
        return self._sysroot

    async def _check(self, tool: str, binary: str | None, code: str) -> tuple[CheckResult, str]:
        if binary is None:
            return CheckResult(tool=tool, available=False), ""
        with scratch_dir({"lib.rs": code}) as root:
            argv = [binary, "--edition", EDITION, "--crate-type", "lib", "--emit=metadata"]
            argv += ["--error-format=json", "-o", "lib.rmeta", "lib.rs"]
            out = await run_tool(argv, cwd=root)
        diags = parse_rustc_json(out.stderr, tool=tool, file="<code>")
        return CheckResult(tool=tool, diagnostics=diags, seconds=out.seconds), out.stderr

    async def parse(self, code: str) -> CheckResult:
        if self._rustfmt is None:
            return CheckResult(tool="rustfmt", available=False)
        with tempfile.TemporaryDirectory() as tmp:
            argv = [self._rustfmt, "--edition", EDITION, "--emit", "stdout"]
            out = await run_tool(argv, cwd=Path(tmp), stdin=code)
        if out.exit_code == 0:
            return CheckResult(tool="rustfmt", seconds=out.seconds)
        match = re.search(r"<stdin>:(\d+):(\d+)", out.stderr)
        first = next((ln for ln in out.stderr.splitlines() if ln.startswith("error")), out.stderr)
        diag = Diagnostic(
            file="<code>",
            line=int(match.group(1)) if match else 0,
            column=int(match.group(2)) if match else 0,
            code="syntax",
            message=first.removeprefix("error: ").strip()[:300],
            tool="rustfmt",
        )
        return CheckResult(tool="rustfmt", diagnostics=(diag,), seconds=out.seconds)

    async def lint(self, code: str) -> CheckResult:
        result, _ = await self._check("clippy", self._clippy, code)
        return result

    async def fix(self, code: str) -> str:
        """Apply clippy's machine-applicable suggestions until none is left (at most 3 passes)."""
        for _ in range(3):
            _, stderr = await self._check("clippy", self._clippy, code)
            fixed = apply_suggestions(code, stderr) if stderr else code
            if fixed == code:
                break
            code = fixed
        return code

    async def format(self, code: str) -> str:
        if self._rustfmt is None:
            return code
        with tempfile.TemporaryDirectory() as tmp:
            argv = [self._rustfmt, "--edition", EDITION, "--emit", "stdout"]
            out = await run_tool(argv, cwd=Path(tmp), stdin=code)
        return out.stdout if out.exit_code == 0 and out.stdout.strip() else code

    async def typecheck(self, code: str) -> CheckResult:
        result, _ = await self._check("rustc", self._rustc, code)
        return result

    async def compile(self, code: str) -> CheckResult:
        return await self.typecheck(code)

    def combined(self, code: str, tests: str) -> str:
        """The code with the tests appended as a ``#[cfg(test)]`` module, as users keep them."""
        body = "\n".join(f"    {line}" if line else "" for line in tests.strip().splitlines())
        return f"{code.rstrip()}\n\n#[cfg(test)]\nmod {_TEST_MOD} {{\n{body}\n}}\n"

    def output_files(self, module: str, code: str, tests: str) -> dict[str, str]:
        has_tests = bool(self.test_names(tests))
        return {self.code_file(module): self.combined(code, tests) if has_tests else code}

    def llvm_tools(self) -> LlvmTools | None:
        """llvm-profdata/llvm-cov matching rustc's LLVM major, for coverage; None if absent."""
        if self._llvm is None and self._rustc is not None:
            self._llvm = find_llvm_tools(self._rustc, self.sysroot()) or False
        return self._llvm or None

    async def _run_tests(
        self,
        code: str,
        tests: str,
        *,
        module: str,
        runner: Runner,
        limits: ProcessLimits,
        measure: bool,
    ) -> TestRun:
        """The tests; when ``measure``, built once with ``-C instrument-coverage``, with the line
        coverage of the code only."""
        llvm = self.llvm_tools() if measure else None
        if llvm is not None:
            run = await self._run(
                code, tests, module=module, runner=runner, limits=limits, llvm=llvm
            )
            if run.compiled or not any("profiler_builtins" in d.message for d in run.diagnostics):
                return run
            self._llvm = False  # a toolchain built without the profiler runtime
        run = await self._run(code, tests, module=module, runner=runner, limits=limits)
        if not measure:
            return run
        note = Diagnostic(
            file=self.code_file(module),
            code="coverage-unavailable",
            message="Rust coverage needs llvm-profdata/llvm-cov of rustc's LLVM major "
            "(rustup component add llvm-tools, or apt-get install llvm-<major>)",
            severity="info",
            tool="rust-test",
        )
        return run.model_copy(update={"diagnostics": (*run.diagnostics, note)})

    async def _run(
        self,
        code: str,
        tests: str,
        *,
        module: str,
        runner: Runner,
        limits: ProcessLimits,
        llvm: LlvmTools | None = None,
    ) -> TestRun:
        sysroot = self.sysroot()
        if sysroot is None:
            return TestRun(tool="cargo-test", available=False)
        source = self.code_file(module)
        build = (
            f"{shlex.quote(str(sysroot / 'bin' / 'rustc'))} --edition {EDITION} --test "
            f"--error-format=json -A warnings -C debuginfo=0 -o ./tests_bin {source}"
        )
        if llvm is None:
            script = f"{build} && echo {_COMPILED} && ./tests_bin"
        else:
            profdata, cov = shlex.quote(llvm.profdata), shlex.quote(llvm.cov)
            script = (
                f"{build} -C instrument-coverage && echo {_COMPILED} && "
                "{ LLVM_PROFILE_FILE=./tests.profraw ./tests_bin; rc=$?; "
                f"{profdata} merge -sparse -o tests.profdata tests.profraw && echo {_LCOV} && "
                f"{cov} export --format=lcov --instr-profile=tests.profdata ./tests_bin {source}; "
                "exit $rc; }"
            )
        files = {source: self.combined(code, tests)}
        result = await runner.run_process(["sh", "-c", script], files=files, limits=limits)
        stdout, _, lcov = result.stdout.partition(f"{_LCOV}\n")
        compiled = _COMPILED in stdout
        diags = () if compiled else parse_rustc_json(result.stderr, tool="rustc", file=source)
        percent = None
        if llvm is not None and lcov:
            last_line = len(code.rstrip().splitlines())
            percent = lcov_line_percent(lcov, source=source, last_line=last_line)
        return TestRun(
            tool="rust-test",
            compiled=compiled,
            outcomes=_outcomes(stdout),
            diagnostics=diags,
            coverage_percent=percent,
            output_tail=(stdout + result.stderr)[-2000:],
            seconds=result.seconds,
            limit_hit=result.limit_hit,
            exit_code=result.exit_code,
        )

    def example_tests(self, module: str, examples: Sequence[Example]) -> str:
        parts = ["use super::*;"]
        for index, example in enumerate(examples, start=1):
            parts.append(
                f"\n#[test]\nfn example_{index}() {{\n"
                f"    assert_eq!({example.call}, {example.expected});\n}}"
            )
        return "\n".join(parts) + "\n"

    def merge_tests(self, first: str, second: str) -> str:
        if not first.strip() or not second.strip():
            return first or second
        body = re.sub(r"(?m)^\s*use super::\*;\s*$\n?", "", second)
        return first.rstrip() + "\n\n" + body.strip() + "\n"

    def normalize_tests(self, tests: str, *, module: str) -> str:
        """Unwrap a ``mod tests { ... }`` the model may have written; ensure ``use super::*``."""
        match = _MOD_WRAPPER.match(tests)
        body = match.group(1) if match else tests
        lines = [line[4:] if line.startswith("    ") else line for line in body.splitlines()]
        text = "\n".join(lines).strip() + "\n"
        return text if "use super::*" in text else "use super::*;\n\n" + text

    def test_names(self, tests: str) -> list[str]:
        return _TEST_FN.findall(tests)

    def drop_tests(self, tests: str, names: Sequence[str]) -> str:
        drop = set(names)
        result = tests
        for match in reversed(list(_TEST_FN.finditer(tests))):
            if match.group(1) not in drop:
                continue
            brace = tests.find("{", match.end())
            end = block_end(tests, brace) if brace >= 0 else len(tests)
            result = result[: match.start()] + result[end:]
        return re.sub(r"\n{3,}", "\n\n", result)


def _outcomes(stdout: str) -> tuple[TestOutcome, ...]:
    panics = {name: body.strip() for name, body in _PANIC.findall(stdout)}
    outcomes = []
    # libtest prints results in completion order (tests run in parallel): sort by name, the order
    # libtest itself uses, so reports are deterministic
    for name, status in sorted(_TEST_LINE.findall(stdout)):
        if status == "ignored":
            continue
        short = name.removeprefix(f"{_TEST_MOD}::")
        message = panics.get(name, "")
        outcomes.append(
            TestOutcome(name=short, passed=status == "ok", message=message[:300] or status)
        )
    return tuple(outcomes)
