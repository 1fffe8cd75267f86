"""Start a command (tests, a compiled binary) after locking the process down; exec is allowed.

``python -I -S -c BOOT CONFIG_JSON ARGV...``: rlimits, Landlock and seccomp (sockets, tracing and
namespace syscalls denied; fork and exec allowed), then ``execvpe`` into the command.
"""

from __future__ import annotations

import json
import os
import resource
import sys

from . import guard


def main() -> None:
    config = json.loads(sys.argv[1])
    argv = sys.argv[2:]
    guard.set_rlimits(
        memory_mb=int(config["memory_mb"]),
        file_mb=int(config["file_mb"]),
        open_files=int(config["open_files"]),
        processes=int(config["processes"]),
    )
    cpu = int(config["cpu_s"]) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    if config.get("landlock"):
        spec = config["landlock"]
        guard.landlock(spec["read"], spec["write"], executable=True)
    if config.get("seccomp"):
        guard.seccomp(allow_exec=True)
    env = dict(os.environ)
    try:
        os.execvpe(argv[0], argv, env)
    except OSError as exc:
        sys.stderr.write(f"cannot run {argv[0]!r}: {exc.strerror}\n")
        os._exit(127)


if __name__ == "__main__":
    main()
