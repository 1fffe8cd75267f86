"""Named checkpoints of a run (JSON values), so long programs can resume."""

from __future__ import annotations

import json
import time
from typing import Any

from codeloop.store._db import Database

__all__ = ["CheckpointStore"]


class CheckpointStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, run_id: str, name: str, value: Any) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO checkpoints (run_id, name, value, created_at) VALUES (?,?,?,?)",
            (run_id, name, json.dumps(value), time.time()),
        )

    def load(self, run_id: str, name: str) -> Any:
        rows = self._db.query(
            "SELECT value FROM checkpoints WHERE run_id = ? AND name = ?", (run_id, name)
        )
        return json.loads(rows[0][0]) if rows else None

    def names(self, run_id: str) -> list[str]:
        rows = self._db.query(
            "SELECT name FROM checkpoints WHERE run_id = ? ORDER BY created_at", (run_id,)
        )
        return [r[0] for r in rows]
