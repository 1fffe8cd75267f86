"""``openai:<model>`` and any OpenAI-compatible server (``openai:http://host/v1#model``)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from codeloop.errors import ModelResponseError
from codeloop.models.backends._sdk_errors import translate_sdk_error
from codeloop.models.types import ModelRequest, ModelResponse, Usage

__all__ = ["OpenAIModel"]


class OpenAIModel:
    def __init__(self, model: str, client: openai.AsyncOpenAI) -> None:
        self.model = model
        self._client = client

    async def aclose(self) -> None:
        await self._client.close()

    def _params(self, request: ModelRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model,
            "messages": [m.model_dump() for m in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.stop:
            params["stop"] = list(request.stop)
        if request.seed is not None:
            params["seed"] = request.seed
        if request.json_schema is not None:
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": request.json_schema},
            }
        return params

    async def complete(self, request: ModelRequest) -> ModelResponse:
        started = time.perf_counter()
        try:
            # The params are plain JSON already: posting them skips the SDK's per-call walk over
            # its typed request schema, which costs about 0.7 ms of CPU per call under fan-out.
            reply = await self._client.post(
                "/chat/completions", body=self._params(request), cast_to=ChatCompletion
            )
        except openai.OpenAIError as exc:
            raise translate_sdk_error(exc, openai) from exc
        except json.JSONDecodeError as exc:
            raise ModelResponseError(f"openai: the response body is not JSON: {exc}") from exc
        if not isinstance(reply, ChatCompletion) or not reply.choices:
            raise ModelResponseError(f"openai: malformed response: {str(reply)[:200]}")
        choice = reply.choices[0]
        usage = reply.usage
        return ModelResponse(
            text=choice.message.content or "",
            model=f"openai:{self.model}",
            usage=Usage(
                input_tokens=usage.prompt_tokens if usage else 0,
                output_tokens=usage.completion_tokens if usage else 0,
            ),
            latency_s=time.perf_counter() - started,
            finish_reason=choice.finish_reason or "stop",
        )

    async def stream(self, request: ModelRequest) -> AsyncIterator[str | ModelResponse]:
        started = time.perf_counter()
        text: list[str] = []
        usage = Usage()
        finish = "stop"
        try:
            chunks = await self._client.chat.completions.create(
                **self._params(request), stream=True, stream_options={"include_usage": True}
            )
            async for chunk in chunks:
                if chunk.usage:
                    usage = Usage(
                        input_tokens=chunk.usage.prompt_tokens,
                        output_tokens=chunk.usage.completion_tokens,
                    )
                for choice in chunk.choices:
                    if choice.delta.content:
                        text.append(choice.delta.content)
                        yield choice.delta.content
                    if choice.finish_reason:
                        finish = choice.finish_reason
        except openai.OpenAIError as exc:
            raise translate_sdk_error(exc, openai) from exc
        except json.JSONDecodeError as exc:
            raise ModelResponseError(f"openai: malformed stream chunk: {exc}") from exc
        yield ModelResponse(
            text="".join(text),
            model=f"openai:{self.model}",
            usage=usage,
            latency_s=time.perf_counter() - started,
            finish_reason=finish,
        )
