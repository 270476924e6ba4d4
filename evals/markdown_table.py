"""Markdown tables and cell formatting shared by the season report and its pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def table(head: str, rows: Iterable[Sequence[object]]) -> list[str]:
    """Return a Markdown table; `head` is the column names joined by ' | '."""
    columns = head.count("|") + 1
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return ["| " + head + " |", "|" + "---|" * columns, *body, ""]


def cell(value: object) -> str:
    """Format one table cell: '–' for none, yes/no, thousands separators, three significant digits."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def counts(values: Mapping[str, int]) -> str:
    """Format counts as 'a 2, b 1' ('none' when empty)."""
    return ", ".join(f"{k} {v}" for k, v in values.items()) or "none"


def pct(value: float | None) -> str:
    """Format a share as a percentage, with a decimal under 10 %."""
    if value is None:
        return "–"
    return f"{value:.1%}" if 0 < value < 0.1 else f"{value:.0%}"


def money(value: float | None) -> str:
    """Format US dollars to four decimals."""
    return "–" if value is None else f"${value:.4f}"
