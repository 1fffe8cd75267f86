"""``anthropic:<model>`` through the official SDK."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import anthropic

from codeloop.models.backends._sdk_errors import translate_sdk_error
from codeloop.models.types import ModelRequest, ModelResponse, Usage

__all__ = ["AnthropicModel"]


class AnthropicModel:
    def __init__(self, model: str, client: anthropic.AsyncAnthropic) -> None:
        self.model = model
        self._client = client

    async def aclose(self) -> None:
        await self._client.close()

    def _params(self, request: ModelRequest) -> dict[str, Any]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        params: dict[str, Any] = {
            "model": self.model,
            "messages": [m.model_dump() for m in request.messages if m.role != "system"],
            "max_tokens": request.max_tokens,
            "temperature": min(request.temperature, 1.0),
        }
        if system:
            params["system"] = system
        if request.stop:
            params["stop_sequences"] = list(request.stop)
        if request.json_schema is not None:
            params["output_config"] = {
                "format": {"type": "json_schema", "schema": request.json_schema}
            }
        return params

    async def complete(self, request: ModelRequest) -> ModelResponse:
        started = time.perf_counter()
        try:
            reply = await self._client.messages.create(**self._params(request))
        except anthropic.AnthropicError as exc:
            raise translate_sdk_error(exc, anthropic) from exc
        text = "".join(block.text for block in reply.content if block.type == "text")
        return ModelResponse(
            text=text,
            model=f"anthropic:{self.model}",
            usage=Usage(
                input_tokens=reply.usage.input_tokens, output_tokens=reply.usage.output_tokens
            ),
            latency_s=time.perf_counter() - started,
            finish_reason=reply.stop_reason or "stop",
        )

    async def stream(self, request: ModelRequest) -> AsyncIterator[str | ModelResponse]:
        started = time.perf_counter()
        try:
            async with self._client.messages.stream(**self._params(request)) as events:
                async for delta in events.text_stream:
                    yield delta
                final = await events.get_final_message()
        except anthropic.AnthropicError as exc:
            raise translate_sdk_error(exc, anthropic) from exc
        yield ModelResponse(
            text="".join(block.text for block in final.content if block.type == "text"),
            model=f"anthropic:{self.model}",
            usage=Usage(
                input_tokens=final.usage.input_tokens, output_tokens=final.usage.output_tokens
            ),
            latency_s=time.perf_counter() - started,
            finish_reason=final.stop_reason or "stop",
        )
