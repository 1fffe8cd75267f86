"""The worker's own kernel-level locks, applied by trusted code before any untrusted input is read.

Order matters: rlimits, then Landlock, then seccomp (which also sets no_new_privs). Each lock is
reported back to the host so ``doctor`` and the run result can say which layers held.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
from collections.abc import Sequence
from typing import Any

CLONE_THREAD = 0x00010000
DENIED_SYSCALLS = (
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "fork", "vfork",
    "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2",
    "unshare", "setns", "pivot_root", "chroot", "keyctl", "add_key", "request_key", "bpf",
    "perf_event_open", "userfaultfd", "personality", "io_uring_setup", "kexec_load",
    "init_module", "finit_module", "delete_module", "setuid", "setgid", "setreuid", "setregid",
    "setresuid", "setresgid", "setgroups", "seccomp", "pidfd_open", "pidfd_getfd", "kcmp",
)  # fmt: skip

# Tool runs may start processes; socketpair gives them local pipes (node's child stdio), no network.
EXEC_ALLOWED = frozenset({"fork", "vfork", "execve", "execveat", "socketpair"})

SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_RULE_PATH_BENEATH = 1
LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET = 1
LANDLOCK_SCOPE_SIGNAL = 2
PR_SET_NO_NEW_PRIVS = 38
FS_READ = (1 << 2) | (1 << 3)  # READ_FILE | READ_DIR
FS_EXECUTE = 1 << 0
FS_WRITE = (1 << 1) | sum(1 << i for i in range(4, 13)) | (1 << 14)  # write, make/remove, truncate


def set_rlimits(*, memory_mb: int, file_mb: int, open_files: int, processes: int) -> None:
    """Memory (address space), file size, open files, processes; no core dumps."""
    limits = {
        resource.RLIMIT_AS: memory_mb * 1024 * 1024,
        resource.RLIMIT_FSIZE: file_mb * 1024 * 1024,
        resource.RLIMIT_NOFILE: open_files,
        resource.RLIMIT_NPROC: processes,
        resource.RLIMIT_CORE: 0,
    }
    for kind, value in limits.items():
        resource.setrlimit(kind, (value, value))


def arm_cpu(cpu_s: float) -> None:
    """Soft = hard: the kernel SIGKILLs at the limit, so no handler can ignore it."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    limit = int(usage.ru_utime + usage.ru_stime + cpu_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit))


def lower_memory(memory_mb: int) -> None:
    value = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or value < hard:
        resource.setrlimit(resource.RLIMIT_AS, (value, value))


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def landlock(read_only: Sequence[str], writable: Sequence[str], *, executable: bool) -> str:
    """Restrict the file system to these paths (and, from ABI 6, signals and abstract sockets).

    Returns a short description of what was applied, or why not.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    abi = syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return f"unavailable (errno {ctypes.get_errno()})"
    read = FS_READ | (FS_EXECUTE if executable else 0)
    handled = read | FS_EXECUTE | FS_WRITE
    if abi < 3:
        handled &= ~(1 << 14)
    attr = _RulesetAttr(handled, 0, 0)
    size = 16
    if abi >= 6:
        attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL
        size = ctypes.sizeof(_RulesetAttr)
    fd = syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if fd < 0:
        return f"ruleset refused (errno {ctypes.get_errno()})"
    try:
        for paths, access in ((read_only, read), (writable, handled)):
            for path in paths:
                _add_rule(syscall, fd, path, access)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return "no_new_privs refused"
        if syscall(SYS_LANDLOCK_RESTRICT_SELF, fd, 0) != 0:
            return f"restrict_self refused (errno {ctypes.get_errno()})"
    finally:
        os.close(fd)
    return f"abi {abi}" + (", signals and abstract sockets scoped" if abi >= 6 else "")


def _add_rule(syscall: Any, ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            access &= FS_EXECUTE | (1 << 1) | (1 << 2) | (1 << 14)
        rule = _PathBeneath(access, fd)
        if syscall(
            SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0
        ):
            raise OSError(ctypes.get_errno(), f"landlock rule for {path}")
    finally:
        os.close(fd)


def seccomp(*, allow_exec: bool) -> str:
    """Deny process creation, exec, sockets and tracing with EPERM; threads keep working."""
    sc = _load_pyseccomp()
    flt = sc.SyscallFilter(defaction=sc.ALLOW)
    deny = sc.ERRNO(errno.EPERM)
    for name in DENIED_SYSCALLS:
        if allow_exec and name in EXEC_ALLOWED:
            continue
        try:
            flt.add_rule(deny, name)
        except OSError:
            continue  # not a syscall on this architecture
    if not allow_exec:
        flt.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
        flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")  # glibc falls back to clone for threads
    flt.load()
    return f"{len(DENIED_SYSCALLS)} syscalls denied" + ("" if allow_exec else ", fork blocked")


def _load_pyseccomp() -> Any:
    """Import pyseccomp without its ``find_library`` probe, which would exec ``ldconfig``."""
    import ctypes.util

    probe = ctypes.util.find_library
    names = {"c": "libc.so.6", "seccomp": "libseccomp.so.2"}
    ctypes.util.find_library = lambda name: names.get(name) or probe(name)
    try:
        import pyseccomp
    finally:
        ctypes.util.find_library = probe
    return pyseccomp
