"""Encoded code with its hypervector: the rows the pattern index is built from, in id order."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from codeloop.store._db import Database

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["VectorRecord", "VectorStore"]


class VectorRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    key: str
    name: str
    language: str
    source: str
    line: int
    text: str


class VectorStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, rows: Iterable[tuple[VectorRecord, bytes]]) -> list[int]:
        """Insert new rows (a known ``key`` is skipped); returns the ids that were added."""
        now = time.time()
        added: list[int] = []
        with self._db.transaction() as conn:
            for rec, vector in rows:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO pattern_vectors (key, name, language, source, line,"
                    " text, vector, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (rec.key, rec.name, rec.language, rec.source, rec.line, rec.text, vector, now),
                )
                if cursor.rowcount and cursor.lastrowid is not None:
                    added.append(cursor.lastrowid)
        return added

    def since(self, last_id: int) -> tuple[list[int], npt.NDArray[np.uint8]]:
        """Ids and vectors of every row after ``last_id``, for incremental indexing."""
        import numpy as np  # only the pattern commands pay for numpy, not every CLI start

        rows = self._db.query(
            "SELECT id, vector FROM pattern_vectors WHERE id > ? ORDER BY id", (last_id,)
        )
        if not rows:
            return [], np.zeros((0, 0), dtype=np.uint8)
        matrix = np.stack([np.frombuffer(r[1], dtype=np.uint8) for r in rows])
        return [int(r[0]) for r in rows], matrix

    def get(self, ids: Sequence[int]) -> dict[int, VectorRecord]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.query(
            "SELECT id, key, name, language, source, line, text FROM pattern_vectors"
            f" WHERE id IN ({marks})",
            list(ids),
        )
        return {
            int(r[0]): VectorRecord(
                id=r[0], key=r[1], name=r[2], language=r[3], source=r[4], line=r[5], text=r[6]
            )
            for r in rows
        }

    def count(self) -> int:
        return int(self._db.query("SELECT COUNT(*) FROM pattern_vectors")[0][0])
