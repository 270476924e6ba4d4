"""Continuity and ethics figures from an episode's review record (review.json) and its drafts.

The record keeps the final reviews and, for each revision, the notes that
caused it. So the findings on draft k are the notes that caused draft k+1,
and the findings on the last draft are the final reviews'. "First draft"
means draft r0, "remaining" the final reviews. Errors are findings of
severity revise or block; info notes are not errors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import get_args

from pydantic import BaseModel, Field

from evals.metrics_text import tokens, unit_name
from graphs.state import EpisodeReview, RevisionRecord
from memory.schema import ConStoryCategory, EthicsCategory, Finding, Language, Review, Script

CONSTORY: tuple[str, ...] = get_args(ConStoryCategory)
ETHICS: tuple[str, ...] = get_args(EthicsCategory)
PER_UNITS = 10_000


def _errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity != "info"]


def _by_category(findings: Iterable[Finding], known: Sequence[str]) -> dict[str, int]:
    counts = Counter(f.category if f.category in known else "other" for f in findings)
    return {c: counts[c] for c in [*known, "other"] if counts[c]}


def _records(review: EpisodeReview, artifact: str) -> list[RevisionRecord]:
    return sorted((h for h in review.history if h.artifact == artifact), key=lambda h: h.revision)


def _first_draft(review: EpisodeReview, artifact: str, reviewer: str, final: Review | None) -> list[Finding]:
    """Return the errors a reviewer found on draft r0 of an artifact."""
    later = [h for h in _records(review, artifact) if h.revision == 1]
    if later:
        return [f for f in later[0].caused_by if f.reviewer == reviewer and f.severity != "info"]
    return _errors(final.findings) if final else []


def _all_drafts(review: EpisodeReview, artifact: str, reviewer: str, final: Review | None) -> list[Finding]:
    """Return every error a reviewer raised on any draft of an artifact."""
    raised = [f for h in _records(review, artifact) for f in h.caused_by if f.reviewer == reviewer]
    return _errors(raised) + (_errors(final.findings) if final else [])


def units(script: Script, language: Language) -> int:
    """Count a script's words (English) or characters (Chinese)."""
    return sum(len(tokens(line.text, language)) for line in script.lines())


class EpisodeContinuity(BaseModel):
    """Continuity errors of one episode by ConStory category."""

    episode: int
    unit: str = Field(description="words (English) or characters (Chinese).")
    first_draft_units: int
    final_units: int
    script_revisions: int = Field(description="Drafts after the first.")
    first_draft: dict[str, int] = Field(description="ConStory category -> errors found on the first draft.")
    remaining: dict[str, int] = Field(description="ConStory category -> errors left in the final review.")
    all_drafts: int = Field(description="Errors raised over every draft, repeats included.")
    first_draft_per_10k: float = Field(description="First-draft errors per 10k units of the first draft.")
    remaining_per_10k: float = Field(description="Remaining errors per 10k units of the final script.")
    shots_first_draft: dict[str, int] = Field(description="Shot-list errors on the first cut, by ConStory category.")
    shots_remaining: dict[str, int] = Field(description="Shot-list errors left in the final shot review.")
    checks: dict[str, int] = Field(description="Check name -> first-draft script errors it raised.")


def episode_continuity(
    review: EpisodeReview, final: Script, first_draft: Script | None, language: Language
) -> EpisodeContinuity:
    """Count an episode's continuity errors on its first draft and in its final review."""
    first = _first_draft(review, "script", "continuity", review.continuity)
    remaining = _errors(review.continuity.findings) if review.continuity else []
    first_units = units(first_draft or final, language)
    final_units = units(final, language)
    return EpisodeContinuity(
        episode=review.episode,
        unit=unit_name(language),
        first_draft_units=first_units,
        final_units=final_units,
        script_revisions=max(0, len(_records(review, "script")) - 1),
        first_draft=_by_category(first, CONSTORY),
        remaining=_by_category(remaining, CONSTORY),
        all_drafts=len(_all_drafts(review, "script", "continuity", review.continuity)),
        first_draft_per_10k=round(len(first) * PER_UNITS / first_units, 2) if first_units else 0.0,
        remaining_per_10k=round(len(remaining) * PER_UNITS / final_units, 2) if final_units else 0.0,
        shots_first_draft=_by_category(_first_draft(review, "shotlist", "continuity", review.shots), CONSTORY),
        shots_remaining=_by_category(_errors(review.shots.findings) if review.shots else [], CONSTORY),
        checks=dict(Counter(f.check for f in first).most_common()),
    )


