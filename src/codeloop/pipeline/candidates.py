"""A candidate program and its validation: extract → fix → format → parse, lint, type-check,
pattern rules → public tests in the sandbox. Identical code is validated once.
"""

from __future__ import annotations

import ast
import asyncio
import re
from dataclasses import dataclass, field
from typing import Literal

from codeloop.lang.protocol import LanguageSupport
from codeloop.lang.runner import ProcessLimits, Runner
from codeloop.lang.types import CheckResult, Diagnostic, TestRun
from codeloop.pipeline.library import Pattern
from codeloop.pipeline.types import CandidateSummary, RuleResult, Spec

__all__ = ["Candidate", "Validator", "ensure_doc_comments", "ensure_docstring", "summary_line"]

Origin = Literal["greedy", "sample", "repair"]


@dataclass
class Candidate:
    index: int
    round: int
    origin: Origin
    reply: str
    code: str = ""
    parse: CheckResult | None = None
    lint: CheckResult | None = None
    typecheck: CheckResult | None = None
    rules: list[RuleResult] = field(default_factory=list)
    public: TestRun | None = None
    agreement: int = 0
    generated_passed: frozenset[str] = frozenset()

    @property
    def parsed(self) -> bool:
        return self.parse is not None and self.parse.ok

    @property
    def compiled(self) -> bool:
        if not self.parsed:
            return False
        if self.typecheck is None or not self.typecheck.available:
            return True
        return self.typecheck.tool == "mypy" or self.typecheck.ok

    @property
    def type_errors(self) -> int:
        return len(self.typecheck.errors) if self.typecheck else 0

    @property
    def lint_findings(self) -> int:
        return len(self.lint.diagnostics) if self.lint else 0

    @property
    def public_passed(self) -> int:
        return self.public.passed if self.public else 0

    @property
    def public_total(self) -> int:
        return self.public.passed + self.public.failed if self.public else 0

    @property
    def public_ok(self) -> bool:
        return self.public is None or self.public.ok

    @property
    def adherence(self) -> float:
        return sum(r.passed for r in self.rules) / len(self.rules) if self.rules else 1.0

    def key(self) -> tuple[float, ...]:
        """Rank: compiles, public tests, dual agreement, then type errors, lint, pattern rules."""
        public = self.public_passed / self.public_total if self.public_total else 0.0
        if self.public is not None and not self.public.compiled:
            public = -1.0
        return (
            float(self.parsed),
            float(self.compiled),
            public,
            float(self.agreement),
            -float(self.type_errors),
            -float(self.lint_findings),
            self.adherence,
        )

    def summary(self, *, chosen: bool) -> CandidateSummary:
        return CandidateSummary(
            index=self.index,
            round=self.round,
            origin=self.origin,
            parsed=self.parsed,
            compiled=self.compiled,
            public_passed=self.public_passed,
            public_total=self.public_total,
            lint_findings=self.lint_findings,
            type_errors=self.type_errors,
            adherence=round(self.adherence, 3),
            agreement=self.agreement,
            chosen=chosen,
            code=self.code,
        )

    def problems(self, spec: Spec, limit: int = 6) -> list[str]:
        """Short, real diagnostics for a repair prompt: syntax, compiler, failing examples, lint."""
        found: list[str] = []
        if self.parse is not None and not self.parse.ok:
            found += [d.render() for d in self.parse.errors]
        if self.typecheck is not None:
            found += [d.render() for d in self.typecheck.errors]
        if self.public is not None:
            if not self.public.compiled:
                found += [d.render() for d in self.public.diagnostics][:2]
            if self.public.limit_hit:
                found.append(f"the tests hit the {self.public.limit_hit} limit (infinite loop?)")
            for outcome in self.public.failing():
                index = _example_index(outcome.name)
                if index is not None and index < len(spec.examples):
                    example = spec.examples[index]
                    found.append(
                        f"{example.call} must be {example.expected}; got: {outcome.message}"
                    )
                else:
                    found.append(f"test {outcome.name} failed: {outcome.message}")
        if self.lint is not None:
            found += [d.render() for d in self.lint.diagnostics]
        found += [f"pattern rule {r.id}: {r.message}" for r in self.rules if not r.passed]
        return found[:limit]


def _example_index(name: str) -> int | None:
    match = re.search(r"example_(\d+)$", name)
    return int(match.group(1)) - 1 if match else None


def ensure_docstring(code: str, summary: str) -> str:
    """Give public top-level Python functions and classes lacking a docstring the request's summary.

    The skeleton asks for it; small models often drop it. Anything unparsable is left alone.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    lines = code.splitlines()
    text = summary.replace('"""', "'''").replace("\\", "\\\\").strip() or "See the module."
    for node in sorted(tree.body, key=lambda n: n.lineno, reverse=True):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if node.name.startswith("_") or ast.get_docstring(node) is not None or not node.body:
            continue
        first = node.body[0]
        if first.lineno == node.lineno:
            continue
        indent = re.match(r"\s*", lines[first.lineno - 1])
        pad = indent.group(0) if indent else "    "
        lines.insert(first.lineno - 1, f'{pad}"""{text}"""')
    return "\n".join(lines) + "\n"


def ensure_doc_comments(code: str, summary: str) -> str:
    """Rust: put a ``///`` line above top-level ``pub`` items that have none."""
    lines = code.splitlines()
    out: list[str] = []
    for line in lines:
        if re.match(r"^pub (fn|struct|enum|trait)\b", line):
            above = len(out) - 1
            while above >= 0 and out[above].strip().startswith("#["):
                above -= 1
            if above < 0 or not out[above].strip().startswith("///"):
                out.insert(above + 1, f"/// {summary}")
        out.append(line)
    return "\n".join(out) + "\n"


