"""The reader: Racket-flavoured S-expressions with ``#:keyword`` arguments, brackets, comments."""

from __future__ import annotations

import re
from typing import Any

from codeloop.errors import ValidationFailed
from codeloop.sandbox.scheme.values import Keyword, SList, Symbol

__all__ = ["read_program"]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "0": "\0", "a": "\a"}
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_DELIMITERS = set("()[]{}\";'`,") | {" ", "\t", "\n", "\r", "\f"}
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)")
_QUOTES = {"'": "quote", "`": "quasiquote", ",": "unquote", ",@": "unquote-splicing"}
MAX_DEPTH = 200


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def fail(self, message: str, line: int | None = None) -> ValidationFailed:
        where = line if line is not None else self.line
        return ValidationFailed(f"scheme read error, line {where}: {message}", [message])

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def advance(self, count: int = 1) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + count)
        self.pos += count

    def skip_space(self) -> None:
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char.isspace():
                self.advance()
            elif char == ";":
                end = self.text.find("\n", self.pos)
                self.advance((len(self.text) if end < 0 else end) - self.pos)
            elif self.text.startswith("#|", self.pos):
                end = self.text.find("|#", self.pos + 2)
                if end < 0:
                    raise self.fail("unterminated block comment `#|`")
                self.advance(end + 2 - self.pos)
            elif self.text.startswith("#;", self.pos):
                self.advance(2)
                self.read(0)
            else:
                return

    def read(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH}")
        self.skip_space()
        char = self.peek()
        if not char:
            raise self.fail("unexpected end of program: a `(` is not closed")
        if char in _CLOSERS:
            return self.read_list(_CLOSERS[char], depth)
        if char in ")]}":
            raise self.fail(f"unexpected `{char}`: it closes nothing")
        if char == '"':
            return self.read_string()
        for mark in (",@", "'", "`", ","):
            if self.text.startswith(mark, self.pos):
                line = self.line
                self.advance(len(mark))
                quoted = SList([Symbol(_QUOTES[mark]), self.read(depth + 1)])
                quoted.line = line
                return quoted
        return self.read_atom()

    def read_list(self, closer: str, depth: int) -> SList:
        items = SList()
        items.line = self.line
        self.advance()
        while True:
            self.skip_space()
            char = self.peek()
            if not char:
                raise self.fail(f"a list opened on line {items.line} is not closed", items.line)
            if char in ")]}":
                if char != closer:
                    raise self.fail(f"`{char}` closes a list opened with the partner of `{closer}`")
                self.advance()
                return items
            items.append(self.read(depth + 1))

    def read_string(self) -> str:
        start = self.line
        self.advance()
        out: list[str] = []
        while True:
            char = self.peek()
            if not char:
                raise self.fail(f"a string opened on line {start} is not closed", start)
            if char == '"':
                self.advance()
                return "".join(out)
            if char == "\\":
                code = self.text[self.pos + 1 : self.pos + 2]
                if code == "\n":
                    self.advance(2)
                    continue
                if code not in _ESCAPES:
                    raise self.fail(f"unknown escape `\\{code}` in a string")
                out.append(_ESCAPES[code])
                self.advance(2)
                continue
            out.append(char)
            self.advance()

    def read_atom(self) -> Any:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _DELIMITERS:
            self.pos += 1
        token = self.text[start : self.pos]
        if token.startswith("#:"):
            if len(token) == 2:
                raise self.fail("`#:` must be followed by a keyword name, e.g. #:model")
            return Keyword(token[2:])
        if token in ("#t", "#true"):
            return True
        if token in ("#f", "#false"):
            return False
        if _NUMBER.fullmatch(token):
            return float(token) if any(c in token for c in ".eE") else int(token)
        if token.startswith("#\\"):
            return {"#\\newline": "\n", "#\\space": " ", "#\\tab": "\t"}.get(token, token[2:])
        if token.startswith("#"):
            raise self.fail(f"unsupported syntax `{token}`")
        return Symbol(token)


def read_program(text: str) -> list[Any]:
    """Every top-level form of ``text``, skipping a ``#lang`` line; raises ``ValidationFailed``."""
    if text.startswith("#lang"):
        newline = text.find("\n")
        text = "\n" if newline < 0 else "\n" + text[newline + 1 :]
    reader = _Reader(text)
    forms: list[Any] = []
    while True:
        reader.skip_space()
        if not reader.peek():
            return forms
        forms.append(reader.read(0))
