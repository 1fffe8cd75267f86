"""The sandbox: validator, isolated single-use workers from a warm pool, limits, JSON results."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from pydantic import ValidationError

from codeloop.config import SandboxSettings
from codeloop.errors import SandboxError
from codeloop.sandbox._worker import policy
from codeloop.sandbox.host_calls import HostDispatcher
from codeloop.sandbox.isolation import IsolationMode, Launcher, Mount, choose_mode
from codeloop.sandbox.limits import Limits
from codeloop.sandbox.pool import WarmPool
from codeloop.sandbox.protocol import HostFunction
from codeloop.sandbox.results import RunError, RunResult, RunUsage
from codeloop.sandbox.runtime import INSIDE_SITE, INSIDE_WORKER, PythonRuntime
from codeloop.sandbox.worker import Worker, WorkerGone, WorkerSpec
from codeloop.telemetry import span

__all__ = ["IsolatedSandbox", "IsolatedSession"]

LIMIT_MESSAGES = {
    "cpu": "the program used more than {cpu_s:g} s of CPU time: do less work or sample the data",
    "wall": "the program ran longer than {wall_s:g} s: avoid sleeping and long loops",
    "memory": "the program needed more than {memory_mb} MB: process the data in smaller pieces",
    "output": "the program sent more than the output limit back: return less data",
    "recursion": "recursion too deep: use a loop instead",
    "budget": "the model budget ran out: make fewer or smaller model calls",
}
SPAWN_MEMORY_MB = 4096
# Workers cannot fork (seccomp), so RLIMIT_NPROC only bounds threads, counted over every worker
# of the uid together; each worker's address-space limit already bounds its own threads.
WORKER_TASKS = 4096
WORKER_BOOT = (
    "import sys; sys.path[:0] = [{worker!r}, {site!r}]; from clworker.main import main; main()"
)


class IsolatedSandbox:
    """Runs each program in a fresh, locked-down worker process (see ``SANDBOX.md``).

    Layers, each switchable for tests: the AST validator (``validate``), the OS layer
    (``isolation``: bubblewrap, ``unshare``, or none only with ``unsafe``), Landlock and seccomp
    inside the worker, rlimits, the host's wall-clock and CPU watchdog.
    """

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        pool_size: int = 2,
        max_active: int = 8,
        validate: bool = True,
        isolation: str = "auto",
        unsafe: bool = False,
        seccomp: bool = True,
        landlock: bool = True,
        preload: Sequence[str] = (),
        uid: int = 65534,
        runtime: PythonRuntime | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.validate = validate
        self.mode: IsolationMode = choose_mode(isolation, unsafe=unsafe)
        self.launcher = Launcher(self.mode, uid=uid)
        self.runtime = runtime or PythonRuntime.discover()
        self._seccomp = seccomp
        self._landlock = landlock
        self._preload = tuple(preload)
        self.pool = WarmPool(self._spec(), pool_size, max_active=max_active)

    @classmethod
    def from_settings(cls, settings: SandboxSettings, **overrides: Any) -> IsolatedSandbox:
        options: dict[str, Any] = {
            "limits": Limits.from_settings(settings),
            "pool_size": settings.pool_size,
            "max_active": settings.max_active,
            "validate": settings.validate_programs,
            "isolation": settings.isolation,
            "unsafe": settings.unsafe,
            "preload": settings.preload,
            "uid": settings.uid,
        }
        options.update(overrides)
        return cls(**options)

    def _spec(self) -> WorkerSpec:
        inside = self.launcher.inside
        readable = [
            inside("/opt"),
            "/usr/lib",
            "/usr/lib64",
            "/usr/share/zoneinfo",
            "/proc",
            "/dev",
        ]
        if self.mode == "none":  # the layout is symlinks: Landlock must allow their targets
            readable += [str(bind.source) for bind in self.runtime.binds]
        landlock = {"read": readable, "write": ["/tmp", "/dev/null"]} if self._landlock else None
        config = {
            "spawn_memory_mb": SPAWN_MEMORY_MB,
            "file_mb": self.limits.file_mb,
            "open_files": self.limits.open_files,
            "processes": WORKER_TASKS,
            "preload": list(self._preload),
            "seccomp": self._seccomp,
            "landlock": landlock,
        }
        boot = WORKER_BOOT.format(worker=inside(INSIDE_WORKER), site=inside(INSIDE_SITE))
        python = inside(self.runtime.executable)
        mount = Mount(
            binds=self.runtime.binds,
            hidden=self.runtime.hidden,
            scratch_mb=self.limits.tmp_mb,
            env={"LD_LIBRARY_PATH": inside("/opt/python/lib")},
        )
        command = [python, "-I", "-S", "-c", boot, json.dumps(config)]
        return WorkerSpec(argv=tuple(self.launcher.argv(mount, command)))

    async def start(self) -> None:
        """Fill the warm pool now rather than on the first run."""
        await self.pool.fill()

    async def aclose(self) -> None:
        await self.pool.close()

    async def __aenter__(self) -> IsolatedSandbox:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def run(
        self,
        program: str,
        *,
        context: Any = None,
        host: Mapping[str, HostFunction] | None = None,
        limits: Limits | None = None,
        return_vars: Sequence[str] = (),
    ) -> RunResult:
        limits = limits or self.limits
        refused = self.check(program)
        if refused is not None:
            return refused
        with span("sandbox.run", {"chars": len(program), "mode": self.mode}) as current:
            async with self.pool.slot():
                worker, warm = await self.pool.acquire()
                try:
                    result = await execute(
                        worker,
                        program,
                        context=context,
                        host=HostDispatcher(host or {}),
                        limits=limits,
                        return_vars=return_vars,
                        validate=self.validate,
                        first=True,
                        session=False,
                    )
                finally:
                    self.pool.release(worker)
            result.usage.worker = "warm" if warm else "cold"
            current.set_attribute("status", result.status)
            return result

    def check(self, program: str) -> RunResult | None:
        """The validator's verdict as a ``policy`` result, or None when the program passes."""
        if not self.validate:
            return None
        findings = policy.check(program)
        if not findings:
            return None
        first = findings[0]
        message = "; ".join(f.render() for f in findings[:5])
        return RunResult(
            status="policy",
            error=RunError(
                type="PolicyViolation", message=message, line=first.line, rule=first.rule
            ),
        )

    @asynccontextmanager
    async def session(
        self,
        *,
        context: Any = None,
        host: Mapping[str, HostFunction] | None = None,
        limits: Limits | None = None,
    ) -> AsyncIterator[IsolatedSession]:
        session = IsolatedSession(self, context, HostDispatcher(host or {}), limits or self.limits)
        try:
            yield session
        finally:
            await session.close()


