"""Python: ``ast`` parses, ruff lints/fixes/formats, mypy type-checks, pytest + coverage.py test."""

from __future__ import annotations

import ast
import json
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from codeloop.lang._star_imports import expand_star_imports
from codeloop.lang._testing import RunsTests
from codeloop.lang._tools import find_tool, run_tool, scratch_dir
from codeloop.lang.extract import extract_fenced
from codeloop.lang.protocol import Example
from codeloop.lang.runner import ProcessLimits, Runner
from codeloop.lang.types import CheckResult, Diagnostic, TestOutcome, TestRun

__all__ = ["RUFF_RULES", "PythonSupport"]

#: The fixed rule set generated code is held to (project settings are ignored: ``--isolated``).
RUFF_RULES = "E,F,W,I,B,UP,SIM,C4,RET,PLE"
RUFF_IGNORE = "E501"
_RULE_ARGS = ("--select", RUFF_RULES, "--ignore", RUFF_IGNORE)
#: Fixes ruff calls unsafe that are applied to generated code anyway: the candidate is type-checked
#: and run against its tests after fixing, so a fix that changed behaviour is caught there.
#: (B006's fix is left out: it gives an argument a ``None`` default its annotation refuses.)
_GENERATED_CODE_FIXES = (
    "--config",
    'lint.extend-safe-fixes = ["F841", "B007", "SIM", "C4", "RET", "UP"]',
)

_RESULT = re.compile(r"^(PASSED|FAILED|ERROR) (\S+?)::(\S+)(?: - (.*))?$", re.MULTILINE)
_COVERAGE_MARK = "@@COVERAGE@@"
#: coverage.py records which test function ran each line (read back with ``json --show-contexts``)
_COVERAGE_RC = "[run]\ndynamic_context = test_function\n"
_PLACEHOLDER_IMPORT = re.compile(
    r"^from (?:solution|your_module|module|main|code|my_module)\s+import", re.MULTILINE
)
_FLOAT = re.compile(r"\d\.\d|\de-?\d")
_EQ_HELPER = """

def _eq(actual, expected):
    if isinstance(expected, float) or isinstance(actual, float):
        return abs(actual - expected) <= 1e-6 * max(1.0, abs(expected))
    return actual == expected
"""


