import json
import sqlite3

import pytest

from codeloop.cli import app
from codeloop.cli._app import run_app

SRC = """
def load(path):
    with open(path) as fh:
        return json.load(fh)


def save(path, data):
    with open(path, "w") as fh:
        json.dump(data, fh)


def area(w, h):
    return w * h
"""

BOOK = """# Vectors

```rust
fn main() {
    let mut v = Vec::new();
    v.push(1);
    println!("{:?}", v);
}
```

```rust
fn main() {
    let mut names = Vec::new();
    names.push("a");
    println!("{:?}", names);
}
```

```rust
fn build() {
    let mut out = Vec::new();
    out.push(2.0);
    println!("{:?}", out);
}
```
"""


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CODELOOP_HOME", str(tmp_path / "home"))
    (tmp_path / "lib.py").write_text(SRC)
    (tmp_path / "book.md").write_text(BOOK)
    return tmp_path


def test_index_then_search_finds_the_function_and_persists(home, capsys):
    assert run_app(app, ["patterns", "index", str(home / "lib.py"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"added": 3, "indexed": 3}
    assert run_app(app, ["patterns", "index", str(home / "lib.py"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"added": 0, "indexed": 3}
    assert (home / "home" / "patterns.npz").exists()
    code = "def read(p):\n    with open(p) as f:\n        return json.load(f)\n"
    assert run_app(app, ["patterns", "search", "--text", code, "-k", "1", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert [h["name"] for h in hits] == ["load"]
    assert 0.8 < hits[0]["similarity"] < 1.0  # only the function's own name differs
    assert (
        run_app(
            app,
            [
                "patterns",
                "analogy",
                "--pattern",
                f"{home}/lib.py:load",
                "--from",
                "load",
                "--to",
                "dump",
                "-k",
                "1",
                "--json",
            ],
        )
        == 0
    )
    assert [h["name"] for h in json.loads(capsys.readouterr().out)] == ["load"]


def test_search_needs_one_query(home, capsys):
    assert run_app(app, ["patterns", "search"]) == 2
    assert "exactly one of --like" in capsys.readouterr().err


def test_mine_stores_patterns_in_the_graph(home, capsys):
    assert (
        run_app(app, ["patterns", "mine", str(home / "book.md"), "--min-support", "3", "--json"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert (report["blocks"], report["parsed"], report["parse_rate"]) == (3, 3, 1.0)
    calls = [p["structure"] for p in report["top"] if p["kind"] == "call-sequence"]
    assert calls == ["Vec::new → .push → println!"]
    db = sqlite3.connect(home / "home" / "codeloop.db")
    kinds = dict(
        db.execute(
            "SELECT object, COUNT(*) FROM triples WHERE predicate = 'pattern:kind' GROUP BY object"
        ).fetchall()
    )
    # only API-bearing, non-skeleton subtrees are stored; the rest are counted
    assert report["subtree_patterns"] == 193
    assert kinds == {"call-sequence": 1, "subtree": 14}
    structures = {
        r[0] for r in db.execute("SELECT object FROM triples WHERE predicate = 'pattern:structure'")
    }
    assert "(let_declaration mut (call_expression (scoped_identifier Vec new)))" in structures


def test_library_learn_writes_templates(home, capsys):
    many = "".join(
        f"def f{i}(a):\n    if a is None:\n        raise ValueError('{i}')\n"
        f"    return a.get({i})\n\n"
        for i in range(5)
    )
    (home / "many.py").write_text(many)
    assert run_app(app, ["library", "learn", str(home / "many.py"), "--top-k", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["compression"] > 1.5
    assert report["templates"][0].startswith("abstraction:if_valueerror-")
    db = sqlite3.connect(home / "home" / "codeloop.db")
    bodies = [
        r[0] for r in db.execute("SELECT object FROM triples WHERE predicate='abstraction:body'")
    ]
    assert len(bodies) == 2
    assert any("ValueError" in b for b in bodies)
    assert run_app(app, ["library", "learn", "--engine", "nope", str(home / "many.py")]) == 2


def test_library_learns_from_accepted_runs(home, capsys):
    from codeloop.config import Settings
    from codeloop.store import Store

    store = Store(Settings().db_path)
    for i in range(4):
        run = store.runs.start_run("generate", {"task": i})
        code = (
            f"fn f{i}(v: &mut Vec<i32>) {{\n"
            f"    if v.is_empty() {{\n        v.push({i});\n    }}\n}}\n"
        )
        store.runs.finish_run(run, "ok", {"code": code, "language": "rust"})
    failed = store.runs.start_run("generate", {"task": 9})
    store.runs.finish_run(failed, "error", {"code": "fn broken() {}", "language": "rust"})
    store.close()
    assert run_app(app, ["library", "learn", "--from-runs", "--top-k", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["result"]["programs"] == 4  # the failed run is not learned from
    bodies = {a["body"]: a["uses"] for a in report["result"]["abstractions"]}
    assert [uses for body, uses in bodies.items() if "is_empty" in body] == [4]


def test_library_learn_without_code_names_the_fix(home, capsys):
    assert run_app(app, ["library", "learn"]) == 2
    assert "pass .py/.rs PATHs or --from-runs" in capsys.readouterr().err
