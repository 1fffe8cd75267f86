"""The one wrapper every model call goes through.

It adds, once for all backends: retries with exponential backoff and ``Retry-After`` on typed
errors only, a per-model concurrency limit, a timeout per attempt, the response cache, budget
enforcement, usage and cost accounting, a trace step in the store and an OpenTelemetry span.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any

from opentelemetry.trace import Span
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential_jitter

from codeloop.errors import (
    ModelConnectionError,
    ModelError,
    ModelHTTPError,
    ModelResponseError,
    ModelTimeout,
)
from codeloop.models.budget import Budget
from codeloop.models.keys import request_key
from codeloop.models.pricing import PriceTable
from codeloop.models.protocol import Model, StreamingModel
from codeloop.models.types import ModelRequest, ModelResponse
from codeloop.store import ResponseCache, Trace
from codeloop.telemetry import logger, span

__all__ = ["CallPolicy", "ManagedModel", "is_retryable"]


@dataclass(frozen=True)
class CallPolicy:
    timeout_s: float = 120.0
    max_retries: int = 4
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    retry_after_max_s: float = 120.0
    cache_ttl_s: float = 7 * 24 * 3600


def is_retryable(exc: BaseException) -> bool:
    """429, 408, 409 and 5xx statuses, timeouts and dropped connections; nothing else."""
    if isinstance(exc, ModelHTTPError):
        return exc.retryable
    return isinstance(exc, ModelTimeout | ModelConnectionError)


class _RetryAfterOrBackoff(wait_base):
    """Honour the server's ``Retry-After`` (capped); otherwise exponential backoff with jitter."""

    def __init__(self, initial: float, maximum: float, retry_after_max: float) -> None:
        self._retry_after_max = retry_after_max
        self._backoff = wait_exponential_jitter(multiplier=initial, max=maximum, jitter=initial)

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome else None
        if isinstance(exc, ModelHTTPError) and exc.retry_after is not None:
            return min(exc.retry_after, self._retry_after_max)
        return float(self._backoff(retry_state))


def _provider_and_model(name: str) -> tuple[str, str]:
    """``openai:http://host/v1#m`` → ("openai", "m"); ``local:q`` → ("local", "q")."""
    provider, sep, model = name.partition(":")
    if not sep:
        return "unknown", name
    return provider, model.rpartition("#")[2]


def _finish_span(current: Span, response: ModelResponse) -> None:
    current.set_attributes(
        {
            "gen_ai.response.model": response.model,
            "gen_ai.usage.input_tokens": response.usage.input_tokens,
            "gen_ai.usage.output_tokens": response.usage.output_tokens,
            "gen_ai.response.finish_reasons": [response.finish_reason],
            "codeloop.cost_usd": response.cost_usd,
        }
    )


