"""Every language model behind one protocol, with one shared wrapper for retries, limits,
cache, budget, accounting and telemetry."""

from codeloop.models._assets import EMBEDDED_MODELS, GGUFAsset, ensure_gguf, verify_gguf
from codeloop.models.backends import (
    AnthropicModel,
    LlamaRuntime,
    LocalModel,
    OpenAIModel,
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

__all__ = [
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
