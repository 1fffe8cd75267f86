"""The pipeline's prompts: Jinja2 templates in ``codeloop/prompts/pipeline`` (StrictUndefined)."""

from __future__ import annotations

from typing import Any

import jinja2

__all__ = ["PromptLibrary"]


class PromptLibrary:
    def __init__(self) -> None:
        self._env = jinja2.Environment(
            loader=jinja2.PackageLoader("codeloop", "prompts/pipeline"),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )

    def render(self, template: str, /, **values: Any) -> str:
        return self._env.get_template(template).render(**values).strip() + "\n"

    def render_string(self, source: str, **values: Any) -> str:
        """A pattern's skeleton (user data, so also strict about undefined names)."""
        return self._env.from_string(source).render(**values)
