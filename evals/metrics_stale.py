"""Stale reviews: an episode reviewed against canon that has changed since is not measured against today's canon.

canon_changes.json lists every canon change made after planning with the
episodes it contradicted when it was made (`affected_episodes`). An episode
it names has reviews that predate the change: if its final review is older
than the change, the episode is `stale` (its remaining-error count is of the
old canon); if it was re-reviewed after the change, its final review is
current but its first-draft figures are of the old canon (`re_reviewed`).
Either way its errors are reported here, apart, and left out of the season's
errors per 10k and per episode, which mix no two canons.

When a change has no time of its own, the change log's write time stands for
every change in it (the log is rewritten at each change, so that is the
latest), and a review is older when review.json was written before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

StaleStatus = Literal["current", "stale", "re_reviewed"]


class CanonChange(BaseModel):
    """One canon change, as the eval reads it from canon_changes.json."""

    description: str
    reason: str = ""
    affected_episodes: list[int] = Field(default_factory=list)
    at: datetime | None = Field(default=None, description="When the change was made; null when the log has none.")
    undone_at: datetime | None = Field(default=None, description="When `dramaroom canon undo` reverted it.")


class ChangeLog(BaseModel):
    """canon_changes.json as the eval reads it (extra fields of newer logs are ignored)."""

    changes: list[CanonChange] = Field(default_factory=list)


class EpisodeStaleness(BaseModel):
    """Whether an episode's reviews are of today's canon."""

    episode: int
    status: StaleStatus
    changes: list[str] = Field(description="The canon changes that make its reviews stale, oldest first.")
    first_draft_errors: int = Field(description="First-draft continuity errors (of the old canon when not current).")
    remaining_errors: int = Field(description="Errors in its final continuity review.")


class SeasonStaleness(BaseModel):
    """Stale reviews over the season."""

    changes: int = Field(description="Canon changes logged after planning.")
    stale: list[int] = Field(description="Episodes whose final review predates a canon change that contradicts them.")
    re_reviewed: list[int] = Field(description="Episodes re-reviewed after such a change (first draft is stale).")
    excluded: list[int] = Field(description="Episodes left out of the season's continuity rates: stale + re_reviewed.")
    episodes: list[EpisodeStaleness]


def staleness(
    changes: Sequence[CanonChange],
    log_written_at: float | None,
    reviewed_at: Mapping[int, float],
    errors: Mapping[int, tuple[int, int]],
) -> SeasonStaleness:
    """Mark each episode named by a canon change as stale or re-reviewed.

    Args:
        changes: The canon change log, oldest first.
        log_written_at: When the log was last written (stands for changes with no time of their own).
        reviewed_at: Episode -> when its review.json was written.
        errors: Episode -> (first-draft errors, remaining errors).
    """
    out: list[EpisodeStaleness] = []
    for episode, when in sorted(reviewed_at.items()):
        hits = [c for c in changes if episode in c.affected_episodes]
        if not hits:
            continue
        times = [c.at.timestamp() if c.at is not None else log_written_at for c in hits]
        # No time at all: the review cannot be shown to be newer, so it is taken to predate the change.
        latest = max((t for t in times if t is not None), default=None)
        status: StaleStatus = "re_reviewed" if latest is not None and when > latest else "stale"
        first, remaining = errors.get(episode, (0, 0))
        out.append(
            EpisodeStaleness(
                episode=episode,
                status=status,
                changes=[c.description for c in hits],
                first_draft_errors=first,
                remaining_errors=remaining,
            )
        )
    stale = [e.episode for e in out if e.status == "stale"]
    again = [e.episode for e in out if e.status == "re_reviewed"]
    return SeasonStaleness(
        changes=len(changes), stale=stale, re_reviewed=again, excluded=sorted([*stale, *again]), episodes=out
    )
