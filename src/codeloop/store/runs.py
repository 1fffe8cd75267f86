"""Runs and their steps: the trace of everything codeloop did and paid for."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from codeloop.errors import UserInputError
from codeloop.store._db import Database
from codeloop.store.records import RunRecord, RunStatus, StepRecord

__all__ = ["RunStore"]


def _dump(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class RunStore:
    """Writes each step as soon as it finishes, so a crash loses nothing already done."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def start_run(self, kind: str, request: Any) -> str:
        run_id = uuid.uuid4().hex[:12]
        self._db.execute(
            "INSERT INTO runs (id, kind, request, status, created_at) VALUES (?, ?, ?, ?, ?)",
            (run_id, kind, _dump(request), "running", time.time()),
        )
        return run_id

    def finish_run(
        self, run_id: str, status: RunStatus, result: Any = None, error: str | None = None
    ) -> None:
        self._db.execute(
            "UPDATE runs SET status = ?, result = ?, error = ?, finished_at = ? WHERE id = ?",
            (status, _dump(result), error, time.time(), run_id),
        )

    def add_step(self, step: StepRecord) -> int:
        cursor = self._db.execute(
            "INSERT INTO steps (run_id, parent_id, kind, name, input, output, error, input_tokens,"
            " output_tokens, cost_usd, seconds, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                step.run_id,
                step.parent_id,
                step.kind,
                step.name,
                _dump(step.input),
                _dump(step.output),
                step.error,
                step.input_tokens,
                step.output_tokens,
                step.cost_usd,
                step.seconds,
                step.created_at or time.time(),
            ),
        )
        step_id = cursor.lastrowid
        assert step_id is not None
        return step_id

    def list_runs(self, *, limit: int = 20, kind: str | None = None) -> list[RunRecord]:
        sql = "SELECT * FROM runs"
        params: list[Any] = []
        if kind:
            sql += " WHERE kind = ?"
            params.append(kind)
        sql += " ORDER BY created_at DESC LIMIT ?"
        params.append(limit)
        return [self._run(row) for row in self._db.query(sql, params)]

    def get_run(self, run_id: str) -> RunRecord:
        rows = self._db.query("SELECT * FROM runs WHERE id = ?", (run_id,))
        if not rows:
            rows = self._db.query("SELECT * FROM runs WHERE id LIKE ?", (run_id + "%",))
        if len(rows) != 1:
            raise UserInputError(
                f"no run with id {run_id!r}: `codeloop runs list` shows the ids"
                if not rows
                else f"run id prefix {run_id!r} is ambiguous: give more characters"
            )
        run = self._run(rows[0])
        run.steps = self.steps(run.id)
        return run

    def steps(self, run_id: str) -> list[StepRecord]:
        rows = self._db.query("SELECT * FROM steps WHERE run_id = ? ORDER BY id", (run_id,))
        return [
            StepRecord(
                id=r["id"],
                run_id=r["run_id"],
                parent_id=r["parent_id"],
                kind=r["kind"],
                name=r["name"],
                input=_load(r["input"]),
                output=_load(r["output"]),
                error=r["error"],
                input_tokens=r["input_tokens"],
                output_tokens=r["output_tokens"],
                cost_usd=r["cost_usd"],
                seconds=r["seconds"],
                created_at=r["created_at"],
            )
            for r in rows
        ]

    @staticmethod
    def _run(row: Any) -> RunRecord:
        return RunRecord(
            id=row["id"],
            kind=row["kind"],
            request=_load(row["request"]),
            status=row["status"],
            result=_load(row["result"]),
            error=row["error"],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
        )
