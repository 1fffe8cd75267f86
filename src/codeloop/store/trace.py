"""A run's trace: where every step of one run is written as soon as it finishes."""

from __future__ import annotations

from typing import Any

from codeloop.store.records import StepRecord
from codeloop.store.runs import RunStore

__all__ = ["Trace"]


class Trace:
    """Records steps of one run; ``child()`` nests the following steps under a parent step."""

    def __init__(self, runs: RunStore, run_id: str, parent_id: int | None = None) -> None:
        self.runs = runs
        self.run_id = run_id
        self.parent_id = parent_id

    def record(self, kind: str, name: str, input: Any, **fields: Any) -> int:
        return self.runs.add_step(
            StepRecord(
                run_id=self.run_id,
                parent_id=self.parent_id,
                kind=kind,
                name=name,
                input=input,
                **fields,
            )
        )

    def child(self, parent_id: int) -> Trace:
        return Trace(self.runs, self.run_id, parent_id)
