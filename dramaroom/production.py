"""Run the writers' room over a workspace: build models, resume threads, pause at gates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from agents.llm import LlmError, ModelSpec, RoleModel, endpoint_model, offline_model
from agents.room import ROLES, ApprovalMode, Role, RoomContext, RoomEvent, RoomLimits
from agents.server_report import ToolSupport, context_window, tool_support
from agents.showrunner import paywall_for
from dramaroom.errors import UserError
from dramaroom.settings import Settings
from dramaroom.trace_export import export_finished_run
from dramaroom.trace_history import open_traces
from dramaroom.workspace import Workspace
from graphs.checkpoint import sqlite_checkpointer
from graphs.season import build_season_graph
from graphs.state import ChatQuestion, Decision, EpisodeOutcome, GatePayload, SeasonInput
from graphs.tracing import TraceRecorder, TraceStore, recording_retries
from memory.bible import StoryBible
from memory.schema import Script

SEASON_THREAD = "season"


@dataclass
class RunResult:
    """How a produce/approve run ended."""

    status: Literal["done", "paused", "blocked"]
    outcomes: list[EpisodeOutcome] = field(default_factory=list)
    pending: GatePayload | None = None
    reason: str = ""
    run_id: str = ""


def endpoint_tool_support(settings: Settings, model: RoleModel) -> ToolSupport:
    """Return whether the showrunner's model takes tool calls: offline it does; an endpoint is asked."""
    if model.offline:
        return ToolSupport(True, "offline")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return tool_support(settings.openai_base_url, model.name, api_key=key)


def build_models(settings: Settings, ws: Workspace, bible: StoryBible | None = None) -> dict[Role, RoleModel]:
    """Return a model per role: the configured endpoint, or the offline writer when none is set.

    The offline writer reads the bible's committed scripts (never uncommitted drafts), so what a season has
    already said survives a crash and resume unchanged.
    """
    cfg = ws.config
    if not settings.endpoint_configured:
        history = None if bible is None else partial(_committed_before, bible)
        writer = offline_model(seed=cfg.series.seed, slip_rate=cfg.slip_rate, history=history)
        return {role: writer for role in ROLES}
    default = settings.model or cfg.models.default
    models: dict[Role, RoleModel] = {}
    # Roles on the same model share one RoleModel, so a structured-output method that the server
    # refused once is not tried again by every role.
    shared: dict[str, RoleModel] = {}
    for role in ROLES:
        name = cfg.models.roles.get(role) or default
        if not name:
            raise UserError(
                "an endpoint is configured (OPENAI_BASE_URL/OPENAI_API_KEY) but no model is named: "
                "set DRAMAROOM_MODEL or [models] default in dramaroom.toml"
            )
        if name not in shared:
            shared[name] = endpoint_model(
                ModelSpec(
                    model=name,
                    base_url=settings.openai_base_url,
                    api_key=settings.openai_api_key,
                    method=settings.structured_method or cfg.models.method,
                    timeout_s=cfg.models.timeout_s,
                    max_retries=cfg.models.max_retries,
                    max_reasks=cfg.models.max_reasks,
                    temperature=cfg.models.temperature,
                    max_tokens=cfg.models.max_tokens,
                    concurrency=cfg.models.concurrency,
                    context=cfg.models.context or context_window(settings.openai_base_url, name),
                )
            )
        models[role] = shared[name]
    return models


def _committed_before(bible: StoryBible, episode: int) -> list[Script]:
    """Return the committed scripts of the episodes before one, in order."""
    scripts = (bible.script(n) for n in bible.committed_episodes() if n < episode)
    return [s for s in scripts if s is not None]


def build_room(
    ws: Workspace, settings: Settings, *, on_event: Callable[[RoomEvent], None] = lambda e: None
) -> RoomContext:
    """Assemble the run context of a workspace: models, bible, limits, artifact sink."""
    cfg = ws.config
    bible = StoryBible(ws.bible_dir, cfg.embeddings)  # opens nothing until first use
    models = build_models(settings, ws, bible)
    ws.models = {role: m.label for role, m in models.items()}
    return RoomContext(
        models=models,
        bible=bible,
        artifacts=ws,
        language=cfg.series.language,
        seed=cfg.series.seed,
        target_seconds=cfg.series.target_seconds,
        limits=RoomLimits(
            script_revisions=cfg.room.script_revisions,
            shot_revisions=cfg.room.shot_revisions,
            plan_revisions=cfg.room.plan_revisions,
            human_rejections=cfg.room.human_rejections,
        ),
        on_event=on_event,
    )


def describe_models(models: dict[Role, RoleModel]) -> str:
    """Say in one line which models the room uses."""
    labels = sorted({m.label for m in models.values()})
    return labels[0] if len(labels) == 1 else "; ".join(f"{r}={m.label}" for r, m in models.items())


def _thread_for(traces: TraceStore) -> str:
    # A season that ended blocked starts over on a fresh thread once the user has changed its input.
    # A served run's thread counts too: its checkpoints are in the same database (dramaroom/serve_checkpoints.py).
    runs = [
        r for r in traces.runs() if r.command.startswith(("produce", "approve", "reopen", "reject", "serve season"))
    ]
    if not runs:
        return SEASON_THREAD
    last = runs[-1]
    if last.status == "blocked":
        count = len({r.thread_id for r in runs})
        return f"{SEASON_THREAD}-{count + 1}"
    return last.thread_id


