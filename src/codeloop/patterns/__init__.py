"""Learning code patterns without a neural model (seed 002, 10f–10h).

Hypervector encodings of code, a nearest-neighbour index over them, frequent-subtree and
call-sequence mining from tutorials and code, analogy by bind/unbind, and library learning by
anti-unification (with stitch-core as a second engine). ``PatternService`` ties them to the store.
"""

from __future__ import annotations

from codeloop.patterns.analogy import analogy_vector
from codeloop.patterns.antiunify import instantiate, lgg, match
from codeloop.patterns.blocks import CodeBlock, detect_language, extract_blocks
from codeloop.patterns.encode import CodeEncoder, Context, EncoderConfig
from codeloop.patterns.freqt import FrequentTree, mine_frequent_trees
from codeloop.patterns.hypervector import DIM, SymbolSpace, bind, bundle, hamming, permute
from codeloop.patterns.index import ExactIndex, FaissFlatIndex, SketchIndex, VectorIndex
from codeloop.patterns.library import (
    Abstraction,
    AntiUnificationLearner,
    LibraryLearner,
    LibraryResult,
    StitchLearner,
)
from codeloop.patterns.sequences import CallSequence, mine_call_sequences
from codeloop.patterns.service import (
    LearnReport,
    MinedPattern,
    MiningReport,
    PatternService,
    SearchHit,
)
from codeloop.patterns.trees import Node, Parsers, Unit

__all__ = [
    "DIM",
    "Abstraction",
    "AntiUnificationLearner",
    "CallSequence",
    "CodeBlock",
    "CodeEncoder",
    "Context",
    "EncoderConfig",
    "ExactIndex",
    "FaissFlatIndex",
    "FrequentTree",
    "LearnReport",
    "LibraryLearner",
    "LibraryResult",
    "MinedPattern",
    "MiningReport",
    "Node",
    "Parsers",
    "PatternService",
    "SearchHit",
    "SketchIndex",
    "StitchLearner",
    "SymbolSpace",
    "Unit",
    "VectorIndex",
    "analogy_vector",
    "bind",
    "bundle",
    "detect_language",
    "extract_blocks",
    "hamming",
    "instantiate",
    "lgg",
    "match",
    "mine_call_sequences",
    "mine_frequent_trees",
    "permute",
]
