"""Graph state: what flows between nodes, with reducers for what accumulates."""

from __future__ import annotations

import operator
from typing import Annotated, Literal, NotRequired, TypedDict

from pydantic import BaseModel, Field

from memory.schema import EpisodeBrief, Finding, Review, Script, SeriesBible, ShotList, Verdict


class RevisionRecord(BaseModel):
    """One draft of a script or shot list and the review notes that caused it."""

    artifact: Literal["script", "shotlist", "plan"]
    revision: int = Field(description="0 for the first draft.")
    caused_by: list[Finding] = Field(default_factory=list, description="Notes the revision acted on.")
    reviewer: str = Field(default="", description="Who asked for it: continuity, ethics, human.")
    model: str = ""


class Decision(BaseModel):
    """An approval-gate decision."""

    approved: bool
    note: str = ""
    by: Literal["auto", "human"] = "human"


class EpisodeOutcome(BaseModel):
    """How an episode run ended."""

    episode: int
    status: Literal["committed", "blocked"]
    reason: str = ""
    open_findings: int = 0


class EpisodeInput(TypedDict):
    episode: int
    brief: EpisodeBrief
    approval: Literal["auto", "manual"]


class EpisodeState(EpisodeInput, total=False):
    script: Script
    script_revision: int
    notes: list[Finding]
    continuity: Review
    ethics: Review
    shots: ShotList
    shot_revision: int
    shot_notes: list[Finding]
    shot_review: Review
    rejections: int
    decisions: Annotated[list[Decision], operator.add]
    history: Annotated[list[RevisionRecord], operator.add]
    outcome: EpisodeOutcome


class EpisodeOutput(TypedDict, total=False):
    outcome: EpisodeOutcome


class SeasonInput(TypedDict):
    premise: str
    episodes: int
    approval: Literal["auto", "manual"]
    paywall_episode: int
    genre: str | None
    tone: NotRequired[str | None]


class SeasonState(SeasonInput, total=False):
    series: SeriesBible | None
    plan_revision: int
    plan_review: Review
    plan_verdict: Verdict
    planned: bool
    current: int | None
    # The episode subgraph reads these three keys as its input and writes `outcome` back.
    episode: int
    brief: EpisodeBrief
    outcome: EpisodeOutcome
    outcomes: Annotated[list[EpisodeOutcome], operator.add]
    blocked: EpisodeOutcome | None


class SeasonOutput(TypedDict, total=False):
    outcomes: list[EpisodeOutcome]
    blocked: EpisodeOutcome | None
