"""The MCP server: codeloop's programs-that-call-models as tools, over stdio or streamable HTTP.

Tools: ``run_program`` (Python or Scheme), ``get_codegen_reference``, ``generate``, ``analyze``,
``orchestrate`` and ``rlm``. Long tools send a progress notification for every step they record.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

from codeloop import api
from codeloop.api import Session
from codeloop.config import BudgetSettings
from codeloop.errors import CodeloopError
from codeloop.orchestrate import (
    Analyzer,
    Orchestrator,
    ProgramRunner,
    RecursiveLM,
    RunContext,
    detect_format,
    get_codegen_reference,
)
from codeloop.sandbox.limits import Limits
from codeloop.store import StepRecord

__all__ = ["ServerServices", "build_server"]

Report = TypeVar("Report", bound=BaseModel)
Format = Literal["json", "jsonl", "csv", "text"]


@dataclass
class ServerServices:
    """What the tools run on: the session that built the services, and one run context (models,
    sandbox, store) kept for the server's life."""

    session: Session
    runs: RunContext

    @property
    def program_limits(self) -> Limits | None:
        """A reply carries the program's output: keep it well under MCP clients' message cap."""
        if self.runs.limits is None:
            return None
        cap = self.session.settings.serve.max_output_bytes
        return self.runs.limits.model_copy(update={"output_bytes": cap})


def _context_value(data: str) -> Any:
    """JSON text becomes its value, other text stays text, empty means none."""
    if not data:
        return None
    try:
        return json.loads(data)
    except json.JSONDecodeError:
        return data


async def _with_progress(
    ctx: Context,
    services: ServerServices,
    budget: BudgetSettings | None,
    work: Callable[[RunContext], Awaitable[Report]],
) -> dict[str, Any]:
    """Run ``work`` and turn each recorded step into a progress notification."""
    queue: asyncio.Queue[StepRecord] = asyncio.Queue()
    runs = replace(services.runs, observer=queue.put_nowait)
    if budget is not None:
        runs = replace(runs, budget=budget)
    task = asyncio.ensure_future(work(runs))
    count = 0
    while not task.done():
        getter = asyncio.ensure_future(queue.get())
        done, _ = await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            count += 1
            step = getter.result()
            await ctx.report_progress(count, None, f"{step.kind}: {step.name}")
        else:
            getter.cancel()
    try:
        report = task.result()
    except CodeloopError as exc:
        raise ToolError(f"{type(exc).__name__}: {exc}") from exc
    return report.model_dump(mode="json")


def build_server(services: ServerServices) -> MCPServer:
    """An MCP server whose tools run on ``services``."""
    server: MCPServer = MCPServer(
        name="codeloop",
        instructions="Language models write programs; codeloop validates and runs them.",
    )

    @server.tool()
    async def get_codegen_reference_tool(language: Literal["python", "scheme"] = "python") -> str:
        """The API reference for programs codeloop runs (generated from the primitives)."""
        return get_codegen_reference(language)

    @server.tool()
    async def run_program(
        source: str,
        ctx: Context,
        language: Literal["python", "scheme"] = "python",
        context: str = "",
    ) -> dict[str, Any]:
        """Run a Python or Scheme program in the sandbox with the primitives bound.

        `context` (JSON or text) becomes the program's `context` variable.
        """
        return await _with_progress(
            ctx,
            services,
            None,
            lambda runs: ProgramRunner(runs, limits=services.program_limits).run(
                source, language=language, context=_context_value(context)
            ),
        )

    @server.tool()
    async def generate(
        description: str,
        language: Literal["python", "rust", "typescript"] | None = None,
        pattern: str | None = None,
        samples: int = 4,
        rounds: int = 2,
    ) -> dict[str, Any]:
        """Verified generation: code and tests that parse, are lint-clean, follow the pattern and
        passed their tests in the sandbox, with a report per stage. Nothing is written to disk."""
        try:
            report = await api.generate(
                description,
                language=language,
                pattern=pattern,
                samples=samples,
                rounds=rounds,
                session=services.session,
            )
        except CodeloopError as exc:
            raise ToolError(f"{type(exc).__name__}: {exc}") from exc
        return report.model_dump(mode="json")

    @server.tool()
    async def analyze(
        data: str, task: str, ctx: Context, format: Format | None = None
    ) -> dict[str, Any]:
        """Meta-programming: a model writes a program that answers `task` over `data`."""
        data_format = format or detect_format(data)
        return await _with_progress(
            ctx,
            services,
            None,
            lambda runs: Analyzer(runs, services.session.codegen_options()).analyze(
                data, data_format, task
            ),
        )

    @server.tool()
    async def orchestrate(
        data: str,
        goal: str,
        ctx: Context,
        *,
        format: Format | None = None,
        max_calls: int | None = None,
        max_tokens: int | None = None,
        max_seconds: float | None = None,
    ) -> dict[str, Any]:
        """Meta-orchestration: a planner picks strategy A/B/C and writes the program; the budget
        (calls, tokens, seconds) is enforced."""
        data_format = format or detect_format(data)
        budget = api.budget_settings(
            services.runs.budget,
            max_calls=max_calls,
            max_tokens=max_tokens,
            max_seconds=max_seconds,
        )
        return await _with_progress(
            ctx,
            services,
            budget,
            lambda runs: Orchestrator(runs, services.session.codegen_options()).orchestrate(
                data, data_format, goal
            ),
        )

    @server.tool()
    async def rlm(
        context: str,
        question: str,
        ctx: Context,
        max_iterations: int | None = None,
    ) -> dict[str, Any]:
        """Recursive language model: answer `question` over a context of any size."""
        options = services.session.rlm_options(max_iterations=max_iterations)
        return await _with_progress(
            ctx,
            services,
            None,
            lambda runs: RecursiveLM(runs, options, runs.limits).solve(
                question, _context_value(context)
            ),
        )

    server.remove_tool("get_codegen_reference_tool")
    server.add_tool(get_codegen_reference_tool, name="get_codegen_reference")
    return server
