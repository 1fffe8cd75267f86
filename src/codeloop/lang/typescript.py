"""TypeScript: ``tsc`` (from ``tools/ts``) type-checks and compiles, prettier formats, and
``node --test`` runs the tests (compiled to JavaScript on the host, executed only by the runner).

One tsc run yields both lint findings (unused names, implicit returns) and type errors; results are
memoised per source. A tsc start costs seconds, so checks and formatting go to one long-lived
node process (``tools/ts/tscd.mjs``, same options, same output) and fall back to the tsc and
prettier CLIs where node or the script is missing or the process fails. Close the plugin
(:meth:`TypeScriptSupport.aclose`) to end that process.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

from codeloop.lang._testing import RunsTests
from codeloop.lang._tools import find_tool, run_tool, scratch_dir
from codeloop.lang._tscd import TscDaemon
from codeloop.lang.extract import extract_fenced
from codeloop.lang.protocol import Example
from codeloop.lang.runner import ProcessLimits, Runner
from codeloop.lang.rust import block_end
from codeloop.lang.types import CheckResult, Diagnostic, TestOutcome, TestRun

__all__ = ["TS_TOOLS_DIR", "TypeScriptSupport"]

#: Where ``npm ci`` installs typescript, prettier and @types/node (repo-relative).
TS_TOOLS_DIR = Path("tools") / "ts"
_DAEMON_SCRIPT = "tscd.mjs"
_MEMO_SIZE = 512
_LINT_CODES = {"6133", "6138", "6192", "6196", "6198", "7027", "7028", "7029", "7030"}
_TSC_LINE = re.compile(r"^(.+?)\((\d+),(\d+)\): (error|warning) TS(\d+): (.*)$", re.MULTILINE)
_TAP = re.compile(r"^(not ok|ok) \d+ - (.+?)(?: # .*)?$", re.MULTILINE)
_YAML_FIELD = re.compile(r"^\s+(error|expected|actual): (.*)$", re.MULTILINE)
_COVERAGE = re.compile(r"^# (\S+)\.js\s*\|\s*([\d.]+)\s*\|", re.MULTILINE)
_TEST_CALL = re.compile(r"^(?:\s*)(?:test|it)\(\s*([\"'`])(.+?)\1", re.MULTILINE)
_TEST_IMPORTS = re.compile(
    r'^import[^;\n]*from\s+["\']node:(?:test|assert(?:/strict)?)["\'];?[ \t]*\n?', re.MULTILINE
)
_TEST_HEADER = (
    'import { describe, it, test } from "node:test";\nimport assert from "node:assert/strict";\n\n'
)
_TSC_FLAGS = [
    "--strict",
    "--noUnusedLocals",
    "--noUnusedParameters",
    "--noImplicitReturns",
    "--noFallthroughCasesInSwitch",
    "--target",
    "es2022",
    "--module",
    "commonjs",
    "--esModuleInterop",
    "--skipLibCheck",
    "--pretty",
    "false",
]


def _tools_dirs() -> list[Path]:
    package_root = Path(__file__).resolve().parents[3]
    return [
        package_root / TS_TOOLS_DIR / "node_modules",
        Path.cwd() / TS_TOOLS_DIR / "node_modules",
    ]


class TypeScriptSupport(RunsTests):
    name = "typescript"
    type_errors_block_run = True
    fence_tags: tuple[str, ...] = ("typescript", "ts", "tsx")

    def __init__(self, tools_dir: Path | None = None, *, daemon: bool = True) -> None:
        """``tools_dir``: a ``node_modules`` folder with typescript, prettier and @types/node;
        ``daemon=False`` runs the tsc and prettier CLIs for every check."""
        dirs = [tools_dir] if tools_dir else _tools_dirs()
        modules = next((d for d in dirs if (d / ".bin" / "tsc").exists()), None)
        self._types = modules / "@types" if modules else None
        bin_dirs = [modules / ".bin"] if modules else []
        self._tsc = find_tool("tsc", *bin_dirs) if modules else None
        self._prettier = find_tool("prettier", *bin_dirs) if modules else None
        self._node = find_tool("node")
        self._memo: dict[str, tuple[tuple[Diagnostic, ...], dict[str, str], float]] = {}
        script = modules.parent / _DAEMON_SCRIPT if modules else None
        self._daemon = (
            TscDaemon(self._node, script, modules, self._tsc_flags())
            if daemon and modules and script and script.is_file() and self._node
            else None
        )

    async def aclose(self) -> None:
        """End the checker process (if one was started); later checks use the CLIs."""
        if self._daemon is not None:
            await self._daemon.aclose()

    def _tsc_flags(self) -> list[str]:
        flags = [*_TSC_FLAGS, "--outDir", "out"]
        if self._types is not None:
            flags += ["--typeRoots", str(self._types), "--types", "node"]
        return flags

    def code_file(self, module: str) -> str:
        return f"{module}.ts"

    def test_file(self, module: str) -> str:
        return f"{module}.test.ts"

    def runtime_paths(self) -> list[Path]:
        return []

    def tools(self) -> dict[str, bool]:
        return {
            "tsc": self._tsc is not None,
            "prettier": self._prettier is not None,
            "node": self._node is not None,
        }

    def extract_code(self, reply: str, *, prefer: str = "") -> str:
        return extract_fenced(reply, self.fence_tags, prefer=prefer)

    async def _compile(
        self, files: dict[str, str]
    ) -> tuple[tuple[Diagnostic, ...], dict[str, str], float]:
        """Run tsc once on ``files``: its diagnostics and the emitted JavaScript."""
        key = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()
        if key in self._memo:
            return self._memo[key]
        checked = await self._daemon.check(files) if self._daemon is not None else None
        if checked is not None:
            stdout, seconds = checked.output, checked.seconds
            emitted = {
                name: text
                for name, text in checked.emitted.items()
                if "/" not in name and name.endswith(".js")
            }
        else:
            stdout, emitted, seconds = await self._compile_cli(files)
        diags = tuple(
            Diagnostic(
                file=file,
                line=int(line),
                column=int(col),
                code=f"TS{code}",
                message=message,
                severity="warning" if code in _LINT_CODES else "error",
                tool="tsc",
            )
            for file, line, col, _level, code, message in _TSC_LINE.findall(stdout)
        )
        result = (diags, emitted, seconds)
        if len(self._memo) >= _MEMO_SIZE:
            del self._memo[next(iter(self._memo))]
        self._memo[key] = result
        return result

    async def _compile_cli(self, files: dict[str, str]) -> tuple[str, dict[str, str], float]:
        """The tsc CLI on ``files`` in a scratch folder: its output and the JavaScript it wrote."""
        assert self._tsc is not None
        with scratch_dir(files) as root:
            out = await run_tool([self._tsc, *self._tsc_flags(), *sorted(files)], cwd=root)
            emitted = {
                path.name: path.read_text(encoding="utf-8") for path in (root / "out").glob("*.js")
            }
        return out.stdout, emitted, out.seconds

    async def _code_diagnostics(self, code: str) -> tuple[tuple[Diagnostic, ...], float]:
        diags, _, seconds = await self._compile({"code.ts": code})
        return tuple(d.model_copy(update={"file": "<code>"}) for d in diags), seconds

    async def parse(self, code: str) -> CheckResult:
        if self._tsc is None:
            return CheckResult(tool="tsc", available=False)
        diags, seconds = await self._code_diagnostics(code)
        syntax = tuple(d for d in diags if d.code.startswith("TS1") and len(d.code) == 6)
        return CheckResult(tool="tsc-parse", diagnostics=syntax, seconds=seconds)

    async def lint(self, code: str) -> CheckResult:
        if self._tsc is None:
            return CheckResult(tool="tsc-lint", available=False)
        diags, seconds = await self._code_diagnostics(code)
        lint = tuple(d for d in diags if d.severity == "warning")
        return CheckResult(tool="tsc-lint", diagnostics=lint, seconds=seconds)

    async def fix(self, code: str) -> str:
        return code

    async def format(self, code: str) -> str:
        if self._prettier is None:
            return code
        formatted = await self._daemon.format(code, "code.ts") if self._daemon else None
        if formatted is not None:
            return formatted
        with scratch_dir({}) as root:
            out = await run_tool(
                [self._prettier, "--stdin-filepath", "code.ts"], cwd=root, stdin=code
            )
        return out.stdout if out.exit_code == 0 and out.stdout.strip() else code

    async def typecheck(self, code: str) -> CheckResult:
        if self._tsc is None:
            return CheckResult(tool="tsc", available=False)
        diags, seconds = await self._code_diagnostics(code)
        errors = tuple(d for d in diags if d.severity == "error")
        return CheckResult(tool="tsc", diagnostics=errors, seconds=seconds)

    async def compile(self, code: str) -> CheckResult:
        return await self.typecheck(code)

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
        if self._tsc is None or self._node is None:
            return TestRun(tool="node-test", available=False)
        test_name = self.test_file(module)
        diags, emitted, _ = await self._compile({self.code_file(module): code, test_name: tests})
        errors = tuple(d for d in diags if d.severity == "error" and d.file == test_name)
        test_js = f"{module}.test.js"
        if errors or test_js not in emitted:
            return TestRun(tool="node-test", compiled=False, diagnostics=errors, exit_code=1)
        argv = ["node", "--test", "--test-reporter=tap"]
        if measure:
            argv.append("--experimental-test-coverage")
        result = await runner.run_process([*argv, test_js], files=emitted, limits=limits)
        outcomes = tuple(
            TestOutcome(
                name=match.group(2).strip(),
                passed=match.group(1) == "ok",
                message=_failure(result.stdout[match.end() : match.end() + 1500])
                if match.group(1) != "ok"
                else "ok",
            )
            for match in _TAP.finditer(result.stdout)
            if not match.group(2).strip().endswith(".js")
        )
        cov = {name: float(pct) for name, pct in _COVERAGE.findall(result.stdout)}
        return TestRun(
            tool="node-test",
            outcomes=outcomes,
            coverage_percent=cov.get(module) if measure else None,
            output_tail=(result.stdout + result.stderr)[-2000:],
            seconds=result.seconds,
            limit_hit=result.limit_hit,
            exit_code=result.exit_code,
        )

    def example_tests(self, module: str, examples: Sequence[Example]) -> str:
        lines = [_TEST_HEADER + f'import * as sut from "./{module}";', ""]
        for index, example in enumerate(examples, start=1):
            lines.append(f'test("example_{index}", () => {{')
            lines.append(f"  assert.deepStrictEqual(sut.{example.call}, {example.expected});")
            lines.append("});\n")
        return "\n".join(lines)

    def normalize_tests(self, tests: str, *, module: str) -> str:
        """Imports of the code point at ``./module``; node:test and assert are always imported."""
        tests = re.sub(
            r'from\s+["\'](?:\./)?(?:solution|index|main)(?:\.ts)?["\']',
            f'from "./{module}"',
            tests,
        )
        body = _TEST_IMPORTS.sub("", tests)
        return _TEST_HEADER + body.lstrip()

    def merge_tests(self, first: str, second: str) -> str:
        if not first.strip() or not second.strip():
            return first or second
        body = _TEST_IMPORTS.sub("", second)
        return first.rstrip() + "\n\n" + body.strip() + "\n"

    def output_files(self, module: str, code: str, tests: str) -> dict[str, str]:
        files = {self.code_file(module): code}
        if tests.strip():
            files[self.test_file(module)] = tests
        return files

    def test_names(self, tests: str) -> list[str]:
        return [name for _quote, name in _TEST_CALL.findall(tests)]

    def drop_tests(self, tests: str, names: Sequence[str]) -> str:
        drop = set(names)
        result = tests
        for match in reversed(list(_TEST_CALL.finditer(tests))):
            if match.group(2) not in drop:
                continue
            brace = tests.find("{", match.end())
            end = block_end(tests, brace) if brace >= 0 else len(tests)
            close = tests.find(")", end)
            stop = close + 1 if close >= 0 else end
            if stop < len(tests) and tests[stop] == ";":
                stop += 1
            result = result[: match.start()] + result[stop:]
        return re.sub(r"\n{3,}", "\n\n", result)


def _failure(block: str) -> str:
    """``expected X, actual Y`` from the YAML block node's TAP reporter puts under a failure."""
    block = block.split("\n  ...", 1)[0]
    fields: dict[str, str] = {
        key: value.strip().strip("'") for key, value in _YAML_FIELD.findall(block)
    }
    if "expected" in fields and "actual" in fields:
        return f"expected {fields['expected']}, actual {fields['actual']}"
    return fields.get("error", "failed")[:300]
