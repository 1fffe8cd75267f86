"""Code-aware planning: a code goal becomes steps; two strategies alternate on backtracking.

Steps: query the graph → ingest reference code → define the entity and its relations → generate →
write → check (with the compiler-feedback loop) → on failure go back to *define* with the other
strategy. *scaffold-first* defines the target alone and lets the feedback loop resolve what it
lacks; *bottom-up* first defines what the target depends on (types its fields name that the graph
does not hold yet) and composes the target from them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import UserInputError
from codeloop.knowledge._text import split_top_level

__all__ = ["CodeGoal", "Plan", "PlanStep", "Strategy", "make_plan", "other_strategy", "parse_goal"]

Strategy = Literal["scaffold-first", "bottom-up"]
StepAction = Literal["query", "ingest", "define", "generate", "write", "check", "backtrack"]

_TEMPLATES = [
    (re.compile(r"\berror (type|enum)\b"), "error-type"),
    (re.compile(r"\bbuilder\b"), "builder"),
    (re.compile(r"\biterator\b"), "iterator"),
    (re.compile(r"\btest(s| module)\b"), "test-module"),
    (re.compile(r"\b(sub)?commands?\b|\bcli\b"), "cli-subcommand"),
    (re.compile(r"\bconstructor\b|\bnew\(\)"), "new-constructor"),
    (re.compile(r"\bimpl(ement)?\s+\S+\s+for\b"), "trait-impl"),
    (re.compile(r"\bfrom\s+\S+\s+(for|into)\b"), "from-impl"),
    (re.compile(r"\bmodule\b"), "module"),
    (re.compile(r"\bstruct\b"), "struct"),
]
_CAMEL = re.compile(r"\b([A-Z][A-Za-z0-9_]*)\b")


class CodeGoal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    template: str
    target: str
    crate: str = "generated"
    params: dict[str, str] = Field(default_factory=dict)


class PlanStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: StepAction
    detail: str


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal: CodeGoal
    strategy: Strategy
    steps: list[PlanStep]


def other_strategy(strategy: Strategy) -> Strategy:
    return "bottom-up" if strategy == "scaffold-first" else "scaffold-first"


def parse_goal(text: str) -> CodeGoal:
    """``"a builder for Config with fields host: String"`` → template, target and params."""
    lowered = text.lower()
    template = next((name for pattern, name in _TEMPLATES if pattern.search(lowered)), None)
    if template is None:
        raise UserInputError(
            "cannot tell what to build from the goal; name a pattern (struct, builder, error type,"
            " iterator, tests, subcommands, constructor, impl Trait for Type, module)"
        )
    params: dict[str, str] = {}
    fields = re.search(r"\bfields?\s+(.+?)(?:\s+in crate\s+\w+)?\s*\.?$", text)
    variants = re.search(
        r"\b(?:variants?|(?:sub)?commands?)\s+(.+?)(?:\s+in crate\s+\w+)?\s*\.?$", text
    )
    crate = re.search(r"\bin crate\s+([a-z_][a-z0-9_]*)", text)
    impl = re.search(r"\bimpl(?:ement)?\s+(\S+)\s+for\s+([A-Za-z_]\w*)", text)
    source = re.search(r"\bfrom\s+(\S+)\s+(?:for|into)\s+([A-Za-z_]\w*)", text)
    if impl:
        params.update(Trait=impl.group(1), Type=impl.group(2))
    elif source:
        params.update(Source=source.group(1), Type=source.group(2))
    head = text.split(" with ", maxsplit=1)[0]
    names = [n for n in _CAMEL.findall(head) if n not in ("Rust", "Python") and not n.isupper()]
    if "Type" not in params and names:
        params["Type"] = names[-1]
    if fields and template in ("struct", "builder", "new-constructor", "module", "iterator"):
        params["fields"] = ", ".join(split_top_level(fields.group(1)))
    if variants and template in ("error-type", "cli-subcommand"):
        key = "commands" if template == "cli-subcommand" else "variants"
        params[key] = ", ".join(split_top_level(variants.group(1)))
    if template == "module":
        params.setdefault(
            "module", re.sub(r"(?<!^)(?=[A-Z])", "_", params.get("Type", "core")).lower()
        )
    target = params.get("Type", params.get("module", "generated"))
    return CodeGoal(
        text=text,
        template=template,
        target=target,
        crate=crate.group(1) if crate else "generated",
        params=params,
    )


def make_plan(goal: CodeGoal, strategy: Strategy, references: list[Path] | None = None) -> Plan:
    steps = [
        PlanStep(action="query", detail=f"look up `{goal.target}` and what it names in the graph")
    ]
    if references:
        steps.append(
            PlanStep(
                action="ingest", detail="ingest reference code: " + ", ".join(map(str, references))
            )
        )
    if strategy == "bottom-up":
        steps.append(
            PlanStep(
                action="define", detail="define the types the fields name that the graph lacks"
            )
        )
    steps += [
        PlanStep(
            action="define",
            detail=f"instantiate `{goal.template}` for `{goal.target}` in crate `{goal.crate}`",
        ),
        PlanStep(
            action="generate",
            detail="linearize the crate root from the graph and format it with rustfmt",
        ),
        PlanStep(action="write", detail="write Cargo.toml and src/lib.rs"),
        PlanStep(
            action="check",
            detail="cargo check --message-format=json, repairing the graph from diagnostics",
        ),
        PlanStep(
            action="backtrack",
            detail=f"on failure, undo the definitions and retry with {other_strategy(strategy)}",
        ),
    ]
    return Plan(goal=goal, strategy=strategy, steps=steps)
