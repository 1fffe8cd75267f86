"""Pulling code out of a model reply: fenced blocks first, the bare reply as a last resort."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["extract_fenced"]

_FENCE = re.compile(r"```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:\n```|\Z)", re.DOTALL)


def extract_fenced(reply: str, tags: Sequence[str], *, prefer: str = "") -> str:
    """The longest fenced block tagged with one of ``tags`` (or untagged), else the whole reply.

    Blocks that contain ``prefer`` (e.g. the function's name) win over those that do not.

    An unclosed final fence is accepted: generation is stopped at the closing fence.
    """
    blocks: list[tuple[str, str]] = [(t.lower(), b) for t, b in _FENCE.findall(reply)]
    tagged = [body for tag, body in blocks if tag in tags]
    untagged = [body for tag, body in blocks if not tag]
    chosen = tagged or untagged
    if prefer and any(prefer in body for body in chosen):
        chosen = [body for body in chosen if prefer in body]
    if chosen:
        return max(chosen, key=len).strip("\n") + "\n"
    return reply.strip("\n") + "\n"
