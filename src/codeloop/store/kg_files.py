"""Which source files the code graph was built from, by content hash (incremental ingest)."""

from __future__ import annotations

import json
import time

from pydantic import BaseModel, ConfigDict

from codeloop.store._db import Database

__all__ = ["IngestedFile", "IngestedFileStore"]


class IngestedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    sha256: str
    lang: str
    entities: list[str]
    ingested_at: float = 0.0


class IngestedFileStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, path: str) -> IngestedFile | None:
        rows = self._db.query(
            "SELECT path, sha256, lang, entities, ingested_at FROM kg_files WHERE path = ?", (path,)
        )
        if not rows:
            return None
        r = rows[0]
        return IngestedFile(
            path=r[0], sha256=r[1], lang=r[2], entities=json.loads(r[3]), ingested_at=r[4]
        )

    def put(self, record: IngestedFile) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO kg_files (path, sha256, lang, entities, ingested_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (record.path, record.sha256, record.lang, json.dumps(record.entities), time.time()),
        )

    def count(self) -> int:
        return int(self._db.query("SELECT COUNT(*) FROM kg_files")[0][0])
