"""Learned templates: library learning over related functions, each abstraction turned into a
source template, then instantiated with every original's own hole values. Measures how often that
gives the original text back exactly, how much of the text the template writes (the rest is hole
values), and the seconds of each step. The baseline is the original source itself.

    python -m benchmarks.learned_templates                  # 12 functions per language
    python -m benchmarks.learned_templates --functions 60   # full size
"""

from __future__ import annotations

import argparse
import ast
import random
import time
from typing import Any

from benchmarks._report import format_table, write_result
from codeloop.knowledge import TemplateLibrary, rust_syntax_errors
from codeloop.patterns.library import AntiUnificationLearner, name_from_context
from codeloop.patterns.templates import learned_templates, occurrence
from codeloop.patterns.trees import Language, Parsers

_OPS = (">", "<", ">=", "!=")
_ARITH = ("*", "+", "-")


def corpus(language: Language, n: int, seed: int) -> str:
    """``n`` filter-and-accumulate functions differing in names, constants and operators."""
    rng = random.Random(seed)
    out: list[str] = []
    for i in range(n):
        acc = rng.choice(("out", "acc", "result"))
        item = rng.choice(("v", "x", "item"))
        op, arith, k = rng.choice(_OPS), rng.choice(_ARITH), rng.randint(0, 99)
        if language == "python":
            out.append(
                f"def f{i}(values, factor):\n    {acc} = []\n    for {item} in values:\n"
                f"        if {item} {op} {k}:\n            {acc}.append({item} {arith} factor)\n"
                f"    return {acc}\n"
            )
        else:
            out.append(
                f"fn f{i}(values: &[i64], factor: i64) -> Vec<i64> {{\n"
                f"    let mut {acc} = Vec::new();\n    for {item} in values.iter() {{\n"
                f"        if *{item} {op} {k} {{\n            {acc}.push({item} {arith} factor);\n"
                f"        }}\n    }}\n    {acc}\n}}\n"
            )
    return "\n".join(out)


def parses(text: str, language: Language) -> bool:
    if language == "python":
        try:
            ast.parse("def _f():\n" + "".join("    " + ln for ln in text.splitlines(True)))
        except SyntaxError:
            try:
                ast.parse(text)
            except SyntaxError:
                return False
        return True
    return not rust_syntax_errors(f"fn _f() {{\n{text};\n}}") or not rust_syntax_errors(text)


def run(language: Language, n: int, seed: int, top_k: int) -> list[dict[str, Any]]:
    parsers = Parsers()
    units = parsers.parse(corpus(language, n, seed), language).units()
    started = time.perf_counter()
    result = AntiUnificationLearner().learn([u.tree for u in units], top_k=top_k)
    learned = time.perf_counter()
    names = [name_from_context(a) for a in result.abstractions]
    library = TemplateLibrary(learned_templates(result, units, names, parsers))
    built = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for template in library:
        occurs = exact = parsed = 0
        template_chars = original_chars = 0
        seconds = 0.0
        for unit in units:
            found = occurrence(template, unit, parsers)
            if found is None:
                continue
            original, values = found
            occurs += 1
            t0 = time.perf_counter()
            source = library.instantiate(template.name, values).source or ""
            seconds += time.perf_counter() - t0
            exact += source == original
            parsed += parses(source, language)
            original_chars += len(original)
            template_chars += len(original) - sum(len(v) for v in values.values())
        rows.append(
            {
                "language": language,
                "functions": len(units),
                "template": template.name,
                "holes": len(template.holes),
                "occurs_in": occurs,
                "exact_share": round(exact / occurs, 4) if occurs else 0.0,
                "parse_share": round(parsed / occurs, 4) if occurs else 0.0,
                "template_writes": round(template_chars / original_chars, 4)
                if original_chars
                else 0.0,
                "instantiate_ms": round(1000 * seconds / max(1, occurs), 4),
                "learn_s": round(learned - started, 4),
                "templates_s": round(built - learned, 4),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=12)
    parser.add_argument("--top-k", type=int, default=8)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rows = run("python", args.functions, args.seed, args.top_k)
    rows += run("rust", args.functions, args.seed, args.top_k)
    columns = [
        "language",
        "functions",
        "template",
        "holes",
        "occurs_in",
        "exact_share",
        "parse_share",
        "template_writes",
        "instantiate_ms",
        "learn_s",
        "templates_s",
    ]
    print(format_table(rows, columns))
    path = write_result("learned_templates", {"args": vars(args), "rows": rows})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
