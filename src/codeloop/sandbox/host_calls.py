"""Serving a program's primitive calls on the host: checked names, checked arguments, JSON only."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from codeloop.errors import BudgetExceeded, CodeloopError
from codeloop.sandbox._worker.prims import HOST_PARAMS
from codeloop.sandbox.protocol import HostFunction
from codeloop.telemetry import logger

__all__ = ["HostDispatcher"]

MAX_REPLY_BYTES = 64 * 1024 * 1024


class HostDispatcher:
    """Calls the host functions a run was given. A forged call can do no more than a real one."""

    def __init__(self, host: Mapping[str, HostFunction]) -> None:
        self._host = {name: fn for name, fn in host.items() if name in HOST_PARAMS}
        self.counts: Counter[str] = Counter()
        self.budget_error: BudgetExceeded | None = None

    @property
    def names(self) -> list[str]:
        return sorted(self._host)

    async def __call__(self, name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        fn = self._host.get(name)
        if fn is None:
            return {"ok": False, "error": f"{name}() is not available in this run"}
        unknown = set(kwargs) - set(HOST_PARAMS[name])
        if unknown:
            return {"ok": False, "error": f"{name}() got unexpected arguments {sorted(unknown)}"}
        self.counts[name] += 1
        try:
            value = await fn(**kwargs)
            if len(json.dumps(value, allow_nan=False)) > MAX_REPLY_BYTES:
                return {"ok": False, "error": f"{name}() returned more than {MAX_REPLY_BYTES} B"}
        except BudgetExceeded as exc:
            self.budget_error = exc
            return {"ok": False, "error": str(exc)}
        except CodeloopError as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        except Exception as exc:  # a host function's bug must not hang the program
            logger.warning("host function {} failed: {!r}", name, exc)
            return {"ok": False, "error": f"{name}() failed on the host: {type(exc).__name__}"}
        return {"ok": True, "value": value}
