from __future__ import annotations

from typing import Any

import pytest

from codeloop.errors import ValidationFailed
from codeloop.sandbox.scheme import (
    QueryArgs,
    SchemeInterpreter,
    SchemeLimits,
    SchemeResult,
    read_program,
)
from codeloop.sandbox.scheme.values import Keyword, Symbol


class FakeHost:
    """Records calls; answers queries from a list; no Python is run."""

    def __init__(self, replies: list[str] | None = None) -> None:
        self.replies = list(replies or [])
        self.queries: list[QueryArgs] = []
        self.python: dict[str, Any] = {}
        self.saved: dict[str, Any] = {}

    async def py_exec(self, code: str) -> str:
        return f"ran {len(code)} chars\n"

    async def py_eval(self, expression: str) -> Any:
        if expression in self.python:
            return self.python[expression]
        from codeloop.errors import ExecutionFailed

        raise ExecutionFailed(f"NameError: name {expression!r} is not defined")

    async def py_set(self, name: str, value: Any) -> None:
        self.python[name] = value

    async def query(self, args: QueryArgs) -> str:
        self.queries.append(args)
        return self.replies.pop(0)

    async def checkpoint(self, name: str, value: Any) -> None:
        self.saved[name] = value

    async def restore(self, name: str) -> Any:
        return self.saved.get(name)


async def run(source: str, host: FakeHost | None = None, **limits: Any) -> Any:
    interpreter = SchemeInterpreter(host or FakeHost(), limits=SchemeLimits(**limits))
    result = await interpreter.run(source)
    assert result.status == "finished", result.error
    return result


async def fail(source: str, host: FakeHost | None = None, **limits: Any) -> SchemeResult:
    interpreter = SchemeInterpreter(host or FakeHost(), limits=SchemeLimits(**limits))
    result = await interpreter.run(source)
    assert result.status != "finished"
    return result


def test_reader_keywords_brackets_comments() -> None:
    forms = read_program('#lang racket\n; c\n(f #:model "m" [x 1]) #| block |# #;(skipped) 2.5')
    assert forms == [[Symbol("f"), Keyword("model"), "m", [Symbol("x"), 1]], 2.5]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("(define x", "line 1: a list opened on line 1 is not closed"),
        ('(display "abc)', "line 1: a string opened on line 1 is not closed"),
        ("\n\n)", "line 3: unexpected `)`: it closes nothing"),
        ("(f #:)", "`#:` must be followed by a keyword name"),
    ],
)
def test_reader_errors_name_the_line(source: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match="scheme read error") as info:
        read_program(source)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("(+ 1 2 3)", 6),
        ("(/ 10 4)", 2.5),
        ('(string-append "a" "b" (number->string 3))', "ab3"),
        ("(let loop ([i 0] [acc 0]) (if (= i 100000) acc (loop (+ i 1) (+ acc i))))", 4999950000),
        ("(define (f x #:scale [s 2]) (* x s)) (list (f 3) (f 3 #:scale 10))", [6, 30]),
        ("(let* ([a 1] [b (+ a 1)]) (cond [(> b 5) 'big] [else b]))", 2),
        ("(map (lambda (x) (* x x)) (list 1 2 3))", [1, 4, 9]),
        ("(sort (list 3 1 2) <)", [1, 2, 3]),
        ('(format "~a=~s" "k" "v")', 'k="v"'),
        ('(syntax-e (datum->syntax #f "code"))', "code"),
        ("(foldl + 0 (range 5))", 10),
        ("`(1 ,(+ 1 1) ,@(list 3 4))", [1, 2, 3, 4]),
        ('(with-handlers ([exn:fail? (lambda (e) (exn-message e))]) (error \'f "bad"))', "f: bad"),
    ],
)
async def test_evaluates(source: str, value: Any) -> None:
    result = await run(source)
    assert result.value == value
    assert result.finished is False


