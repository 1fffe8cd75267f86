"""Run one question through the ``rlms`` library (the RLM paper's reference implementation).

The benchmark starts this in a subprocess, so that the library, which is no dependency of
codeloop, loads from its own folder and the code its model writes runs outside the benchmark:

    python -m benchmarks._rlms_driver RLMS_DIR BASE_URL ITERATIONS MAX_TOKENS SECONDS < case.json

stdin holds ``{"context": ..., "question": ...}``; stdout gets one JSON object with the answer,
tokens, calls and seconds, or the error the library raised (with its partial answer: the
library stops at SECONDS and keeps the best answer it had).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from typing import Any

__all__ = ["solve"]


def solve(
    base_url: str, context: str, question: str, iterations: int, max_tokens: int, seconds: float
) -> dict[str, Any]:
    from rlm import RLM  # from the folder named on the command line

    # llama-cpp-python's server ignores the ``max_completion_tokens`` the library sends, so the
    # same cap also goes in the body as ``max_tokens``.
    sampling = {
        "temperature": 0.0,
        "max_tokens": max_tokens,
        "extra_body": {"max_tokens": max_tokens},
    }
    started = time.monotonic()
    rlm = RLM(
        backend="openai",
        backend_kwargs={"base_url": base_url, "model_name": "local", "api_key": "none"},
        max_iterations=iterations,
        max_timeout=seconds,
        sampling_args=sampling,
    )
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            result = rlm.completion(context, root_prompt=question)
    except Exception as exc:  # the library's own failure is a result of the baseline
        return {
            "answer": getattr(exc, "partial_answer", None),
            "error": f"{type(exc).__name__}: {exc}"[:500],
            "tokens": 0,
            "calls": 0,
            "seconds": round(time.monotonic() - started, 1),
        }
    usage = result.usage_summary.model_usage_summaries.values()
    return {
        "answer": result.response,
        "tokens": sum(u.total_input_tokens + u.total_output_tokens for u in usage),
        "calls": sum(u.total_calls for u in usage),
        "seconds": round(time.monotonic() - started, 1),
    }


if __name__ == "__main__":
    folder, url, iterations, max_tokens, seconds = sys.argv[1:6]
    sys.path.append(folder)  # after the venv's packages: the venv's versions win
    case = json.load(sys.stdin)
    outcome = solve(
        url, case["context"], case["question"], int(iterations), int(max_tokens), float(seconds)
    )
    print(json.dumps(outcome, default=str))
