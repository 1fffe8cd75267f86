"""Pure built-in procedures: numbers, strings, lists, hash tables, formatting, errors."""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

from codeloop.sandbox.scheme.evaluator import Evaluator, SchemeError
from codeloop.sandbox.scheme.values import (
    VOID,
    Procedure,
    SchemeException,
    Symbol,
    Syntax,
    to_display,
    to_write,
)

__all__ = ["pure_builtins"]


def _violation(name: str, expected: str, value: Any) -> SchemeError:
    return SchemeError(
        f"{name}: contract violation; expected {expected}, given {to_write(value)[:80]}"
    )


def _num(name: str, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _violation(name, "number?", value)
    return value


def _str(name: str, value: Any) -> str:
    if isinstance(value, Syntax):
        raise SchemeError(
            f"{name}: contract violation; expected string?, given a syntax object"
            " (llm-query returns syntax: unwrap it with (syntax-e x))"
        )
    if not isinstance(value, str):
        raise _violation(name, "string?", value)
    return value


def _list(name: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _violation(name, "list?", value)
    return value


def _arith(name: str, op: Callable[[Any, Any], Any], unit: int) -> Callable[..., Any]:
    def apply(*args: Any) -> Any:
        nums = [_num(name, a) for a in args]
        if not nums:
            return unit
        if len(nums) == 1 and name in ("-", "/"):
            nums = [unit, *nums]
        return reduce(op, nums)

    return apply


def _divide(a: Any, b: Any) -> Any:
    if b == 0:
        raise SchemeError("/: division by zero")
    result = a / b
    exact = isinstance(a, int) and isinstance(b, int) and result.is_integer()
    return int(result) if exact else result


def _compare(name: str, op: Callable[[Any, Any], bool]) -> Callable[..., bool]:
    def apply(*args: Any) -> bool:
        values = [_num(name, a) if name in "=<><=>=" else a for a in args]
        return all(op(a, b) for a, b in itertools.pairwise(values))

    return apply


def _format(template: str, *args: Any) -> str:
    out: list[str] = []
    values = iter(args)
    index = 0
    while index < len(template):
        char = template[index]
        if char == "~" and index + 1 < len(template):
            code = template[index + 1].lower()
            index += 2
            if code in "a":
                out.append(to_display(next(values, "")))
            elif code in "sv":
                out.append(to_write(next(values, "")))
            elif code in {"n", "%"}:
                out.append("\n")
            elif code == "~":
                out.append("~")
            else:
                raise SchemeError(f"format: unknown directive ~{code}")
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _error(*args: Any) -> Any:
    if args and isinstance(args[0], Symbol):
        message = f"{args[0]}: " + " ".join(to_display(a) for a in args[1:])
    else:
        message = " ".join(to_display(a) for a in args)
    raise SchemeError(message)


def _substring(text: Any, start: Any, end: Any = None) -> str:
    value = _str("substring", text)
    stop = len(value) if end is None else _num("substring", end)
    if not 0 <= _num("substring", start) <= stop <= len(value):
        raise SchemeError(f"substring: range [{start}, {stop}] is outside a string of {len(value)}")
    return value[int(start) : int(stop)]


def _string_split(text: Any, sep: Any = None) -> list[str]:
    value = _str("string-split", text)
    return value.split() if sep is None else value.split(_str("string-split", sep))


def _string_join(items: Any, sep: Any = " ") -> str:
    parts = [_str("string-join", s) for s in _list("string-join", items)]
    return _str("string-join", sep).join(parts)


def _number_to_string(value: Any) -> str:
    return to_display(_num("number->string", value))


def _string_to_number(text: Any) -> Any:
    value = _str("string->number", text).strip()
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return False


def _list_ref(items: Any, index: Any) -> Any:
    values = _list("list-ref", items)
    if not 0 <= _num("list-ref", index) < len(values):
        raise SchemeError(f"list-ref: index {index} out of range for a list of {len(values)}")
    return values[int(index)]


def _car(items: Any) -> Any:
    values = _list("car", items)
    if not values:
        raise SchemeError("car: contract violation; expected pair?, given '()")
    return values[0]


def _cdr(items: Any) -> Any:
    values = _list("cdr", items)
    if not values:
        raise SchemeError("cdr: contract violation; expected pair?, given '()")
    return values[1:]


def _hash_ref(table: Any, key: Any, default: Any = None) -> Any:
    if not isinstance(table, dict):
        raise _violation("hash-ref", "hash?", table)
    if key in table:
        return table[key]
    if default is None:
        raise SchemeError(f"hash-ref: no value found for key {to_write(key)}")
    return default


def _hash_set(table: Any, key: Any, value: Any) -> Any:
    if not isinstance(table, dict):
        raise SchemeError("hash-set!: contract violation; expected a mutable hash")
    table[key] = value
    return VOID


def _range(*args: Any) -> list[Any]:
    return list(range(*(int(_num("range", a)) for a in args)))


def _assoc(key: Any, items: Any) -> Any:
    for item in _list("assoc", items):
        if isinstance(item, list) and item and item[0] == key:
            return item
    return False


def _member(value: Any, items: Any) -> Any:
    values = _list("member", items)
    return values[values.index(value) :] if value in values else False


def _exn_message(exc: Any) -> str:
    if isinstance(exc, SchemeException):
        return exc.message
    return to_display(exc)


_PURE: dict[str, Callable[..., Any]] = {
    "+": _arith("+", operator.add, 0),
    "-": _arith("-", operator.sub, 0),
    "*": _arith("*", operator.mul, 1),
    "/": _arith("/", _divide, 1),
    "=": _compare("=", operator.eq),
    "<": _compare("<", operator.lt),
    ">": _compare(">", operator.gt),
    "<=": _compare("<=", operator.le),
    ">=": _compare(">=", operator.ge),
    "quotient": lambda a, b: int(_num("quotient", a) / _num("quotient", b)),
    "remainder": lambda a, b: int(math.fmod(_num("remainder", a), _num("remainder", b))),
    "modulo": lambda a, b: _num("modulo", a) % _num("modulo", b),
    "abs": lambda a: abs(_num("abs", a)),
    "min": lambda *a: min(_num("min", x) for x in a),
    "max": lambda *a: max(_num("max", x) for x in a),
    "round": lambda a: round(_num("round", a)),
    "floor": lambda a: math.floor(_num("floor", a)),
    "ceiling": lambda a: math.ceil(_num("ceiling", a)),
    "sqrt": lambda a: math.sqrt(_num("sqrt", a)),
    "expt": lambda a, b: _num("expt", a) ** _num("expt", b),
    "exact->inexact": lambda a: float(_num("exact->inexact", a)),
    "exact-round": lambda a: round(_num("exact-round", a)),
    "add1": lambda a: _num("add1", a) + 1,
    "sub1": lambda a: _num("sub1", a) - 1,
    "zero?": lambda a: _num("zero?", a) == 0,
    "positive?": lambda a: _num("positive?", a) > 0,
    "negative?": lambda a: _num("negative?", a) < 0,
    "even?": lambda a: _num("even?", a) % 2 == 0,
    "odd?": lambda a: _num("odd?", a) % 2 == 1,
    "number?": lambda a: isinstance(a, int | float) and not isinstance(a, bool),
    "string?": lambda a: isinstance(a, str),
    "symbol?": lambda a: isinstance(a, Symbol),
    "boolean?": lambda a: isinstance(a, bool),
    "list?": lambda a: isinstance(a, list),
    "pair?": lambda a: isinstance(a, list) and bool(a),
    "null?": lambda a: a == [],
    "empty?": lambda a: a == [],
    "procedure?": lambda a: isinstance(a, Procedure),
    "hash?": lambda a: isinstance(a, dict),
    "syntax?": lambda a: isinstance(a, Syntax),
    "void?": lambda a: a is VOID,
    "not": lambda a: a is False,
    "equal?": lambda a, b: a == b,
    "eqv?": lambda a, b: a == b,
    "eq?": lambda a, b: a is b or (isinstance(a, Symbol | int | str) and a == b),
    "number->string": _number_to_string,
    "string->number": _string_to_number,
    "string->symbol": lambda s: Symbol(_str("string->symbol", s)),
    "symbol->string": lambda s: s.name if isinstance(s, Symbol) else _error("symbol->string", s),
    "string-append": lambda *a: "".join(_str("string-append", s) for s in a),
    "string-length": lambda s: len(_str("string-length", s)),
    "substring": _substring,
    "string-upcase": lambda s: _str("string-upcase", s).upper(),
    "string-downcase": lambda s: _str("string-downcase", s).lower(),
    "string-trim": lambda s: _str("string-trim", s).strip(),
    "string-split": _string_split,
    "string-join": _string_join,
    "string-contains?": lambda s, t: _str("string-contains?", t) in _str("string-contains?", s),
    "string-prefix?": lambda s, t: _str("string-prefix?", s).startswith(_str("string-prefix?", t)),
    "string-suffix?": lambda s, t: _str("string-suffix?", s).endswith(_str("string-suffix?", t)),
    "string-replace": lambda s, a, b: _str("string-replace", s).replace(a, b),
    "string=?": lambda a, b: _str("string=?", a) == _str("string=?", b),
    "string<?": lambda a, b: _str("string<?", a) < _str("string<?", b),
    "format": _format,
    "~a": lambda *a: "".join(to_display(x) for x in a),
    "list": lambda *a: list(a),
    "cons": lambda a, b: [a, *_list("cons", b)],
    "car": _car,
    "cdr": _cdr,
    "first": _car,
    "rest": _cdr,
    "cadr": lambda a: _list_ref(a, 1),
    "second": lambda a: _list_ref(a, 1),
    "caddr": lambda a: _list_ref(a, 2),
    "third": lambda a: _list_ref(a, 2),
    "cddr": lambda a: _list("cddr", a)[2:],
    "last": lambda a: _list_ref(a, len(_list("last", a)) - 1),
    "length": lambda a: len(_list("length", a)),
    "list-ref": _list_ref,
    "append": lambda *a: [x for part in a for x in _list("append", part)],
    "reverse": lambda a: list(reversed(_list("reverse", a))),
    "take": lambda a, n: _list("take", a)[: int(n)],
    "drop": lambda a, n: _list("drop", a)[int(n) :],
    "range": _range,
    "assoc": _assoc,
    "member": _member,
    "remove-duplicates": lambda a: list(dict.fromkeys(_list("remove-duplicates", a))),
    "make-hash": lambda *a: {},
    "hash": lambda *a: dict(zip(a[::2], a[1::2], strict=False)),
    "hash-ref": _hash_ref,
    "hash-set!": _hash_set,
    "hash-has-key?": lambda t, k: k in t,
    "hash-keys": lambda t: list(t.keys()),
    "hash-values": lambda t: list(t.values()),
    "hash->list": lambda t: [[k, v] for k, v in t.items()],
    "void": lambda *a: VOID,
    "error": _error,
    "raise": _error,
    "exn-message": _exn_message,
    "exn:fail?": lambda e: isinstance(e, SchemeException),
    "exn?": lambda e: isinstance(e, SchemeException),
    "datum->syntax": lambda ctx, datum: Syntax(datum),
    "syntax-e": lambda s: s.datum if isinstance(s, Syntax) else s,
    "syntax->datum": lambda s: s.datum if isinstance(s, Syntax) else s,
}


def _wrap(name: str, func: Callable[..., Any]) -> Procedure:
    async def call(args: list[Any], kwargs: dict[str, Any]) -> Any:
        if kwargs:
            raise SchemeError(f"{name}: does not take keyword arguments (#:{next(iter(kwargs))})")
        try:
            return func(*args)
        except TypeError as exc:
            raise SchemeError(f"{name}: arity mismatch or bad argument ({exc})") from exc
        except (ValueError, ArithmeticError, KeyError, IndexError, AttributeError) as exc:
            raise SchemeError(f"{name}: {exc}") from exc

    return Procedure(name=name, builtin=call)


def _higher_order(ev: Evaluator) -> dict[str, Procedure]:
    async def map_(args: list[Any], kwargs: dict[str, Any]) -> Any:
        proc, *lists = args
        return [await ev.apply(proc, list(items), {}) for items in zip(*lists, strict=False)]

    async def for_each(args: list[Any], kwargs: dict[str, Any]) -> Any:
        await map_(args, kwargs)
        return VOID

    async def filter_(args: list[Any], kwargs: dict[str, Any]) -> Any:
        proc, items = args
        return [x for x in _list("filter", items) if await ev.apply(proc, [x], {}) is not False]

    async def foldl(args: list[Any], kwargs: dict[str, Any]) -> Any:
        proc, acc, items = args
        for item in _list("foldl", items):
            acc = await ev.apply(proc, [item, acc], {})
        return acc

    async def foldr(args: list[Any], kwargs: dict[str, Any]) -> Any:
        proc, acc, items = args
        for item in reversed(_list("foldr", items)):
            acc = await ev.apply(proc, [item, acc], {})
        return acc

    async def apply_(args: list[Any], kwargs: dict[str, Any]) -> Any:
        proc, *fixed, last = args
        return await ev.apply(proc, [*fixed, *_list("apply", last)], kwargs)

    async def sort(args: list[Any], kwargs: dict[str, Any]) -> Any:
        items, less = args
        key = kwargs.get("key")
        return await _merge_sort(ev, list(_list("sort", items)), less, key)

    async def display(args: list[Any], kwargs: dict[str, Any]) -> Any:
        ev.write(to_display(args[0]) if args else "")
        return VOID

    async def displayln(args: list[Any], kwargs: dict[str, Any]) -> Any:
        ev.write((to_display(args[0]) if args else "") + "\n")
        return VOID

    async def write(args: list[Any], kwargs: dict[str, Any]) -> Any:
        ev.write(to_write(args[0]))
        return VOID

    async def newline(args: list[Any], kwargs: dict[str, Any]) -> Any:
        ev.write("\n")
        return VOID

    async def printf(args: list[Any], kwargs: dict[str, Any]) -> Any:
        ev.write(_format(_str("printf", args[0]), *args[1:]))
        return VOID

    table = {
        "map": map_,
        "for-each": for_each,
        "filter": filter_,
        "foldl": foldl,
        "foldr": foldr,
        "apply": apply_,
        "sort": sort,
        "display": display,
        "displayln": displayln,
        "print": write,
        "write": write,
        "newline": newline,
        "printf": printf,
    }
    return {name: Procedure(name=name, builtin=func) for name, func in table.items()}


async def _merge_sort(ev: Evaluator, items: list[Any], less: Any, key: Any) -> list[Any]:
    if len(items) <= 1:
        return items
    middle = len(items) // 2
    left = await _merge_sort(ev, items[:middle], less, key)
    right = await _merge_sort(ev, items[middle:], less, key)
    out: list[Any] = []
    while left and right:
        a = await ev.apply(key, [left[0]], {}) if key else left[0]
        b = await ev.apply(key, [right[0]], {}) if key else right[0]
        take_right = await ev.apply(less, [b, a], {}) is not False
        out.append(right.pop(0) if take_right else left.pop(0))
    return out + left + right


def pure_builtins(ev: Evaluator) -> dict[str, Procedure]:
    """Every built-in that needs no host: pure functions plus printing and higher-order ones."""
    table = {name: _wrap(name, func) for name, func in _PURE.items()}
    table.update(_higher_order(ev))
    return table
