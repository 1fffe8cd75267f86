"""Assembling a GGUF from parts: atomic, verified, never a silent load of a wrong file."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from codeloop.errors import ConfigError, MissingDependency
from codeloop.models import GGUFAsset, ensure_gguf


@pytest.fixture
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], bytes]:
    chunks = [b"GGUF" + bytes(range(256)) * 50, b"second part" * 1000, b"tail"]
    names = []
    for i, chunk in enumerate(chunks):
        name = f"fake_model_part{i}"
        package = tmp_path / "parts" / name
        package.mkdir(parents=True)
        (package / "part.bin").write_bytes(chunk)
        (package / "__init__.py").write_text(
            "import os\ndef get_part_path():\n"
            "    return os.path.join(os.path.dirname(__file__), 'part.bin')\n"
        )
        names.append(name)
    monkeypatch.syspath_prepend(str(tmp_path / "parts"))
    for name in names:
        sys.modules.pop(name, None)
    return names, b"".join(chunks)


def asset(names: list[str], data: bytes, sha: str | None = None) -> GGUFAsset:
    return GGUFAsset(
        name="fake",
        filename="fake.gguf",
        part_modules=tuple(names),
        size=len(data),
        sha256=sha or hashlib.sha256(data).hexdigest(),
        install="pip install fake-parts",
    )


def test_assembles_once_and_reuses(parts: tuple[list[str], bytes], tmp_path: Path) -> None:
    names, data = parts
    seen: list[int] = []
    path = ensure_gguf(
        tmp_path / "models", asset(names, data), progress=lambda d, t: seen.append(d)
    )
    assert path.read_bytes() == data
    assert seen[-1] == len(data)
    mtime = path.stat().st_mtime_ns
    assert ensure_gguf(tmp_path / "models", asset(names, data)) == path
    assert path.stat().st_mtime_ns == mtime
    assert not list((tmp_path / "models").glob("*.part-*"))


def test_wrong_parts_are_refused_and_leave_no_file(
    parts: tuple[list[str], bytes], tmp_path: Path
) -> None:
    names, data = parts
    with pytest.raises(ConfigError, match="expected 0000"):
        ensure_gguf(tmp_path / "models", asset(names, data, sha="0" * 64))
    assert list((tmp_path / "models").iterdir()) == []


def test_a_corrupted_file_is_detected(parts: tuple[list[str], bytes], tmp_path: Path) -> None:
    names, data = parts
    path = ensure_gguf(tmp_path / "models", asset(names, data))
    path.write_bytes(b"X" + data[1:])  # same size, different content, new mtime
    with pytest.raises(ConfigError, match="delete it and run `codeloop model install`"):
        ensure_gguf(tmp_path / "models", asset(names, data))


def test_missing_parts_say_how_to_install(tmp_path: Path) -> None:
    missing = asset(["no_such_part_module"], b"x")
    with pytest.raises(MissingDependency, match="pip install fake-parts"):
        ensure_gguf(tmp_path / "models", missing)
