from __future__ import annotations

from collections.abc import Callable

import pytest

from codeloop.lang import RustSupport, SandboxRunner
from codeloop.models import ModelRequest, ScriptedModel
from codeloop.pipeline import Pipeline, PipelineOptions


@pytest.fixture(scope="session")
def runner() -> SandboxRunner:
    return SandboxRunner(read_only=RustSupport().runtime_paths())


@pytest.fixture
def make_pipeline(runner: SandboxRunner) -> Callable[..., tuple[Pipeline, ScriptedModel]]:
    def make(
        responder: Callable[[ModelRequest], str], **options: object
    ) -> tuple[Pipeline, ScriptedModel]:
        model = ScriptedModel(responder)
        return Pipeline(model, runner, options=PipelineOptions(**options)), model  # type: ignore[arg-type]

    return make
