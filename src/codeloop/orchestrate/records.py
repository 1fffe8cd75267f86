"""A structured view of a line-oriented text context, for code that aggregates over every item.

Small models write ``r["city"] == "Paris"`` reliably and regular expressions over raw lines
poorly (they copy the prompt's pattern and its field names). So when the lines of a text context
are records — JSON lines, CSV, or ``key=value`` pairs with an optional leading ``label N:`` and
trailing ``label: free text`` — an RLM session also gets ``records``, one dict per line, and the
model is told the fields, their types and their common values.

The parser below runs twice: here, on a sample, to describe the fields; and in the sandbox
session (its source is sent as a prelude) over the whole context, so the full data never has to
cross the process boundary twice.
"""

from __future__ import annotations

import inspect
import json
import re
from collections import Counter
from typing import Any

__all__ = ["RecordView", "parse_record", "record_view"]

_SAMPLE_LINES = 200
_MIN_PARSED = 0.9  # share of sampled lines that must parse for the view to be offered
_MAX_FIELDS = 20
_FEW_VALUES = 8


def parse_record(line: str) -> dict[str, Any] | None:
    """One line as a dict: a JSON object, or ``key=value`` pairs (at least two) with an optional
    leading ``label N:`` and trailing ``label: text``. Numbers become int or float."""

    def number(text: str) -> Any:
        for kind in (int, float):
            try:
                return kind(text)
            except ValueError:
                pass
        return text

    line = line.strip()
    if line.startswith("{"):
        try:
            value = json.loads(line)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None
    pairs = list(re.finditer(r'(\w+)=("[^"]*"|\S+)', line))
    if len(pairs) < 2:
        return None
    record: dict[str, Any] = {}
    lead = re.match(r"(\w+)[ #]+(\d+):", line[: pairs[0].start()].strip())
    if lead:
        record[lead.group(1)] = int(lead.group(2))
    for pair in pairs:
        record[pair.group(1)] = number(pair.group(2).strip('"'))
    tail = re.match(r"\s*(\w+):\s*(.*)", line[pairs[-1].end() :])
    if tail:
        record[tail.group(1)] = tail.group(2).strip()
    return record


def parse_records(text: str) -> list[dict[str, Any]]:
    """Every line of ``text`` that parses, in order."""
    parsed = (parse_record(line) for line in text.splitlines())
    return [record for record in parsed if record is not None]


class RecordView:
    """The description the model reads and the prelude the sandbox session runs."""

    def __init__(self, fields: dict[str, Counter[str]], examples: dict[str, Counter[Any]]) -> None:
        self._fields = fields
        self._examples = examples

    @property
    def keys(self) -> list[str]:
        return list(self._fields)

    @property
    def prelude(self) -> str:
        return "\n".join(
            [
                "from typing import Any",
                "import json",
                "import re",
                inspect.getsource(parse_record),
                inspect.getsource(parse_records),
                "records = parse_records(context)",
                "print(len(records))",
            ]
        )

    def describe(self) -> str:
        lines = []
        for name, types in list(self._fields.items())[:_MAX_FIELDS]:
            values = self._examples[name]
            kind = "|".join(t for t, _ in types.most_common())
            if len(values) <= _FEW_VALUES:
                shown = ", ".join(repr(v) for v, _ in values.most_common())
                lines.append(f"  {name} ({kind}): one of {shown} in the sampled lines")
            else:
                lines.append(f"  {name} ({kind}): e.g. {next(iter(values))!r}")
        return "\n".join(lines)


def record_view(context: Any) -> RecordView | None:
    """A view when ``context`` is text whose lines are records, else ``None``."""
    if not isinstance(context, str):
        return None
    lines = [line for line in context[: 400 * _SAMPLE_LINES].splitlines() if line.strip()]
    sample = lines[:_SAMPLE_LINES]
    records = [r for r in map(parse_record, sample) if r is not None]
    if len(sample) < 2 or len(records) < _MIN_PARSED * len(sample):
        return None
    fields: dict[str, Counter[str]] = {}
    examples: dict[str, Counter[Any]] = {}
    for record in records:
        for key, value in record.items():
            fields.setdefault(key, Counter())[type(value).__name__] += 1
            if isinstance(value, (str, int, float, bool)):
                examples.setdefault(key, Counter())[value] += 1
    for key in fields:
        examples.setdefault(key, Counter())
    return RecordView(fields, examples)
