"""Model prices: built-in defaults that a series' `[prices]` table overrides or extends.

Prices are USD per 1M (input, output) tokens. A dated snapshot such as
"gpt-4o-2024-08-06" is priced by the longest configured prefix, and the
offline writer always costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

Price = tuple[float, float]

# Defaults as published by OpenAI; a `[prices]` entry in dramaroom.toml wins over these.
PRICES: dict[str, Price] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
    "o4-mini": (1.10, 4.40),
    "o3": (2.00, 8.00),
}
OFFLINE_MARK = "offline"


def is_offline(model: str) -> bool:
    """Return True for the offline writer, whose calls cost nothing."""
    return OFFLINE_MARK in model


def price_table(overrides: Mapping[str, Price] | None = None) -> dict[str, Price]:
    """Return the defaults with a series' configured prices laid over them."""
    return {**PRICES, **dict(overrides or {})}


def price_for(model: str, prices: Mapping[str, Price] | None = None) -> Price | None:
    """Return the (input, output) USD price per 1M tokens of a model, (0, 0) offline, None if unknown."""
    if is_offline(model):
        return (0.0, 0.0)
    table = PRICES if prices is None else prices
    matches = [key for key in table if model == key or model.startswith(key + "-")]
    return table[max(matches, key=len)] if matches else None


def call_cost(model: str, input_tokens: int, output_tokens: int, prices: Mapping[str, Price] | None = None) -> float:
    """Estimate one call's cost in USD; unknown models cost 0."""
    price = price_for(model, prices) or (0.0, 0.0)
    return (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000


def unpriced(models: Iterable[str], prices: Mapping[str, Price] | None = None) -> list[str]:
    """Return the models that no price covers, sorted."""
    return sorted({m for m in models if m and price_for(m, prices) is None})


def cost_label(models: list[str], cost: float, prices: Mapping[str, Price] | None = None) -> str:
    """Say what a set of calls cost, marking offline and unpriced models."""
    if models and all(is_offline(m) for m in models):
        return "offline: $0"
    label = f"${cost:.4f}"
    missing = unpriced(models, prices)
    return label + (f" (unpriced: {', '.join(missing)})" if missing else "")
