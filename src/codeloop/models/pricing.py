"""Cost accounting from a price table kept as data (``prices.toml``)."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from codeloop.errors import ConfigError
from codeloop.models.types import Usage
from codeloop.telemetry import logger

__all__ = ["Price", "PriceTable"]


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float
    output: float


class PriceTable:
    """USD per million tokens by model name; ``local:`` and ``scripted:`` models are free."""

    FREE_BACKENDS = ("local", "scripted", "replay")

    def __init__(self, prices: dict[str, Price]) -> None:
        self._prices = prices
        self._warned: set[str] = set()

    @classmethod
    def load(cls, path: Path | None = None) -> PriceTable:
        try:
            text = (
                path.read_text(encoding="utf-8")
                if path
                else resources.files("codeloop.models").joinpath("prices.toml").read_text()
            )
            data = tomllib.loads(text)
            return cls({name: Price.model_validate(value) for name, value in data.items()})
        except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
            raise ConfigError(
                f"cannot read the price table {path or 'prices.toml'}: {exc}"
            ) from exc

    def cost(self, model: str, usage: Usage) -> float:
        if model.split(":", 1)[0] in self.FREE_BACKENDS:
            return 0.0
        price = self._prices.get(model)
        if price is None:
            if model not in self._warned:
                self._warned.add(model)
                logger.warning("no price for {}: its calls are counted as free", model)
            return 0.0
        return (usage.input_tokens * price.input + usage.output_tokens * price.output) / 1e6
