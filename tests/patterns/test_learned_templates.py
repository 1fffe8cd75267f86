"""Library learning → templates → ``kg gen --template``: learned abstractions become usable code."""

import ast
import json
import textwrap

import pytest

from codeloop.cli import app
from codeloop.cli._app import run_app
from codeloop.errors import UserInputError
from codeloop.knowledge import CodeGraph, Provenance, TemplateLibrary, rust_syntax_errors
from codeloop.patterns import AntiUnificationLearner
from codeloop.patterns.library import name_from_context
from codeloop.patterns.templates import learned_templates, occurrence
from codeloop.patterns.trees import Parsers
from codeloop.store import Store

PY = "\n".join(
    f"""
def scale_{i}(values, factor):
    out = []
    for v in values:
        if v > {i}:
            out.append(v * factor + {i})
    return out
"""
    for i in range(10)
)

RS = "\n".join(
    f"""
fn total_{i}(items: &[u32]) -> u32 {{
    let mut sum = 0;
    for x in items.iter() {{
        if *x > {i} {{
            sum += x * {i + 2};
        }}
    }}
    sum
}}
"""
    for i in range(10)
)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CODELOOP_HOME", str(tmp_path / "home"))
    (tmp_path / "scale.py").write_text(PY)
    return tmp_path


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_learn_then_gen_renders_a_learned_template_that_runs(home, capsys):
    assert run_app(app, ["library", "learn", str(home / "scale.py"), "--top-k", "5", "--json"]) == 0
    report = _json(capsys)
    assert "learned-block-list" in report["learned_templates"]

    assert run_app(app, ["kg", "templates", "--json"]) == 0
    listed = {t["name"]: t for t in _json(capsys)}
    learned = listed["learned-block-list"]
    assert learned["form"] == "source"
    assert learned["origin"]["how"] == "learned"
    assert learned["origin"]["engine"] == "codeloop"
    assert learned["origin"]["uses"] == 10
    assert learned["origin"]["examples"] == [f"scale_{i}" for i in range(10)]
    holes = {h["name"]: (h["kind"], h["default"]) for h in learned["holes"]}
    assert holes == {
        "h0": ("text", "if v > 0:\n    out.append(v * factor + 0)"),
        "v0": ("ident", "values"),  # names the function binds are holes too
        "v2": ("ident", "out"),
        "v3": ("ident", "v"),
    }
    assert listed["builder"]["form"] == "tree"  # built-ins still load beside learned ones

    # the default hole value reproduces the first example's body exactly
    assert run_app(app, ["kg", "gen", "--template", "learned-block-list", "--json"]) == 0
    assert _json(capsys)["source"] == (
        "out = []\nfor v in values:\n    if v > 0:\n        out.append(v * factor + 0)\n"
        "return out\n"
    )

    params = ["h0=if item:\n    acc.append(item - factor)", "v0=xs", "v2=acc", "v3=item"]
    argv = ["kg", "gen", "--template", "learned-block-list"]
    for param in params:
        argv += ["--param", param]
    assert run_app(app, [*argv, "--json"]) == 0
    source = _json(capsys)["source"]
    assert source == (
        "acc = []\nfor item in xs:\n    if item:\n        acc.append(item - factor)\nreturn acc\n"
    )
    function = "def f(xs, factor):\n" + textwrap.indent(source, "    ")
    ast.parse(function)
    namespace: dict[str, object] = {}
    exec(function, namespace)
    assert namespace["f"]([1, 0, 3], 10) == [-9, -7]  # type: ignore[operator]


def test_gen_rejects_a_hole_value_that_breaks_the_syntax(home, capsys):
    assert run_app(app, ["library", "learn", str(home / "scale.py"), "--top-k", "5"]) == 0
    capsys.readouterr()
    argv = ["kg", "gen", "--template", "learned-block-list", "--param", "h0=out.append((v"]
    assert run_app(app, argv) == 2
    assert "does not parse as python" in capsys.readouterr().err