class SeasonContinuity(BaseModel):
    """Continuity errors over the evaluated episodes."""

    unit: str
    episodes: int = Field(description="Episodes counted: every evaluated one but those with stale reviews.")
    first_draft: dict[str, int]
    remaining: dict[str, int]
    first_draft_total: int
    remaining_total: int
    first_draft_per_10k: float
    remaining_per_10k: float
    per_episode_first_draft: float = Field(description="Mean first-draft errors per episode.")
    per_episode_remaining: float
    shots_first_draft: dict[str, int]
    shots_remaining: dict[str, int]
    revisions: int = Field(description="Script revisions over the season.")


def _sum(dicts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for d in dicts:
        total.update(d)
    return {c: total[c] for c in [*CONSTORY, "other"] if total[c]}


def season_continuity(episodes: Sequence[EpisodeContinuity], unit: str = "") -> SeasonContinuity:
    """Total continuity errors over episodes (possibly none, when every episode's review is stale)."""
    first = _sum(e.first_draft for e in episodes)
    remaining = _sum(e.remaining for e in episodes)
    first_units = sum(e.first_draft_units for e in episodes)
    final_units = sum(e.final_units for e in episodes)
    n = len(episodes)
    return SeasonContinuity(
        unit=episodes[0].unit if episodes else unit,
        episodes=n,
        first_draft=first,
        remaining=remaining,
        first_draft_total=sum(first.values()),
        remaining_total=sum(remaining.values()),
        first_draft_per_10k=round(sum(first.values()) * PER_UNITS / first_units, 2) if first_units else 0.0,
        remaining_per_10k=round(sum(remaining.values()) * PER_UNITS / final_units, 2) if final_units else 0.0,
        per_episode_first_draft=round(sum(first.values()) / n, 2) if n else 0.0,
        per_episode_remaining=round(sum(remaining.values()) / n, 2) if n else 0.0,
        shots_first_draft=_sum(e.shots_first_draft for e in episodes),
        shots_remaining=_sum(e.shots_remaining for e in episodes),
        revisions=sum(e.script_revisions for e in episodes),
    )


class EpisodeEthics(BaseModel):
    """Ethics flags and verdict of one episode."""

    episode: int
    verdict: str = Field(description="Final ethics verdict: approve, revise or block; 'none' if never reviewed.")
    outcome: str = Field(description="committed, blocked, or in progress.")
    flags: dict[str, int] = Field(description="Ethics category -> flags in the final review, info included.")
    flags_all_drafts: dict[str, int] = Field(description="Ethics category -> flags raised on any draft.")
    revisions_for_ethics: int = Field(description="Revisions the ethics reviewer asked for.")


def episode_ethics(review: EpisodeReview) -> EpisodeEthics:
    """Summarise an episode's ethics review."""
    final = review.ethics.findings if review.ethics else []
    raised = [f for h in _records(review, "script") for f in h.caused_by if f.reviewer == "ethics"]
    return EpisodeEthics(
        episode=review.episode,
        verdict=review.ethics.verdict if review.ethics else "none",
        outcome=review.outcome.status if review.outcome else "in progress",
        flags=_by_category(final, ETHICS),
        flags_all_drafts=_by_category([*raised, *final], ETHICS),
        revisions_for_ethics=sum(1 for h in _records(review, "script") if h.reviewer == "ethics"),
    )


class SeasonEthics(BaseModel):
    """Ethics verdicts and flags over the season, with the plan's own review."""

    verdicts: dict[str, int] = Field(description="Final verdict -> episodes.")
    outcomes: dict[str, int] = Field(description="Outcome -> episodes.")
    flags: dict[str, int]
    flags_all_drafts: dict[str, int]
    plan_verdict: str = Field(description="Verdict on the premise and plan, 'none' if there is no plan review.")
    plan_flags: dict[str, int]


def season_ethics(episodes: Sequence[EpisodeEthics], plan_review: Review | None) -> SeasonEthics:
    """Total ethics verdicts and flags."""
    flags: Counter[str] = Counter()
    raised: Counter[str] = Counter()
    for e in episodes:
        flags.update(e.flags)
        raised.update(e.flags_all_drafts)
    return SeasonEthics(
        verdicts=dict(Counter(e.verdict for e in episodes)),
        outcomes=dict(Counter(e.outcome for e in episodes)),
        flags=dict(flags),
        flags_all_drafts=dict(raised),
        plan_verdict=plan_review.verdict if plan_review else "none",
        plan_flags=_by_category(plan_review.findings, ETHICS) if plan_review else {},
    )
