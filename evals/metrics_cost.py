"""Calls, tokens, time and money per episode and per finished minute, from trace events.

Every run that touched the season counts (a resumed or re-reviewed episode
pays twice, as it did). Model calls with no episode (planning the season) are
the season's overhead and count in the season's figures, not an episode's.
Talking to the showrunner is not production: the calls of a chat run (the
runs table's command `chat`) are left out of the season's figures and
reported on their own line; production a chat starts runs under its own
command and counts as production.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from evals.pricing import Price, call_cost, cost_label, is_offline, unpriced
from graphs.tracing import CONTAINER_NODE, RunRecord, TraceEvent


class CostLine(BaseModel):
    """Model usage of one scope: an episode, the season's planning, or the whole season."""

    scope: str = Field(description="'ep001', 'planning', 'season' or 'chat'.")
    calls: int
    failed_calls: int
    tokens_in: int
    tokens_out: int
    cost_usd: float
    cost: str = Field(description="Human label: 'offline: $0', '$0.0123', with unpriced models named.")
    models: list[str]
    model_time_s: float = Field(description="Sum of model call latencies.")
    wall_s: float = Field(description="Time the room spent: the episode subgraph's runs, or all runs for the season.")
    finished_minutes: float = Field(description="Committed screen time in minutes (shot lists).")
    cost_per_finished_minute: float | None
    calls_per_finished_minute: float | None
    tokens_per_finished_minute: float | None
    wall_s_per_finished_minute: float | None


class CostReport(BaseModel):
    """Cost of the season and of each episode."""

    offline: bool = Field(description="True when every call was the offline writer's (cost 0).")
    unpriced: list[str] = Field(description="Models no price covers; their calls are counted at $0.")
    season: CostLine = Field(description="Production: every call but the chat's.")
    planning: CostLine
    episodes: list[CostLine]
    chat: CostLine = Field(description="Showrunner chat calls and runs, not counted as production cost.")


def _seconds(start: str, end: str | None) -> float:
    if not end:
        return 0.0
    return max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


CHAT_COMMAND = "chat"


def is_chat(run: RunRecord) -> bool:
    """Say whether a run was a showrunner conversation (not production)."""
    return run.command.split(" ", 1)[0] == CHAT_COMMAND


def _per_minute(value: float, minutes: float) -> float | None:
    return round(value / minutes, 6) if minutes else None


def _line(
    scope: str, calls: Sequence[TraceEvent], wall_s: float, minutes: float, prices: Mapping[str, Price]
) -> CostLine:
    models = sorted({e.model for e in calls if e.model})
    cost = sum(call_cost(e.model, e.input_tokens, e.output_tokens, prices) for e in calls)
    tokens_in = sum(e.input_tokens for e in calls)
    tokens_out = sum(e.output_tokens for e in calls)
    return CostLine(
        scope=scope,
        calls=len(calls),
        failed_calls=sum(1 for e in calls if e.status != "ok"),
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost_usd=round(cost, 6),
        cost=cost_label(models, cost, prices) if models else "no calls",
        models=models,
        model_time_s=round(sum(e.latency_ms for e in calls) / 1000, 3),
        wall_s=round(wall_s, 3),
        finished_minutes=round(minutes, 4),
        cost_per_finished_minute=_per_minute(cost, minutes),
        calls_per_finished_minute=_per_minute(len(calls), minutes),
        tokens_per_finished_minute=_per_minute(tokens_in + tokens_out, minutes),
        wall_s_per_finished_minute=_per_minute(wall_s, minutes),
    )


def _episode_wall_s(nodes: Sequence[TraceEvent], episode: int) -> float:
    mine = [e for e in nodes if e.episode == episode]
    # The season graph records the whole episode subgraph as one "episode" node; older traces may lack it.
    whole = [e for e in mine if e.node == CONTAINER_NODE]
    return sum(e.latency_ms for e in (whole or mine)) / 1000


def cost_report(
    events: Sequence[TraceEvent],
    runs: Sequence[RunRecord],
    finished_seconds: Mapping[int, float],
    prices: Mapping[str, Price],
    episodes: Sequence[int],
) -> CostReport:
    """Total model usage per episode and for the season, per finished minute of committed screen time."""
    chat_runs = {r.run_id for r in runs if is_chat(r)}
    chat_calls = [e for e in events if e.kind == "llm" and e.run_id in chat_runs]
    calls = [e for e in events if e.kind == "llm" and e.run_id not in chat_runs]
    nodes = [e for e in events if e.kind == "node" and e.run_id not in chat_runs]
    lines = [
        _line(
            f"ep{n:03d}",
            [e for e in calls if e.episode == n],
            _episode_wall_s(nodes, n),
            finished_seconds.get(n, 0.0) / 60,
            prices,
        )
        for n in episodes
    ]
    season_minutes = sum(finished_seconds.values()) / 60
    planning = _line("planning", [e for e in calls if e.episode is None], 0.0, 0.0, prices)
    season_wall = sum(_seconds(r.started_at, r.ended_at) for r in runs if r.run_id not in chat_runs)
    chat_wall = sum(_seconds(r.started_at, r.ended_at) for r in runs if r.run_id in chat_runs)
    models = {e.model for e in calls if e.model}
    return CostReport(
        offline=bool(models) and all(is_offline(m) for m in models),
        unpriced=unpriced(models, prices),
        season=_line("season", calls, season_wall, season_minutes, prices),
        planning=planning,
        episodes=lines,
        chat=_line("chat", chat_calls, chat_wall, 0.0, prices),
    )
