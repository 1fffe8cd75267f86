"""Templates: parameterised tree fragments with typed holes, composed and stored in the graph."""

from codeloop.knowledge.templates._holes import HoleKind, parse_hole
from codeloop.knowledge.templates._library import TemplateLibrary
from codeloop.knowledge.templates._template import Hole, Template, TemplateResult, std_trait_stubs

__all__ = [
    "Hole",
    "HoleKind",
    "Template",
    "TemplateLibrary",
    "TemplateResult",
    "parse_hole",
    "std_trait_stubs",
]
