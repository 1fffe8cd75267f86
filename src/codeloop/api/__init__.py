"""codeloop from Python: the capabilities of the CLI and the MCP server as async functions, each
with a blocking ``*_sync`` twin, and :class:`Session`, the one place services are built.

Example::

    from codeloop import api
    from codeloop.models import ScriptedModel

    reply = api.ask_sync("Say hi", models=ScriptedModel(["hi"]))
    assert reply.text == "hi"
"""

from codeloop.api._checks import budget_settings, data_format
from codeloop.api._code import Reply, ask, generate, kg_generate, patterns_search, reference
from codeloop.api._programs import analyze, orchestrate, rlm, run_program
from codeloop.api._session import Backends, Session, load_settings
from codeloop.api._sync import blocking

__all__ = [
    "Backends",
    "Reply",
    "Session",
    "analyze",
    "analyze_sync",
    "ask",
    "ask_sync",
    "budget_settings",
    "data_format",
    "generate",
    "generate_sync",
    "kg_generate",
    "kg_generate_sync",
    "load_settings",
    "orchestrate",
    "orchestrate_sync",
    "patterns_search",
    "patterns_search_sync",
    "reference",
    "rlm",
    "rlm_sync",
    "run_program",
    "run_program_sync",
]

ask_sync = blocking(ask)
generate_sync = blocking(generate)
analyze_sync = blocking(analyze)
orchestrate_sync = blocking(orchestrate)
rlm_sync = blocking(rlm)
run_program_sync = blocking(run_program)
kg_generate_sync = blocking(kg_generate)
patterns_search_sync = blocking(patterns_search)
