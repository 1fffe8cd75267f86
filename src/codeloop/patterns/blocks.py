"""Code blocks out of prose: fenced Markdown blocks and HTML ``<pre><code>``, with their language.

The language comes from the block's own label when it has one (```` ```rust ````,
``class="language-rust ignore"``); otherwise from which grammar parses it with fewer errors, with
a few unmistakable keywords to break ties. Identical blocks (a book's chapter page and its
print-all page) are kept once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt

from codeloop.errors import UserInputError
from codeloop.patterns.trees import Language, Parsers

__all__ = ["CodeBlock", "detect_language", "extract_blocks", "iter_sources"]

_ALIASES: dict[str, Language] = {
    "rust": "rust",
    "rs": "rust",
    "python": "python",
    "py": "python",
    "python3": "python",
    "pycon": "python",
}
_OTHER = frozenset(
    {
        "console",
        "text",
        "toml",
        "sh",
        "bash",
        "shell",
        "powershell",
        "cmd",
        "html",
        "json",
        "yaml",
        "c",
        "cpp",
        "js",
        "javascript",
        "sql",
        "diff",
        "plain",
    }
)
_MARKDOWN = frozenset({".md", ".markdown"})
_HTML = frozenset({".html", ".htm"})
_CODE: dict[str, Language] = {".py": "python", ".rs": "rust"}


@dataclass(frozen=True)
class CodeBlock:
    """A snippet with where it came from; ``language`` is ``None`` for blocks of other languages."""

    source: str
    index: int
    code: str
    language: Language | None
    label: str

    @property
    def digest(self) -> str:
        return hashlib.blake2b(self.code.encode(), digest_size=12).hexdigest()


def _label_language(label: str) -> tuple[bool, Language | None]:
    """(whether the label settles it, the language or ``None`` for a known other language)."""
    for raw in label.replace(",", " ").split():
        word = raw.lower().removeprefix("language-").removeprefix("lang-")
        if word in _ALIASES:
            return True, _ALIASES[word]
        if word in _OTHER:
            return True, None
    return False, None


def detect_language(code: str, parsers: Parsers) -> Language | None:
    """The grammar that reads ``code`` with fewer errors; ``None`` when neither reads it."""
    rust = parsers.parse_fragment(code, "rust").errors
    python = parsers.parse_fragment(code, "python").errors
    cues_rust = sum(code.count(c) for c in ("fn ", "let ", "::", "->", "impl ", "&mut", "};"))
    cues_python = sum(code.count(c) for c in ("def ", "import ", "self.", "elif ", "None", ":\n"))
    if rust == python:
        if cues_rust == cues_python:
            return None
        return "rust" if cues_rust > cues_python else "python"
    best: Language = "rust" if rust < python else "python"
    lines = max(1, code.count("\n") + 1)
    return best if min(rust, python) <= max(1, lines // 4) else None


class _PreCode(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self._in_pre = 0
        self._label: str | None = None
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self._in_pre += 1
            self._label = dict(attrs).get("class") or ""
        elif tag == "code" and self._in_pre:
            self._label = " ".join(filter(None, [self._label, dict(attrs).get("class") or ""]))
            self._parts = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self._in_pre:
            self._in_pre -= 1
            if self._label is not None:
                self.blocks.append((self._label, "".join(self._parts)))
            self._label = None
            self._parts = []

    def handle_data(self, data: str) -> None:
        if self._in_pre:
            self._parts.append(data)


def _raw_blocks(path: Path, text: str) -> list[tuple[str, str]]:
    suffix = path.suffix.lower()
    if suffix in _MARKDOWN:
        tokens = MarkdownIt("commonmark").parse(text)
        return [(t.info.strip(), t.content) for t in tokens if t.type in ("fence", "code_block")]
    if suffix in _HTML:
        parser = _PreCode()
        parser.feed(text)
        parser.close()
        return parser.blocks
    if suffix in _CODE:
        return [(_CODE[suffix], text)]
    raise UserInputError(f"{path}: not Markdown, HTML, .py or .rs; pass files of those kinds")


def iter_sources(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under ``paths`` that blocks can be mined from, in a stable order."""
    kinds = _MARKDOWN | _HTML | set(_CODE)
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.suffix.lower() in kinds and p.is_file()
            )
        elif path.is_file():
            yield path
        else:
            raise UserInputError(f"{path} does not exist; pass a Markdown/HTML/code file or folder")


def extract_blocks(paths: Iterable[Path], parsers: Parsers) -> list[CodeBlock]:
    """Every distinct code block in ``paths``, each with its language (detected when unlabelled)."""
    seen: set[str] = set()
    out: list[CodeBlock] = []
    for path in iter_sources(paths):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UserInputError(f"cannot read {path}: {exc}") from exc
        for index, (label, code) in enumerate(_raw_blocks(path, text)):
            if not code.strip():
                continue
            known, language = _label_language(label)
            if not known:
                language = detect_language(code, parsers)
            block = CodeBlock(str(path), index, code, language, label)
            if block.digest in seen:
                continue
            seen.add(block.digest)
            out.append(block)
    return out