def _stub_imports(stub: str) -> list[str]:
    return [
        line
        for line in stub.splitlines()
        if line.startswith(("import ", "from ")) and not line.startswith("from __future__")
    ]


class Validator:
    """Validates candidates for one spec; a cache keeps identical code from being checked twice."""

    def __init__(
        self,
        lang: LanguageSupport,
        spec: Spec,
        *,
        pattern: Pattern | None,
        runner: Runner,
        limits: ProcessLimits,
        public_tests: str,
        concurrency: int = 2,
    ) -> None:
        self._lang = lang
        self._spec = spec
        self._pattern = pattern
        self._runner = runner
        self._limits = limits
        self._public_tests = public_tests
        self._cache: dict[str, Candidate] = {}
        self._gate = asyncio.Semaphore(concurrency)

    def prepare(self, reply: str) -> str:
        """The code in a reply; a stub's signature and imports come back if the reply lost them."""
        code = self._lang.extract_code(reply, prefer=self._spec.name)
        stub = self._spec.stub
        if stub and self._lang.name == "python":
            if not re.search(rf"\bdef {re.escape(self._spec.name)}\s*\(", code):
                body = "\n".join(
                    ("    " + line if line.strip() and not line.startswith("    ") else line)
                    for line in code.splitlines()
                )
                code = stub.rstrip() + "\n" + body + "\n"
            missing = [imp for imp in _stub_imports(stub) if imp not in code]
            if missing:
                code = "\n".join(missing) + "\n\n" + code
        return code

    async def validate(self, candidate: Candidate) -> Candidate:
        async with self._gate:
            await self._validate(candidate)
        return candidate

    async def _validate(self, candidate: Candidate) -> None:
        lang = self._lang
        code = self.prepare(candidate.reply)
        candidate.parse = await lang.parse(code)
        if not candidate.parse.ok:
            candidate.code = code
            return
        code = await lang.fix(code)
        code = await lang.format(code)
        summary = summary_line(self._spec.description)
        if lang.name == "python" and not self._spec.stub:
            code = ensure_docstring(code, summary)
        elif lang.name == "rust":
            code = ensure_doc_comments(code, summary)
        candidate.code = code
        cached = self._cache.get(code)
        if cached is not None:
            _copy_checks(cached, candidate)
            return
        reparsed = await lang.parse(code)
        if not reparsed.ok:
            candidate.parse = reparsed
            return
        checks = asyncio.gather(lang.lint(code), lang.typecheck(code))
        if self._public_tests and not lang.type_errors_block_run:  # run while type-checking
            (candidate.lint, candidate.typecheck), candidate.public = await asyncio.gather(
                checks, self._run_public(code)
            )
        else:
            candidate.lint, candidate.typecheck = await checks
            if self._public_tests and candidate.compiled:
                candidate.public = await self._run_public(code)
        if self._pattern is not None:
            candidate.rules = await self._pattern.check(code, lang)
        self._cache[code] = candidate

    async def _run_public(self, code: str) -> TestRun:
        return await self._lang.test(
            code,
            self._public_tests,
            module=self._spec.module,
            runner=self._runner,
            limits=self._limits,
        )


def _copy_checks(source: Candidate, target: Candidate) -> None:
    target.parse = source.parse
    target.lint = source.lint
    target.typecheck = source.typecheck
    target.rules = list(source.rules)
    target.public = source.public


_LANGUAGE_PREFIX = re.compile(r"^(?:in|using)\s+(?:rust|python|typescript)\s*,?\s*", re.I)
_SIGNATURE_TEXT = re.compile(
    r"^(?:(?:a|an|the)\s+)?(?:(?:async\s+)?def|fn|function)?\s*\w+\s*\([^)]*\)"
    r"(?:\s*(?:->|:)\s*(?:[\w:&'|.]|<[^>\n]*>|\[[^\]\n]*\])+)?"
)
_VERB = re.compile(
    r"^(?:please\s+)?(?:write|create|implement|make|build|generate|define)\s+(?:(?:a|an|the)\s+)?"
    r"(?:(?:python|rust|typescript)\s+)?(?:(?:function|class|struct|method)\s+)?",
    re.IGNORECASE,
)
_IMPERATIVE = re.compile(
    r"^(?:please\s+)?(?:write|create|implement|make|build|generate|add|define)\b.*?"
    r"\b(?:that|which|to)\s+",
    re.IGNORECASE,
)


def summary_line(description: str) -> str:
    """A docstring line from a request: "Write a function that adds x" → "Adds x."."""
    text = _LANGUAGE_PREFIX.sub("", description.strip())
    text = _IMPERATIVE.sub("", text) if _IMPERATIVE.match(text) else _VERB.sub("", text)
    text = _SIGNATURE_TEXT.sub("", text).strip(" :,")
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    first = first.split(": ")[0].split("\n")[0].strip().rstrip(".")
    if not first or re.match(r"\w+\(", first):
        return "Generated by codeloop from the request."
    return (first[:1].upper() + first[1:])[:160] + "."


def diagnostics_of(candidate: Candidate) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for check in (candidate.parse, candidate.typecheck, candidate.lint):
        if check is not None:
            found.extend(check.diagnostics)
    return found
