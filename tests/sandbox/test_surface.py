"""The public surface other layers build on, and the primitive descriptors."""

from __future__ import annotations

import codeloop.sandbox as sandbox
from codeloop.config import SandboxSettings
from codeloop.sandbox import HOST_PARAMS, PRIMITIVES, Limits, isolation_report


def test_public_names_are_pinned() -> None:
    assert sorted(sandbox.__all__) == sorted(
        [
            "HOST_PARAMS", "PRIMITIVES", "HostFunction", "IsolatedSandbox", "IsolatedSession",
            "LayerStatus", "Limits", "PrimitiveInfo", "ProcessResult", "RunError", "RunResult",
            "RunStatus", "RunUsage", "Sandbox", "SandboxSession", "TracedSandbox",
            "isolation_report", "run_process",
        ]
    )  # fmt: skip


def test_limits_defaults_and_settings() -> None:
    assert Limits().model_dump(include={"memory_mb", "cpu_s", "wall_s"}) == {
        "memory_mb": 512, "cpu_s": 1.0, "wall_s": 5.0,
    }  # fmt: skip
    limits = Limits.from_settings(SandboxSettings(memory_mb=300, wall_s=9.0, tmp_mb=8))
    assert (limits.memory_mb, limits.wall_s, limits.tmp_mb) == (300, 9.0, 8)


def test_primitives_have_signatures_docs_and_host_names() -> None:
    by_name = {p.name: p for p in PRIMITIVES}
    assert list(by_name) == [
        "context", "print", "llm_query", "llm_query_async", "await_all", "map_async",
        "raw_query", "exec_sub", "finish", "finish_var", "checkpoint", "restore", "budget",
    ]  # fmt: skip
    assert by_name["llm_query"].signature == (
        "llm_query(instruction: str, data: Any = '', *, model: str | None = None,"
        " temperature: float = 0.0, max_tokens: int | None = None) -> str"
    )
    assert by_name["map_async"].signature.endswith("*, max_concurrency: int = 8) -> list[Any]")
    assert all(p.doc for p in PRIMITIVES)
    assert {p.host for p in PRIMITIVES if p.host} == set(HOST_PARAMS)
    assert HOST_PARAMS["checkpoint"] == ("name", "value")


def test_isolation_report_probes_a_real_worker() -> None:
    layers = {layer.layer: layer for layer in isolation_report()}
    assert layers["bubblewrap"].active
    assert layers["seccomp"].active
    probe = layers["worker probe"]
    assert probe.active, probe.detail
    assert "mode: bwrap" in probe.detail
    assert "uid: 65534" in probe.detail
    assert "fork blocked" in probe.detail
    assert all(layer.fix for layer in layers.values() if not layer.active)


async def test_isolation_report_works_inside_a_running_loop() -> None:
    layers = {layer.layer: layer for layer in isolation_report()}
    assert layers["worker probe"].active
