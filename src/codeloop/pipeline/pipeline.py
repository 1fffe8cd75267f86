"""The generation loop: analyze → select pattern → generate K → validate → public tests → rank →
repair (bounded, real diagnostics plus fresh samples) → generate tests → dual-agreement ranking →
keep passing tests → coverage → files and a :class:`GenerationReport`.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import BudgetExceeded, ModelError
from codeloop.lang.protocol import LanguageSupport
from codeloop.lang.registry import get_language
from codeloop.lang.runner import ProcessLimits, Runner
from codeloop.lang.types import TestOutcome, TestRun, base_test_name
from codeloop.models.protocol import Model
from codeloop.models.types import Message, ModelRequest
from codeloop.pipeline.accounting import MeteredModel
from codeloop.pipeline.analyze import RequestAnalyzer
from codeloop.pipeline.candidates import Candidate, Origin, Validator, summary_line
from codeloop.pipeline.learned import LearnedMatch, LearnedTemplates, LearnedTemplateUse
from codeloop.pipeline.library import Pattern, PatternLibrary
from codeloop.pipeline.prompts import PromptLibrary
from codeloop.pipeline.types import CheckSummary, GenerationReport, Spec, StageReport
from codeloop.telemetry import logger, span

__all__ = ["Pipeline", "PipelineOptions", "ProgressFn"]

ProgressFn = Callable[[str, str], None]
_FENCES = {"python": "python", "rust": "rust", "typescript": "typescript"}
_TITLES = {"python": "Python", "rust": "Rust", "typescript": "TypeScript"}
_FRAMEWORKS = {"python": "pytest", "rust": "Rust #[test]", "typescript": "node:test"}


class PipelineOptions(BaseModel):
    """How hard to try. ``samples`` = candidates per round (the first greedy, the rest sampled)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    samples: int = Field(default=4, ge=1, le=16)
    rounds: int = Field(default=2, ge=0, le=5)
    temperature: float = Field(default=0.8, ge=0.0, le=2.0)
    repair_temperature: float = Field(default=0.6, ge=0.0, le=2.0)
    adaptive: bool = True
    generate_tests: bool = True
    test_count: int = Field(default=5, ge=1, le=20)
    max_tokens: int = Field(default=512, ge=16)
    seed: int = 0
    learned: bool = True
    """Offer the closest learned template (if a source is given and one matches) as an example."""
    limits: ProcessLimits = ProcessLimits()
    rust_memory_mb: int = 4096


def _import_hint(spec: Spec) -> str:
    if spec.language == "python":
        return f"Start with: from {spec.module} import {spec.name}"
    if spec.language == "rust":
        return "Write only #[test] functions; they go in a `mod tests` with `use super::*;`."
    return (
        'Start with: import { test } from "node:test"; import assert from "node:assert/strict"; '
        f'import {{ {spec.name} }} from "./{spec.module}";'
    )


def _ok_message(best: Candidate) -> str:
    """What passed, and what still falls short (lint findings, type errors, unmet rules)."""
    short = [f"pattern rule {r.id} not met ({r.message})" for r in best.rules if not r.passed]
    if best.lint_findings:
        short.insert(0, f"{best.lint_findings} lint finding(s)")
    if best.type_errors:
        short.insert(0, f"{best.type_errors} type error(s)")
    return "all checks passed" if not short else "tests pass; " + "; ".join(short)


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\W]+", name) if part)


