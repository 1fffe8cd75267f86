"""Property tests: random well-formed trees survive linearize → parse unchanged."""

from __future__ import annotations

import keyword

from hypothesis import given, settings
from hypothesis import strategies as st

from codeloop.knowledge import (
    CodeSignature,
    FieldDef,
    GenericParam,
    Param,
    Variant,
    canonical_rust,
    linearize_python,
    linearize_rust,
    parse_python,
    parse_rust,
)

RUST_KEYWORDS = {
    "as",
    "break",
    "const",
    "continue",
    "crate",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "async",
    "await",
    "dyn",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "macro",
    "override",
    "priv",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "try",
    "gen",
    "union",
    "raw",
}
snake = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(
    lambda s: s not in RUST_KEYWORDS and not keyword.iskeyword(s) and not keyword.issoftkeyword(s)
)
camel = st.from_regex(r"[A-Z][A-Za-z0-9]{0,7}", fullmatch=True).filter(lambda s: s != "Self")
doc_line = st.text(
    st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="\u2028\u2029\x85"),
    max_size=30,
)
docs = st.lists(doc_line, max_size=3).map("\n".join)
# A Python docstring is read back cleaned (like inspect.cleandoc): well-formed docs are clean.
py_docs = st.lists(doc_line.map(str.strip), max_size=3).map(lambda lines: "\n".join(lines).strip())
primitive = st.sampled_from(
    ["u8", "u16", "u32", "u64", "i64", "f64", "bool", "char", "String", "usize"]
)


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        inner.map(lambda t: f"Vec<{t}>"),
        inner.map(lambda t: f"Option<{t}>"),
        inner.map(lambda t: f"&{t}"),
        inner.map(lambda t: f"&mut {t}"),
        inner.map(lambda t: f"Box<[{t}]>"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}, {p[1]})"),
        st.tuples(inner, st.integers(0, 64)).map(lambda p: f"[{p[0]}; {p[1]}]"),
        st.tuples(inner, inner).map(lambda p: f"std::collections::HashMap<{p[0]}, {p[1]}>"),
        inner.map(lambda t: f"Result<{t}, Box<dyn std::error::Error + Send>>"),
    )


rust_type = st.recursive(st.one_of(primitive, camel), _compound, max_leaves=4).map(canonical_rust)
visibility = st.sampled_from(["", "pub", "pub(crate)", "pub(super)"])


@st.composite
def rust_fn(draw: st.DrawFn, *, method: bool = False) -> CodeSignature:
    names = draw(st.lists(snake, max_size=4, unique=True))
    params = [Param(name=n, type=draw(rust_type)) for n in names]
    if method:
        params.insert(
            0,
            Param(
                name="self", type=draw(st.sampled_from(["&self", "&mut self", "self"])), kind="self"
            ),
        )
    generics = [
        GenericParam(
            name=n,
            bounds=draw(
                st.lists(
                    st.sampled_from(["Clone", "Send", "std::fmt::Debug"]), max_size=2, unique=True
                )
            ),
        )
        for n in draw(st.lists(camel, max_size=2, unique=True))
    ]
    return CodeSignature(
        kind="fn",
        name=draw(snake),
        visibility="" if method else draw(visibility),
        doc=draw(docs),
        qualifiers=draw(
            st.sampled_from([[], ["const"], ["async"], ["unsafe"], ["async", "unsafe"]])
        ),
        generics=generics,
        params=params,
        returns=draw(st.none() | rust_type),
    )


@st.composite
def rust_fields(draw: st.DrawFn, named: bool) -> list[FieldDef]:
    if named:
        names = draw(st.lists(snake, min_size=1, max_size=4, unique=True))
        return [
            FieldDef(name=n, type=draw(rust_type), visibility=draw(visibility), doc=draw(docs))
            for n in names
        ]
    count = draw(st.integers(1, 3))
    return [
        FieldDef(name=str(i), type=draw(rust_type), visibility=draw(visibility))
        for i in range(count)
    ]


@st.composite
def rust_struct(draw: st.DrawFn) -> CodeSignature:
    form = draw(st.sampled_from(["named", "tuple", "unit"]))
    fields = [] if form == "unit" else draw(rust_fields(form == "named"))
    return CodeSignature(
        kind="struct",
        name=draw(camel),
        visibility=draw(visibility),
        doc=draw(docs),
        derives=draw(
            st.lists(st.sampled_from(["Debug", "Clone", "PartialEq", "Eq", "Hash"]), unique=True)
        ),
        form=form,
        fields=fields,
    )


