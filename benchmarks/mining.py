"""Mining the Rust Book installed with the toolchain: code blocks, parse rate, frequent maximal
subtrees (FREQT) and API-call sequences at a minimum support, seconds, and example patterns.

    python -m benchmarks.mining                         # min support 3, max size 6
    python -m benchmarks.mining --max-size 8
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from benchmarks._report import format_table, write_result
from codeloop.patterns.service import PatternService
from codeloop.store import Store


def book_path() -> Path:
    sysroot = subprocess.run(
        ["rustc", "--print", "sysroot"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return Path(sysroot) / "share" / "doc" / "rust" / "html" / "book"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-support", type=int, default=3)
    parser.add_argument("--max-size", type=int, default=6)
    parser.add_argument("--source", type=Path, default=None)
    args = parser.parse_args()
    source = args.source or book_path()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "db.sqlite")
        service = PatternService(store, Path(tmp) / "patterns.npz")
        report = service.mine([source], min_support=args.min_support, max_size=args.max_size, top=8)
        facts = len(store.triples.query(predicate="pattern:kind"))
        store.close()
    summary = {
        "files": report.sources,
        "blocks": report.blocks,
        "rust_blocks": report.blocks_by_language.get("rust", 0),
        "parsed": report.parsed,
        "parse_rate": report.parse_rate,
        "maximal_subtrees": report.subtree_patterns,
        "call_sequences": report.call_sequences,
        "patterns_in_graph": facts,
        "seconds": report.seconds,
    }
    print(format_table([summary], list(summary)))
    print(
        format_table(
            [p.model_dump() for p in report.top],
            ["kind", "support", "size", "category", "structure"],
        )
    )
    write_result(
        "mining",
        {
            "args": {**vars(args), "source": str(source)},
            "summary": summary,
            "blocks_by_language": report.blocks_by_language,
            "examples": [p.model_dump() for p in report.top],
        },
    )


if __name__ == "__main__":
    main()
