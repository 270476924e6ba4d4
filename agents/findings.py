"""Findings shared by both reviewers: dropping repeats, numbering the rest, and the verdict they add up to."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence

from memory.schema import Finding, Verdict


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


def verdict_of(findings: Sequence[Finding]) -> Verdict:
    """Return block if any finding blocks, revise if any asks for revision, else approve."""
    severities = {f.severity for f in findings}
    if "block" in severities:
        return "block"
    return "revise" if "revise" in severities else "approve"
