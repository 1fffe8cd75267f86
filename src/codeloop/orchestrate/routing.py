"""Which model answers a call: roles (planner, coder, worker) and an alias table for the model
names programs carry (``code-davinci-002``, ``gpt-4.1``), so seed programs run on local models."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from codeloop.config import OrchestrateSettings
from codeloop.errors import ConfigError
from codeloop.models.protocol import Model

__all__ = ["ModelRouter", "Role"]

Role = str
ROLES = ("planner", "coder", "worker")


class ModelRouter:
    """Maps a model name or role to a model; every substitution is noted for the output."""

    def __init__(
        self,
        roles: Mapping[Role, Model],
        *,
        aliases: Mapping[str, str] | None = None,
        resolve: Callable[[str], Model] | None = None,
    ) -> None:
        missing = [r for r in ROLES if r not in roles]
        if missing:
            raise ConfigError(f"no model for role(s) {', '.join(missing)}")
        self._roles = dict(roles)
        self._aliases = dict(OrchestrateSettings().aliases if aliases is None else aliases)
        self._resolve = resolve
        self.notes: list[str] = []

    def role(self, role: Role) -> Model:
        return self._roles[role]

    def pick(self, name: str | None, default_role: Role) -> Model:
        """``None`` → the role's model; a role name → it; an alias → its target; else resolve."""
        if not name:
            return self._roles[default_role]
        if name in self._roles:
            return self._roles[name]
        target = self._aliases.get(name)
        if target is not None:
            self._note(f"model {name!r} resolved through the alias table to {target!r}")
            if target in self._roles:
                return self._roles[target]
            name = target
        if self._resolve is not None:
            return self._resolve(name)
        self._note(f"model {name!r} is not configured: using the {default_role} model")
        return self._roles[default_role]

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
