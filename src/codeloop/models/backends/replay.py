"""Recorded request → response cassettes (JSON lines): record once against a real model, replay
in tests. A request with no recording is a loud :class:`ReplayMiss`, never a silent call."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from codeloop.errors import ReplayMiss, UserInputError
from codeloop.models.keys import request_key
from codeloop.models.protocol import Model
from codeloop.models.types import ModelRequest, ModelResponse

__all__ = ["RecordingModel", "ReplayModel"]

_CASSETTE_MODEL = "cassette"


class ReplayModel:
    """``replay:<cassette.jsonl>``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise UserInputError(f"cannot read cassette {path}: {exc.strerror}") from exc
        self._responses: dict[str, ModelResponse] = {}
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                self._responses[entry["key"]] = ModelResponse.model_validate(entry["response"])
            except (json.JSONDecodeError, KeyError, ValueError) as exc:
                raise UserInputError(f"cassette {path} line {number} is malformed: {exc}") from exc

    async def complete(self, request: ModelRequest) -> ModelResponse:
        key = request_key(_CASSETTE_MODEL, request)
        response = self._responses.get(key)
        if response is None:
            preview = request.messages[-1].content[:80].replace("\n", " ")
            raise ReplayMiss(
                f"cassette {self.path} has no recording for request {key[:12]} ({preview!r}):"
                " re-record it with `codeloop ask --record CASSETTE ...` or the RecordingModel"
            )
        return response.model_copy(update={"cached": True})


class RecordingModel:
    """Passes calls to ``inner`` and appends each request and response to a cassette."""

    def __init__(self, inner: Model, path: Path) -> None:
        self._inner = inner
        self.path = path
        self._lock = threading.Lock()

    async def complete(self, request: ModelRequest) -> ModelResponse:
        response = await self._inner.complete(request)
        entry = {
            "key": request_key(_CASSETTE_MODEL, request),
            "request": request.model_dump(mode="json"),
            "response": response.model_dump(mode="json"),
        }
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return response
