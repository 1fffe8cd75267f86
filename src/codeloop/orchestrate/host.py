"""The host side of the primitives: what ``llm_query``, ``raw_query``, ``checkpoint``, ``restore``
and ``budget`` do when a sandboxed program (Python or Scheme) calls them."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from codeloop.errors import ExecutionFailed
from codeloop.models.budget import Budget
from codeloop.models.types import ModelRequest
from codeloop.orchestrate.budget import BudgetedModel, snapshot
from codeloop.orchestrate.recording import StepLog, StepRecordingModel
from codeloop.orchestrate.routing import ModelRouter
from codeloop.sandbox.hosting import query_prompt
from codeloop.sandbox.protocol import HostFunction, SandboxSession
from codeloop.sandbox.scheme import QueryArgs
from codeloop.store import CheckpointStore

__all__ = ["ProgramHost", "SessionSchemeHost"]

_DEFAULT_MAX_TOKENS = 512
_RESULT = "codeloop_result"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ProgramHost:
    """Binds the primitives of one run to its models, budget, step log and checkpoints."""

    def __init__(
        self,
        router: ModelRouter,
        budget: Budget,
        log: StepLog,
        *,
        checkpoints: CheckpointStore | None = None,
        worker_role: str = "worker",
    ) -> None:
        self.router = router
        self.run_budget = budget
        self.log = log
        self._checkpoints = checkpoints
        self._memory: dict[str, Any] = {}
        self._worker_role = worker_role

    async def ask(
        self,
        prompt: str,
        *,
        model: str | None,
        temperature: float | None,
        max_tokens: int | None,
        system: str | None = None,
        role: str | None = None,
        name: str = "llm_query",
    ) -> str:
        chosen = self.router.pick(model, role or self._worker_role)
        wrapped = StepRecordingModel(BudgetedModel(chosen, self.run_budget), self.log, name)
        request = ModelRequest.of(
            prompt,
            system=system,
            temperature=temperature or 0.0,
            max_tokens=max_tokens or _DEFAULT_MAX_TOKENS,
        )
        response = await wrapped.complete(request)
        return response.text

    async def llm_query(
        self,
        instruction: str,
        data: str = "",
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> str:
        prompt = query_prompt(instruction, data)
        return await self.ask(
            prompt, model=model, temperature=temperature, max_tokens=max_tokens, name="llm_query"
        )

    async def raw_query(
        self,
        prompt: str,
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> str:
        return await self.ask(
            prompt,
            model=model,
            temperature=temperature,
            max_tokens=max_tokens,
            role="coder",
            name="raw_query",
        )

    async def checkpoint(self, name: str, value: Any) -> None:
        self._memory[name] = value
        if self._checkpoints is not None and self.log.run_id is not None:
            self._checkpoints.save(self.log.run_id, name, value)

    async def restore(self, name: str) -> Any:
        if name in self._memory:
            return self._memory[name]
        if self._checkpoints is not None and self.log.run_id is not None:
            return self._checkpoints.load(self.log.run_id, name)
        return None

    async def budget(self) -> dict[str, Any]:
        return snapshot(self.run_budget)

    def functions(self) -> Mapping[str, HostFunction]:
        """The host functions a sandbox run gets, by primitive name."""
        return {
            "llm_query": self.llm_query,
            "raw_query": self.raw_query,
            "checkpoint": self.checkpoint,
            "restore": self.restore,
            "budget": self.budget,
        }


class SessionSchemeHost:
    """A Scheme program's host: Python goes to one sandbox session, queries to the program host."""

    def __init__(self, session: SandboxSession, host: ProgramHost) -> None:
        self._session = session
        self._host = host

    async def _run(self, code: str, return_vars: tuple[str, ...] = ()) -> Any:
        result = await self._session.run(code, return_vars=return_vars)
        if not result.ok:
            tail = result.error.traceback_tail if result.error else ""
            raise ExecutionFailed(result.feedback(), tail)
        return result

    async def py_exec(self, code: str) -> str:
        result = await self._run(code)
        return str(result.stdout)

    async def py_eval(self, expression: str) -> Any:
        result = await self._run(f"{_RESULT} = ({expression})", (_RESULT,))
        return result.variables.get(_RESULT)

    async def py_set(self, name: str, value: Any) -> None:
        if not _IDENTIFIER.fullmatch(name):
            raise ExecutionFailed(f"py-set!: {name!r} is not a Python identifier")
        await self._run(f"import json\n{name} = json.loads({json.dumps(json.dumps(value))})")

    async def query(self, args: QueryArgs) -> str:
        prompt = query_prompt(args.instruction, args.data)
        return await self._host.ask(
            prompt,
            model=args.model,
            temperature=args.temperature,
            max_tokens=args.max_tokens,
            system=args.system,
            name="llm_query",
        )

    async def checkpoint(self, name: str, value: Any) -> None:
        await self._host.checkpoint(name, value)

    async def restore(self, name: str) -> Any:
        return await self._host.restore(name)
