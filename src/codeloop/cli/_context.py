"""What every command needs, built lazily from settings at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from codeloop.config import Settings
from codeloop.store import Store

if TYPE_CHECKING:
    from codeloop.patterns.service import PatternService

__all__ = ["AppContext"]


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
