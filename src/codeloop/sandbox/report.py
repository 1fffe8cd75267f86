"""Which isolation layers work on this machine, for ``codeloop doctor``."""

from __future__ import annotations

import asyncio
import ctypes
import os
import shutil
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from codeloop.errors import CodeloopError

__all__ = ["LayerStatus", "isolation_report"]

SYS_LANDLOCK_CREATE_RULESET = 444


@dataclass(frozen=True)
class LayerStatus:
    """One defence layer: whether it is active here, what was seen, and how to fix it if not."""

    layer: str
    active: bool
    detail: str
    fix: str = ""


def isolation_report(*, probe: bool = True) -> list[LayerStatus]:
    """Each layer's status; with ``probe``, a real worker is started and its lock-down reported.

    Synchronous (for ``doctor``); safe to call from inside a running event loop too.
    """
    root = os.geteuid() == 0
    layers = [
        _binary("bubblewrap", "bwrap", "apt-get install -y bubblewrap"),
        _binary("unshare (fallback)", "unshare", "apt-get install -y util-linux"),
        _uid(root),
        _seccomp(),
        _landlock(),
        LayerStatus("rlimits", True, "address space, CPU (soft = hard), file size, files, procs"),
        LayerStatus("validator", True, "AST whitelist (imports, builtins, no _names)"),
        LayerStatus("wall-clock watchdog", True, "host kills the process group at the deadline"),
    ]
    if probe:
        layers.append(_probe())
    return layers


def _uid(root: bool) -> LayerStatus:
    if not root:
        return LayerStatus("unprivileged uid", True, f"runs as uid {os.geteuid()}")
    if shutil.which("setpriv") is None:
        return LayerStatus(
            "unprivileged uid", False, "setpriv missing", "apt-get install -y util-linux"
        )
    return LayerStatus(
        "unprivileged uid", True, "setpriv drops root to uid 65534 (programs) and 65533 (tool runs)"
    )


def _binary(name: str, binary: str, fix: str) -> LayerStatus:
    path = shutil.which(binary)
    return LayerStatus(name, path is not None, path or "not found", "" if path else fix)


def _seccomp() -> LayerStatus:
    try:
        ctypes.CDLL("libseccomp.so.2")
        import pyseccomp  # noqa: F401
    except (OSError, ImportError) as exc:
        return LayerStatus(
            "seccomp", False, str(exc), "apt-get install -y libseccomp2; pip install pyseccomp"
        )
    return LayerStatus("seccomp", True, "libseccomp2 + pyseccomp: no fork/exec/socket/ptrace")


def _landlock() -> LayerStatus:
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return LayerStatus("landlock", False, "not supported by this kernel", "Linux >= 5.13")
    return LayerStatus("landlock", True, f"ABI {abi}")


def _probe() -> LayerStatus:
    from codeloop.sandbox.isolated import IsolatedSandbox

    async def start() -> dict[str, str]:
        sandbox = IsolatedSandbox(pool_size=0)
        worker, _ = await sandbox.pool.acquire()
        try:
            return dict(worker.layers) | {"mode": sandbox.mode}
        finally:
            await worker.kill()

    try:
        layers = _run_sync(start())
    except CodeloopError as exc:
        return LayerStatus("worker probe", False, str(exc), "see the layers above")
    detail = ", ".join(f"{k}: {v}" for k, v in sorted(layers.items()))
    return LayerStatus("worker probe", True, detail)


def _run_sync(coro: Coroutine[Any, Any, dict[str, str]]) -> dict[str, str]:
    """``asyncio.run``, on a helper thread when the caller is already inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
