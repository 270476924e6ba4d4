"""The season graph: plan once, then produce episodes in order so each sees the canon before it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents import ethics, showrunner
from agents.findings import verdict_of
from agents.messages import say
from agents.premise_coverage import PremiseCoverage, premise_coverage, series_texts
from agents.premise_reader import read_premise
from agents.room import RoomContext, RoomEvent
from graphs.bound import RoomSource, bound
from graphs.episode import build_episode_graph
from graphs.routing import after_episode, after_plan_review, after_schedule
from graphs.state import EpisodeOutcome, SeasonInput, SeasonOutput, SeasonState
from memory.schema import Finding

Update = dict[str, object]
Node = Callable[..., Awaitable[Update]]


async def plan(state: SeasonState, runtime: Runtime[RoomContext]) -> Update:
    """Plan the season from the premise, unless the bible already holds a plan."""
    ctx = runtime.context
    if ctx.bible.has_series():
        return {"planned": True}
    previous = state.get("plan_review")
    revision = state["plan_revision"] + 1 if previous is not None else 0
    notes = [f for f in previous.findings if f.severity == "revise"] if previous else []
    ctx.on_event(RoomEvent("plan", "planning the season" if not revision else f"re-planning (r{revision})"))
    series = await showrunner.plan_series(
        ctx,
        premise=state["premise"],
        episodes=state["episodes"],
        paywall_episode=state["paywall_episode"],
        genre=state.get("genre"),
        tone=state.get("tone"),
        notes=notes,
        facts=read_premise(state["premise"], ctx.language),
    )
    return {"series": series, "plan_revision": revision, "planned": False}


def after_plan(state: SeasonState) -> str:
    """Skip the plan review when the season was planned in an earlier run."""
    return "schedule" if state.get("planned") else "review_plan"


async def review_plan(state: SeasonState, runtime: Runtime[RoomContext]) -> Update:
    """Run the ethics guards over the premise and the planned bible."""
    ctx = runtime.context
    review = ethics.review_series(state["premise"], state.get("series"))
    # A premise cannot be re-planned away, so only its blocking findings stop the season;
    # its lesser ones (an injection attempt) are kept on record.
    deciding = [f for f in review.findings if f.severity == "block" or f.location != "premise"]
    verdict = verdict_of(deciding)
    ctx.on_event(RoomEvent("verdict", f"plan ethics: {verdict} ({len(review.findings)} findings)", node="review_plan"))
    series = state.get("series")
    if series is not None and verdict != "block":
        coverage = premise_coverage(read_premise(state["premise"], ctx.language), series_texts(series))
        can_replan = state.get("plan_revision", 0) < ctx.limits.plan_revisions
        finding = _coverage_finding(coverage, can_replan, state.get("plan_revision", 0), ctx.language)
        if finding is not None:
            review = review.model_copy(update={"findings": [*review.findings, finding]})
            verdict = "revise" if can_replan and verdict == "approve" else verdict
            ctx.on_event(RoomEvent("verdict", finding.message, node="review_plan"))
    ctx.artifacts.save_series("plan_review", review)
    return {"plan_review": review, "plan_verdict": verdict}


def _coverage_finding(coverage: PremiseCoverage, can_replan: bool, revision: int, language: str) -> Finding | None:
    """Say which premise facts the plan dropped: a re-plan request while revisions remain, else a plain record."""
    if not coverage.missing:
        return None
    lost = say(language, "sep.clause").join(coverage.missing_labels)
    ratio = f"{coverage.ratio:.0%}"
    if can_replan:
        message = say(language, "event.premise_coverage_replan", ratio=ratio, lost=lost)
    else:
        message = say(language, "event.premise_coverage_limit", ratio=ratio, revision=revision, lost=lost)
    return Finding(
        id="premise-coverage",
        reviewer="continuity",
        check="premise_coverage",
        category="world_building",
        severity="revise" if can_replan else "info",
        message=message,
        quote=lost,
        location="plan",
    )


async def commit_plan(state: SeasonState, runtime: Runtime[RoomContext]) -> Update:
    """Store canon and plan in the bible; re-running replaces them with the same content."""
    ctx = runtime.context
    series = state["series"]
    if series is not None:
        ctx.bible.initialise(series)
        ctx.artifacts.save_series("season_plan", series.plan)
        ctx.artifacts.save_series("canon", series.canon)
        ctx.on_event(
            RoomEvent("plan", f'season planned: "{series.plan.title}", paywall at ep {series.plan.paywall_episode}')
        )
    return {"series": None, "planned": True}


async def block_plan(state: SeasonState, runtime: Runtime[RoomContext]) -> Update:
    """Stop before any episode: the premise or plan cannot be produced."""
    review = state["plan_review"]
    worst = [f for f in review.findings if f.severity == "block"] or review.findings
    reason = "the premise or plan was blocked by the ethics review: " + "; ".join(
        f"{f.category}: {f.message}" for f in worst[:3]
    )
    runtime.context.on_event(RoomEvent("blocked", reason, node="block_plan"))
    return {"blocked": EpisodeOutcome(episode=0, status="blocked", reason=reason)}


async def schedule(state: SeasonState, runtime: Runtime[RoomContext]) -> Update:
    """Pick the first episode not yet in the bible: the bible, not the thread, says what is done."""
    ctx = runtime.context
    done = set(ctx.bible.committed_episodes())
    pending = [n for n in range(1, state["episodes"] + 1) if n not in done]
    if not pending:
        return {"current": None}
    number = pending[0]
    brief = ctx.bible.plan().episodes[number - 1]
    ctx.on_event(RoomEvent("node", f'writing "{brief.title}"', number, "schedule"))
    reopened = ctx.bible.reopening(number)  # a committed episode taken back for rewrite starts from its script
    return {"current": number, "episode": number, "brief": brief, "reopened": reopened}


async def record(state: SeasonState) -> Update:
    """Keep the episode's outcome and stop the season if it was blocked."""
    outcome = state["outcome"]
    return {"outcomes": [outcome], "blocked": outcome if outcome.status == "blocked" else None}


