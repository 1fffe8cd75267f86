"""What a model must implement: one small method, plus streaming where the backend can.

Backends implement :class:`Model`; the shared wrapper (:class:`codeloop.models.ManagedModel`) also
implements it, so capabilities depend only on this protocol.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from codeloop.models.types import ModelRequest, ModelResponse

__all__ = ["Model", "StreamingModel"]


@runtime_checkable
class Model(Protocol):
    """A provider. Raises only :class:`codeloop.errors.ModelError` subclasses."""

    async def complete(self, request: ModelRequest) -> ModelResponse: ...


@runtime_checkable
class StreamingModel(Protocol):
    """A provider that can stream: yields text deltas, then one final :class:`ModelResponse`."""

    def stream(self, request: ModelRequest) -> AsyncIterator[str | ModelResponse]: ...
