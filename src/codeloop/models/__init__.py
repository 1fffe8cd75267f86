"""Every language model behind one protocol, with one shared wrapper for retries, limits,
cache, budget, accounting and telemetry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codeloop.models import backends as _backends
from codeloop.models._assets import (
    DEFAULT_EMBEDDED,
    EMBEDDED_MODELS,
    GGUFAsset,
    ensure_gguf,
    verify_gguf,
)
from codeloop.models.backends import (
    LlamaRuntime,
    LocalModel,
    RecordingModel,
    ReplayModel,
    ScriptedModel,
)
from codeloop.models.budget import Budget, BudgetUsage
from codeloop.models.factory import ModelFactory
from codeloop.models.keys import request_key
from codeloop.models.names import ModelName, parse_model_name
from codeloop.models.pricing import Price, PriceTable
from codeloop.models.protocol import Model, StreamingModel
from codeloop.models.types import Message, ModelRequest, ModelResponse, Usage
from codeloop.models.wrapper import CallPolicy, ManagedModel, is_retryable

if TYPE_CHECKING:
    from codeloop.models.backends.anthropic import AnthropicModel
    from codeloop.models.backends.openai import OpenAIModel

__all__ = [
    "DEFAULT_EMBEDDED",
    "EMBEDDED_MODELS",
    "AnthropicModel",
    "Budget",
    "BudgetUsage",
    "CallPolicy",
    "GGUFAsset",
    "LlamaRuntime",
    "LocalModel",
    "ManagedModel",
    "Message",
    "Model",
    "ModelFactory",
    "ModelName",
    "ModelRequest",
    "ModelResponse",
    "OpenAIModel",
    "Price",
    "PriceTable",
    "RecordingModel",
    "ReplayModel",
    "ScriptedModel",
    "StreamingModel",
    "Usage",
    "ensure_gguf",
    "is_retryable",
    "parse_model_name",
    "request_key",
    "verify_gguf",
]


def __getattr__(name: str) -> Any:
    if name in _backends.LAZY:
        return getattr(_backends, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
