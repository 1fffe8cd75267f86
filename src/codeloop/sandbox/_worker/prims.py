"""The functions a program can call. Each host-backed one is an RPC stub: no host object is here.

The signatures and docstrings below are the model-facing API reference
(``codeloop.sandbox.primitives.PRIMITIVES`` renders them), so they are written for the model.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from . import policy
from .channel import Channel, HostCallError

MAX_CONCURRENCY = 64

# The keyword arguments each host function receives (the host checks forged calls against this).
HOST_PARAMS: dict[str, tuple[str, ...]] = {
    "llm_query": ("instruction", "data", "model", "temperature", "max_tokens"),
    "raw_query": ("prompt", "model", "temperature", "max_tokens"),
    "checkpoint": ("name", "value"),
    "restore": ("name",),
    "budget": (),
}


class Finish(BaseException):
    """Raised by ``finish``: a BaseException, so ``except Exception`` cannot swallow it."""

    def __init__(self, value: Any) -> None:
        super().__init__("finish")
        self.value = value


class ItemError(dict[str, Any]):
    """What ``map_async``/``await_all`` give for a failed item: keys error, type, index."""


def to_json(value: Any) -> Any:
    """A JSON-able copy: numpy/pandas values become lists/dicts, tuples/sets become lists."""
    return json.loads(json.dumps(value, default=_default, allow_nan=False))


def _default(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    for method, args in (("tolist", ()), ("to_dict", ()), ("isoformat", ())):
        fn = getattr(value, method, None)
        if callable(fn) and not isinstance(value, type):
            return fn(*args)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _data_text(data: Any) -> str:
    if isinstance(data, str):
        return data
    return json.dumps(to_json(data), ensure_ascii=False)


class Primitives:
    """The program-facing functions of one worker, bound to its channel and namespace."""

    def __init__(self, channel: Channel, namespace: dict[str, Any], *, validate: bool) -> None:
        self._channel = channel
        self._namespace = namespace
        self._validate = validate
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self.host_names: frozenset[str] = frozenset()

    def _call(self, primitive: str, /, **kwargs: Any) -> Any:
        if primitive not in self.host_names:
            raise HostCallError(
                f"{primitive}() is not available in this run: "
                f"the host supplied no {primitive!r} function"
            )
        return self._channel.call(primitive, kwargs)

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=32, thread_name_prefix="query")
            return self._executor

    def llm_query(
        self,
        instruction: str,
        data: Any = "",
        *,
        model: str | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> str:
        """Ask a language model to carry out `instruction` on `data`; returns its answer as text.

        `data` may be a string or any JSON-able value (it is sent as JSON). `model` picks a model
        or role name; None uses the default worker model.
        """
        return str(
            self._call(
                "llm_query",
                instruction=str(instruction),
                data=_data_text(data),
                model=model,
                temperature=float(temperature),
                max_tokens=max_tokens,
            )
        )

    def llm_query_async(
        self,
        instruction: str,
        data: Any = "",
        *,
        model: str | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> Future[str]:
        """Start `llm_query` in the background and return a handle; collect it with `await_all`."""
        return self._pool().submit(
            self.llm_query,
            instruction,
            data,
            model=model,
            temperature=temperature,
            max_tokens=max_tokens,
        )

    def await_all(self, handles: Iterable[Future[Any]]) -> list[Any]:
        """Wait for handles from `llm_query_async`; results in the same order.

        A failed query gives an `ItemError` (a dict with "error", "type", "index") in its place.
        """
        results: list[Any] = []
        for index, handle in enumerate(handles):
            try:
                results.append(handle.result())
            except Exception as exc:  # one failure must not lose the batch
                results.append(ItemError(error=str(exc), type=type(exc).__name__, index=index))
        return results

    def map_async(
        self, fn: Callable[[Any], Any], items: Iterable[Any], *, max_concurrency: int = 8
    ) -> list[Any]:
        """Apply `fn` to every item, up to `max_concurrency` at once (threads); order is kept.

        `fn` may call `llm_query`, so model calls run concurrently. An item whose `fn` raised gives
        an `ItemError` (a dict with "error", "type", "index") instead of stopping the batch.
        """
        workers = max(1, min(int(max_concurrency), MAX_CONCURRENCY))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="map") as pool:
            futures = [pool.submit(fn, item) for item in items]
            return self.await_all(futures)

    def raw_query(
        self,
        prompt: str,
        *,
        model: str | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> str:
        """Send `prompt` to a model as it is and return its raw text (for example code)."""
        return str(
            self._call(
                "raw_query",
                prompt=str(prompt),
                model=model,
                temperature=float(temperature),
                max_tokens=max_tokens,
            )
        )

    def exec_sub(self, code: str) -> dict[str, Any]:
        """Run `code` in a fresh child namespace and return its JSON-able variables.

        The child sees `context` and the primitives; calling `finish` inside it is an error.
        """
        if self._validate:
            findings = policy.check(code)
            if findings:
                raise ValueError("exec_sub refused: " + "; ".join(f.render() for f in findings[:3]))
        child: dict[str, Any] = {k: v for k, v in self._namespace.items() if k in NAMESPACE_NAMES}
        try:
            exec(compile(code, "<exec_sub>", "exec"), child)
        except Finish as exc:
            raise RuntimeError("finish() cannot be called inside exec_sub") from exc
        return {
            name: converted
            for name, value in child.items()
            if not name.startswith("_") and name not in NAMESPACE_NAMES
            for converted in _jsonable(value)
        }

    def finish(self, value: Any = None) -> None:
        """End the program now with `value` (JSON-able) as its result."""
        raise Finish(value)

    def finish_var(self, name: str) -> None:
        """End the program now with the variable called `name` as its result."""
        if name not in self._namespace:
            raise NameError(f"finish_var: no variable named {name!r}")
        raise Finish(self._namespace[name])

    def checkpoint(self, name: str, value: Any) -> None:
        """Save a JSON-able `value` under `name`; it survives this program (see `restore`)."""
        self._call("checkpoint", name=str(name), value=to_json(value))

    def restore(self, name: str) -> Any:
        """The value saved with `checkpoint(name, ...)`, or None if there is none."""
        return self._call("restore", name=str(name))

    def budget(self) -> dict[str, Any]:
        """Model calls, tokens, cost and seconds used so far and what is left (None = no limit)."""
        value = self._call("budget")
        return dict(value) if isinstance(value, dict) else {}


def _jsonable(value: Any) -> list[Any]:
    if callable(value) or type(value).__name__ == "module":
        return []
    try:
        return [to_json(value)]
    except (TypeError, ValueError):
        return []


PRIMITIVE_NAMES = (
    "llm_query",
    "llm_query_async",
    "await_all",
    "map_async",
    "raw_query",
    "exec_sub",
    "finish",
    "finish_var",
    "checkpoint",
    "restore",
    "budget",
)
NAMESPACE_NAMES = frozenset({*PRIMITIVE_NAMES, "context", "ItemError"})


def bind(prims: Primitives) -> dict[str, Any]:
    """The program's initial globals: the primitives, ``ItemError`` and safe builtins."""
    names: dict[str, Any] = {name: getattr(prims, name) for name in PRIMITIVE_NAMES}
    names["ItemError"] = ItemError
    return names
