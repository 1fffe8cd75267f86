"""Content-addressed keys for requests (cache and replay cassettes)."""

from __future__ import annotations

import hashlib
import json

from codeloop.models.types import ModelRequest

__all__ = ["request_key"]


def request_key(model: str, request: ModelRequest) -> str:
    """sha256 of the canonical JSON of the model name and every request parameter."""
    canonical = json.dumps(
        {"model": model, **request.model_dump(mode="json")},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
