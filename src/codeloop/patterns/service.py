"""The pattern service: what the CLI (and later the pipeline) calls. It owns the index file beside
the store, keeps it in step with the ``pattern_vectors`` table, and writes what it learns into the
code graph."""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from codeloop.errors import UserInputError
from codeloop.knowledge import CodeGraph, Provenance, TemplateLibrary
from codeloop.patterns.analogy import analogy_vector
from codeloop.patterns.blocks import extract_blocks, iter_sources
from codeloop.patterns.encode import CodeEncoder, calls_of
from codeloop.patterns.freqt import mine_frequent_trees
from codeloop.patterns.graph import (
    category_of,
    save_abstractions,
    save_call_sequences,
    save_subtrees,
)
from codeloop.patterns.hypervector import HV
from codeloop.patterns.index import SketchIndex, open_index
from codeloop.patterns.library import (
    AntiUnificationLearner,
    LibraryLearner,
    LibraryResult,
    StitchLearner,
    name_from_context,
)
from codeloop.patterns.sequences import mine_call_sequences
from codeloop.patterns.templates import learned_templates
from codeloop.patterns.trees import Language, Parsers, Unit
from codeloop.store import Store, VectorRecord

__all__ = ["LearnReport", "MinedPattern", "MiningReport", "PatternService", "SearchHit"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchHit(_Model):
    id: int
    name: str
    language: str
    source: str
    line: int
    similarity: float
    text: str


class MinedPattern(_Model):
    kind: Literal["subtree", "call-sequence"]
    language: str
    structure: str
    support: int
    size: int
    category: str


class MiningReport(_Model):
    sources: int
    blocks: int
    blocks_by_language: dict[str, int]
    parsed: int
    parse_rate: float
    subtree_patterns: int
    call_sequences: int
    facts_added: int
    seconds: float
    top: list[MinedPattern]


class LearnReport(_Model):
    result: LibraryResult
    templates: list[str]
    compression: float
    learned_templates: list[str] = []
    """Names of the ``template:*`` entries made from the abstractions (``kg gen --template``)."""


def _key(language: str, text: str) -> str:
    return hashlib.blake2b(f"{language}\x00{text}".encode(), digest_size=16).hexdigest()


class PatternService:
    def __init__(
        self,
        store: Store,
        index_path: Path,
        encoder: CodeEncoder | None = None,
        parsers: Parsers | None = None,
        *,
        sketch_bits: int = 1024,
        candidates: int = 200,
    ) -> None:
        self.store = store
        self.index_path = index_path
        self.sketch_bits = sketch_bits
        self.candidates = candidates
        self.encoder = encoder or CodeEncoder()
        self.parsers = parsers or Parsers()
        self._index: SketchIndex | None = None

    # -- the index ---------------------------------------------------------------------------
    @property
    def index(self) -> SketchIndex:
        """The saved index, brought up to date with rows added since it was saved."""
        if self._index is None:
            index = open_index(self.index_path, self.sketch_bits, self.candidates)
            ids, matrix = self.store.vectors.since(index.max_id)
            if ids:
                index.add(ids, matrix)
                index.save(self.index_path)
            self._index = index
        return self._index

    def units_of(self, path: Path) -> list[Unit]:
        language = _language_of(path)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UserInputError(f"cannot read {path}: {exc}") from exc
        return self.parsers.parse_fragment(text, language).units()

    def add_units(self, units: Sequence[Unit], source: str) -> int:
        rows = [
            (
                VectorRecord(
                    key=_key(u.language, u.text),
                    name=u.name,
                    language=u.language,
                    source=source,
                    line=u.line,
                    text=u.text,
                ),
                self.encoder.encode(u).tobytes(),
            )
            for u in units
        ]
        added = self.store.vectors.add(rows)
        if added:
            self._sync()
        return len(added)

    def _sync(self) -> None:
        index = self.index
        ids, matrix = self.store.vectors.since(index.max_id)
        if ids:
            index.add(ids, matrix)
            index.save(self.index_path)

    def add_paths(self, paths: Sequence[Path]) -> int:
        total = 0
        for path in iter_sources(paths):
            if path.suffix in (".py", ".rs"):
                total += self.add_units(self.units_of(path), str(path))
        return total

    def search_vector(self, vector: HV, k: int, exclude: int | None = None) -> list[SearchHit]:
        if len(self.index) == 0:
            raise UserInputError(
                "the pattern index is empty: run `codeloop patterns index PATH` first"
            )
        hits = self.index.search(vector[None, :], k + (1 if exclude is not None else 0))[0]
        hits = [h for h in hits if h[0] != exclude][:k]
        records = self.store.vectors.get([i for i, _ in hits])
        return [
            SearchHit(
                id=i,
                name=records[i].name,
                language=records[i].language,
                source=records[i].source,
                line=records[i].line,
                similarity=round(1 - d / (vector.size * 8), 4),
                text=records[i].text,
            )
            for i, d in hits
            if i in records
        ]

    def unit(self, spec: str) -> Unit:
        """``FILE`` (its first function), ``FILE:SYMBOL`` or ``#ID`` of an indexed row."""
        if spec.startswith("#"):
            rows = self.store.vectors.get([int(spec[1:])]) if spec[1:].isdigit() else {}
            if not rows:
                raise UserInputError(
                    f"no indexed code with id {spec}; see `codeloop patterns search`"
                )
            rec = next(iter(rows.values()))
            language: Language = "rust" if rec.language == "rust" else "python"
            return _first(self.parsers.parse_fragment(rec.text, language).units(), spec)
        file, _, symbol = spec.partition(":")
        units = self.units_of(Path(file))
        if symbol:
            units = [u for u in units if u.name == symbol]
            if not units:
                raise UserInputError(f"{file} defines no function {symbol!r}")
        return _first(units, spec)

    def text_unit(self, text: str, language: Language | None) -> Unit:
        from codeloop.patterns.blocks import detect_language

        lang = language or detect_language(text, self.parsers)
        if lang is None:
            raise UserInputError("cannot tell the language of --text: pass --language python|rust")
        return _first(self.parsers.parse_fragment(text, lang).units(), "--text")

    def analogy(self, unit: Unit, x: str, y: str, k: int) -> list[SearchHit]:
        return self.search_vector(analogy_vector(self.encoder, unit, x, y), k)

    # -- mining ------------------------------------------------------------------------------
    def mine(
        self,
        paths: Sequence[Path],
        *,
        min_support: int = 3,
        max_size: int = 6,
        top: int = 10,
        store: bool = True,
        store_limit: int = 500,
    ) -> MiningReport:
        """Mine every block under ``paths``; the ``store_limit`` best patterns of each kind and
        language (support × size, API-bearing first) go into the graph."""
        started = time.perf_counter()
        blocks = extract_blocks(paths, self.parsers)
        by_language = Counter(b.language or "other" for b in blocks)
        facts = 0
        patterns: list[MinedPattern] = []
        n_subtrees = n_sequences = parsed = 0
        for language in ("python", "rust"):
            mine_blocks = [b for b in blocks if b.language == language]
            results = [self.parsers.parse_fragment(b.code, language) for b in mine_blocks]
            good = [(b, r) for b, r in zip(mine_blocks, results, strict=True) if r.ok]
            parsed += len(good)
            if not good:
                continue
            trees = [r.tree for _, r in good]
            sources = [f"{b.source}#{b.index}" for b, _ in good]
            miner: dict[str, object] = {
                "name": "freqt",
                "min_support": min_support,
                "max_size": max_size,
            }
            subtrees = mine_frequent_trees(trees, min_support=min_support, max_size=max_size)
            sequences = mine_call_sequences([calls_of(t) for t in trees], min_support=min_support)
            n_subtrees += len(subtrees)
            n_sequences += len(sequences)
            api = {n.label for t in trees for n in t.preorder() if n.is_leaf} - _GENERIC
            ranked = sorted(
                (
                    p
                    for p in subtrees
                    if category_of(p.shape[0][1]) not in ("skeleton", "function")
                    and p.shape[0][1] != "token_tree"
                    and any(label in api and not _VAR.match(label) for _, label in p.shape)
                ),
                key=lambda p: (-p.support * p.size, p.shape),
            )
            if store:
                facts += save_subtrees(
                    self.store.triples,
                    ranked[:store_limit],
                    language=language,
                    sources=sources,
                    miner=miner,
                )
                facts += save_call_sequences(
                    self.store.triples,
                    sequences[:store_limit],
                    language=language,
                    miner={"name": "prefixspan", "min_support": min_support},
                )
            patterns += [
                MinedPattern(
                    kind="subtree",
                    language=language,
                    structure=p.tree.sexpr(),
                    support=p.support,
                    size=p.size,
                    category=category_of(p.shape[0][1]),
                )
                for p in ranked[:top]
            ]
            patterns += [
                MinedPattern(
                    kind="call-sequence",
                    language=language,
                    structure=" → ".join(s.calls),
                    support=s.support,
                    size=len(s.calls),
                    category="api-usage",
                )
                for s in sequences[:top]
            ]
        code_blocks = by_language.get("python", 0) + by_language.get("rust", 0)
        return MiningReport(
            sources=len({b.source for b in blocks}),
            blocks=len(blocks),
            blocks_by_language={str(k): v for k, v in by_language.items()},
            parsed=parsed,
            parse_rate=round(parsed / code_blocks, 4) if code_blocks else 0.0,
            subtree_patterns=n_subtrees,
            call_sequences=n_sequences,
            facts_added=facts,
            seconds=round(time.perf_counter() - started, 3),
            top=patterns,
        )

    # -- library learning ---------------------------------------------------------------------
    def learn(
        self,
        units: Sequence[Unit],
        *,
        engine: Literal["codeloop", "stitch"] = "codeloop",
        top_k: int = 10,
        store: bool = True,
    ) -> LearnReport:
        if len(units) < 2:
            raise UserInputError("library learning needs at least two functions or fragments")
        learner: LibraryLearner = (
            AntiUnificationLearner(self.encoder) if engine == "codeloop" else StitchLearner()
        )
        result = learner.learn([u.tree for u in units], top_k=top_k)
        names = [name_from_context(a) for a in result.abstractions]
        languages = Counter(u.language for u in units)
        templates = (
            save_abstractions(
                self.store.triples,
                result.abstractions,
                language=languages.most_common(1)[0][0],
                engine=engine,
                names=names,
                sources=sorted({u.name for u in units}),
            )
            if store
            else names
        )
        learned: list[str] = []
        if store:
            library = TemplateLibrary(learned_templates(result, units, names, self.parsers))
            library.store(
                CodeGraph(self.store.triples),
                Provenance(how="learned", detail={"engine": engine, "units": len(units)}),
            )
            learned = library.names()
        return LearnReport(
            result=result,
            templates=templates,
            compression=round(result.compression, 4),
            learned_templates=learned,
        )


def _first(units: list[Unit], what: str) -> Unit:
    if not units:
        raise UserInputError(f"{what}: no code found (nested deeper than codeloop reads?)")
    return units[0]


_VAR = re.compile(r"^v\d+$")
_GENERIC = frozenset({"STR", "NUM", "!", "&", "*", "mut", "self", "parameters", "arguments"})


def _language_of(path: Path) -> Language:
    if path.suffix == ".py":
        return "python"
    if path.suffix == ".rs":
        return "rust"
    raise UserInputError(f"{path}: only .py and .rs files hold code to index or learn from")
