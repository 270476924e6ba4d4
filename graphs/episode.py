"""The episode graph: draft, review, shot-list, approve, commit; every loop bounded."""

from __future__ import annotations

import json
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import ValidationError

from agents import continuity, director, ethics, screenwriter
from agents.canon_edits import recheck_after_rewrite
from agents.findings import verdict_of
from agents.room import RoomContext, RoomEvent
from agents.structured import describe_error
from graphs.bound import RoomSource, bound
from graphs.episode_reject import rejection, reopen, start_at
from graphs.episode_requests import (
    human_shot_note,
    outcome_summary,
    respecting_producer,
    revision_line,
    script_outcomes,
    shot_outcomes,
    still_raised,
    unmet_lines,
    unmet_of,
)
from graphs.routing import after_continuity, after_ethics, after_gate, after_shot_review
from graphs.state import (
    DECISION_HELP,
    Decision,
    EpisodeInput,
    EpisodeOutcome,
    EpisodeOutput,
    EpisodeReview,
    EpisodeState,
    GatePayload,
    RevisionRecord,
)
from memory.edits import RequestOutcome
from memory.schema import Finding, Review

Update = dict[str, object]


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
    cut = ctx.bible.script(number - 1) if number > 1 else None  # the cold open picks up where it cut
    canon = ctx.bible.canon_at(number)
    script = await screenwriter.write_script(
        ctx,
        brief=brief,
        canon=canon,
        carryover=ctx.bible.carryover_at(number).with_cliffhanger(cut),
        previous_summary=summaries[-1][1] if summaries else "",
        recall=ctx.bible.recall(query, before_episode=number, k=ctx.limits.recall_k),
        revision=revision,
        previous_draft=previous,
        notes=notes,
    )
    reviewer = notes[0].reviewer if notes else ""
    outcomes: list[RequestOutcome] = []
    unmet: list[Finding] = []
    if previous is not None:
        tracked = state.get("human_requests", [])
        outcomes, unmet = script_outcomes(notes, tracked, previous, state.get("human_base"), script, canon, brief)
        if any(n.id.startswith("human:") for n in notes):
            outcomes += state.get("human_reading", [])
    record = RevisionRecord(
        artifact="script",
        revision=revision,
        caused_by=notes,
        reviewer=reviewer,
        model=ctx.model("screenwriter").label,
        outcomes=outcomes,
        requests_verified=sum(1 for o in outcomes if o.status == "verified"),
        requests_total=sum(1 for o in outcomes if o.request is not None),
    )
    ctx.artifacts.save_episode(number, "script", script)
    ctx.artifacts.save_episode(number, f"drafts/script.r{revision}", script)
    if previous is None:
        line = "script drafted"
    else:
        line = revision_line(revision, outcomes, notes, script.model_dump() == previous.model_dump())
    ctx.on_event(RoomEvent("revision" if revision else "node", line, number, "draft", tuple(n.id for n in notes)))
    return {"script": script, "script_revision": revision, "history": [record], "unmet": unmet}


