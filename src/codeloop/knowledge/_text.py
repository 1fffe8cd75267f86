"""Canonical spelling of Rust type and expression texts, so formatting never breaks equality."""

from __future__ import annotations

import re

__all__ = ["canonical_rust", "split_top_level"]

_TOKEN = re.compile(
    r"""
    (?P<comment>//[^\n]*|/\*.*?\*/)
    |(?P<string>b?r(?P<hashes>\#*)".*?"(?P=hashes)|b?"(?:\\.|[^"\\])*")
    |(?P<char>b?'(?:\\.|[^'\\])'(?!\w))
    |(?P<lifetime>'\w+)
    |(?P<number>\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?[\d_]+)?(?:[a-zA-Z]\w*)?)
    |(?P<word>\w+)
    |(?P<op>::|->|=>|\.\.=|\.\.\.|\.\.|==|!=|<=|>=|&&|\|\||\+=|-=|\*=|/=|%=|\^=|&=|\|=|<<=|>>=)
    |(?P<punct>\S)
    """,
    re.VERBOSE | re.DOTALL,
)
_SPACED = {"->", "=>", "=", "+", "==", "!=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "|="}


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind == "hashes":
            kind = "string"
        if kind == "comment":
            continue
        value = match.group(0)
        if match.group("string") is not None:
            kind = "string"
        out.append((kind, value))
    return out


def _wordlike(kind: str) -> bool:
    return kind in ("word", "lifetime", "string", "char", "number")


_CLOSERS = {")": "(", "]": "[", "}": "{"}


def _drop_trailing_commas(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``[a, b,]`` → ``[a, b]`` as rustfmt writes it; the 1-tuple ``(a,)`` keeps its comma."""
    out: list[tuple[str, str]] = []
    commas: list[int] = []
    for kind, value in tokens:
        if value in ("(", "[", "{"):
            commas.append(0)
        elif value == "," and commas:
            commas[-1] += 1
        elif value in _CLOSERS:
            count = commas.pop() if commas else 0
            if out and out[-1][1] == "," and not (value == ")" and count == 1):
                out.pop()
        out.append((kind, value))
    return out


def canonical_rust(text: str) -> str:
    """One spelling per token sequence: ``Vec< u8 >`` and ``Vec<u8>`` both become ``Vec<u8>``."""
    parts: list[str] = []
    previous: tuple[str, str] | None = None
    for kind, value in _drop_trailing_commas(_tokens(text)):
        if previous is not None:
            pkind, pvalue = previous
            if (
                (_wordlike(pkind) and _wordlike(kind))
                or value in _SPACED
                or pvalue in _SPACED
                or pvalue in (",", ";")
                or (pvalue == ":" and value != ":")
            ):
                parts.append(" ")
        parts.append(value)
        previous = (kind, value)
    return "".join(parts)


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside brackets and strings: ``a: Vec<(u8, u8)>, b: u8`` → two parts."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    quote: str | None = None
    previous = ""
    for char in text:
        if quote:
            current.append(char)
            if char == quote and previous != "\\":
                quote = None
            previous = char
            continue
        if char == '"':
            quote = char
        elif char in "<([{":
            depth += 1
        elif char in ">)]}" and not (char == ">" and previous == "-"):
            depth -= 1
        if char == sep and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        previous = char
    tail = "".join(current).strip()
    if tail:
        parts.append(tail)
    return parts
