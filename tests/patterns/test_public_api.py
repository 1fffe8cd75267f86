import codeloop.patterns as patterns


def test_public_surface_is_pinned():
    assert sorted(patterns.__all__) == sorted(
        [
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
    )
    assert all(hasattr(patterns, name) for name in patterns.__all__)