class IsolatedSession:
    """One worker kept for a sequence of runs; its namespace persists between them.

    A run that hits a limit kills the worker; the next run starts a fresh one (the namespace is
    then empty again, and the limit result says so).
    """

    def __init__(
        self, sandbox: IsolatedSandbox, context: Any, host: HostDispatcher, limits: Limits
    ) -> None:
        self._sandbox = sandbox
        self._context = context
        self._host = host
        self.limits = limits
        self._worker: Worker | None = None
        self.restarts = 0

    async def run(self, program: str, *, return_vars: Sequence[str] = ()) -> RunResult:
        refused = self._sandbox.check(program)
        if refused is not None:
            return refused
        async with self._sandbox.pool.slot():
            return await self._run(program, return_vars)

    async def _run(self, program: str, return_vars: Sequence[str]) -> RunResult:
        first = self._worker is None or not self._worker.alive
        if first:
            if self._worker is not None:
                self.restarts += 1
            self._worker, _ = await self._sandbox.pool.acquire()
        worker = self._worker
        assert worker is not None
        try:
            result = await execute(
                worker,
                program,
                context=self._context,
                host=self._host,
                limits=self.limits,
                return_vars=return_vars,
                validate=self._sandbox.validate,
                first=first,
                session=True,
            )
        except BaseException:
            worker.kill_now()  # cancelled mid-run: the worker's state is unknown
            raise
        result.usage.worker = "session"
        if not worker.alive and result.error is not None:
            result.error.message += " (the session restarts with a fresh namespace)"
        return result

    async def close(self) -> None:
        if self._worker is not None:
            self._sandbox.pool.release(self._worker)
            self._worker = None


