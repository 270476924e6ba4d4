"""Graph state: what flows between nodes, with reducers for what accumulates."""

from __future__ import annotations

import operator
from typing import Annotated, Literal, NotRequired

from pydantic import BaseModel, Field

# pydantic (and so the served graph's schemas) needs typing_extensions.TypedDict before Python 3.12.
from typing_extensions import TypedDict

from memory.bible_marks import Reopening
from memory.edits import EditRequest, RequestOutcome
from memory.schema import EpisodeBrief, Finding, Review, Script, SeriesBible, ShotList, Verdict


class RevisionRecord(BaseModel):
    """One draft of a script or shot list and the review notes that caused it."""

    artifact: Literal["script", "shotlist", "plan"]
    revision: int = Field(description="0 for the first draft.")
    caused_by: list[Finding] = Field(default_factory=list, description="Notes the revision acted on.")
    reviewer: str = Field(default="", description="Who asked for it: continuity, ethics, human.")
    model: str = ""
    outcomes: list[RequestOutcome] | None = Field(
        default=None,
        description=(
            "What became of each edit request after this revision (verified, unmet, not actionable, free text); "
            "null only in records written before requests were verified."
        ),
    )
    requests_verified: int = Field(default=0, description="Requests applied and verified in this revision.")
    requests_total: int = Field(default=0, description="Typed requests this revision was checked against.")


class TrackedRequest(BaseModel):
    """A producer's request that every later revision must still meet, until the next decision at the gate."""

    request: EditRequest
    note: str = Field(default="", description="The producer's words it came from.")
    finding_id: str = Field(default="", description="The producer-note finding that carried it.")


class Decision(BaseModel):
    """An approval-gate decision."""

    approved: bool
    note: str = ""
    by: Literal["auto", "human"] = "human"


class GatePayload(BaseModel):
    """What the approval gate puts before the producer (CLI, chat, LangGraph Studio)."""

    episode: int
    title: str
    summary: str = ""
    open_findings: list[str] = Field(default_factory=list, description="Findings still open, one line each.")
    unmet_requests: list[str] = Field(default_factory=list, description="Edit requests still unmet, one line each.")
    rejected_resume: str = Field(
        default="", description="Why the last resume could not be read as a Decision, and what to send instead."
    )


# What a client resuming the gate sends (README, "LangGraph Studio"); said again when a resume is malformed.
DECISION_HELP = 'resume the gate with a Decision: {"approved": true} or {"approved": false, "note": "what to change"}'


class ChatQuestion(BaseModel):
    """What the chat asks before it applies a change it held back."""

    question: str
    tool: str | None = None


class EpisodeOutcome(BaseModel):
    """How an episode run ended."""

    episode: int
    status: Literal["committed", "blocked"]
    reason: str = ""
    open_findings: int = 0
    unmet_requests: list[str] = Field(
        default_factory=list, description="Edit requests still unmet when the episode ended, one readable line each."
    )


class EpisodeReview(BaseModel):
    """The review record of an episode as saved to review.json."""

    episode: int
    continuity: Review | None = None
    ethics: Review | None = None
    shots: Review | None = None
    history: list[RevisionRecord] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    outcome: EpisodeOutcome | None = None


class EpisodeInput(TypedDict):
    episode: int
    brief: EpisodeBrief
    approval: Literal["auto", "manual"]
    # A committed episode taken back for rewrite (memory/bible_marks.py); None for a first writing.
    reopened: NotRequired[Reopening | None]


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
    # Edit requests: the producer's since the last rejection (checked on every later draft), the draft they
    # were made on, what of the note could not become a request, and what the last verification left unmet.
    human_requests: list[TrackedRequest]
    human_base: Script
    human_reading: list[RequestOutcome]
    unmet: list[Finding]
    shot_unmet: list[Finding]
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
    reopened: Reopening | None
    outcome: EpisodeOutcome
    outcomes: Annotated[list[EpisodeOutcome], operator.add]
    blocked: EpisodeOutcome | None


class SeasonOutput(TypedDict, total=False):
    outcomes: list[EpisodeOutcome]
    blocked: EpisodeOutcome | None