def test_rust_learned_templates_parse_and_survive_the_graph(tmp_path):
    parsers = Parsers()
    units = parsers.parse(RS, "rust").units()
    result = AntiUnificationLearner().learn([u.tree for u in units], top_k=5)
    names = [name_from_context(a) for a in result.abstractions]
    templates = learned_templates(result, units, names, parsers)
    assert [t.name for t in templates] == [
        "learned-for-iter-arguments",
        "learned-block-mut",
        "learned-block",
        "learned-unary",
    ]  # the bare parameter list `(items: &[u32])` does not parse alone and is left out

    store = Store(tmp_path / "kg.sqlite")
    try:
        graph = CodeGraph(store.triples)
        TemplateLibrary(templates).store(graph, Provenance(how="learned"))
        library = TemplateLibrary.from_graph(graph)
    finally:
        store.close()
    assert library.names() == sorted(t.name for t in templates)
    loop = library.get("learned-for-iter-arguments")
    assert loop.origin["engine"] == "codeloop"
    assert loop.origin["uses"] == 10
    rendered = library.instantiate(
        "learned-for-iter-arguments", {"h0": "if *x % 2 == 0 { sum += x; }"}
    ).source
    assert rendered == "for x in items.iter() {\n    if *x % 2 == 0 { sum += x; }\n}"
    assert (
        rust_syntax_errors(f"fn f(items: &[u32]) -> u32 {{ let mut sum = 0; {rendered} sum }}")
        == []
    )
    # every original comes back exactly from its own hole values
    for unit in units:
        found = occurrence(loop, unit, parsers)
        assert found is not None
        original, values = found
        assert library.instantiate(loop.name, values).source == original
    assert occurrence(loop, units[3], parsers) == (
        "for x in items.iter() {\n    if *x > 3 {\n        sum += x * 5;\n    }\n}",
        {"h0": "if *x > 3 {\n    sum += x * 5;\n}", "v0": "items", "v2": "x"},
    )
    with pytest.raises(UserInputError, match="does not parse as rust"):
        library.instantiate("learned-for-iter-arguments", {"h0": "if {"})


def test_stitch_learns_a_whole_function_template_that_runs(home, capsys):
    pytest.importorskip("stitch_core")
    argv = ["library", "learn", str(home / "scale.py"), "--engine", "stitch", "--top-k", "3"]
    assert run_app(app, [*argv, "--json"]) == 0
    assert _json(capsys)["learned_templates"] == ["learned-function-definition-list-append"]
    gen = ["kg", "gen", "--template", "learned-function-definition-list-append"]
    params = {"h1": "shifted", "h0": "5", "v0": "xs", "v2": "acc", "v3": "x"}
    for key, value in params.items():
        gen += ["--param", f"{key}={value}"]
    assert run_app(app, [*gen, "--json"]) == 0
    source = _json(capsys)["source"]
    assert source.startswith("def shifted(xs, factor):\n    acc = []\n    for x in xs:\n")
    namespace: dict[str, object] = {}
    exec(source, namespace)
    assert namespace["shifted"]([1, 6, 9], 2) == [17, 23]  # type: ignore[operator]


def test_gen_offers_a_learned_template_unless_told_not_to(home, capsys):
    assert run_app(app, ["library", "learn", str(home / "scale.py"), "--top-k", "5"]) == 0
    capsys.readouterr()
    code = "def scale_big(values: list[int], factor: int) -> list[int]:\n    return values\n"
    replies = home / "replies.json"
    replies.write_text(json.dumps([f"```python\n{code}```"] * 4))
    request = (
        "Write a function scale_big(values, factor) that scales the values above 50:"
        " scale_big([], 2) == []"
    )
    argv = ["gen", request, "--model", f"scripted:{replies}", "--samples", "1", "--rounds", "0"]
    argv += ["--no-tests", "--json"]
    assert run_app(app, argv) == 0
    used = _json(capsys)["learned_template"]
    assert used["name"].startswith("learned-")
    assert used["seen_in"][:2] == ["scale_0", "scale_1"]
    assert used["similarity"] >= 0.3
    assert run_app(app, [*argv, "--no-learned"]) == 0
    assert _json(capsys)["learned_template"] is None