async def execute(
    worker: Worker,
    program: str,
    *,
    context: Any,
    host: HostDispatcher,
    limits: Limits,
    return_vars: Sequence[str],
    validate: bool,
    first: bool,
    session: bool,
) -> RunResult:
    """One program on one worker. Kills the worker on any limit or protocol breach."""
    request: dict[str, Any] = {
        "type": "run",
        "program": program,
        "validate": validate,
        "output_bytes": limits.output_bytes,
        "return_vars": list(return_vars),
        "host_names": host.names,
    }
    if first:
        request["context"] = context
        cpu = limits.session_cpu_s if session else limits.cpu_s
        request["arm"] = {"memory_mb": limits.memory_mb, "cpu_s": cpu}
    calls_before = Counter(host.counts)
    host.budget_error = None
    started = time.perf_counter()
    try:
        raw = await worker.run(
            request,
            on_call=host,
            frame_limit=6 * limits.output_bytes + 65536,
            wall_s=limits.wall_s,
            cpu_s=limits.cpu_s,
            import_wall_s=limits.import_wall_s,
            trust_armed=first,
        )
    except WorkerGone as gone:
        kind = gone.kind
        if kind == "crash":
            kind = await _crash_kind(worker, limits, started)
        await worker.kill()
        return _limit_or_crash(kind, str(gone), worker, limits, time.perf_counter() - started)
    except (TypeError, ValueError) as exc:
        await worker.kill()
        raise SandboxError(f"cannot send the run to the worker: {exc}") from exc
    calls = dict(host.counts - calls_before)
    result = _parse(raw, calls, time.perf_counter() - started)
    if result.status == "limit":
        await worker.kill()
    if host.budget_error is not None and not result.finished:
        result.status = "limit"
        result.error = RunError(
            type="LimitExceeded",
            kind="budget",
            message=f"{host.budget_error}; {LIMIT_MESSAGES['budget']}",
        )
    return result


async def _crash_kind(worker: Worker, limits: Limits, started: float) -> str:
    """A worker that died mid-run: SIGKILL near the CPU limit is the kernel's RLIMIT_CPU."""
    code = await worker.process.wait()
    if code in (-9, -24, 137, 152) and time.perf_counter() - started >= limits.cpu_s * 0.9:
        return "cpu"
    return "crash"


def _limit_or_crash(
    kind: str, detail: str, worker: Worker, limits: Limits, seconds: float
) -> RunResult:
    if kind in LIMIT_MESSAGES:
        message = LIMIT_MESSAGES[kind].format(**limits.model_dump())
        error = RunError(type="LimitExceeded", kind=kind, message=message)
        return RunResult(status="limit", error=error, seconds=seconds)
    code = worker.process.returncode
    if kind == "protocol":
        message = f"the program broke the sandbox protocol ({detail}); the worker was killed"
    else:
        message = f"the worker process died (exit status {code})"
    return RunResult(
        status="error", error=RunError(type="WorkerCrashed", message=message), seconds=seconds
    )


def _parse(raw: dict[str, Any], calls: dict[str, int], seconds: float) -> RunResult:
    """The worker's result frame, checked field by field (it is untrusted data)."""
    try:
        usage = RunUsage(
            cpu_s=float(raw.get("usage", {}).get("cpu_s", 0.0)),
            peak_memory_mb=float(raw.get("usage", {}).get("peak_memory_mb", 0.0)),
            host_calls=calls,
            stdout_truncated=bool(raw.get("stdout_dropped")),
        )
        error = raw.get("error")
        if error and raw.get("status") == "limit":
            error = _with_hint(error)
        return RunResult(
            status=raw.get("status"),  # type: ignore[arg-type]
            value=raw.get("value"),
            finished=bool(raw.get("finished")),
            variables=dict(raw.get("variables") or {}),
            stdout=str(raw.get("stdout", "")),
            error=RunError.model_validate(_error_fields(error)) if error else None,
            seconds=seconds,
            usage=usage,
        )
    except (ValidationError, TypeError, ValueError, AttributeError) as exc:
        return RunResult(
            status="error",
            error=RunError(
                type="WorkerCrashed", message=f"malformed result from the worker: {exc}"
            ),
            seconds=seconds,
        )


def _with_hint(error: Any) -> Any:
    """A limit reported by the worker itself gets the same actionable message as the host's."""
    if isinstance(error, dict) and error.get("kind") in LIMIT_MESSAGES:
        hint = LIMIT_MESSAGES[str(error["kind"])].split(": ", 1)[-1]
        detail = str(error.get("message") or error.get("type") or "")
        return {**error, "message": f"{detail}: {hint}" if detail else hint}
    return error


def _error_fields(error: Any) -> dict[str, Any]:
    if not isinstance(error, dict):
        raise TypeError("error is not an object")
    keys = ("type", "message", "line", "traceback_tail", "kind")
    return {k: error[k] for k in keys if k in error}
