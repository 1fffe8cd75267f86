"""Code as a knowledge graph: ingest, abstract tree, linearizers, templates, planning, CEGIS.

The public surface used by the CLI and by other capabilities (pattern learning builds templates
and reads the graph through these names).
"""

from codeloop.knowledge._text import canonical_rust
from codeloop.knowledge.build import BuildReport, CodeBuilder
from codeloop.knowledge.cegis import Attempt, CegisLoop, CegisReport, DefectKind, Edit, classify
from codeloop.knowledge.generate import Generated, GenerateRequest, Generator, Scope, linearize
from codeloop.knowledge.graph import CodeGraph, Provenance
from codeloop.knowledge.ingest import Ingestor, IngestReport, module_entity
from codeloop.knowledge.plan import CodeGoal, Plan, PlanStep, Strategy, make_plan, parse_goal
from codeloop.knowledge.python_linearize import linearize_python
from codeloop.knowledge.python_parse import parse_python, parse_python_module
from codeloop.knowledge.rust_linearize import linearize_rust
from codeloop.knowledge.rust_parse import parse_rust, parse_rust_module, rust_syntax_errors
from codeloop.knowledge.templates import Hole, HoleKind, Template, TemplateLibrary, TemplateResult
from codeloop.knowledge.toolchain import (
    CargoChecker,
    CheckResult,
    CompilerDiagnostic,
    RustcChecker,
    RustChecker,
    format_python,
    format_rust,
)
from codeloop.knowledge.tree import (
    CodeItem,
    CodeModule,
    CodeSignature,
    DataFlow,
    FieldDef,
    FlowStep,
    GenericParam,
    Param,
    Variant,
)

__all__ = [
    "Attempt",
    "BuildReport",
    "CargoChecker",
    "CegisLoop",
    "CegisReport",
    "CheckResult",
    "CodeBuilder",
    "CodeGoal",
    "CodeGraph",
    "CodeItem",
    "CodeModule",
    "CodeSignature",
    "CompilerDiagnostic",
    "DataFlow",
    "DefectKind",
    "Edit",
    "FieldDef",
    "FlowStep",
    "GenerateRequest",
    "Generated",
    "Generator",
    "GenericParam",
    "Hole",
    "HoleKind",
    "IngestReport",
    "Ingestor",
    "Param",
    "Plan",
    "PlanStep",
    "Provenance",
    "RustChecker",
    "RustcChecker",
    "Scope",
    "Strategy",
    "Template",
    "TemplateLibrary",
    "TemplateResult",
    "Variant",
    "canonical_rust",
    "classify",
    "format_python",
    "format_rust",
    "linearize",
    "linearize_python",
    "linearize_rust",
    "make_plan",
    "module_entity",
    "parse_goal",
    "parse_python",
    "parse_python_module",
    "parse_rust",
    "parse_rust_module",
    "rust_syntax_errors",
]