class Pipeline:
    """One generation run per :meth:`run`; services come in through the constructor.

    The language plugins are kept between runs (TypeScript's holds a checker process whose
    start-up costs seconds); :meth:`aclose` releases them.
    """

    def __init__(
        self,
        model: Model,
        runner: Runner,
        *,
        library: PatternLibrary | None = None,
        prompts: PromptLibrary | None = None,
        options: PipelineOptions | None = None,
        progress: ProgressFn | None = None,
        learned: LearnedTemplates | None = None,
        languages: Mapping[str, LanguageSupport] | None = None,
    ) -> None:
        """``languages``: plugins to use instead of the registry's, by language name."""
        self._model = model
        self._learned = learned
        self._runner = runner
        self._library = library or PatternLibrary.load()
        self._prompts = prompts or PromptLibrary()
        self._options = options or PipelineOptions()
        self._progress = progress
        self._languages: dict[str, LanguageSupport] = dict(languages or {})

    def language(self, name: str) -> LanguageSupport:
        """The plugin for ``name``, made on first use and kept for later runs."""
        if name not in self._languages:
            self._languages[name] = get_language(name)
        return self._languages[name]

    async def aclose(self) -> None:
        """Release the language plugins, given ones included; a later run makes new ones."""
        languages, self._languages = list(self._languages.values()), {}
        for lang in languages:
            await lang.aclose()

    async def run(
        self,
        description: str,
        *,
        language: str | None = None,
        pattern: str | None = None,
        stub: str | None = None,
        name: str | None = None,
    ) -> GenerationReport:
        """Generate; never raises for model failures: the report says what happened and keeps
        everything produced so far. Bad input (language, pattern) raises ``UserInputError``."""
        run = _Run(self, description, language=language, pattern=pattern, stub=stub, name=name)
        return await run.execute()


