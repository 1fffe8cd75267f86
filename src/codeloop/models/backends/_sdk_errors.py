"""Translate the OpenAI and Anthropic SDKs' exceptions (same Stainless shape) into ours.

Decisions are made on exception types and HTTP status codes only, never on message text.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from types import ModuleType

from codeloop.errors import (
    ModelConnectionError,
    ModelError,
    ModelHTTPError,
    ModelResponseError,
    ModelTimeout,
)

__all__ = ["parse_retry_after", "translate_sdk_error"]


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return None if parsed is None else max(0.0, parsed.timestamp() - time.time())


def translate_sdk_error(exc: Exception, sdk: ModuleType) -> ModelError:
    if isinstance(exc, sdk.APIStatusError):
        return ModelHTTPError(
            exc.status_code, exc.message, retry_after=parse_retry_after(exc.response.headers)
        )
    if isinstance(exc, sdk.APITimeoutError):
        return ModelTimeout(f"{sdk.__name__}: request timed out")
    if isinstance(exc, sdk.APIConnectionError):
        return ModelConnectionError(f"{sdk.__name__}: connection failed: {exc}")
    if isinstance(exc, sdk.APIResponseValidationError):
        return ModelResponseError(f"{sdk.__name__}: malformed response: {exc}")
    return ModelError(f"{sdk.__name__}: {type(exc).__name__}: {exc}")
