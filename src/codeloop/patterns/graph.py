"""Mined patterns and learned templates as facts in the code graph (the store's triples).

Subjects are content addresses (``pattern:<digest>``, ``abstraction:<name>-<digest>``), so mining
the same corpus twice adds nothing new. A learned abstraction carries its body as an s-expression
with holes ``?0, ?1, …`` and one ``abstraction:hole`` fact per hole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from codeloop.patterns.freqt import FrequentTree
from codeloop.patterns.library import Abstraction
from codeloop.patterns.sequences import CallSequence
from codeloop.store import Triple, TripleStore

__all__ = ["category_of", "save_abstractions", "save_call_sequences", "save_subtrees"]

_CATEGORIES: dict[str, str] = {
    "source_file": "skeleton",
    "module": "skeleton",
    "block": "skeleton",
    "function_item": "function",
    "function_definition": "function",
    "impl_item": "type-definition",
    "struct_item": "type-definition",
    "enum_item": "type-definition",
    "trait_item": "type-definition",
    "class_definition": "type-definition",
    "match_expression": "control-flow",
    "if_expression": "control-flow",
    "if_statement": "control-flow",
    "for_expression": "loop",
    "for_statement": "loop",
    "while_expression": "loop",
    "while_statement": "loop",
    "loop_expression": "loop",
    "let_declaration": "binding",
    "assignment": "binding",
    "call_expression": "call",
    "call": "call",
    "macro_invocation": "call",
    "use_declaration": "import",
    "import_statement": "import",
    "import_from_statement": "import",
    "try_statement": "error-handling",
    "try_expression": "error-handling",
    "closure_expression": "closure",
    "lambda": "closure",
}


def category_of(root_label: str) -> str:
    return _CATEGORIES.get(root_label, "expression" if "expression" in root_label else "statement")


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _single(store: TripleStore, facts: list[Triple]) -> int:
    """Replace single-valued facts (support, size) rather than piling up old values."""
    for fact in facts:
        store.remove(fact.subject, fact.predicate)
    return store.add(facts)


def save_subtrees(
    store: TripleStore,
    patterns: Sequence[FrequentTree],
    *,
    language: str,
    sources: Sequence[str],
    miner: dict[str, object],
) -> int:
    added = 0
    for pattern in patterns:
        structure = pattern.tree.sexpr()
        subject = f"pattern:{_digest(language + structure)}"
        prov = {"how": "learned", "miner": miner}
        facts = [
            Triple(subject=subject, predicate="pattern:kind", object="subtree", provenance=prov),
            Triple(subject=subject, predicate="pattern:language", object=language, provenance=prov),
            Triple(
                subject=subject, predicate="pattern:structure", object=structure, provenance=prov
            ),
            Triple(
                subject=subject,
                predicate="pattern:category",
                object=category_of(pattern.shape[0][1]),
                provenance=prov,
            ),
            Triple(
                subject=subject,
                predicate="pattern:support",
                object=str(pattern.support),
                provenance=prov,
            ),
            Triple(
                subject=subject, predicate="pattern:size", object=str(pattern.size), provenance=prov
            ),
        ]
        facts += [
            Triple(
                subject=subject,
                predicate="pattern:source",
                object=sources[doc],
                provenance={"how": "learned", "document": doc},
            )
            for doc in pattern.documents[:10]
        ]
        added += _single(store, facts)
    return added


def save_call_sequences(
    store: TripleStore, sequences: Sequence[CallSequence], language: str, miner: dict[str, object]
) -> int:
    added = 0
    for seq in sequences:
        text = " → ".join(seq.calls)
        subject = f"pattern:{_digest(language + 'calls' + text)}"
        prov = {"how": "learned", "miner": miner}
        added += _single(
            store,
            [
                Triple(
                    subject=subject,
                    predicate="pattern:kind",
                    object="call-sequence",
                    provenance=prov,
                ),
                Triple(
                    subject=subject, predicate="pattern:language", object=language, provenance=prov
                ),
                Triple(
                    subject=subject, predicate="pattern:structure", object=text, provenance=prov
                ),
                Triple(
                    subject=subject,
                    predicate="pattern:category",
                    object="api-usage",
                    provenance=prov,
                ),
                Triple(
                    subject=subject,
                    predicate="pattern:support",
                    object=str(seq.support),
                    provenance=prov,
                ),
            ],
        )
    return added


def save_abstractions(
    store: TripleStore,
    abstractions: Sequence[Abstraction],
    *,
    language: str,
    engine: str,
    names: Sequence[str],
    sources: Sequence[str],
) -> list[str]:
    """One ``abstraction:*`` subject per learned abstraction; returns the subjects.

    The knowledge package's ``template:*`` facts hold its own JSON tree bodies, so learned
    abstractions (s-expression bodies over canonical ASTs) live beside them under their own
    predicates; ``abstraction:hole`` uses the same JSON hole shape as ``template:hole``.
    """
    subjects: list[str] = []
    for abstraction, name in zip(abstractions, names, strict=True):
        subject = f"abstraction:{name}-{_digest(language + abstraction.body)}"
        prov = {"how": "learned", "engine": engine, "sources": list(sources[:10])}
        values = [
            ("abstraction:name", name),
            ("abstraction:lang", language),
            ("abstraction:engine", engine),
            ("abstraction:body", abstraction.body),
            ("abstraction:occurrences", str(abstraction.uses)),
            ("abstraction:size", str(abstraction.size)),
        ]
        values += [
            ("abstraction:hole", json.dumps({"name": f"?{i}", "kind": "text"}))
            for i in range(abstraction.arity)
        ]
        if abstraction.example:
            values.append(("abstraction:example", abstraction.example))
        store.remove(subject)
        store.add(
            Triple(subject=subject, predicate=predicate, object=value, provenance=prov)
            for predicate, value in values
        )
        subjects.append(subject)
    return subjects