class _Run:
    """The state of one run (kept apart so that a Pipeline can serve many runs)."""

    def __init__(
        self,
        pipeline: Pipeline,
        description: str,
        *,
        language: str | None,
        pattern: str | None,
        stub: str | None,
        name: str | None,
    ) -> None:
        self.p = pipeline
        self.opts = pipeline._options
        self.model = MeteredModel(pipeline._model)
        self.description = description
        self.language = language
        self.pattern_name = pattern
        self.stub = stub
        self.name = name
        self.report = GenerationReport(description=description, language=language or "")
        self.candidates: list[Candidate] = []
        self.spec: Spec | None = None
        self.lang: LanguageSupport | None = None
        self.pattern: Pattern | None = None
        self.learned: LearnedMatch | None = None
        self.started = time.perf_counter()
        limits = self.opts.limits
        self.limits = limits

    # -- bookkeeping -------------------------------------------------------------------------

    @asynccontextmanager
    async def stage(self, name: str, detail: str = "") -> AsyncIterator[StageReport]:
        if self.p._progress is not None:
            self.p._progress(name, detail)
        self.model.stage = name
        stage = StageReport(name=name, detail=detail)
        self.report.stages.append(stage)
        started = time.perf_counter()
        before = self.model.snapshot(name)
        try:
            with span(f"pipeline.{name}"):
                yield stage
        finally:
            stage.seconds = round(time.perf_counter() - started, 3)
            after = self.model.snapshot(name)
            stage.model_calls = after.calls - before.calls
            stage.input_tokens = after.input_tokens - before.input_tokens
            stage.output_tokens = after.output_tokens - before.output_tokens
            stage.cost_usd = after.cost_usd - before.cost_usd

    def messages(self, prompt: str) -> tuple[Message, ...]:
        assert self.spec is not None
        system = self.p._prompts.render(
            "system.j2", language_title=_TITLES[self.spec.language]
        ).strip()
        return (Message(role="system", content=system), Message(role="user", content=prompt))

    def request(self, prompt: str, *, temperature: float, seed: int | None) -> ModelRequest:
        return ModelRequest(
            messages=self.messages(prompt),
            temperature=temperature,
            max_tokens=self.opts.max_tokens,
            stop=("\n```\n",),
            seed=seed if temperature > 0 else None,
        )

    def require(self) -> tuple[Spec, LanguageSupport]:
        """The spec and language plugin, which exist once analysis is done."""
        if self.spec is None or self.lang is None:
            raise RuntimeError("analysis has not run")
        return self.spec, self.lang

    # -- stages ------------------------------------------------------------------------------

    async def execute(self) -> GenerationReport:
        try:
            await self._execute()
        except BudgetExceeded as exc:
            self.report.status = "budget_exhausted"
            self.report.message = f"{exc}; kept the best candidate so far"
        except ModelError as exc:
            self.report.status = "model_error"
            self.report.message = f"the model failed: {type(exc).__name__}: {exc}"
        finally:
            self._finish()
        return self.report

    async def _execute(self) -> None:
        async with self.stage("analyze"):
            analyzer = RequestAnalyzer(self.model, self.p._prompts)
            self.spec = await analyzer.analyze(
                self.description, language=self.language, stub=self.stub, name=self.name
            )
        spec = self.spec
        self.report.spec = spec
        self.report.language = spec.language
        self.lang = self.p.language(spec.language)
        if spec.language == "rust":
            self.limits = self.limits.model_copy(
                update={
                    "memory_mb": self.opts.rust_memory_mb,
                    "wall_s": max(self.limits.wall_s, 60.0),
                    "cpu_s": max(self.limits.cpu_s, 30),
                }
            )
        async with self.stage("select", detail=self.pattern_name or "auto") as stage:
            if self.pattern_name:
                self.pattern = self.p._library.get(spec.language, self.pattern_name)
            elif not spec.stub:
                self.pattern = self.p._library.select(spec.language, spec.description, spec.kind)
            self.learned = self.learned_match(spec)
            if self.learned is not None:
                stage.detail += f"; learned {self.learned.name} ({self.learned.similarity:.2f})"
        self.report.pattern = self.pattern.name if self.pattern else None
        if self.learned is not None:
            self.report.learned_template = LearnedTemplateUse.of(self.learned)
        public_tests = self.lang.example_tests(spec.module, spec.examples) if spec.examples else ""
        self.public_tests = public_tests
        self.validator = Validator(
            self.lang,
            spec,
            pattern=self.pattern,
            runner=self.p._runner,
            limits=self.limits,
            public_tests=public_tests,
        )
        prompt = self.generation_prompt()
        best: Candidate | None = None
        for round_index in range(self.opts.rounds + 1):
            self.report.rounds = round_index + 1
            best = await self.generation_round(round_index, prompt, best)
            if self.accepted(best):
                break
        if best is None:
            return
        tests = ""
        if self.opts.generate_tests and best.compiled and best.public_ok:
            tests = await self.generated_tests(best)
            best = await self.dual_rank(tests) or best
        await self.finalize(best, tests)

    def learned_match(self, spec: Spec) -> LearnedMatch | None:
        """The closest learned template, for a request in words (a stub is left as it is)."""
        if self.p._learned is None or not self.opts.learned or spec.stub:
            return None
        text = "\n".join(filter(None, (spec.description, spec.signature)))
        return self.p._learned.match(spec.language, text, spec.name)

    def generation_prompt(self) -> str:
        spec = self.spec
        assert spec is not None
        skeleton = ""
        rules: list[str] = []
        if self.pattern is not None:
            skeleton = self.p._prompts.render_string(
                self.pattern.skeleton,
                name=spec.name,
                pascal=_pascal(spec.name),
                signature=spec.signature,
                summary=summary_line(spec.description),
                module=spec.module,
            ).strip("\n")
            rules = [r.message for r in self.pattern.rules if r.check != "lint.clean"]
        return self.p._prompts.render(
            "generate.j2",
            stub=spec.stub,
            description=spec.description,
            language_title=_TITLES[spec.language],
            fence=_FENCES[spec.language],
            name=spec.name,
            skeleton=skeleton,
            rules=rules,
            examples=spec.examples,
            learned=self.learned,
        )

    def accepted(self, best: Candidate | None) -> bool:
        """Good enough to stop: compiles, passes the public tests and, unless completing a stub
        (benchmark mode, where only behaviour counts), has no type errors or lint findings and
        satisfies every rule of its pattern."""
        if best is None or not best.compiled or not best.public_ok:
            return False
        if self.spec is not None and self.spec.stub:
            return True
        return best.type_errors == 0 and best.lint_findings == 0 and best.adherence == 1.0

    async def generation_round(
        self, round_index: int, prompt: str, best: Candidate | None
    ) -> Candidate | None:
        spec = self.spec
        assert spec is not None
        requests: list[tuple[Origin, ModelRequest]] = []
        seed_base = self.opts.seed + 1000 * round_index
        if round_index == 0:
            requests.append(("greedy", self.request(prompt, temperature=0.0, seed=None)))
        elif best is not None:
            repair = self.p._prompts.render(
                "repair.j2",
                stub=spec.stub,
                description=spec.description,
                language_title=_TITLES[spec.language],
                fence=_FENCES[spec.language],
                code=best.code.strip(),
                problems=best.problems(spec) or ["it does not meet the task"],
            )
            requests.append(
                (
                    "repair",
                    self.request(repair, temperature=self.opts.repair_temperature, seed=seed_base),
                )
            )
        samples: list[tuple[Origin, ModelRequest]] = [
            (
                "sample",
                self.request(prompt, temperature=self.opts.temperature, seed=seed_base + i + 1),
            )
            for i in range(self.opts.samples - len(requests))
        ]
        label = f"generate[{round_index}]"
        if round_index == 0 and self.opts.adaptive and samples:
            best = await self.produce(label, requests, round_index)
            if self.accepted(best):
                return best
            requests = []
        return await self.produce(label, [*requests, *samples], round_index)

    async def produce(
        self, label: str, requests: list[tuple[Origin, ModelRequest]], round_index: int
    ) -> Candidate | None:
        if requests:
            first = len(self.candidates)
            checks: list[asyncio.Task[Candidate]] = []

            async def reply(origin: Origin, request: ModelRequest) -> Candidate:
                response = await self.model.complete(request)
                candidate = Candidate(
                    index=first, round=round_index, origin=origin, reply=response.text
                )
                # validated while the model writes the next candidate
                checks.append(asyncio.create_task(self.validator.validate(candidate)))
                return candidate

            try:
                async with self.stage(label, detail=f"{len(requests)} candidate(s)"):
                    outcomes = await asyncio.gather(
                        *(reply(origin, request) for origin, request in requests),
                        return_exceptions=True,
                    )
                new = [o for o in outcomes if isinstance(o, Candidate)]
                for offset, candidate in enumerate(new):
                    candidate.index = first + offset
                self.candidates.extend(new)
                early = sum(check.done() for check in checks)
                async with self.stage(
                    f"validate[{round_index}]",
                    detail=f"{len(new)} candidate(s), {early} checked during generation",
                ):
                    await asyncio.gather(*checks)
                # a failed call (budget, provider) ends the run; what it produced is kept
                failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
                if failure is not None:
                    raise failure
            finally:
                for check in checks:
                    check.cancel()
                await asyncio.gather(*checks, return_exceptions=True)
        return max(self.candidates, key=Candidate.key) if self.candidates else None

    async def generated_tests(self, best: Candidate) -> str:
        spec, lang = self.require()
        async with self.stage("testgen"):
            prompt = self.p._prompts.render(
                "tests.j2",
                framework=_FRAMEWORKS[spec.language],
                language_title=_TITLES[spec.language],
                fence=_FENCES[spec.language],
                code=best.code.strip(),
                import_hint=_import_hint(spec),
                count=self.opts.test_count,
                examples=spec.examples,
            )
            reply = await self.model.complete(self.request(prompt, temperature=0.0, seed=None))
            tests = lang.extract_code(reply.text, prefer="test")
            tests = lang.normalize_tests(tests, module=spec.module)
        return tests if lang.test_names(tests) else ""

    async def dual_rank(self, tests: str) -> Candidate | None:
        """CodeT: among the top candidates, run the generated tests on each; the score of a
        candidate is (number of candidates passing the same tests) × (tests passed)."""
        spec, lang = self.require()
        top_key = max(c.key()[:3] for c in self.candidates)
        top = [c for c in self.candidates if c.key()[:3] == top_key and c.compiled]
        distinct = {c.code: c for c in top}
        if not tests or len(distinct) < 2:
            return None
        async with self.stage("rank", detail=f"dual agreement over {len(distinct)} programs"):
            runs = await asyncio.gather(
                *(
                    lang.test(
                        code, tests, module=spec.module, runner=self.p._runner, limits=self.limits
                    )
                    for code in distinct
                )
            )
            passed_by_code = {
                code: frozenset(o.name for o in run.outcomes if o.passed)
                for code, run in zip(distinct, runs, strict=True)
            }
            for candidate in top:
                candidate.generated_passed = passed_by_code[candidate.code]
            for candidate in top:
                same = sum(1 for c in top if c.generated_passed == candidate.generated_passed)
                candidate.agreement = same * len(candidate.generated_passed)
        return max(self.candidates, key=Candidate.key)

    async def finalize(self, best: Candidate, tests: str) -> None:
        spec, lang = self.require()
        kept_tests = ""
        measured: TestRun | None = None
        if tests:
            async with self.stage(
                "tests", detail="run all tests on the chosen code, with coverage"
            ):
                combined = (
                    lang.merge_tests(self.public_tests, tests) if self.public_tests else tests
                )
                run = await lang.coverage(
                    best.code,
                    combined,
                    module=spec.module,
                    runner=self.p._runner,
                    limits=self.limits,
                )
                names = lang.test_names(tests)
                if not run.compiled or run.limit_hit:
                    reason = run.limit_hit or "; ".join(d.message for d in run.diagnostics)[:300]
                    self.report.tests_discarded = [
                        TestOutcome(name=n, passed=False, message=f"did not run: {reason}")
                        for n in names
                    ]
                else:
                    # a parametrized test's cases (test_a[1], test_a[2]) stand or fall together
                    ran = {base_test_name(o.name) for o in run.outcomes}
                    self.report.tests_discarded = [
                        *(o for o in run.failing() if base_test_name(o.name) in names),
                        *(
                            TestOutcome(name=n, passed=False, message="did not run")
                            for n in names
                            if n not in ran
                        ),
                    ]
                    drop = list(
                        dict.fromkeys(base_test_name(o.name) for o in self.report.tests_discarded)
                    )
                    self.report.tests_kept = [n for n in names if n not in drop]
                    if self.report.tests_kept:  # a test file with every test dropped is no file
                        kept_tests = lang.drop_tests(tests, drop) if drop else tests
                    kept = [o.name for o in run.outcomes if base_test_name(o.name) not in drop]
                    # This run already measured the kept tests when every generated test passed,
                    # or when it recorded which test ran which line (Python).
                    if not drop and run.ok:
                        measured = run
                    elif kept and run.statements is not None and best.public_ok:
                        measured = run.model_copy(
                            update={"coverage_percent": run.coverage_of(kept)}
                        )
        test_file = (
            lang.merge_tests(self.public_tests, kept_tests) if kept_tests else self.public_tests
        )
        if best.public is not None:
            self.report.tests_kept = [
                *[o.name for o in best.public.outcomes if o.passed],
                *self.report.tests_kept,
            ]
        if measured is None and test_file and best.compiled and best.public_ok:
            async with self.stage("coverage"):
                measured = await lang.coverage(
                    best.code,
                    test_file,
                    module=spec.module,
                    runner=self.p._runner,
                    limits=self.limits,
                )
        if measured is not None:
            self.report.coverage_percent = measured.coverage_percent
        async with self.stage("format"):
            test_file = await lang.format(test_file) if test_file else ""
        self.report.files = lang.output_files(spec.module, best.code, test_file)

    def _finish(self) -> None:
        report = self.report
        best = max(self.candidates, key=Candidate.key) if self.candidates else None
        if best is not None:
            report.candidates = [c.summary(chosen=c is best) for c in self.candidates]
            if not report.files and best.code and self.spec is not None and self.lang is not None:
                report.files = self.lang.output_files(self.spec.module, best.code, "")
            if best.lint is not None:
                report.lint = CheckSummary(
                    tool=best.lint.tool,
                    available=best.lint.available,
                    clean=best.lint.available and not best.lint.diagnostics,
                    diagnostics=list(best.lint.diagnostics),
                )
            if best.typecheck is not None:
                report.typecheck = CheckSummary(
                    tool=best.typecheck.tool,
                    available=best.typecheck.available,
                    clean=best.typecheck.ok,
                    diagnostics=list(best.typecheck.diagnostics),
                )
            report.public_passed = best.public_passed
            report.public_total = best.public_total
            if best.rules:
                report.rules = best.rules
                report.adherence = round(best.adherence, 4)
            if report.status not in ("budget_exhausted", "model_error"):
                if best.compiled and best.public_ok:
                    report.status = "ok"
                    report.message = _ok_message(best)
                else:
                    report.status = "failed"
                    problems = best.problems(self.spec) if self.spec else []
                    report.message = "no candidate passed: " + (
                        "; ".join(problems[:3]) or "no code"
                    )
        elif report.status == "failed" and not report.message:
            report.message = "no candidate was produced"
        report.seconds = round(time.perf_counter() - self.started, 3)
        report.model_seconds = round(self.model.busy_seconds, 3)
        report.input_tokens = sum(m.input_tokens for m in self.model.stages.values())
        report.output_tokens = sum(m.output_tokens for m in self.model.stages.values())
        report.cost_usd = sum(m.cost_usd for m in self.model.stages.values())
        logger.bind(status=report.status).info("pipeline finished in {}s", report.seconds)
