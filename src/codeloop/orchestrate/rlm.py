"""Recursive language models, in the manner of the RLM paper and its reference library.

The context never enters the root model's window: it lives in a sandbox session as the variable
``context``. The root model writes code, sees a truncated view of what it printed, may hand pieces
to sub-models with ``llm_query`` (which, below the depth limit, is itself a recursive call), and
ends with ``finish(answer)`` (``FINAL(answer)`` in a reply is accepted too, as in the reference
library).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import BudgetExceeded, ModelTimeout
from codeloop.models.types import Message, ModelRequest
from codeloop.orchestrate._prompts import render
from codeloop.orchestrate._runs import RunContext
from codeloop.orchestrate.budget import BudgetedModel
from codeloop.orchestrate.codegen import CLOSING_FENCE
from codeloop.orchestrate.host import ProgramHost
from codeloop.orchestrate.recording import StepRecordingModel
from codeloop.orchestrate.records import record_view
from codeloop.orchestrate.reference import get_codegen_reference
from codeloop.orchestrate.validate import extract_code
from codeloop.sandbox.limits import Limits
from codeloop.sandbox.protocol import SandboxSession
from codeloop.store import StepRecord

__all__ = ["RLMOptions", "RLMReport", "RLMTurn", "RecursiveLM", "describe_context", "truncate"]

_NOT_FOR_RLM = (
    "finish_var",
    "exec_sub",
    "raw_query",
    "llm_query_async",
    "await_all",
    "checkpoint",
    "restore",
)
_FINAL = re.compile(r"FINAL\((.*?)\)\s*$", re.DOTALL | re.MULTILINE)


class RLMOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_iterations: int = Field(default=8, ge=1)
    max_depth: int = Field(default=1, ge=0)
    max_output_chars: int = Field(default=2000, ge=100)
    max_tokens: int = Field(default=512, ge=16)
    history_turns: int = Field(default=3, ge=1)
    chunk_chars: int = Field(default=6000, ge=500)
    resample_temperature: float = Field(default=0.8, ge=0.0, le=2.0)


class RLMTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    depth: int
    number: int
    code: str
    output: str
    error: str | None = None
    seconds: float = 0.0


class RLMReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str | None
    question: str
    answer: Any = None
    finished: bool
    error: str | None = None
    turns: list[RLMTurn] = Field(default_factory=list)
    calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    context_chars: int = 0
    notes: list[str] = Field(default_factory=list)


def truncate(text: str, limit: int) -> str:
    """Head and tail of ``text`` within ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters cut] ...\n{text[-half:]}"


def preview(context: Any, limit: int = 400) -> str:
    """The first characters of the context, so the first turn need not be spent looking."""
    text = context if isinstance(context, str) else json.dumps(context, default=str)
    more = f"\n... ({len(text) - limit} more characters)" if len(text) > limit else ""
    return text[:limit] + more


_STOPWORDS = frozenset(
    [
        "what",
        "which",
        "where",
        "when",
        "who",
        "whom",
        "whose",
        "how",
        "many",
        "much",
        "does",
        "did",
        "have",
        "has",
        "from",
        "that",
        "this",
        "these",
        "those",
        "there",
        "their",
        "them",
        "they",
        "into",
        "about",
        "answer",
        "give",
        "with",
        "than",
        "then",
        "your",
    ]
)


def keyword_lines(context: Any, question: str, limit: int = 5) -> str:
    """Lines of the context that mention a word of the question: a first look at where the
    answer may be, as a human would start with a search."""
    if not isinstance(context, str):
        return ""
    words = [
        w
        for w in dict.fromkeys(re.findall(r"[A-Za-z][A-Za-z_-]{3,}", question.lower()))
        if w not in _STOPWORDS
    ]
    found: list[str] = []
    for word in words:
        for match in re.finditer(re.escape(word), context, re.IGNORECASE):
            start = context.rfind("\n", 0, match.start()) + 1
            end = context.find("\n", match.end())
            line = context[start : end if end >= 0 else len(context)][:200]
            if line not in found:
                found.append(line)
            if len(found) >= limit:
                return "\n".join(found)
            break
    return "\n".join(found)


