"""Request analysis: a description (or a code stub) → a typed :class:`Spec`.

Rules first: the language, the kind, the name and signature, and input→output examples written
in the description or in a docstring. Only when the rules find no name is the model asked for one.
"""

from __future__ import annotations

import ast
import doctest
import re

from codeloop.errors import UserInputError
from codeloop.lang.registry import LANGUAGES
from codeloop.models.protocol import Model
from codeloop.models.types import ModelRequest
from codeloop.pipeline.prompts import PromptLibrary
from codeloop.pipeline.types import Example, Kind, NameSource, Spec

__all__ = ["RequestAnalyzer", "find_examples"]

_LANG_WORDS = {
    "rust": re.compile(r"\b(rust|cargo|crate|impl|trait|struct)\b", re.IGNORECASE),
    "typescript": re.compile(r"\b(typescript|ts|node\.?js|deno|interface)\b", re.IGNORECASE),
    "python": re.compile(r"\b(python|pydantic|typer|pytest|asyncio|httpx)\b", re.IGNORECASE),
}
_KIND_WORDS: list[tuple[Kind, re.Pattern[str]]] = [
    ("cli", re.compile(r"\b(cli|command[- ]line|command)\b", re.IGNORECASE)),
    ("client", re.compile(r"\b(client|http|api wrapper|sdk)\b", re.IGNORECASE)),
    ("error", re.compile(r"\b(errors?|exceptions?)\s+(type|enum|hierarchy|class)", re.IGNORECASE)),
    ("model", re.compile(r"\b(pydantic|data ?model|schema|record)\b", re.IGNORECASE)),
    ("class", re.compile(r"\b(class|struct|builder|repository|iterator|trait)\b", re.IGNORECASE)),
    ("module", re.compile(r"\b(module|library|package)\b", re.IGNORECASE)),
]
_SIGNATURE = re.compile(
    r"(?:(?:async\s+)?def|fn|function)\s+([A-Za-z_]\w*)\s*(?:<[^>]*>)?\s*\(([^)]*)\)"
    r"(\s*(?:->|:)\s*(?:[\w:&'|.]|<[^>\n]*>|\[[^\]\n]*\]|\([^)\n]*\))+)?"
)
_NAMED = (
    re.compile(r"(?:named|called|name it)\s+`?([A-Za-z_][A-Za-z0-9_]*)`?"),
    re.compile(
        r"(?:function|class|struct|enum|trait|model|interface|type)\s+`?([A-Za-z_][A-Za-z0-9_]*)`?"
    ),
)
_BACKTICK = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)(?:\([^`]*\))?`")
_CALL_START = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\(")
_ARROW = re.compile(
    r"\s*(==>|==|->|=>|➞|→|#\s*returns?|returns|should return|gives|is)\s*", re.IGNORECASE
)
_JSON_WORDS = {"true": "True", "false": "False", "null": "None"}
_STOP_WORDS = {
    "a", "an", "the", "that", "which", "and", "or", "of", "to", "in", "for", "with", "from",
    "write", "create", "make", "build", "implement", "python", "rust", "typescript", "function",
    "given", "return", "returns", "it", "is", "by", "as", "on", "into", "its", "their", "each",
}  # fmt: skip
_KEYWORD_WORDS = {
    "that", "which", "for", "to", "called", "named", "returning", "taking", "in", "with", "of",
}  # fmt: skip
_NOT_NAMES = {"print", "len", "range", "assert", "return", "if", "for", "while", "e", "g", "i"}


def _balanced_end(text: str, open_paren: int) -> int:
    depth = 0
    for index in range(open_paren, len(text)):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return index + 1
    return -1


def _literal_end(text: str) -> str:
    """The longest prefix of ``text`` that parses as one Python expression (a literal)."""
    text = text.strip()
    cut = re.split(r"(?<![\d.])\.\s|;|,\s+(?=and\b|[A-Za-z_]+\()|\s+and\s+|\n", text + "\n")[0]
    candidates = [cut, cut.rstrip(".,")]
    for candidate in candidates:
        for end in range(len(candidate), 0, -1):
            piece = candidate[:end].strip().rstrip(".,")
            if not piece:
                continue
            try:
                node = ast.parse(piece, mode="eval").body
            except SyntaxError:
                continue
            if isinstance(node, ast.Name) and piece not in ("True", "False", "None"):
                if piece in _JSON_WORDS:
                    return _JSON_WORDS[piece]
                continue
            return piece
    return ""


def _parses(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


def _closed(text: str) -> bool:
    """No free names: every name is called (``float('inf')``) or a constant, so the example does
    not depend on context the test file lacks (``fib(n) == fib(n-1) + fib(n-2)``, ``f(abc)``)."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return all(
        id(n) in called or n.id in ("True", "False", "None")
        for n in ast.walk(tree)
        if isinstance(n, ast.Name)
    )


def _want(text: str) -> str:
    """A doctest's expected output, cut at the docstring's closing quotes; "" if not a literal."""
    lines = []
    for line in text.splitlines():
        if line.strip().startswith(('"""', "'''")):
            break
        lines.append(line)
    want = "\n".join(lines).strip()
    return want if want and _parses(want) else ""


_INPUT_OUTPUT = re.compile(
    r"^[ \t]*Input:[ \t]*(?P<args>\S[^\n]*)\n(?:[ \t]*\n)?[ \t]*Output:[ \t]*(?P<out>\S[^\n]*)",
    re.MULTILINE | re.IGNORECASE,
)
_FOR_OUTPUT = re.compile(
    r"\bFor (?P<args>\w+ ?= ?[^\n]+?),? the (?:output|result) (?:should be|is|will be)"
    r" (?P<out>[^\n]+)",
    re.IGNORECASE,
)


def _parameters(text: str, name: str) -> list[str] | None:
    """The parameter names of ``def name(...)`` in the text, or None without one."""
    match = re.search(rf"def\s+{re.escape(name)}\s*\(", text)
    if match is None:
        return None
    end = _balanced_end(text, match.end() - 1)
    try:
        tree = ast.parse(f"def _{text[match.end() - 1 : end]}: pass")
    except (SyntaxError, ValueError):
        return None
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef)
    args = node.args
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.arg != "self"]


def _io_call(name: str, args: str, params: list[str] | None) -> str | None:
    """``name(args)`` for an ``Input: args`` line: keywords kept when they are the function's
    parameter names, else passed by position; None when the arguments cannot be a call."""
    try:
        call = ast.parse(f"{name}({args.strip().rstrip('.,')})", mode="eval").body
    except SyntaxError:
        return None
    assert isinstance(call, ast.Call)
    if call.keywords and (params is None or any(k.arg not in params for k in call.keywords)):
        call.args = [*call.args, *(k.value for k in call.keywords)]
        call.keywords = []
    if params is not None and len(call.args) + len(call.keywords) > len(params):
        return None
    return ast.unparse(call)


def _io_examples(text: str, name: str) -> list[Example]:
    """``Input: x`` / ``Output: y`` pairs and ``For x = 1 the output should be y`` sentences."""
    params = _parameters(text, name)
    found: list[Example] = []
    for pattern in (_INPUT_OUTPUT, _FOR_OUTPUT):
        for match in pattern.finditer(text):
            call = _io_call(name, match.group("args"), params)
            expected = _literal_end(match.group("out"))
            if call is not None and expected and _closed(call) and _closed(expected):
                found.append(Example(call=call, expected=expected, source="description"))
    return found


def find_examples(text: str, name: str | None = None) -> list[Example]:
    """``f(x) == y``, ``f(x) -> y``, ``f(x) returns y`` and doctest ``>>> f(x)`` forms; with a
    name, also ``Input:``/``Output:`` pairs and ``For x = 1 the output should be y``."""
    found: list[Example] = []
    seen: set[str] = set()
    for item in doctest.DocTestParser().get_examples(text):
        call = item.source.strip()
        want = _want(item.want)
        if (
            want
            and (name is None or f"{name}(" in call)
            and call not in seen
            and _closed(call)
            and _closed(want)
        ):
            seen.add(call)
            found.append(Example(call=call, expected=want, source="docstring"))
    for match in _CALL_START.finditer(text):
        func = match.group(1)
        if (name is not None and func != name) or func in _NOT_NAMES:
            continue
        end = _balanced_end(text, match.end() - 1)
        if end < 0:
            continue
        arrow = _ARROW.match(text, end)
        if arrow is None:
            continue
        expected = _literal_end(text[arrow.end() :])
        call = text[match.start() : end]
        if (
            not expected
            or call in seen
            or text[max(0, match.start() - 4) : match.start()] == ">>> "
        ):
            continue
        if not (_closed(call) and _closed(expected)):
            continue
        seen.add(call)
        found.append(Example(call=call, expected=expected, source="description"))
    if name is not None and not found:
        found = _io_examples(text, name)
    return found


def _type_of(value: object) -> str | None:
    if value is None:
        return "None"
    if isinstance(value, bool | int | float | str | bytes):
        return type(value).__name__
    if isinstance(value, list | set | tuple) and value:
        inner = {_type_of(v) for v in value}
        element = inner.pop() if len(inner) == 1 else None
        if element is None:
            return None
        if isinstance(value, tuple):
            return f"tuple[{element}, ...]"
        return f"{type(value).__name__}[{element}]"
    if isinstance(value, dict) and value:
        keys = {_type_of(k) for k in value}
        values = {_type_of(v) for v in value.values()}
        if len(keys) == 1 and len(values) == 1:
            return f"dict[{keys.pop()}, {values.pop()}]"
    return None


def infer_signature(description: str, name: str, examples: list[Example]) -> str | None:
    """``def name(a: T, ...) -> R`` from the parameter names in the request (``name(a, b)``) and
    the literal types of its first example; ``None`` when either is missing or ambiguous."""
    params = re.search(
        rf"\b{re.escape(name)}\(\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*\)", description
    )
    if params is None or not examples:
        return None
    names = [p.strip() for p in params.group(1).split(",")]
    try:
        call = ast.parse(examples[0].call, mode="eval").body
        expected = ast.literal_eval(examples[0].expected)
        if not isinstance(call, ast.Call) or len(call.args) != len(names) or call.keywords:
            return None
        args = [ast.literal_eval(arg) for arg in call.args]
    except (SyntaxError, ValueError):
        return None
    types = [_type_of(a) for a in args]
    result = _type_of(expected)
    if result is None or any(t is None for t in types):
        return None
    if result == "int" and any(
        isinstance(e, str) and "." in e for e in (x.expected for x in examples)
    ):
        result = "float"
    joined = ", ".join(f"{n}: {t}" for n, t in zip(names, types, strict=True))
    return f"def {name}({joined}) -> {result}"


def _snake(words: list[str]) -> str:
    return "_".join(w.lower() for w in words if w)[:40] or "solution"


class RequestAnalyzer:
    """Turns a request into a :class:`Spec`; ``model`` is asked only when no name is found."""

    def __init__(self, model: Model | None = None, prompts: PromptLibrary | None = None) -> None:
        self._model = model
        self._prompts = prompts or PromptLibrary()

    def language(self, description: str, explicit: str | None) -> str:
        if explicit:
            key = {"py": "python", "rs": "rust", "ts": "typescript"}.get(explicit, explicit)
            if key not in LANGUAGES:
                raise UserInputError(
                    f"unsupported language {explicit!r}: use --lang with one of "
                    f"{', '.join(LANGUAGES)}"
                )
            return key
        scores = {lang: len(p.findall(description)) for lang, p in _LANG_WORDS.items()}
        if re.search(r"\bin rust\b|\brust\b", description, re.IGNORECASE):
            return "rust"
        if re.search(r"\bin typescript\b|\btypescript\b", description, re.IGNORECASE):
            return "typescript"
        best = max(scores, key=lambda lang: scores[lang])
        return best if scores[best] else "python"

    def kind(self, description: str) -> Kind:
        for kind, pattern in _KIND_WORDS:
            if pattern.search(description):
                return kind
        return "function"

    async def analyze(
        self,
        description: str,
        *,
        language: str | None = None,
        stub: str | None = None,
        name: str | None = None,
    ) -> Spec:
        if not description.strip() and not stub:
            raise UserInputError('the description is empty: codeloop gen "what the code should do"')
        lang = self.language(description, language)
        text = f"{description}\n{stub or ''}"
        signature = _SIGNATURE.search(text)
        source: NameSource = "explicit"
        if name is None:
            name, source = self._rule_name(description, signature)
        if name is None:
            name, source = await self._model_name(description)
        elif stub:
            signature = re.search(rf"def\s+{re.escape(name)}\s*\(([^)]*)\)(\s*->\s*[^\n:]+)?", stub)
        examples = find_examples(text, name)
        if lang != "python":
            examples = [_to_language(e, lang) for e in examples]
        kind = self.kind(description)
        module = _module_name(name)
        typed = signature.group(0).strip() if signature else None
        if lang == "python" and not stub and (typed is None or "def " not in typed):
            typed = infer_signature(description, name, examples) or typed
        return Spec(
            description=description.strip(),
            language=lang,
            kind=kind,
            name=name,
            module=module,
            signature=typed,
            examples=examples,
            stub=stub,
            name_source=source,
        )

    def _rule_name(
        self, description: str, signature: re.Match[str] | None
    ) -> tuple[str | None, NameSource]:
        if signature:
            return signature.group(1), "signature"
        tick = _BACKTICK.search(description)
        if tick:
            return tick.group(1), "explicit"
        for pattern in _NAMED:
            named = pattern.search(description)
            if named and named.group(1).lower() not in _STOP_WORDS | _KEYWORD_WORDS:
                return named.group(1), "explicit"
        for match in _CALL_START.finditer(description):
            if match.group(1) not in _NOT_NAMES and _ARROW.match(
                description, max(_balanced_end(description, match.end() - 1), 0)
            ):
                return match.group(1), "example"
        return None, "words"

    async def _model_name(self, description: str) -> tuple[str, NameSource]:
        if self._model is not None:
            prompt = self._prompts.render("name.j2", description=description)
            request = ModelRequest.of(prompt, temperature=0.0, max_tokens=12, stop=("\n",))
            reply = (await self._model.complete(request)).text
            word = re.search(r"[A-Za-z_][A-Za-z0-9_]{2,40}", reply.replace("`", ""))
            if word and word.group(0).lower() not in _STOP_WORDS:
                return word.group(0), "model"
        words = [w for w in re.findall(r"[A-Za-z]+", description) if w.lower() not in _STOP_WORDS]
        return _snake(words[:3]), "words"


def _module_name(name: str) -> str:
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    return re.sub(r"\W", "_", snake).strip("_") or "solution"


def _to_language(example: Example, language: str) -> Example:
    def convert(text: str) -> str:
        text = re.sub(r"\bTrue\b", "true", text)
        text = re.sub(r"\bFalse\b", "false", text)
        return re.sub(r"'([^'\"\\]*)'", r'"\1"', text)

    return example.model_copy(
        update={"call": convert(example.call), "expected": convert(example.expected)}
    )
