"""The store: one SQLite database (WAL) holding runs, steps, the response cache, checkpoints and
the code knowledge graph."""

from __future__ import annotations

from pathlib import Path

from codeloop.store._db import Database
from codeloop.store.cache import ResponseCache
from codeloop.store.checkpoints import CheckpointStore
from codeloop.store.kg_files import IngestedFile, IngestedFileStore
from codeloop.store.records import RunRecord, StepRecord, Triple
from codeloop.store.runs import RunStore
from codeloop.store.trace import Trace
from codeloop.store.triples import TripleStore
from codeloop.store.vectors import VectorRecord, VectorStore

__all__ = [
    "CheckpointStore",
    "Database",
    "IngestedFile",
    "IngestedFileStore",
    "ResponseCache",
    "RunRecord",
    "RunStore",
    "StepRecord",
    "Store",
    "Trace",
    "Triple",
    "TripleStore",
    "VectorRecord",
    "VectorStore",
]


class Store:
    """The repositories over one database file, built once at an edge and passed inward."""

    def __init__(self, path: Path) -> None:
        self.db = Database(path)
        self.runs = RunStore(self.db)
        self.cache = ResponseCache(self.db)
        self.checkpoints = CheckpointStore(self.db)
        self.triples = TripleStore(self.db)
        self.kg_files = IngestedFileStore(self.db)
        self.vectors = VectorStore(self.db)

    def close(self) -> None:
        self.db.close()
