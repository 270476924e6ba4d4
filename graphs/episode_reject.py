"""A producer's rejection, at the gate or of an episode already committed (reopened for rewrite).

Both turn the producer's note into a finding with typed edit requests that every later draft is checked
against. A reopening starts the episode from the script it had when it was committed, with the episode's
record (revisions, decisions) carried on, and the note as the first thing the screenwriter answers.
"""

from __future__ import annotations

from langgraph.runtime import Runtime
from pydantic import ValidationError

from agents.messages import say
from agents.room import RoomContext, RoomEvent
from graphs.episode_requests import NoteRead, outcome_summary, read_note, unparsed_outcomes
from graphs.state import Decision, EpisodeReview, EpisodeState, TrackedRequest
from memory.schema import Finding

Update = dict[str, object]


async def rejection(ctx: RoomContext, state: EpisodeState, decision: Decision, finding_id: str = "") -> Update:
    """Turn the producer's note into a finding with typed requests, tracked until the next decision."""
    number = state["episode"]
    text = decision.note.strip()
    finding_id = finding_id or f"human:{state.get('rejections', 0) + 1}"
    reading = NoteRead()
    if text:
        try:
            reading = await read_note(
                ctx,
                text,
                script=state["script"],
                canon=ctx.bible.canon_at(number),
                brief=state["brief"],
                shots=state.get("shots"),
            )
        except (ValueError, ValidationError) as error:
            # A parser failure loses nothing: the whole note is reported as not acted on.
            reading = NoteRead(unparsed=[text])
            ctx.on_event(RoomEvent("gate", f"the note could not be read ({error}); reporting it as is", number, "gate"))
    note = Finding(
        id=finding_id,
        reviewer="human",
        check="producer_note" if text else "producer_rejection",
        category="producer",
        message=text or say(ctx.language, "finding.producer_rejected"),
        requests=reading.requests,
    )
    model_writes = not ctx.model("screenwriter").offline
    lost = unparsed_outcomes(reading, text, model_writes=model_writes) if text else []
    kinds = ", ".join(r.kind for r in reading.requests)
    said = f"note read: {len(reading.requests)} request{'s' if len(reading.requests) != 1 else ''}"
    said += f" ({kinds})" if kinds else ""
    if lost:
        said += "; " + outcome_summary(lost, [], False)
    if reading.warnings:
        said += "; " + "; ".join(reading.warnings[:3])
    ctx.on_event(RoomEvent("gate", said, number, "gate", (finding_id,)))
    tracked = [TrackedRequest(request=r, note=text, finding_id=finding_id) for r in reading.requests]
    return {
        "notes": [note],
        "rejections": state.get("rejections", 0) + 1,
        "human_requests": tracked,
        "human_base": state["script"],
        "human_reading": lost,
        "unmet": [],
        "shot_unmet": [],
    }


async def reopen(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Start a reopened episode from its committed script, with the producer's note to answer first."""
    ctx = runtime.context
    number = state["episode"]
    reopened = state.get("reopened")
    assert reopened is not None  # routed here only when the bible holds a reopening
    prior = EpisodeReview.model_validate_json(reopened.record) if reopened.record else EpisodeReview(episode=number)
    revision = max((h.revision for h in prior.history if h.artifact == "script"), default=0)
    decision = Decision(approved=False, note=reopened.note, by="human")
    ctx.on_event(RoomEvent("gate", f"reopened for rewrite ({reopened.source}): {reopened.note}", number, "reopen"))
    # A reopening is a fresh round: the rejection limit counts from it, its finding id stays unique.
    rounds = sum(1 for h in prior.history for f in h.caused_by if f.id.startswith("human:reopen"))
    start: EpisodeState = {**state, "script": reopened.script, "rejections": 0}
    update = await rejection(ctx, start, decision, finding_id=f"human:reopen-{rounds + 1}")
    return {
        **update,
        "script": reopened.script,
        "script_revision": revision,
        "history": prior.history,
        "decisions": [*prior.decisions, decision],
    }


def start_at(state: EpisodeState) -> str:
    """Begin a reopened episode at `reopen`; any other at the first draft."""
    return "reopen" if state.get("reopened") is not None else "draft"
