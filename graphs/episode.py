"""The episode graph: draft, review, shot-list, approve, commit; every loop bounded."""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import BaseModel, Field

from agents import continuity, director, ethics, screenwriter
from agents.room import RoomContext, RoomEvent
from graphs.routing import after_continuity, after_ethics, after_gate, after_shot_review
from graphs.state import Decision, EpisodeInput, EpisodeOutcome, EpisodeOutput, EpisodeState, RevisionRecord
from memory.schema import Finding, Review

Update = dict[str, object]


class EpisodeReview(BaseModel):
    """The review record of an episode as saved to review.json."""

    episode: int
    continuity: Review | None = None
    ethics: Review | None = None
    shots: Review | None = None
    history: list[RevisionRecord] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    outcome: EpisodeOutcome | None = None


def _save_review(ctx: RoomContext, state: EpisodeState, update: Update) -> None:
    merged: dict[str, object] = {**state, **update}
    history = list(state.get("history", [])) + list(_records(update.get("history")))
    decisions = list(state.get("decisions", [])) + list(_decisions(update.get("decisions")))
    review = EpisodeReview(
        episode=state["episode"],
        continuity=_review(merged.get("continuity")),
        ethics=_review(merged.get("ethics")),
        shots=_review(merged.get("shot_review")),
        history=history,
        decisions=decisions,
        outcome=merged.get("outcome") if isinstance(merged.get("outcome"), EpisodeOutcome) else None,
    )
    ctx.artifacts.save_episode(state["episode"], "review", review)


def _review(value: object) -> Review | None:
    return value if isinstance(value, Review) else None


def _records(value: object) -> list[RevisionRecord]:
    return [v for v in value if isinstance(v, RevisionRecord)] if isinstance(value, list) else []


def _decisions(value: object) -> list[Decision]:
    return [v for v in value if isinstance(v, Decision)] if isinstance(value, list) else []


