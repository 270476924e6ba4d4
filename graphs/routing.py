"""Routers: every loop's counter lives in state, its limit in the run context, the check here."""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime

from agents.room import RoomContext
from graphs.state import EpisodeState, SeasonState


def _revisions_used(state: EpisodeState) -> int:
    # Each producer rejection grants a fresh revision budget, so count from the last one.
    rejections = state.get("rejections", 0)
    return state.get("script_revision", 0) - _revision_at_rejection(state, rejections)


def _revision_at_rejection(state: EpisodeState, rejections: int) -> int:
    if not rejections:
        return 0
    # The draft that answered the producer's note, not a later one that re-asks one of its unmet requests.
    drafts = [
        r
        for r in state.get("history", [])
        if r.artifact == "script" and any(f.id.startswith("human:") for f in r.caused_by)
    ]
    return drafts[-1].revision if drafts else 0


def after_continuity(state: EpisodeState, runtime: Runtime[RoomContext]) -> Literal["draft", "review_ethics"]:
    """Revise while continuity asks for it, or an edit request is unmet, and revisions remain; then go to ethics."""
    review = state["continuity"]
    asked = review.verdict != "approve" or bool(state.get("unmet"))
    if asked and _revisions_used(state) < runtime.context.limits.script_revisions:
        return "draft"
    return "review_ethics"


def after_ethics(state: EpisodeState, runtime: Runtime[RoomContext]) -> Literal["draft", "shot_list", "block"]:
    """Approve to the director, revise while allowed, otherwise block.

    An unmet edit request sends the script back while revisions remain; once they are spent it goes on to
    the gate, which names the request (only ethics itself can block).
    """
    review = state["ethics"]
    left = _revisions_used(state) < runtime.context.limits.script_revisions
    if review.verdict == "approve":
        return "draft" if state.get("unmet") and left else "shot_list"
    if review.verdict == "revise" and left:
        return "draft"
    return "block"


def after_shot_review(state: EpisodeState, runtime: Runtime[RoomContext]) -> Literal["shot_list", "gate"]:
    """Re-cut the shot list while the review asks for it, or a shot request is unmet, and revisions remain."""
    review = state["shot_review"]
    asked = review.verdict != "approve" or bool(state.get("shot_unmet"))
    if asked and state.get("shot_revision", 0) < runtime.context.limits.shot_revisions:
        return "shot_list"
    return "gate"


def after_gate(state: EpisodeState, runtime: Runtime[RoomContext]) -> Literal["commit", "draft", "block"]:
    """Commit an approved episode; send a rejected one back to the screenwriter, within the limit."""
    if state["decisions"][-1].approved:
        return "commit"
    if state.get("rejections", 0) <= runtime.context.limits.human_rejections:
        return "draft"
    return "block"


def after_plan_review(
    state: SeasonState, runtime: Runtime[RoomContext]
) -> Literal["plan", "commit_plan", "block_plan"]:
    """Commit a clean plan, re-plan while revisions remain, block otherwise."""
    verdict = state["plan_verdict"]
    if verdict == "approve":
        return "commit_plan"
    if verdict == "revise" and state.get("plan_revision", 0) < runtime.context.limits.plan_revisions:
        return "plan"
    return "block_plan"


def after_schedule(state: SeasonState) -> Literal["episode", "__end__"]:
    """Produce the next episode, or finish when none is left."""
    return "episode" if state.get("current") else "__end__"


def after_episode(state: SeasonState) -> Literal["schedule", "__end__"]:
    """Stop the season at a blocked episode: later ones need its canon."""
    return "__end__" if state.get("blocked") else "schedule"
