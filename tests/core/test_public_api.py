"""The public surface of each foundation package is pinned: changing it is a visible decision."""

import importlib

import pytest

SURFACE = {
    "codeloop": ["__version__", "api"],
    "codeloop.api": [
        "Backends",
        "Reply",
        "Session",
        "analyze",
        "analyze_sync",
        "ask",
        "ask_sync",
        "budget_settings",
        "data_format",
        "generate",
        "generate_sync",
        "kg_generate",
        "kg_generate_sync",
        "load_settings",
        "orchestrate",
        "orchestrate_sync",
        "patterns_search",
        "patterns_search_sync",
        "reference",
        "rlm",
        "rlm_sync",
        "run_program",
        "run_program_sync",
    ],
    "codeloop.store": [
        "CheckpointStore",
        "Database",
        "IngestedFile",
        "IngestedFileStore",
        "ResponseCache",
        "RunRecord",
        "RunStore",
        "StepRecord",
        "Store",
        "Trace",
        "Triple",
        "TripleStore",
        "VectorRecord",
        "VectorStore",
    ],
    "codeloop.models": [
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
    ],
}


@pytest.mark.parametrize("module_name", sorted(SURFACE))
def test_public_surface(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert sorted(module.__all__) == sorted(SURFACE[module_name])
    for name in module.__all__:
        assert hasattr(module, name)
