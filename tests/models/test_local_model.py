"""The embedded model for real (marked `model`: loads the GGUF; kept few and short)."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codeloop.config import ModelSettings, Settings
from codeloop.models import (
    EMBEDDED_MODELS,
    LlamaRuntime,
    ModelFactory,
    ModelRequest,
    ModelResponse,
    ensure_gguf,
)

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def gguf() -> Path:
    return ensure_gguf(Settings().model_dir, EMBEDDED_MODELS["qwen2.5-coder-0.5b"])


@pytest.fixture(scope="module")
def runtime() -> LlamaRuntime:
    return LlamaRuntime(n_ctx=2048)


def test_the_embedded_model_answers_streams_and_keeps_to_a_schema(
    tmp_path: Path, gguf: Path, runtime: LlamaRuntime
) -> None:
    factory = ModelFactory(ModelSettings(), model_dir=gguf.parent, runtime=runtime)
    model = factory.build("local:qwen2.5-coder-0.5b")

    async def scenario() -> tuple[ModelResponse, list[str], ModelResponse, list[ModelResponse]]:
        plain = await model.complete(
            ModelRequest.of("What is 2 + 3? Answer with the number only.", max_tokens=8)
        )
        streamed = [i async for i in model.stream(ModelRequest.of("Say hello.", max_tokens=8))]
        schema = {
            "type": "object",
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            "required": ["name", "age"],
        }
        structured = await model.complete(
            ModelRequest.of(
                "A person called Ada, aged 36, as JSON.", max_tokens=40, json_schema=schema
            )
        )
        # concurrent callers share one loaded model safely (calls are serialised)
        twice = await asyncio.gather(
            *(
                model.complete(
                    ModelRequest.of("Name a colour.", max_tokens=4, seed=i, temperature=0.7)
                )
                for i in range(2)
            )
        )
        return plain, [s for s in streamed if isinstance(s, str)], structured, list(twice)

    plain, deltas, structured, twice = asyncio.run(scenario())
    assert "5" in plain.text
    assert plain.model == "local:qwen2.5-coder-0.5b"
    assert plain.usage.input_tokens > 10 and 0 < plain.usage.output_tokens <= 8
    assert plain.cost_usd == 0.0
    assert deltas and "".join(deltas).strip()
    data = json.loads(structured.text)
    assert isinstance(data["name"], str) and isinstance(data["age"], int)
    assert all(r.text for r in twice)
    assert len(runtime.load_seconds) == 1  # loaded once for all of the above


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def llama_server(gguf: Path, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path / "llama-server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--model_alias",
            "qwen",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None:
                    log.flush()
                    tail = (tmp_path / "llama-server.log").read_text()[-2000:]
                    pytest.fail(f"llama server died: {tail}")
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_openai_backend_talks_to_a_real_compatible_server(
    tmp_path: Path, llama_server: str
) -> None:
    factory = ModelFactory(ModelSettings(timeout_s=120), model_dir=tmp_path)
    model = factory.build(f"openai:{llama_server}#qwen")
    response = asyncio.run(
        model.complete(ModelRequest.of("What is 2 + 3? Answer with the number only.", max_tokens=8))
    )
    assert "5" in response.text
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    assert response.model == "openai:qwen"