class ManagedModel:
    """A backend plus everything every call needs. Implements :class:`Model`."""

    def __init__(
        self,
        name: str,
        backend: Model,
        *,
        policy: CallPolicy | None = None,
        limiter: asyncio.Semaphore | None = None,
        cache: ResponseCache | None = None,
        budget: Budget | None = None,
        prices: PriceTable | None = None,
        trace: Trace | None = None,
    ) -> None:
        self.name = name
        self._provider, self._model = _provider_and_model(name)
        self.backend = backend
        self.policy = policy or CallPolicy()
        self._limiter = limiter or asyncio.Semaphore(8)
        self._cache = cache
        self.budget = budget or Budget()
        self._prices = prices or PriceTable({})
        self._trace = trace

    def with_trace(self, trace: Trace | None) -> ManagedModel:
        """The same model (sharing limiter, cache and budget) recording into another trace."""
        clone = copy.copy(self)
        clone._trace = trace
        return clone

    def with_backend(self, backend: Model) -> ManagedModel:
        """The same wrapper around another backend (e.g. a recorder around this one's)."""
        clone = self.with_trace(self._trace)
        clone.backend = backend
        return clone

    def with_budget(self, budget: Budget) -> ManagedModel:
        clone = self.with_trace(self._trace)
        clone.budget = budget
        return clone

    def with_policy(self, **changes: Any) -> ManagedModel:
        clone = self.with_trace(self._trace)
        clone.policy = replace(self.policy, **changes)
        return clone

    async def complete(self, request: ModelRequest) -> ModelResponse:
        key = request_key(self.name, request)
        cached = self._cache_get(key, request)
        if cached is not None:
            self._record(request, cached, seconds=0.0)
            return cached
        self.budget.acquire()
        started = time.perf_counter()
        try:
            with self._span(request) as current:
                response = await self._with_retries(lambda: self.backend.complete(request))
                response = self._account(response, started)
                _finish_span(current, response)
        except ModelError as exc:
            self._record(request, None, seconds=time.perf_counter() - started, error=exc)
            raise
        self._cache_put(key, request, response)
        self._record(request, response, seconds=response.latency_s)
        return response

    async def stream(self, request: ModelRequest) -> AsyncIterator[str | ModelResponse]:
        """Text deltas as they come, then the final response. Not retried once text has flowed."""
        if not isinstance(self.backend, StreamingModel):
            response = await self.complete(request)
            yield response.text
            yield response
            return
        self.budget.acquire()
        started = time.perf_counter()
        final: ModelResponse | None = None
        try:
            with self._span(request) as current:
                async with self._limiter, asyncio.timeout(self.policy.timeout_s):
                    async for item in self.backend.stream(request):
                        if isinstance(item, ModelResponse):
                            final = self._account(item, started)
                            _finish_span(current, final)
                        else:
                            yield item
        except TimeoutError as exc:
            error = ModelTimeout(f"{self.name}: no complete answer in {self.policy.timeout_s:g}s")
            self._record(request, None, seconds=time.perf_counter() - started, error=error)
            raise error from exc
        if final is None:
            raise ModelResponseError(f"{self.name}: the stream ended without a final response")
        self._record(request, final, seconds=final.latency_s)
        yield final

    def _span(self, request: ModelRequest) -> AbstractContextManager[Span]:
        """A span named and attributed after the OpenTelemetry GenAI conventions."""
        return span(
            f"chat {self._model}",
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": self._provider,
                "gen_ai.request.model": self._model,
                "gen_ai.request.temperature": request.temperature,
                "gen_ai.request.max_tokens": request.max_tokens,
                "codeloop.model": self.name,
            },
        )

    async def _with_retries(self, call: Callable[[], Awaitable[ModelResponse]]) -> ModelResponse:
        policy = self.policy
        retrying = AsyncRetrying(
            stop=stop_after_attempt(policy.max_retries + 1),
            wait=_RetryAfterOrBackoff(
                policy.backoff_initial_s, policy.backoff_max_s, policy.retry_after_max_s
            ),
            retry=retry_if_exception(is_retryable),
            before_sleep=self._log_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                async with self._limiter:
                    try:
                        async with asyncio.timeout(policy.timeout_s):
                            return await call()
                    except TimeoutError as exc:
                        raise ModelTimeout(
                            f"{self.name}: no answer in {policy.timeout_s:g}s"
                        ) from exc
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "{} attempt {} failed ({}); retrying in {:.2f}s",
            self.name,
            state.attempt_number,
            exc,
            wait,
        )

    def _account(self, response: ModelResponse, started: float) -> ModelResponse:
        response = response.model_copy(
            update={
                "cost_usd": self._prices.cost(self.name, response.usage),
                "latency_s": time.perf_counter() - started,
            }
        )
        self.budget.charge(response)
        return response

    def _cache_get(self, key: str, request: ModelRequest) -> ModelResponse | None:
        if self._cache is None or not request.deterministic:
            return None
        hit = self._cache.get(key)
        if hit is None:
            return None
        return ModelResponse.model_validate(hit).model_copy(
            update={"cached": True, "cost_usd": 0.0, "latency_s": 0.0}
        )

    def _cache_put(self, key: str, request: ModelRequest, response: ModelResponse) -> None:
        if self._cache is not None and request.deterministic:
            self._cache.put(
                key, self.name, response.model_dump(mode="json"), self.policy.cache_ttl_s
            )

    def _record(
        self,
        request: ModelRequest,
        response: ModelResponse | None,
        *,
        seconds: float,
        error: ModelError | None = None,
    ) -> None:
        if self._trace is None:
            return
        self._trace.record(
            "model_call",
            self.name,
            request.model_dump(mode="json"),
            output=None if response is None else response.model_dump(mode="json"),
            error=None if error is None else f"{type(error).__name__}: {error}",
            input_tokens=0 if response is None or response.cached else response.usage.input_tokens,
            output_tokens=0
            if response is None or response.cached
            else response.usage.output_tokens,
            cost_usd=0.0 if response is None else response.cost_usd,
            seconds=seconds,
        )