@st.composite
def rust_enum(draw: st.DrawFn) -> CodeSignature:
    variants = []
    for name in draw(st.lists(camel, min_size=1, max_size=4, unique=True)):
        form = draw(st.sampled_from(["unit", "tuple", "named"]))
        fields = [] if form == "unit" else draw(rust_fields(form == "named"))
        variants.append(
            Variant(
                name=name,
                form=form,
                fields=[f.model_copy(update={"visibility": ""}) for f in fields],
                doc=draw(docs),
            )
        )
    return CodeSignature(
        kind="enum", name=draw(camel), visibility=draw(visibility), variants=variants
    )


@st.composite
def rust_impl(draw: st.DrawFn) -> CodeSignature:
    target = draw(camel)
    trait = draw(st.none() | camel)
    methods = draw(st.lists(rust_fn(method=True), max_size=3, unique_by=lambda f: f.name))
    name = f"impl {trait} for {target}" if trait else f"impl {target}"
    return CodeSignature(kind="impl", name=name, trait=trait, self_type=target, items=methods)


@st.composite
def rust_trait(draw: st.DrawFn) -> CodeSignature:
    methods = draw(st.lists(rust_fn(method=True), max_size=3, unique_by=lambda f: f.name))
    required = [m.model_copy(update={"declaration": draw(st.booleans())}) for m in methods]
    return CodeSignature(
        kind="trait",
        name=draw(camel),
        visibility=draw(visibility),
        bounds=draw(st.lists(st.sampled_from(["Clone", "Send", "Sync"]), unique=True)),
        items=required,
    )


rust_item = st.one_of(rust_fn(), rust_struct(), rust_enum(), rust_impl(), rust_trait())


@settings(max_examples=100, deadline=None)
@given(st.lists(rust_item, min_size=1, max_size=4))
def test_random_rust_trees_round_trip(items: list[CodeSignature]) -> None:
    back = parse_rust(linearize_rust(items))
    assert [b.shape() for b in back] == [i.shape() for i in items]


py_type = st.recursive(
    st.sampled_from(["int", "str", "bytes", "float", "None", "object"]),
    lambda inner: st.one_of(
        inner.map(lambda t: f"list[{t}]"),
        st.tuples(inner, inner).map(lambda p: f"dict[{p[0]}, {p[1]}]"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]} | {p[1]}"),
    ),
    max_leaves=4,
)
py_default = st.sampled_from(["None", "0", "'x'", "(1, 2)", "[]", "-1.5"])


@st.composite
def py_fn(draw: st.DrawFn, *, method: bool = False) -> CodeSignature:
    names = draw(st.lists(snake, min_size=0, max_size=6, unique=True))
    kinds = sorted(
        draw(
            st.lists(
                st.sampled_from(["posonly", "normal", "kwonly"]),
                min_size=len(names),
                max_size=len(names),
            )
        ),
        key=["posonly", "normal", "kwonly"].index,
    )
    params: list[Param] = []
    defaulted = False
    for name, kind in zip(names, kinds, strict=True):
        default = draw(st.none() | py_default)
        if kind != "kwonly":
            if defaulted and default is None:
                default = "None"
            defaulted = defaulted or default is not None
        params.append(Param(name=name, kind=kind, type=draw(st.none() | py_type), default=default))  # type: ignore[arg-type]
    if draw(st.booleans()):
        index = next((i for i, p in enumerate(params) if p.kind == "kwonly"), len(params))
        params.insert(index, Param(name="args", kind="vararg", type=draw(st.none() | py_type)))
    if draw(st.booleans()):
        params.append(Param(name="kwargs", kind="kwarg"))
    if method:
        params.insert(
            0,
            Param(
                name="self", kind="posonly" if params and params[0].kind == "posonly" else "normal"
            ),
        )
    return CodeSignature(
        kind="fn",
        name=draw(snake),
        lang="python",
        doc=draw(py_docs),
        attributes=draw(
            st.lists(
                st.sampled_from(["staticmethod", "functools.cache", "app.route('/x')"]),
                max_size=2,
                unique=True,
            )
        ),
        qualifiers=draw(st.sampled_from([[], ["async"]])),
        params=params,
        returns=draw(st.none() | py_type),
    )


@st.composite
def py_class(draw: st.DrawFn) -> CodeSignature:
    fields = [
        FieldDef(name=n, type=draw(py_type), default=draw(st.none() | py_default))
        for n in draw(st.lists(snake, max_size=3, unique=True))
    ]
    return CodeSignature(
        kind="class",
        name=draw(camel),
        lang="python",
        doc=draw(py_docs),
        bounds=draw(st.lists(camel, max_size=2, unique=True)),
        fields=fields,
        items=draw(st.lists(py_fn(method=True), max_size=3, unique_by=lambda f: f.name)),
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(py_fn(), py_class()), min_size=1, max_size=3))
def test_random_python_trees_round_trip(items: list[CodeSignature]) -> None:
    back = parse_python(linearize_python(items))
    assert [b.shape() for b in back] == [i.shape() for i in items]
