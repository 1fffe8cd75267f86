import pytest

from codeloop import errors
from codeloop.errors import (
    BudgetExceeded,
    CodeloopError,
    ConfigError,
    MissingDependency,
    ModelError,
    ModelHTTPError,
    PolicyViolation,
    SandboxError,
)


def test_every_public_error_is_drawn_in_the_docstring_tree() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        assert name in doc, f"{name} is missing from the tree in errors.py's docstring"


@pytest.mark.parametrize("name", errors.__all__)
def test_every_public_error_descends_from_the_root(name: str) -> None:
    assert issubclass(getattr(errors, name), CodeloopError)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(400, False), (401, False), (404, False), (408, True), (429, True), (500, True), (503, True)],
)
def test_http_errors_know_whether_they_are_retryable(status: int, retryable: bool) -> None:
    assert ModelHTTPError(status, "x").retryable is retryable


def test_messages_name_the_fix() -> None:
    assert str(MissingDependency("bubblewrap", "apt-get install -y bubblewrap")) == (
        "bubblewrap is not installed: apt-get install -y bubblewrap"
    )
    assert isinstance(MissingDependency("a", "b"), ConfigError)
    assert str(BudgetExceeded("calls", 3, 3)) == "budget exceeded: calls limit 3, used 3"
    assert isinstance(BudgetExceeded("calls", 3, 3), ModelError)
    violation = PolicyViolation(4, "import", "os is not allowed", allowed="json, math")
    assert str(violation) == "line 4: import: os is not allowed (allowed instead: json, math)"
    assert isinstance(violation, SandboxError)