async def review_continuity(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Check the draft against canon as it stood before this episode."""
    ctx = runtime.context
    number = state["episode"]
    review = await continuity.review_script(
        ctx, state["script"], ctx.bible.canon_at(number), ctx.bible.carryover_at(number)
    )
    review = _respecting(review, state, ctx.language)
    unmet = still_raised(state.get("unmet", []), review)
    update: Update = {"continuity": review, "notes": _actionable(review) + unmet, "unmet": unmet}
    _save_review(ctx, state, update)
    ctx.on_event(RoomEvent("verdict", _verdict_line(review), number, "continuity", _ids(review)))
    return update


async def review_ethics(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Review the draft for ethics and compliance."""
    ctx = runtime.context
    number = state["episode"]
    review = await ethics.review_script(ctx, state["script"], ctx.bible.canon_at(number))
    unmet = still_raised(state.get("unmet", []), review)
    update: Update = {"ethics": review, "notes": _actionable(review) + unmet, "unmet": unmet}
    _save_review(ctx, state, update)
    ctx.on_event(RoomEvent("verdict", _verdict_line(review), number, "ethics", _ids(review)))
    return update


async def shot_list(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Break the approved script into a timed shot list."""
    ctx = runtime.context
    number = state["episode"]
    previous = state.get("shots")
    revision = state["shot_revision"] + 1 if previous is not None else 0
    script, canon = state["script"], ctx.bible.canon_at(number)
    tracked = state.get("human_requests", [])
    notes = list(state.get("shot_notes", [])) if previous is not None else []
    if previous is not None:
        notes += [n for n in human_shot_note(tracked, previous, script, canon) if n.id not in {m.id for m in notes}]
    shots = await director.make_shot_list(
        ctx, script=script, canon=canon, revision=revision, notes=notes, previous=previous
    )
    outcomes: list[RequestOutcome] = []
    unmet: list[Finding] = []
    if previous is not None:
        outcomes, unmet = shot_outcomes(notes, tracked, previous, shots, script, canon)
    ctx.artifacts.save_episode(number, "shotlist", shots)
    ctx.artifacts.save_episode(number, f"drafts/shotlist.r{revision}", shots)
    record = RevisionRecord(
        artifact="shotlist",
        revision=revision,
        caused_by=notes,
        reviewer=notes[0].reviewer if notes else "",
        model=ctx.model("director").label,
        outcomes=outcomes,
        requests_verified=sum(1 for o in outcomes if o.status == "verified"),
        requests_total=len(outcomes),
    )
    line = f"{len(shots.shots)} shots, {shots.total_seconds:.0f} s"
    if previous is not None:
        line += f"; shots revised (r{revision}): " + outcome_summary(outcomes, notes, shots == previous)
    ctx.on_event(RoomEvent("node", line, number, "director"))
    return {"shots": shots, "shot_revision": revision, "history": [record], "shot_unmet": unmet}


async def review_shots(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Check the shot list against the script and canon."""
    ctx = runtime.context
    number = state["episode"]
    review = continuity.review_shots(state["shots"], state["script"], ctx.bible.canon_at(number))
    unmet = still_raised(state.get("shot_unmet", []), review)
    update: Update = {"shot_review": review, "shot_notes": _actionable(review) + unmet, "shot_unmet": unmet}
    _save_review(ctx, state, update)
    ctx.on_event(RoomEvent("verdict", "shots " + _verdict_line(review), number, "review_shots", _ids(review)))
    return update


async def gate(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Pause for a producer's decision, or approve at once in autonomous mode."""
    ctx = runtime.context
    number = state["episode"]
    unmet = unmet_lines(state, ctx)
    if state["approval"] == "auto":
        decision = Decision(approved=True, by="auto")
    else:
        waiting = "waiting for approval" + (f"; still unmet: {'; '.join(unmet)}" if unmet else "")
        ctx.on_event(RoomEvent("gate", waiting, number, "gate"))
        # Nothing before this line has side effects: the node re-runs from the top on resume.
        payload = GatePayload(
            episode=number,
            title=state["script"].title,
            summary=state["script"].summary,
            open_findings=_open_findings(state),
            unmet_requests=unmet,
        )
        decision = _ask_producer(payload)
    update: Update = {"decisions": [decision]}
    if not decision.approved:
        update |= await rejection(ctx, state, decision)
    _save_review(ctx, state, update)
    return update


def _ask_producer(payload: GatePayload) -> Decision:
    """Interrupt for a Decision until one validates: a malformed resume is answered by the same gate again,
    saying what was wrong, so the thread stays usable (each interrupt in a node is resumed by its own value)."""
    problem = ""
    while True:
        answer = interrupt(payload.model_copy(update={"rejected_resume": problem}) if problem else payload)
        try:
            return Decision.model_validate(answer)
        except ValidationError as exc:
            given = json.dumps(answer, ensure_ascii=False, default=str)
            given = given if len(given) <= 80 else given[:79] + "…"
            problem = f"{DECISION_HELP} (the last resume, {given}, was not one: {describe_error(exc)})"


async def commit(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Write the approved episode into the bible; safe to repeat after a crash."""
    ctx = runtime.context
    number = state["episode"]
    ctx.bible.commit_episode(state["script"])
    reopened = state.get("reopened")
    if reopened is not None:  # rewritten after a reopening: the episodes after it are checked against the rewrite
        marks = recheck_after_rewrite(ctx.bible, number, reopened.script)
        if marks:
            stale = ", ".join(map(str, marks))
            ctx.on_event(RoomEvent("commit", f"the rewrite contradicts later episodes, marked stale: {stale}", number))
    unmet = unmet_lines(state, ctx)
    outcome = EpisodeOutcome(
        episode=number,
        status="committed",
        reason=f"committed with requests still unmet: {'; '.join(unmet)}" if unmet else "",
        open_findings=len(_open_findings(state)),
        unmet_requests=unmet,
    )
    update: Update = {"outcome": outcome}
    _save_review(ctx, state, update)
    said = f"committed to the bible ({outcome.open_findings} open findings)"
    ctx.on_event(RoomEvent("commit", said + (f"; still unmet: {'; '.join(unmet)}" if unmet else ""), number))
    return update


async def block(state: EpisodeState, runtime: Runtime[RoomContext]) -> Update:
    """Stop the episode and say why; nothing downstream runs."""
    ctx = runtime.context
    number = state["episode"]
    reason = _block_reason(state)
    outcome = EpisodeOutcome(
        episode=number,
        status="blocked",
        reason=reason,
        open_findings=len(_open_findings(state)),
        unmet_requests=unmet_lines(state, ctx),
    )
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
    found = [f for r in reviews if r for f in _actionable(r)] + unmet_of(state)
    return [f"{f.check}@{f.location}: {f.message}" for f in found]


def _respecting(review: Review, state: EpisodeState, language: str) -> Review:
    """Downgrade findings that would undo what the producer asked for (see respecting_producer)."""
    findings = respecting_producer(list(review.findings), state.get("human_requests", []), language)
    if findings == review.findings:
        return review
    return review.model_copy(update={"findings": findings, "verdict": verdict_of(findings)})


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


def build_episode_graph(
    room: RoomSource | None = None, context_schema: type[Any] = RoomContext
) -> StateGraph[EpisodeState, Any, EpisodeInput, EpisodeOutput]:
    """Return the uncompiled episode graph; callers compile it with their checkpointer.

    Args:
        room: For a served run, where each node gets the run's room (`graphs.bound`); None: the runtime context.
        context_schema: What the runtime context is: the room, or what a server's client sends.
    """
    graph = StateGraph(
        EpisodeState, context_schema=context_schema, input_schema=EpisodeInput, output_schema=EpisodeOutput
    )
    for name, node in (
        ("draft", draft),
        ("review_continuity", review_continuity),
        ("review_ethics", review_ethics),
        ("shot_list", shot_list),
        ("review_shots", review_shots),
        ("gate", gate),
        ("commit", commit),
        ("block", block),
        ("reopen", reopen),
    ):
        graph.add_node(name, bound(node, room))
    graph.add_conditional_edges(START, start_at, ["reopen", "draft"])
    graph.add_edge("reopen", "draft")
    graph.add_edge("draft", "review_continuity")
    graph.add_conditional_edges("review_continuity", bound(after_continuity, room))
    graph.add_conditional_edges("review_ethics", bound(after_ethics, room))
    graph.add_edge("shot_list", "review_shots")
    graph.add_conditional_edges("review_shots", bound(after_shot_review, room))
    graph.add_conditional_edges("gate", bound(after_gate, room))
    graph.add_edge("commit", END)
    graph.add_edge("block", END)
    return graph


EpisodeNode = Literal[
    "reopen", "draft", "review_continuity", "review_ethics", "shot_list", "review_shots", "gate", "commit", "block"
]
