"""Every model call and program run is a step of the run in the store, written as it finishes."""

from __future__ import annotations

import time
from collections.abc import Callable

from codeloop.errors import ModelError
from codeloop.models.protocol import Model
from codeloop.models.types import ModelRequest, ModelResponse
from codeloop.store import RunStore, StepRecord

__all__ = ["StepLog", "StepRecordingModel"]


class StepLog:
    """Appends steps to one run; a ``None`` store keeps them in memory only."""

    def __init__(
        self,
        runs: RunStore | None,
        run_id: str | None,
        *,
        observer: Callable[[StepRecord], None] | None = None,
    ) -> None:
        self._runs = runs
        self.run_id = run_id
        self._observer = observer
        self.steps: list[StepRecord] = []

    def add(self, step: StepRecord) -> StepRecord:
        step.run_id = self.run_id
        step.created_at = step.created_at or time.time()
        if self._runs is not None and self.run_id is not None:
            step.id = self._runs.add_step(step)
        self.steps.append(step)
        if self._observer is not None:
            self._observer(step)
        return step


class StepRecordingModel:
    """Writes one ``model_call`` step per call, failures included."""

    def __init__(self, model: Model, log: StepLog, name: str) -> None:
        self._model = model
        self._log = log
        self._name = name

    async def complete(self, request: ModelRequest) -> ModelResponse:
        started = time.monotonic()
        messages = [m.model_dump() for m in request.messages]
        try:
            response = await self._model.complete(request)
        except ModelError as exc:
            self._log.add(
                StepRecord(
                    kind="model_call",
                    name=self._name,
                    input=messages,
                    error=f"{type(exc).__name__}: {exc}",
                    seconds=time.monotonic() - started,
                )
            )
            raise
        self._log.add(
            StepRecord(
                kind="model_call",
                name=self._name,
                input=messages,
                output={"text": response.text, "model": response.model},
                input_tokens=response.usage.input_tokens,
                output_tokens=response.usage.output_tokens,
                cost_usd=response.cost_usd,
                seconds=time.monotonic() - started,
            )
        )
        return response
