"""Checks on a generated program before it runs: it parses, passes the sandbox policy, defines the
result variable and does not call ``finish``. Each finding is a short message a model can act on."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from codeloop.errors import ValidationFailed
from codeloop.sandbox._worker import policy
from codeloop.sandbox.scheme import mentions, read_program, strip_fence
from codeloop.sandbox.scheme.values import Symbol

__all__ = ["Finding", "PolicyCheck", "extract_code", "sandbox_policy", "validate_program"]

_BLOCK = re.compile(r"```([\w+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_FORBIDDEN_PY = ("finish", "finish_var")


class Finding(BaseModel):
    """One reason a program was refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    line: int
    rule: str
    message: str

    def render(self) -> str:
        return f"line {self.line}: {self.rule}: {self.message}"


PolicyCheck = Callable[[str], Sequence[Finding]]


def sandbox_policy(code: str) -> list[Finding]:
    """The sandbox's own whitelist validator as a policy check, so a refused import or builtin
    is caught before the run, with the sandbox's message and what is allowed instead."""
    return [
        Finding(
            line=f.line,
            rule=f.rule,
            message=f"{f.message} (allowed instead: {f.allowed})" if f.allowed else f.message,
        )
        for f in policy.check(code)
    ]


def extract_code(reply: str, language: Literal["python", "scheme"] = "python") -> str:
    """The program in a model reply: the first fenced block in ``language`` (or any fenced block),
    else the whole reply."""
    blocks = _BLOCK.findall(reply)
    aliases = {"python": ("python", "py", "python3"), "scheme": ("scheme", "racket", "lisp", "scm")}
    for tag, body in blocks:
        if tag.lower() in aliases[language]:
            return str(body).strip()
    if blocks:
        return str(blocks[0][1]).strip()
    return reply.strip()


def validate_program(
    code: str,
    *,
    language: Literal["python", "scheme"] = "python",
    result_var: str | None = "final_report",
    policy: PolicyCheck | None = None,
) -> list[Finding]:
    """Every finding for ``code``; an empty list means it may run."""
    if not code.strip():
        return [Finding(line=1, rule="empty", message="the reply holds no program")]
    if language == "scheme":
        return _validate_scheme(code, result_var)
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        return [Finding(line=exc.lineno or 1, rule="syntax", message=exc.msg)]
    findings = list(policy(code)) if policy is not None else []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FORBIDDEN_PY
        ):
            findings.append(
                Finding(
                    line=node.lineno,
                    rule="no-finish",
                    message=f"do not call {node.func.id}(); assign `{result_var}` instead",
                )
            )
    if result_var and not _assigns(tree, result_var):
        findings.append(
            Finding(
                line=len(code.splitlines()),
                rule="result-variable",
                message=f"the program never assigns `{result_var}` at top level",
            )
        )
    return findings


def _assigns(tree: ast.Module, name: str) -> bool:
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == name:
            return True
        pending.extend(ast.iter_child_nodes(node))
    return False


def _validate_scheme(code: str, result_var: str | None) -> list[Finding]:
    try:
        forms = read_program(strip_fence(code))
    except ValidationFailed as exc:
        return [Finding(line=_line_of(str(exc)), rule="syntax", message=str(exc))]
    findings: list[Finding] = []
    if mentions(forms, "finish"):
        findings.append(
            Finding(line=1, rule="no-finish", message="do not call (finish); define the variable")
        )
    define, target = Symbol("define"), Symbol(result_var or "")
    if result_var and not any(
        isinstance(f, list) and len(f) > 1 and f[0] == define and f[1] == target for f in forms
    ):
        findings.append(
            Finding(
                line=1,
                rule="result-variable",
                message=f"the program never does (define {result_var} ...) at top level",
            )
        )
    return findings


def _line_of(message: str) -> int:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else 1
