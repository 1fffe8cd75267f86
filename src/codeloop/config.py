"""Settings, read once at the edges (CLI, server, API) and passed inward as typed objects.

Sources, strongest first: constructor arguments, ``CODELOOP_*`` environment variables (nested
with ``__``, e.g. ``CODELOOP_MODELS__TIMEOUT_S=30``), ``codeloop.toml`` in the working directory,
defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = [
    "BatchSettings",
    "BudgetSettings",
    "HttpSettings",
    "KnowledgeSettings",
    "ModelSettings",
    "OrchestrateSettings",
    "PatternSettings",
    "SandboxSettings",
    "ServeSettings",
    "Settings",
    "UISettings",
]

DEFAULT_MODEL = "local:qwen2.5-coder-0.5b"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelSettings(_Section):
    """How models are called: role mapping, retries, timeouts, concurrency, cache."""

    planner: str = DEFAULT_MODEL
    coder: str = DEFAULT_MODEL
    worker: str = DEFAULT_MODEL
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=4, ge=0)
    backoff_initial_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=30.0, ge=0)
    concurrency: int = Field(default=8, ge=1)
    cache: bool = True
    cache_ttl_s: float = Field(default=7 * 24 * 3600, gt=0)
    local_context: int = Field(default=4096, ge=512)
    local_threads: int | None = Field(default=None, ge=1)
    openai_base_url: str | None = None
    anthropic_base_url: str | None = None

    def for_role(self, role: str) -> str:
        if role not in ("planner", "coder", "worker"):
            raise ValueError(f"unknown role {role!r}")
        value: str = getattr(self, role)
        return value


class BudgetSettings(_Section):
    """Default per-run budget; ``None`` means unlimited."""

    max_calls: int | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=0)
    max_cost_usd: float | None = Field(default=None, ge=0)
    max_seconds: float | None = Field(default=None, ge=0)


class SandboxSettings(_Section):
    """Default limits for sandboxed programs and how the sandbox isolates them.

    ``isolation`` picks the OS layer (``auto`` prefers bubblewrap, then ``unshare``); ``unsafe``
    allows running with no OS isolation at all when neither works (never the default).
    """

    memory_mb: int = Field(default=512, ge=32)
    cpu_s: float = Field(default=1.0, gt=0)
    wall_s: float = Field(default=5.0, gt=0)
    output_bytes: int = Field(default=1_000_000, ge=1024)
    file_mb: int = Field(default=16, ge=1)
    tmp_mb: int = Field(default=64, ge=1)
    open_files: int = Field(default=64, ge=16)
    processes: int = Field(default=256, ge=8)
    session_cpu_s: float = Field(default=120.0, gt=0)
    pool_size: int = Field(default=2, ge=0)
    max_active: int = Field(default=8, ge=1)
    preload: list[str] = Field(default_factory=list)
    validate_programs: bool = True
    isolation: Literal["auto", "bwrap", "unshare"] = "auto"
    unsafe: bool = False
    uid: int = Field(default=65534, ge=1)


class OrchestrateSettings(_Section):
    """analyze / orchestrate / rlm: retries, the result variable, RLM bounds, model aliases."""

    result_var: str = "final_report"
    max_retries: int = Field(default=2, ge=0)
    codegen_max_tokens: int = Field(default=1024, ge=16)
    retry_temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    rlm_max_iterations: int = Field(default=8, ge=1)
    rlm_max_depth: int = Field(default=1, ge=0)
    rlm_max_output_chars: int = Field(default=2000, ge=100)
    rlm_max_tokens: int = Field(default=512, ge=16)
    program_wall_s: float = Field(default=600.0, gt=0)
    program_cpu_s: float = Field(default=30.0, gt=0)
    aliases: dict[str, str] = Field(
        default_factory=lambda: {
            "code-davinci-002": "coder",
            "gpt-4.1": "planner",
            "gpt-4o": "planner",
            "gpt-4": "planner",
            "gpt-4.1-mini": "worker",
            "gpt-4o-mini": "worker",
            "gpt-3.5-turbo": "worker",
        }
    )


class KnowledgeSettings(_Section):
    """Code generation from the knowledge graph."""

    template_dirs: list[Path] = Field(default_factory=list)
    max_attempts: int = Field(default=3, ge=0, le=20)
    checker: Literal["cargo", "rustc"] = "cargo"
    edition: str = "2021"


class PatternSettings(_Section):
    """The pattern index: a short sketch scanned exactly, then an exact re-rank of candidates."""

    index_file: str = "patterns.npz"
    sketch_bits: int = Field(default=1024, ge=64, le=10_000, multiple_of=8)
    candidates: int = Field(default=200, ge=1)
    learned_in_gen: bool = True
    """``codeloop gen`` shows the closest learned template to the model (``--no-learned``: off)."""
    learned_min_similarity: float = Field(default=0.3, ge=0.0, le=1.0)


class BatchSettings(_Section):
    """Where batch work and ``map_async`` fan-out run: in this process, or on a Ray cluster."""

    backend: Literal["local", "ray"] = "local"
    concurrency: int = Field(default=4, ge=1)
    ray_address: str | None = None  # None starts a private local Ray; "auto" joins `ray start`
    ray_num_cpus: int | None = Field(default=None, ge=1)


class HttpSettings(_Section):
    """What an HTTP edge lets through. ``token`` is required from clients when set; beyond
    localhost one is always required (made up and printed when none is set)."""

    token: str | None = Field(default=None, min_length=16)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    rate_per_minute: int = Field(default=600, ge=1)
    burst: int = Field(default=60, ge=1)
    max_connections: int = Field(default=64, ge=1)


class UISettings(HttpSettings):
    """The dashboard (``codeloop ui``)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)


class ServeSettings(HttpSettings):
    """The MCP server over HTTP (``codeloop serve --http``): programs and data arrive in bodies."""

    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    max_output_bytes: int = Field(default=256 * 1024, ge=1024)
    rate_per_minute: int = Field(default=1200, ge=1)
    burst: int = Field(default=200, ge=1)
    max_connections: int = Field(default=512, ge=1)


class Settings(BaseSettings):
    """All of codeloop's settings."""

    model_config = SettingsConfigDict(
        env_prefix="CODELOOP_",
        env_nested_delimiter="__",
        toml_file="codeloop.toml",
        extra="forbid",
    )

    home: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("codeloop")))
    model_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("codeloop")) / "models"
    )
    log_level: str = "WARNING"
    log_json: bool = False
    models: ModelSettings = Field(default_factory=ModelSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    orchestrate: OrchestrateSettings = Field(default_factory=OrchestrateSettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    patterns: PatternSettings = Field(default_factory=PatternSettings)
    batch: BatchSettings = Field(default_factory=BatchSettings)
    ui: UISettings = Field(default_factory=UISettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)

    @property
    def db_path(self) -> Path:
        return self.home / "codeloop.db"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))
