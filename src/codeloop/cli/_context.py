"""What every command needs, built lazily from settings at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError

from codeloop.config import Settings
from codeloop.errors import ConfigError
from codeloop.lang import Runner, RustSupport, SandboxRunner
from codeloop.models import ModelFactory
from codeloop.store import Store

if TYPE_CHECKING:
    from codeloop.knowledge import CodeGraph, TemplateLibrary
    from codeloop.patterns.matching import LearnedTemplateMatcher
    from codeloop.patterns.service import PatternService

__all__ = ["AppContext", "app_context"]


@dataclass
class AppContext:
    """Settings plus the services built from them; one per CLI invocation."""

    settings: Settings = field(default_factory=Settings)

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.db_path)

    @cached_property
    def patterns(self) -> PatternService:
        from codeloop.patterns.service import PatternService

        cfg = self.settings.patterns
        return PatternService(
            self.store,
            self.settings.home / cfg.index_file,
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

    @cached_property
    def models(self) -> ModelFactory:
        return ModelFactory(
            self.settings.models, model_dir=self.settings.model_dir, cache=self.store.cache
        )

    @cached_property
    def runner(self) -> Runner:
        """Runs generated code and tests isolated (bubblewrap; the Rust toolchain read-only)."""
        return SandboxRunner(read_only=RustSupport().runtime_paths())


def app_context(ctx: typer.Context) -> AppContext:
    """The invocation's context, created on first use (settings errors become ConfigError)."""
    root = ctx.find_root()
    existing = root.obj
    if isinstance(existing, AppContext):
        return existing
    try:
        created = AppContext(Settings())
    except ValidationError as exc:
        raise ConfigError(f"invalid settings (CODELOOP_* or codeloop.toml): {exc}") from exc
    root.obj = created
    return created
