import pytest

from codeloop.errors import UserInputError
from codeloop.patterns.blocks import detect_language, extract_blocks
from codeloop.patterns.freqt import mine_frequent_trees
from codeloop.patterns.sequences import mine_call_sequences
from codeloop.patterns.trees import Node, Parsers


def n(label, *children):
    return Node(label, tuple(children))


def test_freqt_counts_document_support_and_keeps_maximal():
    trees = [n("a", n("b"), n("c")), n("a", n("b"), n("c"), n("d")), n("x", n("a", n("b")))]
    everything = mine_frequent_trees(trees, min_support=2, max_size=3, maximal=False)
    shapes = {p.tree.sexpr(): p.support for p in everything}
    assert shapes == {"a": 3, "b": 3, "c": 2, "(a b)": 3, "(a c)": 2, "(a b c)": 2}
    maximal = mine_frequent_trees(trees, min_support=2, max_size=3)
    assert [(p.tree.sexpr(), p.support) for p in maximal] == [("(a b c)", 2)]


def test_freqt_rejects_bad_bounds():
    with pytest.raises(UserInputError, match="at least 1"):
        mine_frequent_trees([n("a")], min_support=0)


def test_call_sequences_allow_gaps_and_keep_maximal():
    seqs = [["open", "log", "read", "close"], ["open", "read", "close"], ["open", "close"]]
    found = mine_call_sequences(seqs, min_support=2)
    assert [(s.calls, s.support) for s in found] == [(("open", "read", "close"), 2)]


def test_blocks_from_markdown_and_html_with_language(tmp_path):
    (tmp_path / "post.md").write_text(
        '# Post\n\n```rust\nfn main() { println!("hi"); }\n```\n\n'
        "```\ndef f(x):\n    return x\n```\n"
        "\n```console\n$ cargo run\n```\n"
    )
    (tmp_path / "page.html").write_text(
        '<p>x</p><pre><code class="language-rust ignore">let v = vec![1, 2];\n'
        "v.iter().map(|x| x &lt; 2);</code></pre>"
        '<pre><code class="language-rust">fn main() { println!("hi"); }\n</code></pre>'
    )
    parsers = Parsers()
    blocks = extract_blocks([tmp_path], parsers)
    # the Markdown copy of the HTML page's second block is a duplicate and is kept once
    assert [(b.source.rsplit("/", 1)[1], b.language) for b in blocks] == [
        ("page.html", "rust"),
        ("page.html", "rust"),
        ("post.md", "python"),
        ("post.md", None),
    ]
    assert "x < 2" in blocks[0].code
    assert detect_language("let x = 5;\nlet y = &x;", parsers) == "rust"
    assert detect_language("import os\ndef f():\n    return os.sep\n", parsers) == "python"
