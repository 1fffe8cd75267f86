"""A faithful sample of unseen data: format, size, structure, field names and types, records.

The model writes its program from this sample alone, so the sample must not lie: it says how many
records there are, which fields occur in how many of them and with which types, and shows records
from the start, the middle and the end, each cut to a bounded length.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import UserInputError

__all__ = ["DataFormat", "DataSample", "FieldInfo", "detect_format", "parse_data", "sample_data"]

DataFormat = Literal["json", "jsonl", "csv", "text"]

_MAX_RECORD_CHARS = 400
_MAX_FIELDS = 40


class FieldInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    types: list[str]
    present: int
    example: str


class DataSample(BaseModel):
    """What the model sees of the data; ``render()`` is the text put into prompts."""

    model_config = ConfigDict(extra="forbid")

    format: DataFormat
    size_chars: int
    shape: str
    records: int | None = None
    fields: list[FieldInfo] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    python_type: str

    def render(self) -> str:
        lines = [
            f"format: {self.format}; size: {self.size_chars} characters; {self.shape}",
            f"in the program, `context` is a {self.python_type}",
        ]
        if self.fields:
            lines.append("fields (name: types, present in how many of the sampled records, e.g.):")
            lines += [
                f"  {f.name}: {'|'.join(f.types)}, {f.present}, e.g. {f.example}"
                for f in self.fields
            ]
        lines.append("examples:")
        lines += [f"  {e}" for e in self.examples]
        return "\n".join(lines)


def detect_format(text: str, name: str = "") -> DataFormat:
    """From the file suffix when it says, else from the content."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("json", "jsonl", "csv"):
        return "jsonl" if suffix == "jsonl" else suffix  # type: ignore[return-value]
    if suffix == "ndjson":
        return "jsonl"
    stripped = text.lstrip()
    if stripped[:1] in ("[", "{"):
        try:
            json.loads(text)
        except json.JSONDecodeError:
            lines = [line for line in text.splitlines() if line.strip()][:5]
            if lines and all(_is_json(line) for line in lines):
                return "jsonl"
            return "text"
        return "json"
    head = text[:4096].splitlines()[:5]
    if len(head) >= 2 and _looks_like_csv(head):
        return "csv"
    return "text"


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _looks_like_csv(lines: list[str]) -> bool:
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        return False
    counts = {line.count(dialect.delimiter) for line in lines if line}
    return len(counts) == 1 and counts != {0}


def parse_data(text: str, data_format: DataFormat) -> Any:
    """The value the program gets as ``context``: JSON → its value, JSON lines → a list, CSV → a
    list of dicts (numbers converted), text → the string."""
    try:
        if data_format == "json":
            return json.loads(text)
        if data_format == "jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise UserInputError(
            f"the data is not valid {data_format} (line {exc.lineno}: {exc.msg});"
            " pass --format text to treat it as plain text"
        ) from exc
    if data_format == "csv":
        rows = csv.DictReader(io.StringIO(text))
        return [{k: _number(v) for k, v in row.items()} for row in rows]
    return text


def _number(value: str | None) -> Any:
    if value is None:
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "dict"}.get(
        type(value), type(value).__name__
    )


def _clip(value: Any, limit: int = _MAX_RECORD_CHARS) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + f"… (+{len(text) - limit} chars)"


def _pick(count: int, wanted: int) -> list[int]:
    if count <= wanted:
        return list(range(count))
    head = list(range(wanted - 2))
    return [*head, count // 2, count - 1]


def sample_data(text: str, data_format: DataFormat, *, examples: int = 5) -> DataSample:
    """Describe ``text`` for a model; records are sampled from the start, middle and end."""
    value = parse_data(text, data_format)
    if isinstance(value, list):
        return _sample_list(value, data_format, len(text), examples)
    if isinstance(value, dict):
        fields = [
            FieldInfo(name=str(k), types=[_type_name(v)], present=1, example=_clip(v, 80))
            for k, v in list(value.items())[:_MAX_FIELDS]
        ]
        return DataSample(
            format=data_format,
            size_chars=len(text),
            shape=f"one JSON object with {len(value)} keys",
            fields=fields,
            examples=[_clip(value, 1200)],
            python_type="dict",
        )
    lines = text.splitlines()
    indices = _pick(len(lines), examples)
    return DataSample(
        format=data_format,
        size_chars=len(text),
        shape=f"plain text, {len(lines)} lines",
        records=len(lines),
        examples=[f"line {i + 1}: {_clip(lines[i], 200)}" for i in indices],
        python_type="str",
    )


def _sample_list(items: list[Any], data_format: DataFormat, size: int, wanted: int) -> DataSample:
    indices = _pick(len(items), wanted)
    dicts = [item for item in items if isinstance(item, dict)]
    fields: list[FieldInfo] = []
    if dicts:
        scan = dicts[:: max(1, len(dicts) // 1000)]
        types: dict[str, Counter[str]] = {}
        examples: dict[str, Any] = {}
        for item in scan:
            for key, val in item.items():
                types.setdefault(key, Counter())[_type_name(val)] += 1
                if key not in examples and val not in (None, ""):
                    examples[key] = val
        fields = [
            FieldInfo(
                name=key,
                types=[t for t, _ in counter.most_common()],
                present=sum(counter.values()),
                example=_clip(json.dumps(examples.get(key), ensure_ascii=False, default=str), 60),
            )
            for key, counter in list(types.items())[:_MAX_FIELDS]
        ]
        shape = f"a list of {len(items)} records; fields scanned in {len(scan)} of them"
        element = "dict"
    else:
        kinds = Counter(_type_name(i) for i in items[:1000])
        element = kinds.most_common(1)[0][0] if kinds else "nothing"
        shape = f"a list of {len(items)} items of type {'|'.join(kinds)}"
    return DataSample(
        format=data_format,
        size_chars=size,
        shape=shape,
        records=len(items),
        fields=fields,
        examples=[f"[{i}] {_clip(items[i])}" for i in indices],
        python_type=f"list of {element}" if items else "list (empty)",
    )
