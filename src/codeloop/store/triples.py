"""Facts as triples with provenance: the storage of the code knowledge graph."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from codeloop.store._db import Database
from codeloop.store.records import Triple

__all__ = ["TripleStore"]


def _encode(provenance: dict[str, Any], seen: dict[int, str]) -> str:
    """JSON of a provenance dict, encoded once per distinct dict object in a batch."""
    key = id(provenance)
    if key not in seen:
        seen[key] = json.dumps(provenance)
    return seen[key]


class TripleStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, triples: Iterable[Triple]) -> int:
        """Insert facts, ignoring exact duplicates; returns how many were new."""
        now = time.time()
        encoded: dict[int, str] = {}
        rows = [
            (t.subject, t.predicate, t.object, _encode(t.provenance, encoded), now) for t in triples
        ]
        with self._db.transaction() as conn:
            cursor = conn.executemany(
                "INSERT OR IGNORE INTO triples (subject, predicate, object, provenance,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            return max(cursor.rowcount, 0)

    def query(
        self,
        subject: str | None = None,
        predicate: str | None = None,
        object: str | None = None,
        *,
        limit: int | None = None,
    ) -> list[Triple]:
        """Facts matching every given part (``None`` matches anything; ``%`` is a LIKE pattern)."""
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (("subject", subject), ("predicate", predicate), ("object", object)):
            if value is None:
                continue
            clauses.append(f"{column} {'LIKE' if '%' in value else '='} ?")
            params.append(value)
        sql = "SELECT subject, predicate, object, provenance FROM triples"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [
            Triple(subject=r[0], predicate=r[1], object=r[2], provenance=json.loads(r[3]))
            for r in self._db.query(sql, params)
        ]

    def query_prefix(self, prefix: str) -> list[Triple]:
        """Facts whose subject starts with ``prefix`` (an index range scan, not a LIKE)."""
        rows = self._db.query(
            "SELECT subject, predicate, object, provenance FROM triples"
            " WHERE subject >= ? AND subject < ? ORDER BY id",
            (prefix, prefix + "\U0010ffff"),
        )
        return [
            Triple(subject=r[0], predicate=r[1], object=r[2], provenance=json.loads(r[3]))
            for r in rows
        ]

    def rows_with_prefix(self, prefix: str) -> list[tuple[str, str, str]]:
        """``(subject, predicate, object)`` rows under ``prefix`` without provenance: the fast
        path for rebuilding a tree (no JSON decoding, no model per row)."""
        rows = self._db.query(
            "SELECT subject, predicate, object FROM triples"
            " WHERE subject >= ? AND subject < ? ORDER BY id",
            (prefix, prefix + "\U0010ffff"),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def remove_fact(self, subject: str, predicate: str, object: str) -> int:
        cursor = self._db.execute(
            "DELETE FROM triples WHERE subject = ? AND predicate = ? AND object = ?",
            (subject, predicate, object),
        )
        return cursor.rowcount

    def remove_prefix(self, prefix: str) -> int:
        """Delete every fact whose subject starts with ``prefix``."""
        cursor = self._db.execute(
            "DELETE FROM triples WHERE subject >= ? AND subject < ?",
            (prefix, prefix + "\U0010ffff"),
        )
        return cursor.rowcount

    def remove_from_source(self, source: str) -> int:
        """Delete every fact whose provenance names ``source`` (re-ingesting a changed file)."""
        cursor = self._db.execute(
            "DELETE FROM triples WHERE json_extract(provenance, '$.source') = ?", (source,)
        )
        return cursor.rowcount

    def remove(self, subject: str, predicate: str | None = None) -> int:
        if predicate is None:
            cursor = self._db.execute("DELETE FROM triples WHERE subject = ?", (subject,))
        else:
            cursor = self._db.execute(
                "DELETE FROM triples WHERE subject = ? AND predicate = ?", (subject, predicate)
            )
        return cursor.rowcount
