"""Commands under the sandbox's OS isolation, with exec allowed: test suites, compiled binaries.

The command sees a read-only ``/usr``, the interpreter with the data and test packages, and a
private scratch directory (its working directory) holding ``files``; no network, an unprivileged
uid, rlimits, seccomp without the exec block, and a wall deadline that kills the process group.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from codeloop.errors import UserInputError
from codeloop.sandbox.isolation import Launcher, Mount, choose_mode
from codeloop.sandbox.limits import Limits
from codeloop.sandbox.results import ProcessResult
from codeloop.sandbox.runtime import (
    DATA_DISTRIBUTIONS,
    INSIDE_SITE,
    INSIDE_WORKER,
    TEST_DISTRIBUTIONS,
    Bind,
    PythonRuntime,
)
from codeloop.telemetry import span

__all__ = ["run_process"]

LAUNCH = (
    "import sys; sys.path[:0] = [{worker!r}, {site!r}]; from clworker.launch import main; main()"
)
WORKDIR = "/work"
MAX_COLLECT_BYTES = 4 * 1024 * 1024
# RLIMIT_NPROC counts every task of a uid system-wide: tool runs get their own uid, so the
# threads of program workers (uid 65534) cannot starve their fork budget, nor the reverse.
PROCESS_UID = 65533


async def run_process(
    argv: Sequence[str],
    *,
    files: Mapping[str, str | bytes],
    limits: Limits | None = None,
    cwd_files_dir: Path | None = None,
    collect: Sequence[str] = (),
    read_only: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
    isolation: str = "auto",
    unsafe: bool = False,
    uid: int = PROCESS_UID,
    runtime: PythonRuntime | None = None,
) -> ProcessResult:
    """Run ``argv`` in a fresh sandbox whose working directory holds ``files``.

    ``python``/``python3`` resolve to the sandbox interpreter, with numpy, pandas, scikit-learn,
    pytest and coverage importable; ``/usr`` (node, system tools) is visible read-only. ``files``
    given as bytes are written executable (a compiled test binary). ``cwd_files_dir``: use this
    host directory as the working directory (kept afterwards) instead of a temporary one.
    ``collect``: glob patterns of files to read back into ``ProcessResult.files``. ``read_only``:
    more host directories to mount read-only at the same path (a toolchain such as
    ``~/.rustup``); ``env``: extra environment variables (e.g. a ``PATH`` naming them).
    ``limits.memory_mb`` caps address space per process (node needs about 2 GB);
    ``limits.processes`` caps processes and threads of all tool runs together (one uid).
    """
    if not argv:
        raise UserInputError("run_process needs a command: argv is empty")
    limits = limits or Limits(cpu_s=30.0, wall_s=60.0, memory_mb=2048)
    launcher = Launcher(choose_mode(isolation, unsafe=unsafe), uid=uid)
    runtime = runtime or PythonRuntime.discover(DATA_DISTRIBUTIONS + TEST_DISTRIBUTIONS)
    owned = cwd_files_dir is None
    workdir = cwd_files_dir or Path(tempfile.mkdtemp(prefix="codeloop-run-"))
    try:
        _write_files(workdir, files, uid if launcher.drop_privileges else None)
        argv_full = _command(launcher, runtime, limits, workdir, argv, read_only, env or {})
        with span("sandbox.process", {"argv0": argv[0], "files": len(files)}):
            return await _execute(argv_full, limits, workdir, collect)
    finally:
        if owned:
            shutil.rmtree(workdir, ignore_errors=True)


def _write_files(workdir: Path, files: Mapping[str, str | bytes], uid: int | None) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    root = workdir.resolve()
    for name, text in files.items():
        target = (root / name).resolve()
        if not target.is_relative_to(root) or target == root:
            raise UserInputError(
                f"file name {name!r} leaves the working directory: use a relative path"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
            target.chmod(0o755)
        else:
            target.write_text(text, encoding="utf-8")
    if uid is not None:
        for path in [root, *root.rglob("*")]:
            os.chown(path, uid, uid)


def _command(
    launcher: Launcher,
    runtime: PythonRuntime,
    limits: Limits,
    workdir: Path,
    argv: Sequence[str],
    read_only: Sequence[Path],
    env: Mapping[str, str],
) -> list[str]:
    inside = launcher.inside
    tools = [Bind(path, str(path)) for path in read_only]
    bwrap = launcher.mode == "bwrap"
    cwd = WORKDIR if bwrap else str(workdir)
    config = {
        "memory_mb": limits.memory_mb,
        "cpu_s": limits.cpu_s,
        "file_mb": limits.file_mb,
        "open_files": max(limits.open_files, 256),
        "processes": limits.processes,
        "seccomp": True,
        "landlock": {
            "read": ["/usr", "/etc/alternatives", inside("/opt"), "/proc", "/dev"]
            + [inside(tool.target) for tool in tools],
            "write": [cwd, "/tmp", "/dev/null"],
        },
    }
    python_bin = inside("/opt/python/bin")
    mount = Mount(
        binds=(*runtime.binds, *tools),
        hidden=runtime.hidden,
        scratch_mb=limits.tmp_mb,
        whole_usr=True,
        env={
            "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
            "PYTHONPATH": inside(INSIDE_SITE),
            "LD_LIBRARY_PATH": inside("/opt/python/lib"),
            "PYTHONDONTWRITEBYTECODE": "1",
            **env,
        },
    )
    boot = LAUNCH.format(worker=inside(INSIDE_WORKER), site=inside(INSIDE_SITE))
    python = inside(runtime.executable)
    command = [python, "-I", "-S", "-c", boot, json.dumps(config), *argv]
    args = launcher.argv(mount, command, cwd=cwd)
    if bwrap:
        index = args.index("--chdir")
        args[index:index] = ["--bind", str(workdir), WORKDIR]
    return args


async def _execute(
    argv: Sequence[str], limits: Limits, workdir: Path, collect: Sequence[str]
) -> ProcessResult:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )
    cap = limits.output_bytes
    reads = asyncio.gather(_capped(process.stdout, cap), _capped(process.stderr, cap))
    limit: str | None = None
    try:
        (out, out_over), (err, err_over) = await asyncio.wait_for(
            asyncio.shield(reads), limits.wall_s
        )
        await asyncio.wait_for(
            process.wait(), max(0.1, limits.wall_s - (time.perf_counter() - started))
        )
    except TimeoutError:
        limit = "wall"
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
    if limit == "wall":
        (out, out_over), (err, err_over) = await reads
    code = process.returncode
    if limit is None and (out_over or err_over):
        limit = "output"
    if limit is None and code in (-signal.SIGKILL, -signal.SIGXCPU, 128 + signal.SIGXCPU, 137):
        limit = "cpu"
    return ProcessResult(
        exit_code=None if limit == "wall" else code,
        stdout=out,
        stderr=err,
        seconds=time.perf_counter() - started,
        limit=limit,  # type: ignore[arg-type]
        files=_collect(workdir, collect),
    )


async def _capped(stream: asyncio.StreamReader | None, cap: int) -> tuple[str, bool]:
    if stream is None:
        return "", False
    kept = bytearray()
    over = False
    while chunk := await stream.read(65536):
        room = cap - len(kept)
        if len(chunk) > room:
            over = True
        kept += chunk[: max(room, 0)]
    return kept.decode("utf-8", "replace"), over


def _collect(workdir: Path, patterns: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pattern in patterns:
        for path in sorted(workdir.glob(pattern)):
            if (
                path.is_file()
                and not path.is_symlink()
                and path.stat().st_size <= MAX_COLLECT_BYTES
            ):
                found[str(path.relative_to(workdir))] = path.read_text("utf-8", "replace")
    return found
