"""Model backends, one small class each."""

from codeloop.models.backends.anthropic import AnthropicModel
from codeloop.models.backends.local import LlamaRuntime, LocalModel
from codeloop.models.backends.openai import OpenAIModel
from codeloop.models.backends.replay import RecordingModel, ReplayModel
from codeloop.models.backends.scripted import ScriptedModel

__all__ = [
    "AnthropicModel",
    "LlamaRuntime",
    "LocalModel",
    "OpenAIModel",
    "RecordingModel",
    "ReplayModel",
    "ScriptedModel",
]
