"""Note adherence: of what the producer and the reviewers asked for, what was applied and verified.

Read from the review record's revisions (review.json `history[*].outcomes`,
one `RequestOutcome` per typed edit request). A request that is unmet in one
revision is asked again in the next; its final status is the one of the
last revision that carries it. A producer's rejection note that led to a
revision with no typed requests recorded is counted as `unverified`: the
room said it revised, and nothing checked that it did what was asked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import get_args

from pydantic import BaseModel, Field

from graphs.state import EpisodeReview
from memory.edits import RequestOutcome, RequestStatus

STATUSES: tuple[str, ...] = get_args(RequestStatus)
NO_RECORD = "no typed requests recorded"


class RecordOutcomes(BaseModel):
    """The request outcomes of one revision record; None for a record made before outcomes were kept."""

    outcomes: list[RequestOutcome] | None = None


class ReviewOutcomes(BaseModel):
    """The request outcomes of review.json, record by record, in the order of `history`.

    Read on their own so the measure works on review records of every age: one written before typed
    requests has no `outcomes` and is reported as such, never as zero requests.
    """

    history: list[RecordOutcomes] = Field(default_factory=list)


def _key(outcome: RequestOutcome) -> str:
    if outcome.request is not None:
        return outcome.request.model_dump_json()
    return "note:" + outcome.note


class UnmetRequest(BaseModel):
    """A request whose final status is not verified."""

    status: str
    kind: str = Field(description="The request's kind, or 'note' for an unparsed note.")
    note: str
    detail: str


class NoteAdherence(BaseModel):
    """Requests and their final status, for an episode or the season."""

    requests: int = Field(description="Distinct requests over every revision (a re-asked request counts once).")
    verified: int
    unmet: int
    not_actionable: int
    free_text: int
    by_kind: dict[str, dict[str, int]] = Field(description="Request kind -> final status -> requests.")
    producer_notes: int = Field(description="Rejection notes the producer wrote at the gate.")
    unverified_revisions: int = Field(
        description=f"Revisions asked for by the producer that have {NO_RECORD}: reported revised, never checked."
    )
    revisions_without_record: int = Field(description=f"Revisions of any origin with {NO_RECORD}.")
    status: str = Field(description="'measured', or why nothing could be: '" + NO_RECORD + "'.")
    verified_rate: float | None = Field(description="verified / requests; null with no request.")
    open: list[UnmetRequest] = Field(default_factory=list, description="Requests not verified in the end.")


class EpisodeNotes(NoteAdherence):
    episode: int


def _adherence(reviews: Sequence[tuple[EpisodeReview, ReviewOutcomes]]) -> NoteAdherence:
    final: dict[str, RequestOutcome] = {}
    records = 0
    without = 0
    unverified = 0
    notes = 0
    for review, kept in reviews:
        notes += sum(1 for d in review.decisions if not d.approved and d.note.strip())
        # Both lists come from the same file, record for record; a hand-edited one may be shorter.
        pairs = [
            (h, kept.history[i] if i < len(kept.history) else RecordOutcomes()) for i, h in enumerate(review.history)
        ]
        for record, recorded in sorted(pairs, key=lambda p: (p[0].artifact, p[0].revision)):
            if record.revision == 0:
                continue  # the first draft answers the brief, not a note
            records += 1
            outcomes = recorded.outcomes
            if not outcomes:
                without += 1
                unverified += record.reviewer == "human"
                continue
            for outcome in outcomes:
                final[f"{review.episode}:{_key(outcome)}"] = outcome
    counts = Counter(o.status for o in final.values())
    by_kind: dict[str, Counter[str]] = {}
    for o in final.values():
        by_kind.setdefault(o.request.kind if o.request else "note", Counter())[o.status] += 1
    measured = bool(final) or records > without
    return NoteAdherence(
        requests=len(final),
        verified=counts["verified"],
        unmet=counts["unmet"],
        not_actionable=counts["not_actionable"],
        free_text=counts["free_text"],
        by_kind={k: dict(v) for k, v in sorted(by_kind.items())},
        producer_notes=notes,
        unverified_revisions=unverified,
        revisions_without_record=without,
        status="measured" if measured else (NO_RECORD if records else "no revision asked for"),
        verified_rate=round(counts["verified"] / len(final), 4) if final else None,
        open=[
            UnmetRequest(
                status=o.status, kind=o.request.kind if o.request else "note", note=o.note[:200], detail=o.detail
            )
            for o in final.values()
            if o.status != "verified"
        ],
    )


def note_adherence(reviews: Sequence[tuple[EpisodeReview, ReviewOutcomes]]) -> tuple[NoteAdherence, list[EpisodeNotes]]:
    """Measure note adherence per episode and over the season from review records and their outcomes."""
    per_episode = [EpisodeNotes(episode=r.episode, **_adherence([(r, o)]).model_dump()) for r, o in reviews]
    return _adherence(reviews), per_episode
