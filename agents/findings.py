"""Rule findings shared by the continuity checks and the ethics guards: dropping repeats, numbering the rest."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from memory.schema import Finding


def with_ids(findings: Iterable[Finding], same: Callable[[Finding], Hashable]) -> list[Finding]:
    """Drop findings whose ``same`` key repeats and give the rest stable ids ``check:location:n``."""
    seen: set[Hashable] = set()
    counts: dict[tuple[str, str], int] = {}
    out: list[Finding] = []
    for f in findings:
        key = same(f)
        if key in seen:
            continue
        seen.add(key)
        n = counts.get((f.check, f.location), 0)
        counts[(f.check, f.location)] = n + 1
        out.append(f.model_copy(update={"id": f"{f.check}:{f.location}:{n}"}))
    return out