async def test_finish_ends_the_program_and_cannot_be_caught() -> None:
    source = """
    (display "a")
    (with-handlers ([(lambda (e) #t) (lambda (e) "caught")]) (finish 42))
    (display "never")
    """
    result = await run(source)
    assert (result.value, result.finished, result.output) == (42, True, "a")


async def test_llm_query_returns_syntax_that_must_be_unwrapped() -> None:
    host = FakeHost(["hello", "again"])
    result = await run(
        '(define r (llm-query #:instruction "hi" #:data "d" #:model "m" #:max-tokens 9))'
        "(syntax-e r)",
        host,
    )
    assert result.value == "hello"
    assert host.queries[0] == QueryArgs(instruction="hi", data="d", model="m", max_tokens=9)
    failed = await fail('(display "a") (string-append "x" (llm-query #:instruction "q"))', host)
    assert failed.output == "a"
    assert "unwrap it with (syntax-e x)" in (failed.error or "")


async def test_map_async_and_llm_query_async() -> None:
    host = FakeHost(["1", "2", "3", "4"])
    result = await run(
        '(define ps (map (lambda (x) (llm-query-async #:instruction x)) (list "a" "b")))'
        "(define rs (map-async (lambda (x) (syntax-e (llm-query #:instruction x)))"
        ' (list "c" "d")))'
        "(append (map (lambda (p) (syntax-e (await p))) ps) rs)",
        host,
    )
    assert result.value == ["1", "2", "3", "4"]
    assert [q.instruction for q in host.queries] == ["a", "b", "c", "d"]


async def test_sub_program_defines_variable_for_finish_var() -> None:
    source = r"""
    (define code "```scheme\n(define final_report (string-append \"total: \" \"7\"))
    (display \"sub\")\n```")
    (define out (unsafe-exec-sub-output (datum->syntax #f code)))
    (display (string-append "[" out "]"))
    (finish-var "final_report")
    """
    result = await run(source)
    assert (result.value, result.finished, result.output) == ("total: 7", True, "sub[sub]")


async def test_sub_program_may_not_finish() -> None:
    failed = await fail('(unsafe-exec-sub-output "(finish 1)")')
    assert failed.error == (
        "SchemeError: generated code must not call (finish): define the result variable instead"
    )


async def test_finish_var_falls_back_to_python_then_fails_clearly() -> None:
    host = FakeHost()
    result = await run('(py-set! "x" (list 1 "a")) (finish-var "x")', host)
    assert result.value == [1, "a"]
    failed = await fail('(finish-var "nope")', host)
    assert "no variable 'nope'" in (failed.error or "")


async def test_checkpoint_and_restore() -> None:
    host = FakeHost()
    result = await run('(checkpoint "k" (list 1 2)) (restore "k")', host)
    assert result.value == [1, 2]
    assert host.saved == {"k": [1, 2]}


@pytest.mark.parametrize(
    ("source", "limits", "message"),
    [
        ("(define (f) (f)) (f)", {"max_steps": 10_000}, "more than 10000 evaluation steps"),
        ("(define (f n) (+ 1 (f n))) (f 1)", {"max_depth": 50}, "nesting deeper than 50"),
        ('(let loop () (display "xxxxxxxxxx") (loop))', {"max_output_chars": 100},
         "output over 100 characters"),
    ],
)  # fmt: skip
async def test_limits(source: str, limits: dict[str, int], message: str) -> None:
    failed = await fail(source, **limits)
    assert (failed.status, failed.error) == ("limit", f"LimitExceeded: {message}")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("(undefined-thing 1)", "undefined-thing: undefined"),
        ("(define (f a) a) (f 1 2)", "f: arity mismatch; expected 1 argument(s), given 2 (line 1)"),
        ('(+ 1 "a")', '+: contract violation; expected number?, given "a"'),
        ("(car '())", "car: contract violation"),
        ("(llm-query #:prompt 1)", "unknown keyword #:prompt"),
    ],
)
async def test_runtime_errors_are_clear(source: str, message: str) -> None:
    failed = await fail(source)
    assert failed.status == "error"
    assert (failed.error or "").startswith("SchemeError: ")
    assert message in (failed.error or "")
