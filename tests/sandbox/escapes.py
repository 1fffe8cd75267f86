"""The escape attempts, loaded from ``escapes.toml``.

``on``: statuses that count as safe with the validator on; ``off``: with it off (the OS layers
alone). Every attempt that got through would put a canary into its result, so the shared check
"no canary in the result" is what fails if the sandbox leaks.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Attempt:
    name: str
    family: str
    program: str
    on: frozenset[str]
    off: frozenset[str]


SOURCE = Path(__file__).with_name("escapes.toml")


def load(path: Path = SOURCE) -> list[Attempt]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    preludes: dict[str, str] = data["preludes"]
    attempts = []
    for entry in data["attempt"]:
        if "nested" in entry:
            depth = int(entry["nested"])
            program = "x = " + "(" * depth + "1" + ")" * depth
        else:
            program = preludes.get(entry.get("prelude", ""), "") + entry["program"]
        attempts.append(
            Attempt(
                name=entry["name"],
                family=entry["family"],
                program=program,
                on=frozenset(entry["on"]),
                off=frozenset(entry["off"]),
            )
        )
    return attempts


ATTEMPTS = load()