async def run_season(
    ws: Workspace,
    settings: Settings,
    *,
    approval: ApprovalMode,
    command: str,
    decision: Decision | None = None,
    expect_episode: int | None = None,
    on_event: Callable[[RoomEvent], None] = lambda e: None,
) -> RunResult:
    """Start, resume or answer the season graph of a workspace and return how it ended."""
    traces = open_traces(ws, settings)
    thread = _thread_for(traces)
    run_id = ""

    def record(event: RoomEvent) -> None:
        traces.add(
            run_id,
            "room",
            episode=event.episode,
            node=event.node,
            output=event.message,
            detail={"kind": event.kind, "notes": list(event.notes)},
        )
        on_event(event)

    ctx = build_room(ws, settings, on_event=record)
    cfg = ws.config
    bible = ctx.bible
    run_id = traces.start_run(thread, command, dict(ws.models))
    try:
        async with sqlite_checkpointer(ws.checkpoints_path) as saver, _retries(traces, run_id):
            graph = build_season_graph().compile(checkpointer=saver)
            config = RunnableConfig(
                configurable={"thread_id": thread},
                callbacks=[TraceRecorder(traces, run_id)],
                recursion_limit=100 + 12 * cfg.series.episodes,
            )
            pending = await pending_approval(graph, config)
            earlier = len((await graph.aget_state(config)).values.get("outcomes") or [])  # outcomes of past runs
            if decision is not None:
                if pending is None:
                    raise UserError(
                        "no episode is waiting for approval: run `dramaroom status` to see where the season is"
                    )
                if expect_episode is not None and pending.episode != expect_episode:
                    raise UserError(
                        f"episode {expect_episode} is not waiting for approval; episode {pending.episode} is"
                    )
                start: SeasonInput | Command[object] | None = Command(resume=decision)
            else:
                snapshot = await graph.aget_state(config)
                start = None if snapshot.next else season_input(ws, approval)
            # A gate already waiting is reported, not re-entered: only `approve` answers it.
            if decision is not None or pending is None:
                await graph.ainvoke(start, config, context=ctx, durability="sync")
                pending = await pending_approval(graph, config)
            state = (await graph.aget_state(config)).values
    except LlmError as exc:
        traces.end_run(run_id, "failed", str(exc))
        export_finished_run(ws, traces, run_id)
        raise UserError(f"{exc} (progress so far is saved; run the same command again to continue)", code=1) from exc
    except UserError as exc:
        traces.end_run(run_id, "failed", str(exc))
        export_finished_run(ws, traces, run_id)
        raise
    except (KeyboardInterrupt, asyncio.CancelledError):
        traces.end_run(run_id, "interrupted", "stopped by Ctrl-C or SIGTERM; progress so far is saved")
        raise
    except BaseException as exc:
        traces.end_run(run_id, "failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        bible.close()
    try:
        return _finish(traces, run_id, state, pending, earlier)
    finally:
        export_finished_run(ws, traces, run_id)  # only when [tracing] asks for it; never fails the run
        traces.close()


@asynccontextmanager
async def _retries(traces: TraceStore, run_id: str) -> AsyncIterator[None]:
    with recording_retries(traces, run_id):
        yield


def _finish(
    traces: TraceStore, run_id: str, state: dict[str, object], pending: GatePayload | None, earlier: int = 0
) -> RunResult:
    # The thread's outcomes accumulate over every run; this run's are the ones after `earlier`.
    every = [o for o in state.get("outcomes", []) or [] if isinstance(o, EpisodeOutcome)]  # type: ignore[attr-defined]
    outcomes = every[earlier:]
    if pending is not None:
        traces.end_run(run_id, "paused")
        return RunResult("paused", outcomes, pending=pending, run_id=run_id)
    blocked = state.get("blocked")
    if isinstance(blocked, EpisodeOutcome):
        traces.end_run(run_id, "blocked", blocked.reason)
        return RunResult("blocked", outcomes, reason=blocked.reason, run_id=run_id)
    traces.end_run(run_id, "done")
    return RunResult("done", outcomes, run_id=run_id)


def season_input(ws: Workspace, approval: ApprovalMode) -> SeasonInput:
    """Return the season graph's input from the workspace's dramaroom.toml."""
    series = ws.config.series
    paywall = series.paywall_episode or paywall_for(series.episodes, ws.config.room.paywall_fraction)
    return SeasonInput(
        premise=series.premise,
        episodes=series.episodes,
        approval=approval,
        paywall_episode=min(paywall, series.episodes),
        genre=series.genre or None,
        tone=series.tone or None,
    )


async def pending_interrupt(graph: object, config: RunnableConfig) -> object | None:
    """Return the value of the first interrupt a graph is paused at, if any."""
    snapshot = await graph.aget_state(config, subgraphs=True)  # type: ignore[attr-defined]
    for task in snapshot.tasks:
        for item in task.interrupts:
            value: object = item.value
            return value
    return None


async def pending_approval(graph: object, config: RunnableConfig) -> GatePayload | None:
    """Return what the approval gate the season is paused at shows, if it is paused there."""
    value = await pending_interrupt(graph, config)
    if isinstance(value, dict) and "episode" in value:  # a season paused by a version that sent a plain mapping
        return GatePayload.model_validate(value)
    return value if isinstance(value, GatePayload) else None


async def pending_question(graph: object, config: RunnableConfig) -> ChatQuestion | None:
    """Return the confirmation the chat is paused at, if any."""
    value = await pending_interrupt(graph, config)
    if isinstance(value, dict) and "question" in value:
        return ChatQuestion.model_validate(value)
    return value if isinstance(value, ChatQuestion) else None
