"""Real corpora available offline: the Rust standard library's sources (shipped, as rustdoc's
source pages, with the toolchain's documentation) and the Python standard library."""

from __future__ import annotations

import html
import re
import subprocess
import sysconfig
from pathlib import Path

__all__ = ["python_stdlib", "rust_std_sources"]

_CODE = re.compile(r'<pre class="rust"><code>(.*?)</code></pre>', re.DOTALL)
_ANCHOR = re.compile(r"<a href=#\d+ id=\d+ data-nosnippet>\d+</a>")
_TAG = re.compile(r"<[^>]+>")


def rust_std_sources(dest: Path, *, crates: tuple[str, ...] = ("core", "alloc", "std")) -> Path:
    """Write the ``.rs`` files of the toolchain's documented crates under ``dest``."""
    sysroot = subprocess.run(
        ["rustc", "--print", "sysroot"], capture_output=True, text=True, check=True
    ).stdout.strip()
    root = Path(sysroot) / "share" / "doc" / "rust" / "html" / "src"
    if not root.is_dir():
        raise SystemExit(f"no rustdoc sources at {root}: install the rust-docs component")
    for crate in crates:
        for page in sorted((root / crate).rglob("*.rs.html")):
            match = _CODE.search(page.read_text(encoding="utf-8"))
            if match is None:
                continue
            text = html.unescape(_TAG.sub("", _ANCHOR.sub("", match.group(1))))
            target = dest / crate / "src" / page.relative_to(root / crate).with_suffix("")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        (dest / crate / "Cargo.toml").write_text(f'[package]\nname = "{crate}"\n', encoding="utf-8")
    return dest


def python_stdlib() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])
