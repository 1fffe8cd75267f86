"""Model backends, one small class each. The SDK-backed ones import lazily: the OpenAI and
Anthropic SDKs take seconds to import, and most commands never need them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from codeloop.models.backends.local import LlamaRuntime, LocalModel
from codeloop.models.backends.replay import RecordingModel, ReplayModel
from codeloop.models.backends.scripted import ScriptedModel

if TYPE_CHECKING:
    from codeloop.models.backends.anthropic import AnthropicModel
    from codeloop.models.backends.openai import OpenAIModel

__all__ = [
    "AnthropicModel",
    "LlamaRuntime",
    "LocalModel",
    "OpenAIModel",
    "RecordingModel",
    "ReplayModel",
    "ScriptedModel",
]

LAZY = {
    "AnthropicModel": "codeloop.models.backends.anthropic",
    "OpenAIModel": "codeloop.models.backends.openai",
}


def __getattr__(name: str) -> Any:
    if name in LAZY:
        return getattr(importlib.import_module(LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
