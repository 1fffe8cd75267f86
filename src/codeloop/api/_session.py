"""The one place the edges build codeloop's services: settings in, store, models, sandbox and
the capabilities' options out. The CLI, the MCP server and the Python API all go through it."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING

from pydantic import ValidationError

from codeloop.api._checks import bad_options
from codeloop.config import BudgetSettings, Settings
from codeloop.errors import ConfigError, UserInputError
from codeloop.lang import Runner, RustSupport, SandboxRunner
from codeloop.models import (
    Budget,
    ManagedModel,
    Model,
    ModelFactory,
    ReplayModel,
    ScriptedModel,
)
from codeloop.orchestrate import (
    CodegenOptions,
    ModelRouter,
    RLMOptions,
    RunContext,
    sandbox_policy,
)
from codeloop.sandbox import IsolatedSandbox, Limits
from codeloop.store import StepRecord, Store, Trace

if TYPE_CHECKING:
    from codeloop.knowledge import CodeGraph, TemplateLibrary
    from codeloop.patterns.matching import LearnedTemplateMatcher
    from codeloop.patterns.service import PatternService

__all__ = ["ROLES", "Backends", "Session", "load_settings", "using"]

ROLES = ("planner", "coder", "worker")
# Backends the caller built (e.g. a ScriptedModel): one for every role, or by role or model name.
Backends = Model | Mapping[str, Model]


def load_settings() -> Settings:
    """Settings from ``CODELOOP_*`` and ``codeloop.toml``; a bad value is a ConfigError."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(f"invalid settings (CODELOOP_* or codeloop.toml): {exc}") from exc