class PythonSupport(RunsTests):
    name = "python"
    type_errors_block_run = False
    fence_tags: tuple[str, ...] = ("python", "py", "python3")

    def __init__(self, mypy_cache: Path | None = None) -> None:
        self._ruff = find_tool("ruff")
        self._mypy = find_tool("mypy")
        self._mypy_cache = mypy_cache or Path(tempfile.gettempdir()) / "codeloop-mypy-cache"

    def code_file(self, module: str) -> str:
        return f"{module}.py"

    def test_file(self, module: str) -> str:
        return f"test_{module}.py"

    def runtime_paths(self) -> list[Path]:
        return []

    def tools(self) -> dict[str, bool]:
        return {"ruff": self._ruff is not None, "mypy": self._mypy is not None, "pytest": True}

    async def aclose(self) -> None:
        """Nothing is held between checks."""

    def extract_code(self, reply: str, *, prefer: str = "") -> str:
        return extract_fenced(reply, self.fence_tags, prefer=prefer)

    async def parse(self, code: str) -> CheckResult:
        try:
            ast.parse(code)
        except SyntaxError as exc:
            diag = Diagnostic(
                file="<code>",
                line=exc.lineno or 0,
                column=exc.offset or 0,
                code="syntax",
                message=exc.msg,
                tool="ast",
            )
            return CheckResult(tool="ast", diagnostics=(diag,))
        return CheckResult(tool="ast")

    def _ruff_args(self, *extra: str) -> list[str]:
        assert self._ruff is not None
        return [self._ruff, *extra, "--isolated", "--target-version", "py311"]

    async def lint(self, code: str) -> CheckResult:
        if self._ruff is None:
            return CheckResult(tool="ruff", available=False)
        argv = self._ruff_args("check", "--output-format", "json", "--no-cache")
        argv += [*_RULE_ARGS, "--stdin-filename", "code.py", "-"]
        with tempfile.TemporaryDirectory() as tmp:
            out = await run_tool(argv, cwd=Path(tmp), stdin=code)
        items = json.loads(out.stdout or "[]")
        diags = tuple(
            Diagnostic(
                file="<code>",
                line=item["location"]["row"],
                column=item["location"]["column"],
                code=item.get("code") or "syntax",
                message=item["message"],
                severity="error" if not item.get("code") else "warning",
                tool="ruff",
            )
            for item in items
        )
        return CheckResult(tool="ruff", diagnostics=diags, seconds=out.seconds)

    async def fix(self, code: str) -> str:
        code = expand_star_imports(code)
        if self._ruff is None:
            return code
        argv = self._ruff_args("check", "--fix", "--exit-zero", "--quiet", "--no-cache")
        argv += [*_RULE_ARGS, *_GENERATED_CODE_FIXES, "--stdin-filename", "code.py", "-"]
        with tempfile.TemporaryDirectory() as tmp:
            out = await run_tool(argv, cwd=Path(tmp), stdin=code)
        return out.stdout if out.exit_code == 0 and out.stdout.strip() else code

    async def format(self, code: str) -> str:
        if self._ruff is None:
            return code
        argv = self._ruff_args("format", "--stdin-filename", "code.py", "-")
        with tempfile.TemporaryDirectory() as tmp:
            out = await run_tool(argv, cwd=Path(tmp), stdin=code)
        return out.stdout if out.exit_code == 0 and out.stdout.strip() else code

    async def typecheck(self, code: str) -> CheckResult:
        if self._mypy is None:
            return CheckResult(tool="mypy", available=False)
        with scratch_dir({"code.py": code}) as root:
            argv = [self._mypy, "--output", "json", "--no-error-summary", "--check-untyped-defs"]
            argv += ["--ignore-missing-imports", "--cache-dir", str(self._mypy_cache)]
            argv += ["--python-executable", sys.executable, "code.py"]
            out = await run_tool(argv, cwd=root)
        diags = []
        for line in out.stdout.splitlines():
            if not line.startswith("{"):
                continue
            item = json.loads(line)
            if item.get("severity") == "note":
                continue
            diags.append(
                Diagnostic(
                    file="<code>",
                    line=int(item.get("line") or 0),
                    column=int(item.get("column") or 0) + 1,
                    code=str(item.get("code") or ""),
                    message=str(item.get("message", "")),
                    tool="mypy",
                )
            )
        return CheckResult(tool="mypy", diagnostics=tuple(diags), seconds=out.seconds)

    async def compile(self, code: str) -> CheckResult:
        result = await self.parse(code)
        return result.model_copy(update={"tool": "compile"})

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
        test_name = self.test_file(module)
        pytest_args = f"-q -rA -p no:cacheprovider --no-header {test_name}"
        files = {self.code_file(module): code, test_name: tests}
        if measure:
            script = (
                f"python -m coverage run --include={module}.py -m pytest {pytest_args}; "
                f'rc=$?; echo "{_COVERAGE_MARK}"; python -m coverage json -q --show-contexts '
                "-o -; exit $rc"
            )
            files[".coveragerc"] = _COVERAGE_RC
        else:
            script = f"python -m pytest {pytest_args}"
        script = f"export PYTEST_DISABLE_PLUGIN_AUTOLOAD=1; {script}"
        result = await runner.run_process(["sh", "-c", script], files=files, limits=limits)
        stdout, _, report = result.stdout.partition(f"{_COVERAGE_MARK}\n")
        outcomes: dict[str, TestOutcome] = {}
        for status, _file, name, message in _RESULT.findall(stdout):
            outcomes[name] = TestOutcome(
                name=name, passed=status == "PASSED", message=(message or status)[:300]
            )
        measured = _per_test_coverage(report, self.code_file(module), test_name)
        collected = result.exit_code in (0, 1) or bool(outcomes)
        diags: tuple[Diagnostic, ...] = ()
        if not collected:
            diags = (
                Diagnostic(
                    file=test_name,
                    code="collection",
                    message=_tail(result.stdout + result.stderr, 600),
                    tool="pytest",
                ),
            )
        return TestRun(
            tool="pytest",
            compiled=collected,
            outcomes=tuple(outcomes.values()),
            diagnostics=diags,
            coverage_percent=measured.coverage_of(measured.lines_by_test),
            statements=measured.statements,
            lines_by_test=measured.lines_by_test,
            output_tail=_tail(stdout + result.stderr, 2000),
            seconds=result.seconds,
            limit_hit=result.limit_hit,
            exit_code=0 if result.exit_code == 5 and not outcomes else result.exit_code,
        )

    def example_tests(self, module: str, examples: Sequence[Example]) -> str:
        lines = [f"from {module} import *  # noqa: F403"]
        if any(_FLOAT.search(example.expected) for example in examples):
            lines.append(_EQ_HELPER)
        for index, example in enumerate(examples, start=1):
            lines.append(f"\ndef test_example_{index}():")
            if _FLOAT.search(example.expected):
                lines.append(f"    assert _eq({example.call}, {example.expected})\n")
            else:
                lines.append(f"    assert {example.call} == {example.expected}\n")
        return "\n".join(lines)

    def normalize_tests(self, tests: str, *, module: str) -> str:
        """Point placeholder imports (``from solution import``) at the real module."""
        tests = _PLACEHOLDER_IMPORT.sub(f"from {module} import", tests)
        if not re.search(rf"^\s*(from {module} import|import {module}\b)", tests, re.MULTILINE):
            tests = f"from {module} import *  # noqa: F403\n" + tests
        return tests

    def merge_tests(self, first: str, second: str) -> str:
        if not first.strip() or not second.strip():
            return first or second
        imports: list[str] = []
        bodies: list[str] = []
        for text in (first, second):
            body = []
            for line in text.splitlines():
                if line.startswith(("import ", "from ")) and not line.rstrip().endswith("("):
                    if line not in imports:
                        imports.append(line)
                else:
                    body.append(line)
            bodies.append("\n".join(body).strip())
        return "\n".join(imports) + "\n\n\n" + "\n\n\n".join(bodies) + "\n"

    def output_files(self, module: str, code: str, tests: str) -> dict[str, str]:
        files = {self.code_file(module): code}
        if tests.strip():
            files[self.test_file(module)] = tests
        return files

    def test_names(self, tests: str) -> list[str]:
        try:
            tree = ast.parse(tests)
        except SyntaxError:
            return []
        return [
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test")
        ]

    def drop_tests(self, tests: str, names: Sequence[str]) -> str:
        tree = ast.parse(tests)
        drop = set(names)
        lines = tests.splitlines(keepends=True)
        spans = []
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in drop:
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                spans.append((start - 1, node.end_lineno or node.lineno))
        for start, end in sorted(spans, reverse=True):
            del lines[start:end]
        return "".join(lines)


def _per_test_coverage(report: str, code_file: str, test_file: str) -> TestRun:
    """Statements and the lines each test ran, from ``coverage json --show-contexts``; a run
    with neither (no report, or an unreadable one) has ``statements`` None."""
    try:
        data = json.loads(report)["files"][code_file]
        statements = {int(n) for n in (*data["executed_lines"], *data["missing_lines"])}
        contexts: dict[str, list[str]] = data["contexts"]
    except (ValueError, KeyError, TypeError):
        return TestRun(tool="coverage")
    prefix = test_file.removesuffix(".py") + "."
    by_test: dict[str, list[int]] = {}
    for line, names in contexts.items():
        if int(line) not in statements:  # a line inside a multi-line statement
            continue
        for context in names:
            test = context.removeprefix(prefix).replace(".", "::") if context else ""
            by_test.setdefault(test, []).append(int(line))
    lines = {name: tuple(sorted(found)) for name, found in by_test.items()}
    return TestRun(tool="coverage", statements=len(statements), lines_by_test=lines)


def _tail(text: str, limit: int) -> str:
    return text[-limit:]
