"""Requests and responses of every model call, whatever the backend."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Message", "ModelRequest", "ModelResponse", "Usage"]

Role = Literal["system", "user", "assistant"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Message(_Frozen):
    role: Role
    content: str


class ModelRequest(_Frozen):
    """One chat completion. ``json_schema`` asks for output constrained to that JSON schema."""

    messages: tuple[Message, ...]
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(default=512, ge=1)
    stop: tuple[str, ...] = ()
    json_schema: dict[str, Any] | None = None
    seed: int | None = None

    @classmethod
    def of(cls, prompt: str, *, system: str | None = None, **options: Any) -> ModelRequest:
        """A request from a user prompt and an optional system prompt."""
        messages = [Message(role="system", content=system)] if system else []
        messages.append(Message(role="user", content=prompt))
        return cls(messages=tuple(messages), **options)

    @property
    def deterministic(self) -> bool:
        """Greedy or seeded: the same request gives the same answer, so it may be cached."""
        return self.temperature == 0.0 or self.seed is not None


class Usage(_Frozen):
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class ModelResponse(_Frozen):
    text: str
    model: str
    usage: Usage = Usage()
    cost_usd: float = 0.0
    latency_s: float = 0.0
    finish_reason: str = "stop"
    cached: bool = False
