import codeloop.orchestrate
import codeloop.sandbox.scheme
import codeloop.server


def test_public_surface() -> None:
    assert codeloop.server.__all__ == ["ServerServices", "build_server"]
    assert codeloop.sandbox.scheme.__all__ == [
        "QueryArgs", "SchemeError", "SchemeHost", "SchemeInterpreter", "SchemeLimits",
        "SchemeResult", "mentions", "read_program", "strip_fence",
    ]  # fmt: skip
    assert set(codeloop.orchestrate.__all__) >= {
        "Analyzer", "Orchestrator", "RecursiveLM", "ProgramRunner", "RunContext", "ModelRouter",
        "get_codegen_reference", "sample_data", "validate_program",
    }  # fmt: skip
    assert all(hasattr(codeloop.orchestrate, name) for name in codeloop.orchestrate.__all__)
