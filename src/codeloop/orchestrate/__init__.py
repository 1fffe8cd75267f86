"""Programs that call models: meta-programming (``analyze``), meta-orchestration
(``orchestrate``), recursive language models (``rlm``), and running whole programs, Python or the
seeds' Scheme, with the primitives bound to models, the budget and the store."""

from codeloop.orchestrate._runs import ActiveRun, RunContext
from codeloop.orchestrate.analyze import AnalysisReport, Analyzer
from codeloop.orchestrate.budget import BudgetedModel
from codeloop.orchestrate.codegen import Attempt, CodegenLoop, CodegenOptions, ProgramOutcome
from codeloop.orchestrate.host import ProgramHost, SessionSchemeHost
from codeloop.orchestrate.orchestrate import (
    OrchestrationReport,
    Orchestrator,
    Strategy,
    read_strategy,
)
from codeloop.orchestrate.programs import Language, ProgramReport, ProgramRunner, language_of
from codeloop.orchestrate.recording import StepLog, StepRecordingModel
from codeloop.orchestrate.reference import PrimitiveDoc, describe, get_codegen_reference
from codeloop.orchestrate.rlm import RecursiveLM, RLMOptions, RLMReport, RLMTurn
from codeloop.orchestrate.routing import ModelRouter
from codeloop.orchestrate.sampling import (
    DataFormat,
    DataSample,
    FieldInfo,
    detect_format,
    parse_data,
    sample_data,
)
from codeloop.orchestrate.validate import (
    Finding,
    extract_code,
    sandbox_policy,
    validate_program,
)

__all__ = [
    "ActiveRun",
    "AnalysisReport",
    "Analyzer",
    "Attempt",
    "BudgetedModel",
    "CodegenLoop",
    "CodegenOptions",
    "DataFormat",
    "DataSample",
    "FieldInfo",
    "Finding",
    "Language",
    "ModelRouter",
    "OrchestrationReport",
    "Orchestrator",
    "PrimitiveDoc",
    "ProgramHost",
    "ProgramOutcome",
    "ProgramReport",
    "ProgramRunner",
    "RLMOptions",
    "RLMReport",
    "RLMTurn",
    "RecursiveLM",
    "RunContext",
    "SessionSchemeHost",
    "StepLog",
    "StepRecordingModel",
    "Strategy",
    "describe",
    "detect_format",
    "extract_code",
    "get_codegen_reference",
    "language_of",
    "parse_data",
    "read_strategy",
    "sample_data",
    "sandbox_policy",
    "validate_program",
]
