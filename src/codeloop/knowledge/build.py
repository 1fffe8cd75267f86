"""Execute a code plan: define in the graph, generate, write, check and repair, backtrack."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from codeloop.knowledge.cegis import CegisLoop, CegisReport
from codeloop.knowledge.graph import CodeGraph, Provenance
from codeloop.knowledge.ingest import Ingestor
from codeloop.knowledge.plan import CodeGoal, Plan, Strategy, make_plan, other_strategy, parse_goal
from codeloop.knowledge.rust_linearize import linearize_rust
from codeloop.knowledge.templates import TemplateLibrary
from codeloop.knowledge.toolchain import RustChecker, format_rust, write_crate
from codeloop.knowledge.tree import CodeModule, CodeSignature

__all__ = ["BuildReport", "CodeBuilder", "StrategyRun"]

_STD_TYPES = {
    "String",
    "Vec",
    "Option",
    "Result",
    "Box",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "VecDeque",
    "Rc",
    "Arc",
    "RefCell",
    "Cell",
    "Mutex",
    "RwLock",
    "PathBuf",
    "Path",
    "Duration",
    "Instant",
    "Self",
}

_NEEDS_TYPE = {"builder", "new-constructor", "trait-impl", "from-impl"}


class StrategyRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: Strategy
    defined: list[str]
    cegis: CegisReport


class BuildReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal: CodeGoal
    ok: bool
    crate_dir: str
    runs: list[StrategyRun] = Field(default_factory=list)
    plans: list[Plan] = Field(default_factory=list)


class CodeBuilder:
    def __init__(
        self,
        graph: CodeGraph,
        templates: TemplateLibrary,
        checker_for: Callable[[Path, str], RustChecker],
        *,
        ingestor: Ingestor | None = None,
        max_attempts: int = 3,
    ) -> None:
        self._graph = graph
        self._templates = templates
        self._checker_for = checker_for
        self._ingestor = ingestor
        self._max_attempts = max_attempts

    async def build(
        self,
        goal_text: str,
        out: Path,
        *,
        strategy: Strategy = "scaffold-first",
        references: list[Path] | None = None,
        backtracks: int = 1,
    ) -> BuildReport:
        goal = parse_goal(goal_text)
        report = BuildReport(goal=goal, ok=False, crate_dir=str(out))
        if references and self._ingestor is not None:
            self._ingestor.ingest(references)
        module = f"rust:{goal.crate}"
        if not self._graph.exists(module):
            self._graph.put(CodeModule(name=goal.crate), module, Provenance(how="generated"))
        for _ in range(backtracks + 1):
            report.plans.append(make_plan(goal, strategy, references))
            defined = self._define(goal, module, strategy)
            checker = self._checker_for(out, goal.crate)
            cegis = await CegisLoop(
                self._graph, checker, self._templates, max_attempts=self._max_attempts
            ).run(module)
            report.runs.append(StrategyRun(strategy=strategy, defined=defined, cegis=cegis))
            if cegis.ok:
                report.ok = True
                source = await format_rust(linearize_rust(self._graph.module(module)))
                write_crate(out, goal.crate, source)
                break
            for entity in defined:
                self._graph.remove(entity)
            strategy = other_strategy(strategy)
        return report

    def _define(self, goal: CodeGoal, module: str, strategy: Strategy) -> list[str]:
        defined: list[str] = []
        if strategy == "bottom-up":
            defined += self._define_dependencies(goal, module)
        prov = Provenance(how="template", detail={"template": goal.template, "goal": goal.text})
        target = goal.params.get("Type")
        if (
            goal.template in _NEEDS_TYPE
            and target
            and not any(e.startswith(module + "::") for e in self._graph.find(target))
        ):
            if "fields" in goal.params:
                base = self._templates.instantiate(
                    "struct", {"Type": target, "fields": goal.params["fields"]}
                )
                defined += [self._graph.put_child(module, item, prov) for item in base.items]
            else:
                unit = CodeSignature(
                    kind="struct",
                    name=target,
                    visibility="pub",
                    form="unit",
                    derives=["Debug", "Clone"],
                )
                defined.append(self._graph.put_child(module, unit, prov))
        result = self._templates.instantiate(goal.template, goal.params)
        for use in result.uses:
            self._graph.add(module, "code:depends-on", use, prov)
        defined += [self._graph.put_child(module, item, prov) for item in result.items]
        return defined

    def _define_dependencies(self, goal: CodeGoal, module: str) -> list[str]:
        """Types named by the fields that neither std nor this crate defines: copy them from the
        graph when reference code defines them, else declare a plain struct to fill in later."""
        names = set(re.findall(r"\b([A-Z]\w*)\b", goal.params.get("fields", ""))) - _STD_TYPES
        names.discard(goal.params.get("Type", ""))
        defined: list[str] = []
        for name in sorted(names):
            if any(e.startswith(module + "::") for e in self._graph.find(name)):
                continue
            known = [e for e in self._graph.find(name) if self._graph.kind(e) in ("struct", "enum")]
            item = (
                self._graph.signature(known[0]).model_copy(update={"entity": None})
                if known
                else CodeSignature(
                    kind="struct",
                    name=name,
                    visibility="pub",
                    form="unit",
                    derives=["Debug", "Clone"],
                )
            )
            prov = Provenance(
                how="generated",
                detail={"strategy": "bottom-up", "copied_from": known[0] if known else None},
            )
            defined.append(self._graph.put_child(module, item, prov))
        return defined
