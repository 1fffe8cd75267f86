import sqlite3
import time
from pathlib import Path

import pytest

from codeloop.errors import StoreError, UserInputError
from codeloop.store import StepRecord, Store, Trace, Triple


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "db" / "codeloop.db")


def test_database_is_wal_and_migrations_apply_once(tmp_path: Path) -> None:
    path = tmp_path / "codeloop.db"
    first = Store(path)
    applied = first.db.applied_migrations
    assert applied[:4] == ["0001_runs_steps", "0002_cache", "0003_checkpoints", "0004_triples"]
    first.close()
    second = Store(path)
    assert second.db.applied_migrations == applied
    assert second.db.query("PRAGMA journal_mode")[0][0] == "wal"


def test_a_run_keeps_its_steps_in_order_with_parents(store: Store) -> None:
    run_id = store.runs.start_run("gen", {"description": "add two numbers"})
    trace = Trace(store.runs, run_id)
    root = trace.record(
        "model_call",
        "local:m",
        {"prompt": "p"},
        output={"text": "t"},
        input_tokens=10,
        output_tokens=5,
        seconds=0.5,
    )
    trace.child(root).record("validation", "ruff", {"code": "x"}, error="E501")
    store.runs.finish_run(run_id, "ok", {"files": 1})

    run = store.runs.get_run(run_id[:6])
    assert (run.status, run.result, run.kind) == ("ok", {"files": 1}, "gen")
    assert [s.name for s in run.steps] == ["local:m", "ruff"]
    assert run.steps[1].parent_id == root
    assert run.steps[1].error == "E501"
    assert (run.input_tokens, run.output_tokens) == (10, 5)
    assert [r.id for r in store.runs.list_runs(kind="gen")] == [run_id]
    assert store.runs.list_runs(kind="ask") == []


def test_unknown_run_id_names_the_fix(store: Store) -> None:
    with pytest.raises(UserInputError, match="codeloop runs list"):
        store.runs.get_run("nope")


def test_cache_honours_its_ttl(store: Store) -> None:
    store.cache.put("k1", "m", {"text": "a"}, ttl_s=60)
    store.cache.put("k2", "m", {"text": "b"}, ttl_s=0.01)
    time.sleep(0.02)
    assert store.cache.get("k1") == {"text": "a"}
    assert store.cache.get("k2") is None
    assert store.cache.purge_expired() == 1


def test_checkpoints_round_trip(store: Store) -> None:
    store.checkpoints.save("r1", "step-1", {"done": [1, 2]})
    store.checkpoints.save("r1", "step-1", {"done": [1, 2, 3]})
    assert store.checkpoints.load("r1", "step-1") == {"done": [1, 2, 3]}
    assert store.checkpoints.load("r1", "missing") is None
    assert store.checkpoints.names("r1") == ["step-1"]


def test_triples_query_by_any_part_and_ignore_duplicates(store: Store) -> None:
    facts = [
        Triple(
            subject="crate::a::Foo",
            predicate="code:kind",
            object="struct",
            provenance={"source": "a.rs", "line": 3, "how": "ingested"},
        ),
        Triple(subject="crate::a::Foo", predicate="code:visibility", object="pub"),
        Triple(subject="crate::b::Bar", predicate="code:kind", object="struct"),
    ]
    assert store.triples.add(facts) == 3
    assert store.triples.add(facts[:1]) == 0
    assert {t.subject for t in store.triples.query(predicate="code:kind", object="struct")} == {
        "crate::a::Foo",
        "crate::b::Bar",
    }
    assert store.triples.query(subject="crate::a::%", predicate="code:kind")[0].provenance == {
        "source": "a.rs",
        "line": 3,
        "how": "ingested",
    }
    assert store.triples.remove("crate::a::Foo") == 2
    assert len(store.triples.query()) == 1


def test_an_unwritable_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open the store"):
        Store(blocker / "codeloop.db")


def test_steps_are_committed_immediately(store: Store, tmp_path: Path) -> None:
    run_id = store.runs.start_run("ask", {})
    store.runs.add_step(StepRecord(run_id=run_id, kind="model_call", name="m", input={}))
    other = sqlite3.connect(store.db.path)
    assert other.execute("SELECT count(*) FROM steps").fetchone()[0] == 1
