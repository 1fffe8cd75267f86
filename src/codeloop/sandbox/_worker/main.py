"""The worker process: lock itself down, announce readiness, then run programs on request.

Started by the host as ``python -I -S -m clworker.main CONFIG_JSON`` inside the isolation layers.
Everything before the first ``run`` command is trusted code; after a program has run, the host
trusts nothing this process says beyond what the frame format lets it say.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import resource
import sys
import threading
import time
import traceback
from typing import Any

from . import guard, policy, prims
from .channel import Channel

PROGRAM_FILES = ("<program>", "<exec_sub>")
TRACEBACK_FRAMES = 6
THREAD_STACK = 2 * 1024 * 1024  # map_async threads count against the address-space limit


class CappedText(io.TextIOBase):
    """``print`` goes here: kept up to ``limit`` characters, the rest counted and dropped."""

    def __init__(self, limit: int) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._limit = limit
        self.dropped = 0
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            room = self._limit - self._size
            if room > 0:
                self._parts.append(text[:room])
                self._size += min(room, len(text))
            self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def value(self) -> str:
        return "".join(self._parts)


def main() -> None:
    config: dict[str, Any] = json.loads(sys.argv[1])
    channel = _take_channel()
    layers = _lock_down(config)
    channel.start()
    channel.send({"type": "ready", "layers": layers})
    namespace: dict[str, Any] = {}
    primitives: prims.Primitives | None = None
    while True:
        command = channel.commands.get()
        if command is None or command.get("type") != "run":
            break
        if primitives is None:
            primitives = prims.Primitives(channel, namespace, validate=bool(command["validate"]))
            namespace.update(prims.bind(primitives))
        channel.send(_run(command, namespace, primitives, channel))
    os._exit(0)


def _take_channel() -> Channel:
    """Move the channel off fds 0/1 so a stray write to stdout cannot look like a frame."""
    reader = os.fdopen(os.dup(0), "rb", buffering=0)
    writer = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    return Channel(reader, writer)


def _lock_down(config: dict[str, Any]) -> dict[str, str]:
    layers: dict[str, str] = {}
    guard.set_rlimits(
        memory_mb=int(config["spawn_memory_mb"]),
        file_mb=int(config["file_mb"]),
        open_files=int(config["open_files"]),
        processes=int(config["processes"]),
    )
    layers["rlimits"] = "address space, file size, open files, processes, no core"
    for name in config.get("preload", []):
        if policy.module_allowed(name):
            importlib.import_module(name)
    threading.stack_size(THREAD_STACK)
    if config.get("landlock"):
        spec = config["landlock"]
        layers["landlock"] = guard.landlock(spec["read"], spec["write"], executable=False)
    if config.get("seccomp"):
        layers["seccomp"] = guard.seccomp(allow_exec=False)
    layers["uid"] = str(os.getuid())
    return layers


def _run(
    command: dict[str, Any],
    namespace: dict[str, Any],
    primitives: prims.Primitives,
    channel: Channel,
) -> dict[str, Any]:
    program = str(command["program"])
    if "context" in command:
        namespace["context"] = command["context"]
    namespace.setdefault("context", None)
    primitives.host_names = frozenset(command.get("host_names", ()))
    for name in policy.imported_modules(program):
        try:
            importlib.import_module(name)
        except ImportError:
            continue  # the program's own import statement reports it
    arm = command.get("arm")
    if arm:
        guard.lower_memory(int(arm["memory_mb"]))
        guard.arm_cpu(float(arm["cpu_s"]))
    output = CappedText(int(command["output_bytes"]))
    sys.stdout = output
    sys.stderr = output
    channel.send({"type": "armed"})
    started = time.perf_counter()
    result: dict[str, Any] = {"type": "result", "status": "finished", "finished": False}
    try:
        exec(compile(program, "<program>", "exec"), namespace)
    except prims.Finish as done:
        result.update(finished=True, value=done.value)
    except MemoryError as exc:
        result.update(status="limit", error=_error(exc, "memory"))
    except RecursionError as exc:
        result.update(status="limit", error=_error(exc, "recursion"))
    except BaseException as exc:
        result.update(status="error", error=_error(exc, None))
    finally:
        sys.stdout = sys.__stdout__
        sys.stderr = sys.__stderr__
    result["seconds"] = time.perf_counter() - started
    result["stdout"] = output.value()
    result["stdout_dropped"] = output.dropped
    return _finalise(result, namespace, command)


def _finalise(
    result: dict[str, Any], namespace: dict[str, Any], command: dict[str, Any]
) -> dict[str, Any]:
    limit = int(command["output_bytes"])
    try:
        value = prims.to_json(result.get("value"))
        variables = {
            name: prims.to_json(namespace[name])
            for name in command.get("return_vars", ())
            if name in namespace
        }
    except (TypeError, ValueError, RecursionError) as exc:
        result.update(status="error", value=None, variables={})
        result["error"] = {"type": type(exc).__name__, "message": str(exc)[:500], "line": None}
        return _usage(result)
    result["value"] = value
    result["variables"] = variables
    size = len(json.dumps([value, variables], ensure_ascii=False))
    if size > limit:
        result.update(status="limit", value=None, variables={})
        result["error"] = {
            "type": "LimitExceeded",
            "kind": "output",
            "message": f"result is {size} bytes of JSON, more than the {limit}-byte output limit",
            "line": None,
        }
    return _usage(result)


def _usage(result: dict[str, Any]) -> dict[str, Any]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["usage"] = {
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
        "peak_memory_mb": round(usage.ru_maxrss / 1024, 1),
    }
    return result


def _error(exc: BaseException, kind: str | None) -> dict[str, Any]:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in PROGRAM_FILES]
    line = frames[-1].lineno if frames else None
    if isinstance(exc, SyntaxError) and exc.filename in PROGRAM_FILES:
        line = exc.lineno
    tail = "".join(traceback.format_list(frames[-TRACEBACK_FRAMES:]))
    message = str(exc)[:2000]
    tail += f"{type(exc).__name__}: {message}\n"
    info: dict[str, Any] = {
        "type": type(exc).__name__,
        "message": message,
        "line": line,
        "traceback_tail": tail[-4000:],
    }
    if kind:
        info["kind"] = kind
    return info


if __name__ == "__main__":
    main()
