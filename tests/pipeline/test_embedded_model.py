"""Two short runs on the embedded model (slow on 2 cores; marked ``model``)."""

from __future__ import annotations

import pytest

from codeloop.config import Settings
from codeloop.lang import SandboxRunner
from codeloop.models import ModelFactory
from codeloop.pipeline import Pipeline, PipelineOptions

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def factory() -> ModelFactory:
    settings = Settings()
    return ModelFactory(settings.models, model_dir=settings.model_dir, cache=None)


async def test_python_function_from_the_embedded_model(
    factory: ModelFactory, runner: SandboxRunner
) -> None:
    model = factory.build("local:qwen2.5-coder-0.5b")
    options = PipelineOptions(samples=3, rounds=1, generate_tests=False, max_tokens=256)
    report = await Pipeline(model, runner, options=options).run(
        "Write a Python function is_even(n) that tells whether n is even: is_even(4) == True"
    )
    assert report.status == "ok", report.message
    assert (report.public_passed, report.public_total) == (1, 1)
    assert report.lint is not None
    assert report.lint.clean
    assert "def is_even(" in report.files["is_even.py"]


async def test_rust_function_from_the_embedded_model(
    factory: ModelFactory, runner: SandboxRunner
) -> None:
    model = factory.build("local:qwen2.5-coder-0.5b")
    options = PipelineOptions(samples=3, rounds=1, generate_tests=False, max_tokens=256)
    report = await Pipeline(model, runner, options=options).run(
        "In Rust, write fn square(x: i64) -> i64: square(3) == 9"
    )
    assert report.status == "ok", report.message
    assert (report.public_passed, report.public_total) == (1, 1)
    assert "pub fn square(x: i64) -> i64" in report.files["square.rs"]