def build_season_graph(
    room: RoomSource | None = None,
    context_schema: type[Any] = RoomContext,
    intake: Node | None = None,
    input_schema: type[Any] = SeasonInput,
) -> StateGraph[SeasonState, Any, Any, SeasonOutput]:
    """Return the uncompiled season graph with the episode graph as a subgraph node.

    Args:
        room: For a served run, where each node gets the run's room (`graphs.bound`); None: the runtime context.
        context_schema: What the runtime context is: the room, or what a server's client sends.
        intake: A first node that reads a served run's input against the workspace before planning.
        input_schema: What a run's input is: the season's inputs, or a served form that defaults them.
    """
    graph = StateGraph(
        SeasonState, context_schema=context_schema, input_schema=input_schema, output_schema=SeasonOutput
    )
    if intake is not None:
        graph.add_node("intake", intake)
        graph.add_edge(START, "intake")
        graph.add_edge("intake", "plan")
    else:
        graph.add_edge(START, "plan")
    for name, node in (
        ("plan", plan),
        ("review_plan", review_plan),
        ("commit_plan", commit_plan),
        ("block_plan", block_plan),
        ("schedule", schedule),
    ):
        graph.add_node(name, bound(node, room))
    graph.add_node("episode", build_episode_graph(room, context_schema).compile())
    graph.add_node("record", record)
    graph.add_conditional_edges("plan", after_plan, ["schedule", "review_plan"])
    graph.add_conditional_edges("review_plan", bound(after_plan_review, room))
    graph.add_edge("commit_plan", "schedule")
    graph.add_edge("block_plan", END)
    graph.add_conditional_edges("schedule", bound(after_schedule, room))
    graph.add_edge("episode", "record")
    graph.add_conditional_edges("record", after_episode)
    return graph
