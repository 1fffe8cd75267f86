from __future__ import annotations

import pytest

from codeloop.lang import ProcessLimits, RustSupport, SandboxRunner


@pytest.fixture(scope="session")
def runner() -> SandboxRunner:
    return SandboxRunner(read_only=RustSupport().runtime_paths())


@pytest.fixture
def limits() -> ProcessLimits:
    return ProcessLimits(wall_s=30, cpu_s=20, memory_mb=4096)
