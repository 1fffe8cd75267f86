"""The OS layer: how a sandboxed process is started (bubblewrap, ``unshare``, or refused).

The command is ``[unshare -m sh -c 'mount --bind ...'] [setpriv --reuid ...] bwrap ... CMD``:
the first part (as root only) makes paths under a private home directory visible at a staging
point in a private mount namespace; ``setpriv`` drops to an unprivileged uid, so RLIMIT_NPROC
applies and an escape lands as nobody; bubblewrap builds the namespaces and the minimal filesystem.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from codeloop.errors import IsolationUnavailable
from codeloop.sandbox.runtime import Bind, reachable

__all__ = ["IsolationMode", "Launcher", "Mount", "choose_mode"]

IsolationMode = Literal["bwrap", "unshare", "none"]
BASE_ENV = {
    "LANG": "C.UTF-8",
    "HOME": "/tmp",
    "PATH": "/usr/bin:/bin",
    "MALLOC_ARENA_MAX": "2",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
}
SYSTEM_READ_ONLY = ("/usr/lib", "/usr/lib64", "/usr/share/zoneinfo")


@dataclass(frozen=True)
class Mount:
    """What a sandboxed process sees besides the system libraries."""

    binds: tuple[Bind, ...]
    hidden: tuple[str, ...] = ()
    scratch_mb: int = 64
    scratch_dir: Path | None = None
    whole_usr: bool = False
    env: Mapping[str, str] = field(default_factory=dict)


def choose_mode(preferred: str = "auto", *, unsafe: bool = False) -> IsolationMode:
    """The strongest OS layer available; ``IsolationUnavailable`` unless ``unsafe`` allows none."""
    if preferred in ("auto", "bwrap") and shutil.which("bwrap"):
        return "bwrap"
    if preferred in ("auto", "unshare") and shutil.which("unshare") and os.geteuid() == 0:
        return "unshare"
    if unsafe:
        return "none"
    raise IsolationUnavailable(
        "no OS isolation available: install bubblewrap (apt-get install -y bubblewrap), "
        "or pass unsafe=True / --unsafe to run model-written code without it"
    )


class Launcher:
    """Builds the argv that starts one isolated process.

    Paths inside the sandbox are ``/opt/...`` under bubblewrap. Without it (``unshare``) the same
    layout is mounted under a staging directory, and with no isolation at all (``none``) it is a
    directory of symlinks; :meth:`inside` maps a layout path to what the process must use.
    """

    def __init__(self, mode: IsolationMode, *, uid: int = 65534) -> None:
        self.mode = mode
        self.uid = uid
        self.is_root = os.geteuid() == 0
        # ``none`` exists for unprivileged users without bubblewrap; as root, ``unshare`` is there.
        self.drop_privileges = (
            self.is_root and mode != "none" and shutil.which("setpriv") is not None
        )
        self._stage = _private_dir("stage") if self.is_root or mode == "unshare" else None
        self._links = _private_dir(f"links-{_checkout_key()}") if mode == "none" else None

    def inside(self, path: str) -> str:
        if self.mode == "unshare" and self._stage is not None:
            return f"{self._stage}{path}"
        if self.mode == "none" and self._links is not None:
            return f"{self._links}{path}"
        return path

    def argv(self, mount: Mount, command: Sequence[str], *, cwd: str = "/tmp") -> list[str]:
        binds, staging = self._staged(mount.binds)
        inner = list(command)
        if self.mode == "bwrap":
            inner = self._bwrap(mount, binds, cwd) + inner
        else:
            inner = ["env", "-i", *(f"{k}={v}" for k, v in self._env(mount).items()), *inner]
        if self.drop_privileges:
            ids = [f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups"]
            inner = ["setpriv", *ids, "--inh-caps=-all", "--bounding-set=-all", *inner]
        if self.mode == "unshare":
            prefix = ["unshare", "--mount", "--net", "--pid", "--fork", "--ipc", "--uts"]
            prefix += ["--mount-proc", "--kill-child", "--propagation", "private"]
        elif staging:
            prefix = ["unshare", "--mount", "--propagation", "private"]
        else:
            return inner
        mounts = [
            f'mount --bind -o ro "${{{i + 1}}}" "${{{i + 2}}}"' for i in range(0, len(staging), 2)
        ]
        script = " && ".join([*mounts, f"shift {len(staging)}", 'exec "$@"'])
        return [*prefix, "sh", "-c", script, "sh", *staging, *inner]

    def _env(self, mount: Mount) -> dict[str, str]:
        return {**BASE_ENV, **mount.env}

    def _bwrap(self, mount: Mount, binds: Sequence[Bind], cwd: str) -> list[str]:
        args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session"]
        args += ["--cap-drop", "ALL", "--clearenv", "--hostname", "sandbox"]
        system = ("/usr", "/etc/alternatives") if mount.whole_usr else SYSTEM_READ_ONLY
        for path in system:
            if Path(path).exists():
                args += ["--ro-bind", path, path]
        args += ["--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64"]
        if mount.whole_usr:
            args += ["--symlink", "usr/bin", "/bin"]
        for bind in binds:
            args += ["--ro-bind", str(bind.source), bind.target]
        for hidden in mount.hidden:
            args += ["--tmpfs", hidden]
        args += ["--proc", "/proc", "--dev", "/dev"]
        if mount.scratch_dir is not None:
            args += ["--bind", str(mount.scratch_dir), "/tmp"]
        else:
            args += ["--size", str(mount.scratch_mb * 1024 * 1024), "--tmpfs", "/tmp"]
        for key, value in self._env(mount).items():
            args += ["--setenv", key, value]
        return [*args, "--chdir", cwd]

    def _staged(self, binds: Sequence[Bind]) -> tuple[list[Bind], list[str]]:
        """Binds the unprivileged uid cannot reach (all of them under ``unshare``) are mounted at
        a staging point first; under ``none`` the layout is a directory of symlinks."""
        if self.mode == "none":
            self._link(binds)
            return list(binds), []
        if self._stage is None or not (self.drop_privileges or self.mode == "unshare"):
            return list(binds), []
        result: list[Bind] = []
        staging: list[str] = []
        for bind in binds:
            if self.mode == "bwrap" and reachable(bind.source):
                result.append(bind)
                continue
            point = Path(f"{self._stage}{bind.target}")
            point.parent.mkdir(parents=True, exist_ok=True)
            if bind.source.is_dir():
                point.mkdir(exist_ok=True)
            else:
                point.touch(exist_ok=True)
            staging += [str(bind.source), str(point)]
            result.append(Bind(point, bind.target))
        return result, staging

    def _link(self, binds: Sequence[Bind]) -> None:
        """Point each layout path at its source, replacing a link another checkout left behind."""
        for bind in binds:
            link = Path(self.inside(bind.target))
            link.parent.mkdir(parents=True, exist_ok=True)
            if link.is_symlink() and link.readlink() == bind.source:
                continue
            fresh = link.with_name(f".{link.name}.{os.getpid()}")
            fresh.unlink(missing_ok=True)
            fresh.symlink_to(bind.source)
            fresh.replace(link)


def _checkout_key() -> str:
    """Tells this checkout and interpreter apart, so two of them never share a link layout."""
    where = f"{sys.prefix}\0{Path(__file__).resolve().parent}"
    return hashlib.sha256(where.encode()).hexdigest()[:12]


def _private_dir(kind: str) -> Path:
    """A directory of this user, world-traversable, that nobody else can have planted."""
    root = Path(tempfile.gettempdir()) / f"codeloop-{kind}-{os.geteuid()}"
    try:
        root.mkdir(mode=0o755)
    except FileExistsError:
        info = root.lstat()
        if root.is_symlink() or info.st_uid != os.geteuid() or info.st_mode & 0o022:
            raise IsolationUnavailable(
                f"{root} exists but is not a private directory of this user: remove it"
            ) from None
    root.chmod(0o755)
    return root
