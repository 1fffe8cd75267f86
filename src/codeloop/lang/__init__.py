"""Language plugins: parse, lint, fix, format, type-check, compile and test generated code.

Every check returns structured :class:`Diagnostic` values; a missing tool is reported as
``available=False``, never faked. Tests run only through a :class:`Runner` (the sandbox).
"""

from codeloop.lang.protocol import Example, LanguageSupport
from codeloop.lang.python import PythonSupport
from codeloop.lang.registry import LANGUAGES, get_language
from codeloop.lang.runner import ProcessLimits, ProcessResult, Runner, SandboxRunner
from codeloop.lang.rust import RustSupport
from codeloop.lang.types import CheckResult, Diagnostic, Severity, TestOutcome, TestRun
from codeloop.lang.typescript import TypeScriptSupport

__all__ = [
    "LANGUAGES",
    "CheckResult",
    "Diagnostic",
    "Example",
    "LanguageSupport",
    "ProcessLimits",
    "ProcessResult",
    "PythonSupport",
    "Runner",
    "RustSupport",
    "SandboxRunner",
    "Severity",
    "TestOutcome",
    "TestRun",
    "TypeScriptSupport",
    "get_language",
]
