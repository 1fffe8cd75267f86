"""Rust line coverage: llvm-profdata/llvm-cov of rustc's own LLVM major, and their LCOV output.

A profile written by one LLVM major cannot be read by the tools of another, so a tool is only
used when ``--version`` names the same major as ``rustc -vV``. Looked for in this order: rustup's
``llvm-tools`` component in the sysroot, ``llvm-cov-<major>`` (Debian's ``llvm-<major>``), then
the unversioned names.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LlvmTools", "find_llvm_tools", "lcov_line_percent", "llvm_major"]

_MAJOR = re.compile(r"LLVM version:?\s+(\d+)\.")
_HOST = re.compile(r"^host:\s*(\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class LlvmTools:
    profdata: str
    cov: str
    major: int


def llvm_major(version_text: str) -> int | None:
    """The LLVM major in ``rustc -vV`` or ``llvm-cov --version`` output."""
    match = _MAJOR.search(version_text)
    return int(match.group(1)) if match else None


def _version_text(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout + done.stderr if done.returncode == 0 else ""


def _candidates(major: int, sysroot: Path | None, host: str | None) -> list[tuple[str, str]]:
    pairs: list[tuple[str | None, str | None]] = []
    if sysroot is not None and host is not None:
        rustup = sysroot / "lib" / "rustlib" / host / "bin"
        pairs.append((str(rustup / "llvm-profdata"), str(rustup / "llvm-cov")))
    pairs.append((shutil.which(f"llvm-profdata-{major}"), shutil.which(f"llvm-cov-{major}")))
    pairs.append((shutil.which("llvm-profdata"), shutil.which("llvm-cov")))
    return [(p, c) for p, c in pairs if p and c and Path(p).is_file() and Path(c).is_file()]


def find_llvm_tools(rustc: str, sysroot: Path | None) -> LlvmTools | None:
    """The first llvm-profdata/llvm-cov pair whose LLVM major is rustc's; None if there is none."""
    rustc_info = _version_text([rustc, "-vV"])
    major = llvm_major(rustc_info)
    if major is None:
        return None
    host = _HOST.search(rustc_info)
    for profdata, cov in _candidates(major, sysroot, host.group(1) if host else None):
        both = (llvm_major(_version_text([tool, "--version"])) for tool in (profdata, cov))
        if all(found == major for found in both):
            return LlvmTools(profdata=profdata, cov=cov, major=major)
    return None


def lcov_line_percent(lcov: str, *, source: str, last_line: int) -> float | None:
    """Share of executable lines 1..``last_line`` of ``source`` that ran, in percent (0–100).

    ``last_line`` excludes what follows the code in the same file (the appended test module).
    None when the report holds no executable line in that range.
    """
    hits: dict[int, bool] = {}
    record: dict[int, bool] | None = None
    for line in lcov.splitlines():
        if line.startswith("SF:"):
            name = line[3:].strip()
            record = {} if name == source or name.endswith(f"/{source}") else None
        elif record is not None and line.startswith("DA:"):
            number, _, count = line[3:].partition(",")
            try:
                index, ran = int(number), int(count.split(",")[0]) > 0
            except ValueError:
                continue
            if index <= last_line:
                record[index] = record.get(index, False) or ran
        elif record is not None and line.strip() == "end_of_record":
            # only complete records count: output cut at the size limit measures nothing
            for index, ran in record.items():
                hits[index] = hits.get(index, False) or ran
            record = None
    if not hits:
        return None
    return round(100.0 * sum(hits.values()) / len(hits), 1)
