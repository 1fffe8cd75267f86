from pathlib import Path

import pytest
from pydantic import ValidationError

from codeloop.config import DEFAULT_MODEL, Settings
from codeloop.models import DEFAULT_EMBEDDED


def test_defaults_use_the_embedded_model_for_every_role(codeloop_home: Path) -> None:
    settings = Settings()
    assert settings.home == codeloop_home
    assert settings.db_path == codeloop_home / "codeloop.db"
    for role in ("planner", "coder", "worker"):
        assert settings.models.for_role(role) == DEFAULT_MODEL
    assert settings.sandbox.memory_mb == 512
    assert settings.sandbox.cpu_s == 1.0
    assert settings.sandbox.wall_s == 5.0


def test_environment_overrides_nested_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODELOOP_MODELS__CODER", "openai:gpt-4.1")
    monkeypatch.setenv("CODELOOP_MODELS__TIMEOUT_S", "7.5")
    monkeypatch.setenv("CODELOOP_BUDGET__MAX_CALLS", "3")
    settings = Settings()
    assert settings.models.coder == "openai:gpt-4.1"
    assert settings.models.timeout_s == 7.5
    assert settings.budget.max_calls == 3


def test_codeloop_toml_is_read_and_env_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "codeloop.toml").write_text(
        '[models]\nplanner = "anthropic:claude-sonnet-4-5"\nworker = "openai:gpt-4.1-mini"\n'
    )
    monkeypatch.setenv("CODELOOP_MODELS__WORKER", "local:qwen2.5-coder-0.5b")
    settings = Settings()
    assert settings.models.planner == "anthropic:claude-sonnet-4-5"
    assert settings.models.worker == "local:qwen2.5-coder-0.5b"


def test_unknown_and_invalid_settings_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODELOOP_SANDBOX__MEMORY_MB", "1")
    with pytest.raises(ValidationError, match="memory_mb"):
        Settings()


def test_unknown_role_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown role 'boss'"):
        Settings().models.for_role("boss")


def test_default_model_is_the_default_embedded_model() -> None:
    assert f"local:{DEFAULT_EMBEDDED}" == DEFAULT_MODEL
