"""The model response cache: content-addressed keys with a TTL."""

from __future__ import annotations

import json
import time
from typing import Any

from codeloop.store._db import Database

__all__ = ["ResponseCache"]


class ResponseCache:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str) -> dict[str, Any] | None:
        rows = self._db.query(
            "SELECT response FROM response_cache WHERE key = ? AND expires_at > ?",
            (key, time.time()),
        )
        if not rows:
            return None
        value: dict[str, Any] = json.loads(rows[0][0])
        return value

    def put(self, key: str, model: str, response: dict[str, Any], ttl_s: float) -> None:
        now = time.time()
        self._db.execute(
            "INSERT OR REPLACE INTO response_cache (key, model, response, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (key, model, json.dumps(response), now, now + ttl_s),
        )

    def purge_expired(self) -> int:
        cursor = self._db.execute(
            "DELETE FROM response_cache WHERE expires_at <= ?", (time.time(),)
        )
        return cursor.rowcount