async def draft(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Write the first draft, or revise the last one against the pending notes."""
    ctx = runtime.context
    number = state["episode"]
    brief = state["brief"]
    previous = state.get("script")
    revision = state["script_revision"] + 1 if previous is not None else 0
    notes = state.get("notes", []) if previous is not None else []
    query = " ".join([brief.opening_hook, *brief.key_beats])
    summaries = ctx.bible.summaries(number, last=1)
    script = await screenwriter.write_script(
        ctx,
        brief=brief,
        canon=ctx.bible.canon_at(number),
        carryover=ctx.bible.carryover_at(number),
        previous_summary=summaries[-1][1] if summaries else "",
        recall=ctx.bible.recall(query, before_episode=number, k=ctx.limits.recall_k),
        revision=revision,
        previous_draft=previous,
        notes=notes,
    )
    reviewer = notes[0].reviewer if notes else ""
    record = RevisionRecord(
        artifact="script", revision=revision, caused_by=notes, reviewer=reviewer, model=ctx.model("screenwriter").label
    )
    ctx.artifacts.save_episode(number, "script", script)
    ctx.artifacts.save_episode(number, f"drafts/script.r{revision}", script)
    verb = "drafted" if revision == 0 else f"revised (r{revision}, {len(notes)} notes from {reviewer})"
    ctx.on_event(
        RoomEvent("revision" if revision else "node", f"script {verb}", number, "draft", tuple(n.id for n in notes))
    )
    return {"script": script, "script_revision": revision, "history": [record]}


async def review_continuity(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Check the draft against canon as it stood before this episode."""
    ctx = runtime.context
    number = state["episode"]
    review = await continuity.review_script(
        ctx, state["script"], ctx.bible.canon_at(number), ctx.bible.carryover_at(number)
    )
    update: Update = {"continuity": review, "notes": _actionable(review)}
    _save_review(ctx, state, update)
    ctx.on_event(RoomEvent("verdict", _verdict_line(review), number, "continuity", _ids(review)))
    return update


async def review_ethics(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Review the draft for ethics and compliance."""
    ctx = runtime.context
    number = state["episode"]
    review = await ethics.review_script(ctx, state["script"], ctx.bible.canon_at(number))
    update: Update = {"ethics": review, "notes": _actionable(review)}
    _save_review(ctx, state, update)
    ctx.on_event(RoomEvent("verdict", _verdict_line(review), number, "ethics", _ids(review)))
    return update


async def shot_list(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Break the approved script into a timed shot list."""
    ctx = runtime.context
    number = state["episode"]
    previous = state.get("shots")
    revision = state["shot_revision"] + 1 if previous is not None else 0
    notes = state.get("shot_notes", []) if previous is not None else []
    shots = await director.make_shot_list(
        ctx, script=state["script"], canon=ctx.bible.canon_at(number), revision=revision, notes=notes, previous=previous
    )
    ctx.artifacts.save_episode(number, "shotlist", shots)
    ctx.artifacts.save_episode(number, f"drafts/shotlist.r{revision}", shots)
    record = RevisionRecord(
        artifact="shotlist",
        revision=revision,
        caused_by=notes,
        reviewer="continuity" if notes else "",
        model=ctx.model("director").label,
    )
    ctx.on_event(RoomEvent("node", f"{len(shots.shots)} shots, {shots.total_seconds:.0f} s", number, "director"))
    return {"shots": shots, "shot_revision": revision, "history": [record]}


async def review_shots(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Check the shot list against the script and canon."""
    ctx = runtime.context
    number = state["episode"]
    review = continuity.review_shots(state["shots"], state["script"], ctx.bible.canon_at(number))
    update: Update = {"shot_review": review, "shot_notes": _actionable(review)}
    _save_review(ctx, state, update)
    ctx.on_event(RoomEvent("verdict", "shots " + _verdict_line(review), number, "review_shots", _ids(review)))
    return update


async def gate(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Pause for a producer's decision, or approve at once in autonomous mode."""
    ctx = runtime.context
    number = state["episode"]
    if state["approval"] == "auto":
        decision = Decision(approved=True, by="auto")
    else:
        ctx.on_event(RoomEvent("gate", "waiting for approval", number, "gate"))
        # Nothing before this line has side effects: the node re-runs from the top on resume.
        answer = interrupt(
            {
                "episode": number,
                "title": state["script"].title,
                "summary": state["script"].summary,
                "open_findings": _open_findings(state),
            }
        )
        decision = Decision.model_validate(answer)
    update: Update = {"decisions": [decision]}
    if not decision.approved:
        note = Finding(
            id=f"human:{state.get('rejections', 0) + 1}",
            reviewer="human",
            check="producer_note",
            category="producer",
            message=decision.note or "The producer rejected this episode; rewrite it.",
        )
        update |= {"notes": [note], "rejections": state.get("rejections", 0) + 1}
    _save_review(ctx, state, update)
    return update


async def commit(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Write the approved episode into the bible; safe to repeat after a crash."""
    ctx = runtime.context
    number = state["episode"]
    ctx.bible.commit_episode(state["script"])
    outcome = EpisodeOutcome(episode=number, status="committed", open_findings=len(_open_findings(state)))
    update: Update = {"outcome": outcome}
    _save_review(ctx, state, update)
    ctx.on_event(RoomEvent("commit", f"committed to the bible ({outcome.open_findings} open findings)", number))
    return update


async def block(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Stop the episode and say why; nothing downstream runs."""
    ctx = runtime.context
    number = state["episode"]
    reason = _block_reason(state)
    outcome = EpisodeOutcome(episode=number, status="blocked", reason=reason, open_findings=len(_open_findings(state)))
    update: Update = {"outcome": outcome}
    _save_review(ctx, state, update)
    ctx.on_event(RoomEvent("blocked", reason, number, "block"))
    return update


def _actionable(review: Review) -> list[Finding]:
    return [f for f in review.findings if f.severity != "info"]


def _ids(review: Review) -> tuple[str, ...]:
    return tuple(f.id for f in review.findings)


def _open_findings(state: EpisodeState) -> list[str]:
    reviews = [state.get("continuity"), state.get("ethics"), state.get("shot_review")]
    return [f"{f.check}@{f.location}: {f.message}" for r in reviews if r for f in _actionable(r)]


def _verdict_line(review: Review) -> str:
    checks = sorted({f.check for f in review.findings})
    return f"{review.reviewer}: {review.verdict}" + (f" ({', '.join(checks)})" if checks else "")


def _block_reason(state: EpisodeState) -> str:
    ethics_review = state.get("ethics")
    if ethics_review and ethics_review.verdict != "approve":
        worst = [f for f in ethics_review.findings if f.severity == "block"] or _actionable(ethics_review)
        detail = "; ".join(f"{f.category}: {f.message}" for f in worst[:3])
        prefix = (
            "ethics review blocked it" if ethics_review.verdict == "block" else "ethics issues remain after revisions"
        )
        return f"{prefix}: {detail}"
    if state.get("rejections", 0):
        return "the producer rejected it more times than the rejection limit allows"
    return "stopped by the room"


def build_episode_graph() -> StateGraph[EpisodeState, RoomContext, EpisodeInput, EpisodeOutput]:
    """Return the uncompiled episode graph; callers compile it with their checkpointer."""
    graph = StateGraph(EpisodeState, context_schema=RoomContext, input_schema=EpisodeInput, output_schema=EpisodeOutput)
    graph.add_node("draft", draft)
    graph.add_node("review_continuity", review_continuity)
    graph.add_node("review_ethics", review_ethics)
    graph.add_node("shot_list", shot_list)
    graph.add_node("review_shots", review_shots)
    graph.add_node("gate", gate)
    graph.add_node("commit", commit)
    graph.add_node("block", block)
    graph.add_edge(START, "draft")
    graph.add_edge("draft", "review_continuity")
    graph.add_conditional_edges("review_continuity", after_continuity)
    graph.add_conditional_edges("review_ethics", after_ethics)
    graph.add_edge("shot_list", "review_shots")
    graph.add_conditional_edges("review_shots", after_shot_review)
    graph.add_conditional_edges("gate", after_gate)
    graph.add_edge("commit", END)
    graph.add_edge("block", END)
    return graph


EpisodeNode = Literal[
    "draft", "review_continuity", "review_ethics", "shot_list", "review_shots", "gate", "commit", "block"
]
