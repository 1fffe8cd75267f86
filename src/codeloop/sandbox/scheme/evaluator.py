"""The evaluator: special forms, procedure calls with ``#:keyword`` arguments, proper tail calls.

It runs model-written programs, so it is bounded (steps, depth, output) and reaches nothing outside
itself except through the :class:`~codeloop.sandbox.scheme.host.SchemeHost` it is given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codeloop.errors import (
    BudgetExceeded,
    CodeloopError,
    ExecutionFailed,
    LimitExceeded,
    ModelError,
    ValidationFailed,
)
from codeloop.sandbox.scheme.host import SchemeHost, SchemeLimits
from codeloop.sandbox.scheme.values import (
    VOID,
    Keyword,
    Procedure,
    SchemeException,
    SList,
    Symbol,
    to_display,
)

__all__ = ["Environment", "Evaluator", "FinishSignal", "SchemeError"]


class SchemeError(ExecutionFailed):
    """A runtime error of the Scheme program; ``with-handlers`` can catch it."""


class FinishSignal(BaseException):
    """``(finish v)``: ends the program with ``v``; no handler inside the program can catch it."""

    def __init__(self, value: Any) -> None:
        super().__init__("finish")
        self.value = value


class Environment:
    """A frame of bindings with a parent; the global frame has none."""

    def __init__(self, parent: Environment | None = None) -> None:
        self.vars: dict[str, Any] = {}
        self.parent = parent

    def find(self, name: str) -> Environment | None:
        env: Environment | None = self
        while env is not None:
            if name in env.vars:
                return env
            env = env.parent
        return None

    def lookup(self, name: str) -> Any:
        env = self.find(name)
        if env is None:
            raise SchemeError(f"{name}: undefined; define it before it is used")
        return env.vars[name]


def _line(form: Any) -> str:
    line = getattr(form, "line", 0)
    return f" (line {line})" if line else ""


def _catchable(exc: BaseException) -> bool:
    if isinstance(exc, BudgetExceeded | LimitExceeded):
        return False
    return isinstance(exc, ExecutionFailed | ValidationFailed | ModelError)


@dataclass
class Evaluator:
    """Evaluates forms; shared state is the output buffer, the step count and the last sub-run."""

    host: SchemeHost
    limits: SchemeLimits = field(default_factory=SchemeLimits)
    output: list[str] = field(default_factory=list)
    output_chars: int = 0
    steps: int = 0
    semaphore: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(8))
    sub_env: Environment | None = None
    finish_var_value: tuple[Any] | None = None

    def write(self, text: str) -> None:
        self.output_chars += len(text)
        if self.output_chars > self.limits.max_output_chars:
            raise LimitExceeded("output", f"output over {self.limits.max_output_chars} characters")
        self.output.append(text)

    async def eval(self, form: Any, env: Environment, depth: int = 0) -> Any:
        if depth > self.limits.max_depth:
            raise LimitExceeded("recursion", f"nesting deeper than {self.limits.max_depth}")
        while True:
            self.steps += 1
            if self.steps > self.limits.max_steps:
                raise LimitExceeded("steps", f"more than {self.limits.max_steps} evaluation steps")
            if isinstance(form, Symbol):
                return env.lookup(form.name)
            if not isinstance(form, list):
                return form
            if not form:
                raise SchemeError("missing procedure expression: `()` is not a call; use '()")
            head = form[0]
            special = _SPECIAL.get(head.name) if isinstance(head, Symbol) else None
            if special is not None and env.find(head.name) is None:
                result = await special(self, form, env, depth)
                if isinstance(result, _Tail):
                    form, env = result.form, result.env
                    continue
                return result
            proc = await self.eval(head, env, depth + 1)
            args, kwargs = await self.eval_args(form[1:], env, depth)
            if isinstance(proc, Procedure) and proc.builtin is None:
                env = self.bind(proc, args, kwargs, form)
                for expr in proc.body[:-1]:
                    await self.eval(expr, env, depth + 1)
                form = proc.body[-1]
                continue
            return await self.apply(proc, args, kwargs, form)

    async def eval_args(
        self, forms: list[Any], env: Environment, depth: int
    ) -> tuple[list[Any], dict[str, Any]]:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        items = iter(forms)
        for item in items:
            if isinstance(item, Keyword):
                value = next(items, _MISSING)
                if value is _MISSING:
                    raise SchemeError(f"keyword {item} has no value after it{_line(forms)}")
                kwargs[item.name] = await self.eval(value, env, depth + 1)
            else:
                args.append(await self.eval(item, env, depth + 1))
        return args, kwargs

    async def apply(
        self, proc: Any, args: list[Any], kwargs: dict[str, Any], form: Any = None
    ) -> Any:
        if not isinstance(proc, Procedure):
            shown = to_display(proc)[:60]
            raise SchemeError(f"application: not a procedure: {shown}{_line(form)}")
        if proc.builtin is not None:
            return await proc.builtin(args, kwargs)
        env = self.bind(proc, args, kwargs, form)
        result: Any = VOID
        for expr in proc.body:
            result = await self.eval(expr, env, 1)
        return result

    def bind(
        self, proc: Procedure, args: list[Any], kwargs: dict[str, Any], form: Any
    ) -> Environment:
        env = Environment(proc.env)
        required = [p for p in proc.params if p not in proc.optional]
        if len(args) < len(required) or (proc.rest is None and len(args) > len(proc.params)):
            raise SchemeError(
                f"{proc.name}: arity mismatch; expected {len(required)} argument(s),"
                f" given {len(args)}{_line(form)}"
            )
        for index, name in enumerate(proc.params):
            env.vars[name] = args[index] if index < len(args) else proc.optional[name]
        if proc.rest is not None:
            env.vars[proc.rest] = list(args[len(proc.params) :])
        keywords: dict[str, tuple[str, Any]] = proc.optional.get("#:", {})
        for key in kwargs:
            if key not in keywords:
                raise SchemeError(f"{proc.name}: does not take keyword #:{key}{_line(form)}")
        for key, (name, default) in keywords.items():
            env.vars[name] = kwargs.get(key, default)
        return env

    async def run_body(self, body: list[Any], env: Environment, depth: int) -> Any:
        result: Any = VOID
        for expr in body:
            result = await self.eval(expr, env, depth + 1)
        return result

    async def make_lambda(
        self, name: str, spec: Any, body: list[Any], env: Environment, depth: int
    ) -> Procedure:
        if not body:
            raise SchemeError(f"lambda: no body in {name}{_line(spec)}")
        if isinstance(spec, Symbol):
            return Procedure(name=name, rest=spec.name, body=body, env=env)
        if not isinstance(spec, list):
            raise SchemeError(f"lambda: bad parameter list in {name}{_line(spec)}")
        params: list[str] = []
        optional: dict[str, Any] = {}
        keywords: dict[str, tuple[str, Any]] = {}
        rest: str | None = None
        items = iter(spec)
        for item in items:
            if isinstance(item, Symbol) and item.name == ".":
                after = next(items, None)
                if not isinstance(after, Symbol):
                    raise SchemeError(f"lambda: `.` must be followed by a name{_line(spec)}")
                rest = after.name
            elif isinstance(item, Keyword):
                target = next(items, None)
                if isinstance(target, list) and len(target) == 2:
                    default = await self.eval(target[1], env, depth + 1)
                    keywords[item.name] = (target[0].name, default)
                elif isinstance(target, Symbol):
                    keywords[item.name] = (target.name, False)
                else:
                    raise SchemeError(f"lambda: bad keyword parameter {item}{_line(spec)}")
            elif isinstance(item, Symbol):
                params.append(item.name)
            elif isinstance(item, list) and len(item) == 2 and isinstance(item[0], Symbol):
                params.append(item[0].name)
                optional[item[0].name] = await self.eval(item[1], env, depth + 1)
            else:
                raise SchemeError(f"lambda: bad parameter {to_display(item)}{_line(spec)}")
        if keywords:
            optional["#:"] = keywords
        return Procedure(name=name, params=params, rest=rest, body=body, env=env, optional=optional)

    async def handle(self, handlers: list[tuple[Any, Any]], exc: CodeloopError) -> tuple[bool, Any]:
        """Run the first handler whose predicate accepts the exception."""
        value = SchemeException(str(exc))
        for predicate, handler in handlers:
            if await self.apply(predicate, [value], {}):
                return True, await self.apply(handler, [value], {})
        return False, None


@dataclass
class _Tail:
    form: Any
    env: Environment


_MISSING = object()
SpecialForm = Callable[[Evaluator, list[Any], Environment, int], Any]


def _require(form: list[Any], count: int, shape: str) -> None:
    if len(form) < count:
        raise SchemeError(f"{form[0]}: bad syntax; expected {shape}{_line(form)}")


async def _quote(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    _require(form, 2, "(quote datum)")
    return _strip(form[1])


def _strip(datum: Any) -> Any:
    if isinstance(datum, list):
        return [_strip(d) for d in datum]
    return datum


async def _quasiquote(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    _require(form, 2, "(quasiquote datum)")
    return await _qq(ev, form[1], env, depth)


async def _qq(ev: Evaluator, datum: Any, env: Environment, depth: int) -> Any:
    if not isinstance(datum, list):
        return datum
    if datum and isinstance(datum[0], Symbol) and datum[0].name == "unquote":
        return await ev.eval(datum[1], env, depth + 1)
    out: list[Any] = []
    for item in datum:
        if isinstance(item, list) and item and item[0] == Symbol("unquote-splicing"):
            out.extend(await ev.eval(item[1], env, depth + 1))
        else:
            out.append(await _qq(ev, item, env, depth))
    return out


async def _if(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    _require(form, 3, "(if test then else)")
    if await ev.eval(form[1], env, depth + 1) is not False:
        return _Tail(form[2], env)
    return _Tail(form[3], env) if len(form) > 3 else VOID


async def _define(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    _require(form, 2, "(define name value) or (define (name args ...) body ...)")
    target = form[1]
    if isinstance(target, list):
        if not target or not isinstance(target[0], Symbol):
            raise SchemeError(f"define: bad syntax{_line(form)}")
        name = target[0].name
        spec: Any = SList(target[1:])
        env.vars[name] = await ev.make_lambda(name, spec, form[2:], env, depth)
        return VOID
    if not isinstance(target, Symbol):
        raise SchemeError(f"define: expected a name, got {to_display(target)}{_line(form)}")
    value = await ev.eval(form[2], env, depth + 1) if len(form) > 2 else VOID
    if isinstance(value, Procedure) and value.name == "lambda":
        value.name = target.name
    env.vars[target.name] = value
    return VOID


async def _set(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    _require(form, 3, "(set! name value)")
    name = form[1].name if isinstance(form[1], Symbol) else str(form[1])
    frame = env.find(name)
    if frame is None:
        raise SchemeError(f"set!: {name} is not defined; use (define {name} ...) first")
    frame.vars[name] = await ev.eval(form[2], env, depth + 1)
    return VOID


async def _lambda(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    _require(form, 3, "(lambda (args ...) body ...)")
    return await ev.make_lambda("lambda", form[1], form[2:], env, depth)


async def _begin(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    if len(form) == 1:
        return VOID
    for expr in form[1:-1]:
        await ev.eval(expr, env, depth + 1)
    return _Tail(form[-1], env)


def _bindings(form: list[Any], index: int) -> list[tuple[str, Any]]:
    spec = form[index]
    if not isinstance(spec, list):
        raise SchemeError(f"{form[0]}: expected a list of bindings{_line(form)}")
    out: list[tuple[str, Any]] = []
    for binding in spec:
        if not (isinstance(binding, list) and binding and isinstance(binding[0], Symbol)):
            raise SchemeError(f"{form[0]}: bad binding {to_display(binding)}{_line(form)}")
        out.append((binding[0].name, binding[1] if len(binding) > 1 else VOID))
    return out


async def _let(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    _require(form, 3, "(let ([name value] ...) body ...)")
    if isinstance(form[1], Symbol):
        name = form[1].name
        bindings = _bindings(form, 2)
        loop_env = Environment(env)
        params = SList(Symbol(n) for n, _ in bindings)
        loop = await ev.make_lambda(name, params, form[3:], loop_env, depth)
        loop_env.vars[name] = loop
        args = [await ev.eval(value, env, depth + 1) for _, value in bindings]
        return _Tail(SList([loop, *[SList([Symbol("quote"), a]) for a in args]]), env)
    inner = Environment(env)
    for name, value in _bindings(form, 1):
        inner.vars[name] = await ev.eval(value, env, depth + 1)
    return await _begin(ev, SList([Symbol("begin"), *form[2:]]), inner, depth)


async def _let_star(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    _require(form, 3, "(let* ([name value] ...) body ...)")
    inner = env
    for name, value in _bindings(form, 1):
        inner = Environment(inner)
        inner.vars[name] = await ev.eval(value, inner.parent or env, depth + 1)
    return await _begin(ev, SList([Symbol("begin"), *form[2:]]), inner, depth)


async def _letrec(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    _require(form, 3, "(letrec ([name value] ...) body ...)")
    inner = Environment(env)
    for name, value in _bindings(form, 1):
        inner.vars[name] = await ev.eval(value, inner, depth + 1)
    return await _begin(ev, SList([Symbol("begin"), *form[2:]]), inner, depth)


async def _cond(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    for clause in form[1:]:
        if not isinstance(clause, list) or not clause:
            raise SchemeError(f"cond: bad clause {to_display(clause)}{_line(form)}")
        if clause[0] == Symbol("else"):
            return await _begin(ev, SList([Symbol("begin"), *clause[1:]]), env, depth)
        test = await ev.eval(clause[0], env, depth + 1)
        if test is not False:
            if len(clause) == 1:
                return test
            return await _begin(ev, SList([Symbol("begin"), *clause[1:]]), env, depth)
    return VOID


async def _when(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    _require(form, 3, "(when test body ...)")
    test = await ev.eval(form[1], env, depth + 1)
    if (test is not False) == (form[0] == Symbol("when")):
        return await _begin(ev, SList([Symbol("begin"), *form[2:]]), env, depth)
    return VOID


async def _and(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    result: Any = True
    for expr in form[1:]:
        result = await ev.eval(expr, env, depth + 1)
        if result is False:
            return False
    return result


async def _or(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    for expr in form[1:]:
        result = await ev.eval(expr, env, depth + 1)
        if result is not False:
            return result
    return False


async def _with_handlers(ev: Evaluator, form: list[Any], env: Environment, depth: int) -> Any:
    _require(form, 3, "(with-handlers ([predicate handler] ...) body ...)")
    handlers: list[tuple[Any, Any]] = []
    for clause in form[1] if isinstance(form[1], list) else []:
        if not (isinstance(clause, list) and len(clause) == 2):
            raise SchemeError(f"with-handlers: bad handler clause{_line(form)}")
        handlers.append(
            (await ev.eval(clause[0], env, depth + 1), await ev.eval(clause[1], env, depth + 1))
        )
    try:
        return await ev.run_body(form[2:], env, depth)
    except CodeloopError as exc:
        if not _catchable(exc):
            raise
        handled, value = await ev.handle(handlers, exc)
        if not handled:
            raise
        return value


_SPECIAL: dict[str, SpecialForm] = {
    "quote": _quote,
    "quasiquote": _quasiquote,
    "if": _if,
    "define": _define,
    "set!": _set,
    "lambda": _lambda,
    "λ": _lambda,
    "begin": _begin,
    "let": _let,
    "let*": _let_star,
    "letrec": _letrec,
    "cond": _cond,
    "when": _when,
    "unless": _when,
    "and": _and,
    "or": _or,
    "with-handlers": _with_handlers,
}
