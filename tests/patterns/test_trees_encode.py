from codeloop.patterns.analogy import analogy_vector
from codeloop.patterns.encode import CodeEncoder, calls_of
from codeloop.patterns.hypervector import similarity
from codeloop.patterns.trees import Parsers

PY = """
def total(items, start=0):
    acc = start
    for item in items:
        acc = acc + item.price
    return round(acc, 2)
"""
PY_RENAMED = (
    PY.replace("items", "xs").replace("acc", "s").replace("item", "x").replace("start", "z")
)


def test_python_function_is_canonicalised():
    unit = Parsers().parse(PY, "python").units()[0]
    assert unit.name == "total"
    assert unit.tree.sexpr() == (
        "(function_definition total (parameters v0 (default_parameter v1 0)) (block"
        " (expression_statement (assignment v2 v1)) (for_statement v3 v0 (block"
        " (expression_statement (assignment v2 (binary_operator v2 + (attribute v3 price))))))"
        " (return_statement (call round (argument_list v2 2)))))"
    )
    renamed = Parsers().parse(PY_RENAMED, "python").units()[0]
    assert renamed.tree == unit.tree


def test_rust_fragment_is_wrapped_and_signature_read():
    parsers = Parsers()
    fragment = parsers.parse_fragment("let v = vec![1];\nv.iter().map(|x| x + 1)", "rust")
    assert fragment.ok
    unit = parsers.parse("fn len(s: &str, n: usize) -> usize { s.len() + n }", "rust").units()[0]
    assert (unit.params, unit.returns) == (("&str", "usize"), "usize")
    assert calls_of(unit.tree) == [".len"]
    broken = parsers.parse_fragment("fn f( {", "rust")
    assert not broken.ok


def test_clones_are_near_and_unrelated_code_is_far():
    parsers, enc = Parsers(), CodeEncoder()
    a = enc.encode(parsers.parse(PY, "python").units()[0])
    b = enc.encode(parsers.parse(PY_RENAMED, "python").units()[0])
    c = enc.encode(
        parsers.parse("def g(p):\n    print(p)\n    raise ValueError(p)\n", "python").units()[0]
    )
    assert similarity(a, b) == 1.0
    assert similarity(a, c) < 0.6


def test_analogy_equals_encoding_of_the_substituted_code():
    parsers, enc = Parsers(), CodeEncoder()
    unit = parsers.parse("def f(p):\n    return json.loads(p)\n", "python").units()[0]
    swapped = parsers.parse("def f(p):\n    return pickle.loads(p)\n", "python").units()[0]
    assert (analogy_vector(enc, unit, "json", "pickle") == enc.encode(swapped)).all()


def test_rust_clone_search_through_the_service(tmp_path):
    from codeloop.patterns.service import PatternService
    from codeloop.store import Store

    lib = tmp_path / "lib.rs"
    lib.write_text(
        "fn total(xs: &[u32]) -> u32 {\n    let mut s = 0;\n    for x in xs { s += x; }\n    s\n}\n"
        'fn greet(name: &str) -> String {\n    format!("hello {}", name)\n}\n'
    )
    store = Store(tmp_path / "db.sqlite")
    service = PatternService(store, tmp_path / "patterns.npz")
    assert service.add_paths([lib]) == 2
    query = service.text_unit(
        "fn sum(items: &[u32]) -> u32 {\n    let mut acc = 0;\n    for i in items { acc += i; }\n"
        "    acc\n}\n",
        "rust",
    )
    hits = service.search_vector(service.encoder.encode(query), 2)
    assert [h.name for h in hits] == ["total", "greet"]
    assert hits[0].similarity > 0.8 > hits[1].similarity
    store.close()
