"""Clone retrieval on real code: find the original of a renamed (type-2) or lightly restructured
(type-3) variant of a real Python stdlib function, hidden among real distractor functions;
precision@1 for codeloop's hypervectors (composite and path-contexts only) side by side with a
MinHash token-set baseline (datasketch, 128 permutations, exact top-1 by estimated Jaccard).

Originals come from the stdlib's non-test modules; distractors from everything else in the stdlib
(its test suite included; ~54k distinct functions) and, with ``--extra``, other real code such as
site-packages; canonically identical functions are kept once. Nothing is tuned here.

    python -m benchmarks.retrieval                          # 200 originals, 5,000 distractors
    python -m benchmarks.retrieval --originals 1000 --distractors 100000 \
        --extra "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
"""

from __future__ import annotations

import argparse
import ast
import io
import random
import sysconfig
import textwrap
import time
import tokenize
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._report import format_table, write_result
from codeloop.patterns.encode import CodeEncoder, calls_of, leaves_of
from codeloop.patterns.index import FaissFlatIndex, SketchIndex
from codeloop.patterns.trees import Parsers, Unit


# -- variants ------------------------------------------------------------------------------------
class _Rename(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self.names.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self.names.get(node.arg, node.arg)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str) and node.value:
            node.value = node.value[::-1] + "!"
        return node


def _bound(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    names = [a.arg for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)]
    names += [a.arg for a in (func.args.vararg, func.args.kwarg) if a is not None]
    names += [
        n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    ]
    return [n for n in dict.fromkeys(names) if n not in ("self", "cls")]


def renamed(func: ast.FunctionDef | ast.AsyncFunctionDef, rng: random.Random) -> ast.AST:
    words = ["val", "tmp", "item", "data", "res", "obj", "arg", "elem", "buf", "cur"]
    names = {n: f"{rng.choice(words)}_{i}" for i, n in enumerate(_bound(func))}
    func = _Rename(names).visit(func)
    func.name = func.name + "_copy"
    return func


def _bodies(tree: ast.AST) -> list[list[ast.stmt]]:
    return [
        getattr(n, f)
        for n in ast.walk(tree)
        for f in ("body", "orelse")
        if isinstance(getattr(n, f, None), list)
        and getattr(n, f)
        and isinstance(getattr(n, f)[0], ast.stmt)
    ]


def restructured(func: ast.FunctionDef | ast.AsyncFunctionDef, rng: random.Random) -> ast.AST:
    """Renamed, then two light edits: add a statement, drop one, swap if/else with the test
    negated, or expand ``x op= y``."""
    func = renamed(func, rng)  # type: ignore[assignment]
    edits = ["insert", "delete", "swap_if", "expand_aug"]
    rng.shuffle(edits)
    done = 0
    for edit in edits:
        if done == 2:
            break
        if edit == "insert":
            body = rng.choice(_bodies(func))
            body.insert(rng.randrange(len(body) + 1), ast.parse("_trace = None").body[0])
            done += 1
        elif edit == "delete":
            bodies = [b for b in _bodies(func) if len(b) >= 3]
            if bodies:
                body = rng.choice(bodies)
                del body[rng.randrange(len(body) - 1)]
                done += 1
        elif edit == "swap_if":
            ifs = [n for n in ast.walk(func) if isinstance(n, ast.If) and n.orelse]
            if ifs:
                node = rng.choice(ifs)
                node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
                node.body, node.orelse = node.orelse, node.body
                done += 1
        elif edit == "expand_aug":
            augs = [
                n
                for n in ast.walk(func)
                if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)
            ]
            if augs:
                node = rng.choice(augs)
                node.__class__ = ast.Assign  # type: ignore[assignment]
                value = ast.BinOp(
                    left=ast.Name(id=node.target.id, ctx=ast.Load()), op=node.op, right=node.value
                )
                node.targets = [node.target]  # type: ignore[attr-defined]
                node.value = value
                done += 1
    return func


def variant(unit: Unit, kind: str, seed: int) -> str | None:
    try:
        source = textwrap.dedent(" " * unit.column + unit.text)
        func = ast.parse(source).body[0]
    except SyntaxError:
        return None
    if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    rng = random.Random(seed)
    new = renamed(func, rng) if kind == "renamed" else restructured(func, rng)
    return ast.unparse(ast.fix_missing_locations(new))


# -- corpus ---------------------------------------------------------------------------------------
def collect(
    parsers: Parsers, n_originals: int, n_distractors: int, seed: int, extra: list[Path]
) -> tuple[list[Unit], list[Unit]]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts)
    rng = random.Random(seed)
    rng.shuffle(files)
    for folder in extra:  # more real code, used only as distractors, after the stdlib
        more = sorted(folder.rglob("*.py"))
        rng.shuffle(more)
        files += more
    seen: set[Any] = set()
    originals: list[Unit] = []
    distractors: list[Unit] = []
    for path in files:
        if len(originals) >= n_originals and len(distractors) >= n_distractors:
            break
        is_test = any(part in ("test", "tests", "idle_test") for part in path.parts) or any(
            path.is_relative_to(folder) for folder in extra
        )
        try:
            units = parsers.parse(path.read_text(errors="replace"), "python").units()
        except (OSError, ValueError):
            continue
        for unit in units:
            if unit.errors or unit.tree in seen or unit.name == "<fragment>":
                continue
            seen.add(unit.tree)
            size = unit.tree.size()
            if not is_test and 40 <= size <= 400 and len(originals) < n_originals:
                originals.append(unit)
            elif len(distractors) < n_distractors:
                distractors.append(unit)
    return originals, distractors