class Session:
    """Settings plus the services built from them, each on first use.

    ``store`` and ``backends`` are used instead of building them; a store passed in stays open
    (its owner closes it), one built here is closed by :meth:`aclose`.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: Store | None = None,
        backends: Backends | None = None,
    ) -> None:
        self.settings = settings if settings is not None else load_settings()
        self._given_store = store
        if backends is None:
            backends = {}
        self._backends: Mapping[str, Model] = (
            dict.fromkeys(ROLES, backends) if not isinstance(backends, Mapping) else dict(backends)
        )

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the model clients and the store this session built (call before the loop ends)."""
        if "models" in self.__dict__:
            await self.models.aclose()
        if self._given_store is None and "store" in self.__dict__:
            self.store.close()

    @cached_property
    def store(self) -> Store:
        return self._given_store or Store(self.settings.db_path)

    @cached_property
    def models(self) -> ModelFactory:
        return ModelFactory(
            self.settings.models, model_dir=self.settings.model_dir, cache=self.store.cache
        )

    def model(
        self,
        name_or_role: str | None = None,
        *,
        budget: Budget | None = None,
        trace: Trace | None = None,
    ) -> ManagedModel:
        """A model by role or name (default: ``coder``): a backend passed in, or one built from
        the settings; behind the shared wrapper either way."""
        key = name_or_role or "coder"
        given = self._backends.get(key)
        if given is not None:
            # scripted and replay backends cost nothing; any other is priced by its own name
            kind = "scripted" if isinstance(given, ScriptedModel | ReplayModel) else "given"
            name = f"{kind}:{getattr(given, 'name', key)}"
            return self.models.wrap(name, given, budget=budget, trace=trace, cached=False)
        return self.models.build(key, budget=budget, trace=trace)

    @cached_property
    def runner(self) -> Runner:
        """Runs generated code and tests isolated (bubblewrap; the Rust toolchain read-only)."""
        return SandboxRunner(read_only=RustSupport().runtime_paths())

    @cached_property
    def patterns(self) -> PatternService:
        from codeloop.patterns.service import PatternService

        cfg = self.settings.patterns
        index = self.settings.home / cfg.index_file
        index.parent.mkdir(parents=True, exist_ok=True)  # the store may live elsewhere
        return PatternService(
            self.store,
            index,
            sketch_bits=cfg.sketch_bits,
            candidates=cfg.candidates,
        )

    @cached_property
    def code_graph(self) -> CodeGraph:
        from codeloop.knowledge import CodeGraph

        return CodeGraph(self.store.triples)

    @cached_property
    def templates(self) -> TemplateLibrary:
        """Built-in templates, then those stored in the graph, then the configured folders."""
        from codeloop.knowledge import TemplateLibrary

        library = TemplateLibrary.builtin()
        for template in TemplateLibrary.from_graph(self.code_graph):
            library.add(template)
        for folder in self.settings.knowledge.template_dirs:
            library.load_dir(folder)
        return library

    @cached_property
    def learned_templates(self) -> LearnedTemplateMatcher:
        """The learned templates among :attr:`templates`, matched to generation requests."""
        from codeloop.patterns.matching import LearnedTemplateMatcher

        return LearnedTemplateMatcher(
            self.templates, threshold=self.settings.patterns.learned_min_similarity
        )

    def program_limits(self) -> Limits:
        """The sandbox limits, raised to what programs that call models need."""
        settings = self.settings
        base = Limits.from_settings(settings.sandbox)
        return base.model_copy(
            update={
                "wall_s": max(base.wall_s, settings.orchestrate.program_wall_s),
                "cpu_s": max(base.cpu_s, settings.orchestrate.program_cpu_s),
                "memory_mb": max(base.memory_mb, 1024),
            }
        )

    def codegen_options(self, retries: int | None = None) -> CodegenOptions:
        config = self.settings.orchestrate
        with bad_options("codegen options"):
            return CodegenOptions(
                result_var=config.result_var,
                max_retries=config.max_retries if retries is None else retries,
                max_tokens=config.codegen_max_tokens,
                retry_temperature=config.retry_temperature,
            )

    def rlm_options(
        self,
        *,
        max_iterations: int | None = None,
        max_depth: int | None = None,
        max_output: int | None = None,
    ) -> RLMOptions:
        """The RLM options from settings with the caller's overrides (0 or none = settings,
        except ``max_depth``, where 0 is a depth)."""
        config = self.settings.orchestrate
        with bad_options("rlm options"):
            return RLMOptions(
                max_iterations=max_iterations or config.rlm_max_iterations,
                max_depth=config.rlm_max_depth if max_depth is None else max_depth,
                max_output_chars=max_output or config.rlm_max_output_chars,
                max_tokens=config.rlm_max_tokens,
            )

    @asynccontextmanager
    async def run_context(
        self,
        budget: BudgetSettings | None = None,
        observer: Callable[[StepRecord], None] | None = None,
    ) -> AsyncIterator[RunContext]:
        """The services of programs that call models: models by role (and the alias table),
        a sandbox for the duration, the store."""
        router = ModelRouter(
            {role: self.model(role) for role in ROLES},
            aliases=self.settings.orchestrate.aliases,
            resolve=self.model,
        )
        limits = self.program_limits()
        async with IsolatedSandbox.from_settings(self.settings.sandbox, limits=limits) as sandbox:
            yield RunContext(
                router=router,
                sandbox=sandbox,
                store=self.store,
                budget=budget or self.settings.budget,
                limits=limits,
                policy=sandbox_policy,
                observer=observer,
            )
        # killed workers' pipe transports close on the next loop turns; let them, before it ends
        for _ in range(3):
            await asyncio.sleep(0.01)
            gc.collect()


@asynccontextmanager
async def using(
    session: Session | None,
    settings: Settings | None,
    store: Store | None,
    models: Backends | None,
) -> AsyncIterator[Session]:
    """``session`` as it is, or a new one from the other three, closed at the end."""
    if session is None:
        async with Session(settings, store=store, backends=models) as opened:
            yield opened
        return
    if settings is not None or store is not None or models is not None:
        raise UserInputError(
            "pass settings, store and models to Session(...) or to the function, not both"
        )
    yield session