def describe_context(context: Any) -> str:
    if isinstance(context, str):
        return f"a str of {len(context)} characters ({len(context.splitlines())} lines)"
    if isinstance(context, list):
        sizes = [len(str(item)) for item in context]
        return f"a list of {len(context)} items, {sum(sizes)} characters in all"
    if isinstance(context, dict):
        return f"a dict with {len(context)} keys: {', '.join(map(str, list(context)[:10]))}"
    return f"a {type(context).__name__}"


class _RecursiveHost(ProgramHost):
    """``llm_query`` below the depth limit starts a nested RLM on ``data``."""

    def __init__(
        self, base: ProgramHost, rlm: RecursiveLM, depth: int, turns: list[RLMTurn]
    ) -> None:
        super().__init__(base.router, base.run_budget, base.log)
        self._base = base
        self._rlm = rlm
        self._depth = depth
        self._turns = turns

    async def llm_query(
        self,
        instruction: str,
        data: str = "",
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> str:
        if self._depth >= self._rlm.options.max_depth or len(data) <= self._rlm.options.chunk_chars:
            return await self._base.llm_query(instruction, data, model, temperature, max_tokens)
        answer, _ = await self._rlm.explore(
            instruction, data, self._base, self._depth + 1, self._turns
        )
        return "" if answer is None else str(answer)

    async def checkpoint(self, name: str, value: Any) -> None:
        await self._base.checkpoint(name, value)

    async def restore(self, name: str) -> Any:
        return await self._base.restore(name)


class RecursiveLM:
    def __init__(self, runs: RunContext, options: RLMOptions, limits: Limits | None = None) -> None:
        self._runs = runs
        self.options = options
        self._limits = limits

    async def solve(self, question: str, context: Any) -> RLMReport:
        started = time.monotonic()
        turns: list[RLMTurn] = []
        size = len(context) if isinstance(context, str) else len(str(context))
        async with self._runs.run("rlm", {"question": question, "context_chars": size}) as run:
            answer, finished = await self.explore(question, context, run.host, 0, turns)
            error = (
                None
                if finished
                else (
                    "no finish(): answer forced (iteration limit, budget or a model timeout;"
                    " the run's steps say which)"
                )
            )
            run.result(answer, None)
        used = run.host.run_budget.usage
        return RLMReport(
            run_id=run.run_id,
            question=question,
            answer=answer,
            finished=finished,
            error=error,
            turns=turns,
            calls=used.calls,
            tokens=used.tokens,
            cost_usd=used.cost_usd,
            seconds=time.monotonic() - started,
            context_chars=size,
            notes=list(run.host.router.notes),
        )

    async def explore(
        self, question: str, context: Any, host: ProgramHost, depth: int, turns: list[RLMTurn]
    ) -> tuple[Any, bool]:
        """The REPL loop at one depth: ``(answer, finished)``."""
        opts = self.options
        model = StepRecordingModel(
            BudgetedModel(host.router.role("planner"), host.run_budget),
            host.log,
            f"rlm root d{depth}",
        )
        hits = keyword_lines(context, question)
        history: list[Message] = []
        seen: set[str] = set()
        repeated = False
        recursive = _RecursiveHost(host, self, depth, turns)
        view = record_view(context)
        async with self._runs.sandbox.session(
            context=context, host=recursive.functions(), limits=self._limits
        ) as session:
            records_count = await self._load_records(session, view.prelude) if view else None
            if not records_count:  # no records in the session: nothing to tell the model
                view = None
            system = render(
                "rlm_system.j2",
                context_description=describe_context(context),
                reference=get_codegen_reference("python", exclude=_NOT_FOR_RLM, example=False),
                max_output_chars=opts.max_output_chars,
                max_iterations=opts.max_iterations,
                chunk_chars=opts.chunk_chars,
                records=view.describe() if view else "",
                records_count=records_count,
            )
            first = Message(
                role="user",
                content=render(
                    "rlm_turn.j2",
                    first=True,
                    question=question,
                    preview=preview(context),
                    hits=hits,
                    records=view is not None,
                ),
            )
            for number in range(1, opts.max_iterations + 1):
                messages = (Message(role="system", content=system), first, *history)
                try:
                    reply = await model.complete(
                        ModelRequest(
                            messages=messages,
                            max_tokens=opts.max_tokens,
                            stop=CLOSING_FENCE,
                            # a program it already ran: resample rather than re-ask at T=0
                            temperature=opts.resample_temperature
                            if number > 1 and repeated
                            else 0.0,
                            seed=number,
                        )
                    )
                except (BudgetExceeded, ModelTimeout):  # out of budget or time: the best so far
                    return self._last_output(turns), False
                final = _FINAL.search(reply.text)
                code = extract_code(reply.text)
                if final and "```" not in reply.text:
                    return final.group(1).strip().strip("\"'"), True
                repeated = code in seen
                seen.add(code)
                started = time.monotonic()
                result = await session.run(code)
                if view and result.status == "limit":  # a fresh worker
                    await self._load_records(session, view.prelude)
                output = truncate(result.stdout, opts.max_output_chars)
                error = None if result.ok else truncate(result.feedback(), 800)
                if error and view and "KeyError" in error:
                    error += f"\nThe dicts in `records` have the keys: {', '.join(view.keys)}"
                turn = RLMTurn(
                    depth=depth,
                    number=number,
                    code=code,
                    output=output,
                    error=error,
                    seconds=time.monotonic() - started,
                )
                turns.append(turn)
                host.log.add(
                    StepRecord(
                        kind="program_run",
                        name=f"rlm d{depth} turn {number}",
                        input={"code": code},
                        output={"stdout": output, "finished": result.finished},
                        error=error,
                        seconds=turn.seconds,
                    )
                )
                if result.finished:
                    return result.value, True
                history += [
                    Message(role="assistant", content=f"```python\n{code}\n```"),
                    Message(
                        role="user",
                        content=render(
                            "rlm_turn.j2",
                            first=False,
                            question=question,
                            output=output or "(nothing printed)",
                            error=error,
                            repeated=repeated,
                            turn=number + 1,
                            last=number + 1 == opts.max_iterations,
                            max_iterations=opts.max_iterations,
                        ),
                    ),
                ]
                history = history[-2 * opts.history_turns :]
        return await self._forced_answer(question, hits, turns, model), False

    @staticmethod
    async def _load_records(session: SandboxSession, prelude: str) -> int | None:
        """Parse the context into ``records`` inside the session: how many, or ``None``."""
        result = await session.run(prelude)
        lines = result.stdout.split()
        return int(lines[-1]) if result.ok and lines and lines[-1].isdigit() else None

    async def _forced_answer(
        self, question: str, hits: str, turns: list[RLMTurn], model: Any
    ) -> Any:
        """No ``finish`` in time: the model answers from what it has seen (the first look at the
        context and the last outputs), in one line."""
        seen = ([f"- {hits}"] if hits else []) + [f"- {t.output[:300]}" for t in turns[-4:]]
        notes = "\n".join(line for line in seen if line.strip("- \n")) or "(none)"
        request = ModelRequest.of(render("rlm_final.j2", question=question, notes=notes))
        try:
            reply = await model.complete(request.model_copy(update={"max_tokens": 64}))
        except (BudgetExceeded, ModelTimeout):
            return self._last_output(turns)
        return reply.text.strip()

    @staticmethod
    def _last_output(turns: list[RLMTurn]) -> Any:
        return turns[-1].output.strip() if turns else None
