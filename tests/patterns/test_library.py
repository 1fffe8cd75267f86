from codeloop.patterns.antiunify import instantiate, lgg, match, renumber
from codeloop.patterns.library import AntiUnificationLearner, StitchLearner, from_sexpr, to_sexpr
from codeloop.patterns.trees import Node, Parsers


def n(label, *children):
    return Node(label, tuple(children))


def test_lgg_reuses_holes_and_instantiates_back():
    a = n("f", n("x"), n("x"), n("g", n("1")))
    b = n("f", n("y"), n("y"), n("g", n("2")))
    general, subst = lgg(a, b)
    assert general.sexpr() == "(f ?0 ?0 (g ?1))"
    assert instantiate(general, {h: pair[0] for h, pair in subst.items()}) == a
    assert instantiate(general, {h: pair[1] for h, pair in subst.items()}) == b
    assert match(general, n("f", n("z"), n("w"), n("g", n("3")))) is None
    assert renumber(from_sexpr("(f ?4 ?2 ?4)")).sexpr() == "(f ?0 ?1 ?0)"


def test_sexpr_round_trip_escapes_awkward_labels():
    tree = n("call", n("#x"), n("a b"), n("lam"))
    assert from_sexpr(to_sexpr(tree)) == n("call", n("%23x"), n("a%20b"), n("%lam"))


CORPUS = [
    f"def f{i}(a, b):\n    if not isinstance(a, int):\n        raise TypeError('{i}')\n"
    f"    return a * {i} + b\n"
    for i in range(6)
]


def test_both_engines_compress_the_same_corpus():
    trees = [u.tree for src in CORPUS for u in Parsers().parse(src, "python").units()]
    ours = AntiUnificationLearner().learn(trees, top_k=3)
    stitch = StitchLearner().learn(trees, top_k=3)
    assert ours.initial_cost == stitch.initial_cost == sum(t.size() for t in trees)
    assert ours.compression > 2.0
    assert stitch.compression > 2.0
    best = ours.abstractions[0]
    assert best.uses == 6
    assert "isinstance" in best.body
    assert "TypeError" in best.body
