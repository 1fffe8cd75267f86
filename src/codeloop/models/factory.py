"""Builds models from names or roles. Built once at an edge; it owns what a process shares:
the loaded llama.cpp models and one concurrency limiter per model name."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path

from codeloop.config import ModelSettings
from codeloop.errors import ConfigError, UserInputError
from codeloop.models._assets import EMBEDDED_MODELS, ensure_gguf
from codeloop.models.backends.local import LlamaRuntime, LocalModel
from codeloop.models.backends.replay import ReplayModel
from codeloop.models.backends.scripted import ScriptedModel
from codeloop.models.budget import Budget
from codeloop.models.names import ModelName, parse_model_name
from codeloop.models.pricing import PriceTable
from codeloop.models.protocol import Model
from codeloop.models.wrapper import CallPolicy, ManagedModel
from codeloop.store import ResponseCache, Trace

__all__ = ["ModelFactory"]

ROLES = ("planner", "coder", "worker")


class ModelFactory:
    def __init__(
        self,
        settings: ModelSettings,
        *,
        model_dir: Path,
        cache: ResponseCache | None = None,
        prices: PriceTable | None = None,
        runtime: LlamaRuntime | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.model_dir = model_dir
        self._cache = cache if settings.cache else None
        self._prices = prices or PriceTable.load()
        self.runtime = runtime or LlamaRuntime(
            n_ctx=settings.local_context, n_threads=settings.local_threads
        )
        self._env = os.environ if env is None else env
        self._limiters: dict[str, asyncio.Semaphore] = {}
        self._backends: dict[str, Model] = {}

    def resolve(self, name_or_role: str) -> ModelName:
        """A role (``planner``, ``coder``, ``worker``) or a model name, parsed."""
        if name_or_role in ROLES:
            name_or_role = self.settings.for_role(name_or_role)
        return parse_model_name(name_or_role)

    def build(
        self, name_or_role: str, *, budget: Budget | None = None, trace: Trace | None = None
    ) -> ManagedModel:
        name = self.resolve(name_or_role)
        key = str(name)
        if key not in self._backends:
            self._backends[key] = self._backend(name)
        return self.wrap(key, self._backends[key], budget=budget, trace=trace)

    def wrap(
        self,
        name: str,
        backend: Model,
        *,
        budget: Budget | None = None,
        trace: Trace | None = None,
        cached: bool = True,
    ) -> ManagedModel:
        """``backend`` behind the shared wrapper, with the settings' policy and the limiter of
        ``name``; ``cached=False`` for a backend the caller built (its replies are its own)."""
        settings = self.settings
        return ManagedModel(
            name,
            backend,
            policy=CallPolicy(
                timeout_s=settings.timeout_s,
                max_retries=settings.max_retries,
                backoff_initial_s=settings.backoff_initial_s,
                backoff_max_s=settings.backoff_max_s,
                cache_ttl_s=settings.cache_ttl_s,
            ),
            limiter=self._limiters.setdefault(name, asyncio.Semaphore(settings.concurrency)),
            cache=self._cache if cached else None,
            budget=budget,
            prices=self._prices,
            trace=trace,
        )

    async def aclose(self) -> None:
        """Close the HTTP clients of the backends built so far (call before the loop ends)."""
        backends, self._backends = list(self._backends.values()), {}
        for backend in backends:
            close = getattr(backend, "aclose", None)
            if close is not None:
                await close()

    def local_path(self, name: str) -> Path:
        """The verified GGUF for an embedded model name, or a user's own ``.gguf`` file."""
        asset = EMBEDDED_MODELS.get(name)
        if asset is not None:
            return ensure_gguf(self.model_dir, asset)
        path = Path(name).expanduser()
        if path.suffix == ".gguf" and path.is_file():
            return path
        raise UserInputError(
            f"unknown local model {name!r}: use one of {', '.join(EMBEDDED_MODELS)}"
            " or the path of a .gguf file"
        )

    def _backend(self, name: ModelName) -> Model:
        match name.backend:
            case "local":
                return LocalModel(name.name, self.local_path(name.name), self.runtime)
            case "openai":
                return self._openai(name)
            case "anthropic":
                return self._anthropic(name)
            case "scripted":
                return ScriptedModel.from_file(Path(name.name), name=name.name)
            case "replay":
                return ReplayModel(Path(name.name))
        raise UserInputError(f"unknown model backend {name.backend!r}")

    def _openai(self, name: ModelName) -> Model:
        import openai

        from codeloop.models.backends.openai import OpenAIModel

        base_url = name.base_url or self.settings.openai_base_url
        key = self._env.get("OPENAI_API_KEY")
        if not key:
            if base_url is None:
                raise ConfigError(
                    f"model {name} needs an API key: set OPENAI_API_KEY, or name a compatible"
                    " server as openai:http://HOST:PORT/v1#MODEL"
                )
            key = "no-key"  # OpenAI-compatible local servers accept any key
        client = openai.AsyncOpenAI(
            api_key=key, base_url=base_url, max_retries=0, timeout=self.settings.timeout_s
        )
        return OpenAIModel(name.name, client)

    def _anthropic(self, name: ModelName) -> Model:
        import anthropic

        from codeloop.models.backends.anthropic import AnthropicModel

        key = self._env.get("ANTHROPIC_API_KEY")
        if not key:
            raise ConfigError(f"model {name} needs an API key: set ANTHROPIC_API_KEY")
        client = anthropic.AsyncAnthropic(
            api_key=key,
            base_url=name.base_url or self.settings.anthropic_base_url,
            max_retries=0,
            timeout=self.settings.timeout_s,
        )
        return AnthropicModel(name.name, client)
