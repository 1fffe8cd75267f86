"""Natural language → verified code: the generation pipeline (seed 004, done properly)."""

from codeloop.pipeline.analyze import RequestAnalyzer, find_examples
from codeloop.pipeline.learned import LearnedMatch, LearnedTemplates, LearnedTemplateUse
from codeloop.pipeline.library import Pattern, PatternLibrary, Rule
from codeloop.pipeline.pipeline import Pipeline, PipelineOptions, ProgressFn
from codeloop.pipeline.prompts import PromptLibrary
from codeloop.pipeline.types import (
    CandidateSummary,
    CheckSummary,
    Example,
    GenerationReport,
    RuleResult,
    Spec,
    StageReport,
)

__all__ = [
    "CandidateSummary",
    "CheckSummary",
    "Example",
    "GenerationReport",
    "LearnedMatch",
    "LearnedTemplateUse",
    "LearnedTemplates",
    "Pattern",
    "PatternLibrary",
    "Pipeline",
    "PipelineOptions",
    "ProgressFn",
    "PromptLibrary",
    "RequestAnalyzer",
    "Rule",
    "RuleResult",
    "Spec",
    "StageReport",
    "find_examples",
]
