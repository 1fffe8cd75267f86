"""The seed primitives, each mapped onto the host: models, the Python session, checkpoints."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from codeloop.errors import ExecutionFailed
from codeloop.sandbox.scheme.evaluator import Environment, Evaluator, FinishSignal, SchemeError
from codeloop.sandbox.scheme.host import QueryArgs
from codeloop.sandbox.scheme.reader import read_program
from codeloop.sandbox.scheme.values import VOID, Procedure, Promise, Symbol, Syntax, Void, to_write

__all__ = ["PRIMITIVE_DOCS", "from_json", "host_primitives", "mentions", "strip_fence", "to_json"]

_FENCE = re.compile(r"^\s*```[\w+-]*\s*\n(.*?)\n?```\s*$", re.DOTALL)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUERY_KEYS = {
    "instruction": "instruction",
    "data": "data",
    "model": "model",
    "temperature": "temperature",
    "max-tokens": "max_tokens",
    "system": "system",
}


PRIMITIVE_DOCS: dict[str, tuple[str, str]] = {
    "py-exec": ('(py-exec "code")', "run Python in the session (sees `context`); returns stdout"),
    "py-eval": ('(py-eval "expr")', "evaluate a Python expression; returns its value"),
    "py-set!": ('(py-set! "name" value)', "bind a Python variable to a Scheme value"),
    "llm-query": (
        '(llm-query #:instruction "..." #:data "..." #:model "..." #:temperature 0.0'
        " #:max-tokens 500)",
        "ask a sub-model; returns syntax: unwrap with (syntax-e r)",
    ),
    "unsafe-raw-query": (
        '(unsafe-raw-query #:instruction "..." #:model "...")',
        "ask a model; returns its raw text (e.g. generated code)",
    ),
    "llm-query-async": ("(llm-query-async #:instruction ...)", "start llm-query; (await h) later"),
    "await": ("(await handle)", "the result of llm-query-async"),
    "map-async": ("(map-async fn items)", "apply fn to every item concurrently; keeps order"),
    "unsafe-exec-sub-output": (
        "(unsafe-exec-sub-output (datum->syntax #f code))",
        "run generated Scheme code in a sub-environment; returns what it displayed",
    ),
    "finish": ("(finish value)", "end the program with value (never in generated code)"),
    "finish-var": ('(finish-var "name")', "the value of variable name, as the program's result"),
    "checkpoint": ('(checkpoint "name" value)', "save a value for this run"),
    "restore": ('(restore "name")', "a value saved with checkpoint, or void"),
}


def to_json(value: Any) -> Any:
    """A Scheme value as JSON-like data for the host or the caller."""
    if isinstance(value, Syntax):
        return to_json(value.datum)
    if isinstance(value, Symbol):
        return value.name
    if isinstance(value, Void) or value is None:
        return None
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(to_json(k)): to_json(v) for k, v in value.items()}
    if isinstance(value, bool | int | float | str):
        return value
    return to_write(value)


def from_json(value: Any) -> Any:
    """JSON-like data from the host as a Scheme value (``None`` becomes void)."""
    if value is None:
        return VOID
    if isinstance(value, list | tuple):
        return [from_json(v) for v in value]
    if isinstance(value, dict):
        return {k: from_json(v) for k, v in value.items()}
    return value


def strip_fence(code: str) -> str:
    """Generated code often comes inside a Markdown fence; take what is inside."""
    match = _FENCE.match(code)
    return match.group(1) if match else code


def mentions(forms: Any, name: str) -> bool:
    """Whether the symbol ``name`` occurs anywhere in ``forms``."""
    if isinstance(forms, Symbol):
        return forms.name == name
    if isinstance(forms, list):
        return any(mentions(f, name) for f in forms)
    return False


def _query_args(name: str, args: list[Any], kwargs: dict[str, Any]) -> QueryArgs:
    fields: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key not in _QUERY_KEYS:
            allowed = ", ".join(f"#:{k}" for k in _QUERY_KEYS)
            raise SchemeError(f"{name}: unknown keyword #:{key} (allowed: {allowed})")
        fields[_QUERY_KEYS[key]] = to_json(value)
    if args:
        fields.setdefault("instruction", to_json(args[0]))
        if len(args) > 1:
            fields.setdefault("data", to_json(args[1]))
    if not isinstance(fields.get("instruction"), str):
        raise SchemeError(f'{name}: needs #:instruction "..." (a string)')
    if "data" in fields and not isinstance(fields["data"], str):
        fields["data"] = to_write(from_json(fields["data"]))
    return QueryArgs(**fields)


def _string(name: str, value: Any) -> str:
    if isinstance(value, Syntax) and isinstance(value.datum, str):
        return value.datum
    if not isinstance(value, str):
        raise SchemeError(f"{name}: expected a string, given {to_write(value)[:80]}")
    return value


def host_primitives(ev: Evaluator, global_env: Environment) -> dict[str, Procedure]:  # noqa: PLR0915
    """The primitives that reach the host, bound to one evaluator and its global frame."""
    host = ev.host

    async def py_exec(args: list[Any], kwargs: dict[str, Any]) -> Any:
        return await host.py_exec(_string("py-exec", args[0]))

    async def py_eval(args: list[Any], kwargs: dict[str, Any]) -> Any:
        return from_json(await host.py_eval(_string("py-eval", args[0])))

    async def py_set(args: list[Any], kwargs: dict[str, Any]) -> Any:
        name = _string("py-set!", args[0])
        if not _IDENTIFIER.fullmatch(name):
            raise SchemeError(f"py-set!: {name!r} is not a Python identifier")
        await host.py_set(name, to_json(args[1]))
        return VOID

    async def ask(name: str, args: list[Any], kwargs: dict[str, Any]) -> str:
        async with ev.semaphore:
            return await host.query(_query_args(name, args, kwargs))

    async def llm_query(args: list[Any], kwargs: dict[str, Any]) -> Any:
        return Syntax(await ask("llm-query", args, kwargs))

    async def raw_query(args: list[Any], kwargs: dict[str, Any]) -> Any:
        return await ask("unsafe-raw-query", args, kwargs)

    async def llm_query_async(args: list[Any], kwargs: dict[str, Any]) -> Any:
        return Promise(asyncio.ensure_future(llm_query(args, kwargs)))

    async def await_(args: list[Any], kwargs: dict[str, Any]) -> Any:
        promise = args[0]
        if not isinstance(promise, Promise):
            raise SchemeError("await: expected what llm-query-async returned")
        return await promise.task

    async def map_async(args: list[Any], kwargs: dict[str, Any]) -> Any:
        proc, items = args[0], args[1]
        if not isinstance(items, list):
            raise SchemeError(f"map-async: expected a list, given {to_write(items)[:80]}")
        results = await asyncio.gather(*(ev.apply(proc, [item], {}) for item in items))
        return [await r.task if isinstance(r, Promise) else r for r in results]

    async def exec_sub(args: list[Any], kwargs: dict[str, Any]) -> Any:
        code = _string("unsafe-exec-sub-output", args[0])
        forms = read_program(strip_fence(code))
        if mentions(forms, "finish"):
            raise SchemeError(
                "generated code must not call (finish): define the result variable instead"
            )
        env = Environment(global_env)
        ev.sub_env = env
        start = len(ev.output)
        for form in forms:
            await ev.eval(form, env)
        return "".join(ev.output[start:])

    async def finish(args: list[Any], kwargs: dict[str, Any]) -> Any:
        raise FinishSignal(args[0] if args else VOID)

    async def finish_var(args: list[Any], kwargs: dict[str, Any]) -> Any:
        name = _string("finish-var", args[0])
        for env in (ev.sub_env, global_env):
            if env is not None and name in env.vars:
                value = env.vars[name]
                break
        else:
            value = await _python_variable(name)
        ev.finish_var_value = (value,)
        return value

    async def _python_variable(name: str) -> Any:
        if _IDENTIFIER.fullmatch(name):
            try:
                return from_json(await host.py_eval(name))
            except ExecutionFailed:
                pass
        raise SchemeError(f"finish-var: no variable {name!r}: the code must (define {name} ...)")

    async def checkpoint(args: list[Any], kwargs: dict[str, Any]) -> Any:
        await host.checkpoint(_string("checkpoint", args[0]), to_json(args[1]))
        return VOID

    async def restore(args: list[Any], kwargs: dict[str, Any]) -> Any:
        return from_json(await host.restore(_string("restore", args[0])))

    table = {
        "py-exec": py_exec,
        "py-eval": py_eval,
        "py-set!": py_set,
        "llm-query": llm_query,
        "unsafe-raw-query": raw_query,
        "llm-query-async": llm_query_async,
        "await": await_,
        "map-async": map_async,
        "unsafe-exec-sub-output": exec_sub,
        "finish": finish,
        "finish-var": finish_var,
        "checkpoint": checkpoint,
        "restore": restore,
    }
    return {name: Procedure(name=name, builtin=func) for name, func in table.items()}
