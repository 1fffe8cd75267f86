"""Analogy by bind/unbind: "do for Y what P does for X".

Every path-context of P that starts or ends in the symbol X is unbound from X and bound to Y under
the same role (``c ⊕ ρʳ(X) ⊕ ρʳ(Y)``, XOR being its own inverse). The token, signature and call
views get the same substitution, and the composite is bundled as for any unit, so the query vector
is exactly the encoding of P with X replaced by Y — found without rewriting or re-parsing code.
"""

from __future__ import annotations

import re

import numpy as np

from codeloop.patterns.encode import END_ROLE, START_ROLE, CodeEncoder, calls_of, leaves_of
from codeloop.patterns.hypervector import HV, bundle
from codeloop.patterns.trees import Unit

__all__ = ["analogy_vector"]


def analogy_vector(encoder: CodeEncoder, unit: Unit, x: str, y: str) -> HV:
    space = encoder.space
    contexts = encoder.contexts(unit.tree)
    rebound: list[HV] = []
    for ctx in contexts:
        vector = encoder.context_vector(ctx)
        if ctx.start == x:
            vector = vector ^ space.get(x, START_ROLE) ^ space.get(y, START_ROLE)
        if ctx.end == x:
            vector = vector ^ space.get(x, END_ROLE) ^ space.get(y, END_ROLE)
        rebound.append(vector)
    paths = bundle(np.stack(rebound)) if rebound else encoder.encode_contexts([])

    def swap(items: list[str]) -> list[str]:
        return [y if item == x else item for item in items]

    word = re.compile(rf"(?<![\w]){re.escape(x)}(?![\w])")

    def retype(text: str) -> str:
        return word.sub(y, text)

    return encoder.compose(
        [
            paths,
            encoder.encode_tokens(swap(leaves_of(unit.tree))),
            encoder.encode_signature(tuple(retype(p) for p in unit.params), retype(unit.returns)),
            encoder.encode_calls([retype(c) for c in calls_of(unit.tree)]),
        ]
    )
