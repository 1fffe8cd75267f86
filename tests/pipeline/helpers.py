"""Scripted replies for pipeline tests: fenced code, and answers routed by prompt kind."""

from __future__ import annotations

from collections.abc import Callable

from codeloop.models import ModelRequest


def py(code: str) -> str:
    return f"Here is the code:\n```python\n{code.strip()}\n```\n"


def route(**replies: list[str]) -> Callable[[ModelRequest], str]:
    """A responder that answers by prompt kind: generate / repair / tests / name."""
    queues = {kind: list(items) for kind, items in replies.items()}

    def respond(request: ModelRequest) -> str:
        prompt = request.messages[-1].content
        if prompt.startswith("Suggest a short snake_case name"):
            kind = "name"
        elif "tests for this" in prompt:
            kind = "tests"
        elif "attempt is wrong" in prompt:
            kind = "repair"
        else:
            kind = "generate"
        queue = queues.get(kind) or []
        if not queue:
            raise AssertionError(f"no scripted reply left for a {kind} prompt")
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return respond
