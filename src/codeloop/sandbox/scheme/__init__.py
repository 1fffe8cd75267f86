"""A Scheme front-end for the seed programs: reader, evaluator and the seed primitives.

The evaluator reaches nothing by itself; Python (``py-exec``), models (``llm-query``) and
checkpoints go through a :class:`SchemeHost`, which codeloop binds to a sandbox session and a model.
"""

from codeloop.sandbox.scheme.evaluator import SchemeError
from codeloop.sandbox.scheme.host import QueryArgs, SchemeHost, SchemeLimits
from codeloop.sandbox.scheme.interpreter import SchemeInterpreter, SchemeResult
from codeloop.sandbox.scheme.primitives import mentions, strip_fence
from codeloop.sandbox.scheme.reader import read_program

__all__ = [
    "QueryArgs",
    "SchemeError",
    "SchemeHost",
    "SchemeInterpreter",
    "SchemeLimits",
    "SchemeResult",
    "mentions",
    "read_program",
    "strip_fence",
]
