"""Model names, the scripted and replay backends, the factory and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeloop.config import ModelSettings
from codeloop.errors import ConfigError, ModelResponseError, ReplayMiss, UserInputError
from codeloop.models import (
    ModelFactory,
    ModelName,
    ModelRequest,
    RecordingModel,
    ReplayModel,
    ScriptedModel,
    parse_model_name,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("local:qwen2.5-coder-0.5b", ModelName("local", "qwen2.5-coder-0.5b")),
        ("openai:gpt-4.1", ModelName("openai", "gpt-4.1")),
        (
            "openai:http://localhost:8000/v1#my-model",
            ModelName("openai", "my-model", "http://localhost:8000/v1"),
        ),
        ("anthropic:claude-sonnet-4-5", ModelName("anthropic", "claude-sonnet-4-5")),
    ],
)
def test_model_names_parse_and_print_back(text: str, expected: ModelName) -> None:
    assert parse_model_name(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gpt-4", "use backend:name"),
        ("nosuch:model", "use backend:name"),
        ("openai:", "use backend:name"),
        ("openai:http://localhost:8000/v1", "names a server but no model"),
    ],
)
def test_bad_model_names_name_the_fix(text: str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        parse_model_name(text)


async def test_scripted_replies_in_order_then_fails_loudly() -> None:
    model = ScriptedModel(["a", "b"])
    assert [(await model.complete(ModelRequest.of("q"))).text for _ in range(2)] == ["a", "b"]
    with pytest.raises(ModelResponseError, match="has no reply #3"):
        await model.complete(ModelRequest.of("q"))


async def test_scripted_from_a_function_and_a_file(tmp_path: Path) -> None:
    echo = ScriptedModel(lambda r: r.messages[-1].content.upper())
    assert (await echo.complete(ModelRequest.of("hi"))).text == "HI"
    script = tmp_path / "replies.jsonl"
    script.write_text('"plain"\n{"text": "from a dict"}\n')
    model = ScriptedModel.from_file(script)
    texts = [(await model.complete(ModelRequest.of("q"))).text for _ in range(2)]
    assert texts == ["plain", "from a dict"]


async def test_record_then_replay_and_a_miss_is_loud(tmp_path: Path) -> None:
    cassette = tmp_path / "cassette.jsonl"
    recorder = RecordingModel(ScriptedModel(["recorded answer"]), cassette)
    await recorder.complete(ModelRequest.of("question"))
    replay = ReplayModel(cassette)
    response = await replay.complete(ModelRequest.of("question"))
    assert (response.text, response.cached) == ("recorded answer", True)
    with pytest.raises(ReplayMiss, match="no recording for request"):
        await replay.complete(ModelRequest.of("another question"))


def test_a_malformed_cassette_names_the_line(tmp_path: Path) -> None:
    cassette = tmp_path / "bad.jsonl"
    cassette.write_text(json.dumps({"key": "k", "response": {"text": "x", "model": "m"}}) + "\n{\n")
    with pytest.raises(UserInputError, match="line 2 is malformed"):
        ReplayModel(cassette)


def factory(tmp_path: Path, env: dict[str, str] | None = None, **settings: str) -> ModelFactory:
    return ModelFactory(ModelSettings(**settings), model_dir=tmp_path, env=env or {})


def test_roles_map_to_models(tmp_path: Path) -> None:
    script = tmp_path / "s.json"
    script.write_text('["x"]')
    made = factory(tmp_path, planner=f"scripted:{script}").build("planner")
    assert made.name == f"scripted:{script}"


def test_missing_api_keys_name_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="set OPENAI_API_KEY"):
        factory(tmp_path).build("openai:gpt-4.1")
    with pytest.raises(ConfigError, match="set ANTHROPIC_API_KEY"):
        factory(tmp_path).build("anthropic:claude-sonnet-4-5")
    # a compatible server needs no key; a real key builds too
    assert factory(tmp_path).build("openai:http://127.0.0.1:9/v1#m").name.endswith("#m")
    assert factory(tmp_path, {"OPENAI_API_KEY": "sk-test"}).build("openai:gpt-4.1")


def test_unknown_local_model_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="use one of qwen2.5-coder-0.5b"):
        factory(tmp_path).build("local:nonexistent")
