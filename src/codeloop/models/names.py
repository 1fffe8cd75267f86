"""Model names: ``backend:name``, e.g. ``local:qwen2.5-coder-0.5b``, ``openai:gpt-4.1``,
``openai:http://localhost:8000/v1#my-model``, ``anthropic:claude-sonnet-4-5``,
``replay:cassette.jsonl``, ``scripted:replies.json``."""

from __future__ import annotations

from dataclasses import dataclass

from codeloop.errors import UserInputError

__all__ = ["BACKENDS", "ModelName", "parse_model_name"]

BACKENDS = ("local", "openai", "anthropic", "scripted", "replay")


@dataclass(frozen=True)
class ModelName:
    backend: str
    name: str
    base_url: str | None = None

    def __str__(self) -> str:
        if self.base_url:
            return f"{self.backend}:{self.base_url}#{self.name}"
        return f"{self.backend}:{self.name}"


def parse_model_name(text: str) -> ModelName:
    backend, sep, rest = text.partition(":")
    if not sep or backend not in BACKENDS or not rest:
        raise UserInputError(
            f"unknown model {text!r}: use backend:name with backend one of {', '.join(BACKENDS)}"
            " (e.g. local:qwen2.5-coder-0.5b, openai:gpt-4.1, anthropic:claude-sonnet-4-5)"
        )
    if rest.startswith(("http://", "https://")):
        base_url, hash_sep, model = rest.partition("#")
        if not hash_sep or not model:
            raise UserInputError(
                f"model {text!r} names a server but no model: write {backend}:{base_url}#MODEL"
            )
        return ModelName(backend, model, base_url)
    return ModelName(backend, rest)