def token_set(text: str) -> set[str]:
    out: set[str] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.NAME, tokenize.OP, tokenize.NUMBER, tokenize.STRING):
                out.add(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        out.update(text.split())
    return out


def minhash_matrix(texts: list[str], perms: int) -> np.ndarray:
    from datasketch import MinHash

    rows = []
    for text in texts:
        m = MinHash(num_perm=perms, seed=1)
        m.update_batch([t.encode() for t in token_set(text)])
        rows.append(m.hashvalues)
    return np.stack(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--originals", type=int, default=200)
    parser.add_argument("--distractors", type=int, default=5000)
    parser.add_argument("--perms", type=int, default=128)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--extra",
        type=Path,
        nargs="*",
        default=[],
        help="folders of more real Python code to draw distractors from (e.g. site-packages)",
    )
    args = parser.parse_args()

    parsers, encoder = Parsers(), CodeEncoder()
    t0 = time.perf_counter()
    originals, distractors = collect(
        parsers, args.originals, args.distractors, args.seed, args.extra
    )
    corpus = originals + distractors
    t_collect = time.perf_counter() - t0
    print(
        f"{len(originals)} originals, {len(distractors)} distractors ({t_collect:.0f}s)", flush=True
    )

    t0 = time.perf_counter()
    composite, paths_only = [], []
    for unit in corpus:
        views = [
            encoder.encode_paths(unit.tree),
            encoder.encode_tokens(leaves_of(unit.tree)),
            encoder.encode_signature(unit.params, unit.returns),
            encoder.encode_calls(calls_of(unit.tree)),
        ]
        paths_only.append(views[0])
        composite.append(encoder.compose(views))
    t_encode = time.perf_counter() - t0
    print(
        f"encoded {len(corpus)} functions in {t_encode:.0f}s "
        f"({1000 * t_encode / len(corpus):.2f} ms each)",
        flush=True,
    )
    indexes: dict[str, Any] = {}
    for name, vectors in (("codeloop composite", composite), ("codeloop paths only", paths_only)):
        index = SketchIndex()
        index.add(list(range(len(corpus))), np.stack(vectors))
        indexes[name] = index
    exact = FaissFlatIndex()
    exact.add(list(range(len(corpus))), np.stack(composite))
    indexes["codeloop composite, exact search"] = exact
    t0 = time.perf_counter()
    mh = minhash_matrix([u.text for u in corpus], args.perms)
    t_minhash = time.perf_counter() - t0

    rows: list[dict[str, Any]] = []
    for kind in ("renamed", "restructured"):
        queries: list[tuple[int, Unit]] = []
        for i, unit in enumerate(originals):
            text = variant(unit, kind, args.seed * 100_003 + i)
            if text is None:
                continue
            units = parsers.parse(text, "python").units()
            if units and not units[0].errors:
                queries.append((i, units[0]))
        targets = np.asarray([i for i, _ in queries])
        for name, index in indexes.items():
            qv = np.stack(
                [
                    encoder.encode(u) if "composite" in name else encoder.encode_paths(u.tree)
                    for _, u in queries
                ]
            )
            t0 = time.perf_counter()
            hits = index.search(qv, 1)
            per_q = (time.perf_counter() - t0) / len(queries)
            top = np.asarray([h[0][0] for h in hits])
            rows.append(
                {
                    "variant": kind,
                    "method": name,
                    "queries": len(queries),
                    "precision@1": float((top == targets).mean()),
                    "query_ms": 1000 * per_q,
                }
            )
        qmh = minhash_matrix([u.text for _, u in queries], args.perms)
        t0 = time.perf_counter()
        top = np.asarray([int(np.argmax((mh == q).sum(axis=1))) for q in qmh])
        per_q = (time.perf_counter() - t0) / len(queries)
        rows.append(
            {
                "variant": kind,
                "method": f"MinHash token set ({args.perms} perms)",
                "queries": len(queries),
                "precision@1": float((top == targets).mean()),
                "query_ms": 1000 * per_q,
            }
        )
    for row in rows:
        base = next(r for r in rows if r["variant"] == row["variant"] and "MinHash" in r["method"])
        row["vs_minhash"] = row["precision@1"] / max(base["precision@1"], 1e-9)
    print(
        format_table(
            rows, ["variant", "method", "queries", "precision@1", "vs_minhash", "query_ms"]
        )
    )
    write_result(
        "retrieval",
        {
            "args": vars(args),
            "originals": len(originals),
            "distractors": len(distractors),
            "seconds": {"collect": t_collect, "encode": t_encode, "minhash": t_minhash},
            "rows": rows,
        },
    )


if __name__ == "__main__":
    main()
