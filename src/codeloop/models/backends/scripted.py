"""A model that answers from a script: a list of replies, a function, or a file.

Shipped in the library for tests and demos; it never touches the network.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from codeloop.errors import ModelResponseError, UserInputError
from codeloop.models.types import ModelRequest, ModelResponse, Usage

__all__ = ["ScriptedModel"]

Responder = Callable[[ModelRequest], str]


def _count_tokens(text: str) -> int:
    return len(text.split())


class ScriptedModel:
    """Replies in order from ``replies`` (an error when they run out), or from ``responder``."""

    def __init__(
        self,
        replies: Sequence[str] | Responder,
        *,
        name: str = "scripted",
        cycle: bool = False,
    ) -> None:
        self.name = name
        self._responder: Responder | None = None
        self._replies: list[str] = []
        if callable(replies):
            self._responder = replies
        else:
            self._replies = list(replies)
        self._cycle = cycle
        self.requests: list[ModelRequest] = []

    @classmethod
    def from_file(cls, path: Path, *, name: str = "scripted") -> ScriptedModel:
        """A JSON list of strings, or JSON lines each holding a string or ``{"text": ...}``."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserInputError(f"cannot read script {path}: {exc.strerror}") from exc
        try:
            data = json.loads(text)
            items = data if isinstance(data, list) else [data]
        except json.JSONDecodeError:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        replies = [i["text"] if isinstance(i, dict) else str(i) for i in items]
        return cls(replies, name=name)

    def _next(self, request: ModelRequest) -> str:
        self.requests.append(request)
        if self._responder is not None:
            return self._responder(request)
        index = len(self.requests) - 1
        if self._cycle and self._replies:
            return self._replies[index % len(self._replies)]
        if index >= len(self._replies):
            raise ModelResponseError(
                f"scripted model {self.name!r} has no reply #{index + 1}"
                f" (it holds {len(self._replies)})"
            )
        return self._replies[index]

    def _response(self, request: ModelRequest, text: str) -> ModelResponse:
        prompt = " ".join(m.content for m in request.messages)
        return ModelResponse(
            text=text,
            model=f"scripted:{self.name}",
            usage=Usage(input_tokens=_count_tokens(prompt), output_tokens=_count_tokens(text)),
        )

    async def complete(self, request: ModelRequest) -> ModelResponse:
        return self._response(request, self._next(request))

    async def stream(self, request: ModelRequest) -> AsyncIterator[str | ModelResponse]:
        text = self._next(request)
        for index, piece in enumerate(text.split(" ")):
            yield piece if index == 0 else " " + piece
        yield self._response(request, text)
