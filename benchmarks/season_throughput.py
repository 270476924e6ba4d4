"""Measure a season's throughput through the real endpoint path against the simulated model server.

Run from the repo root: `python -m benchmarks.season_throughput [--episodes 20] [--time-scale 0.02]`

The server answers with the offline writer after a simulated latency (0.5 s + 20 ms per output token by
default, at most 4 requests at a time). Sleeps are multiplied by `time_scale` so a season that would wait
about an hour on a real model finishes in minutes; the latency totals are reported unscaled and as slept.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, SecretStr

from agents import showrunner
from agents.llm import ModelSpec, endpoint_model
from agents.room import ROLES, RoomContext
from dramaroom.config import SeriesConfig, SeriesSection
from dramaroom.production import run_season
from dramaroom.settings import Settings
from dramaroom.workspace import Workspace
from evals.simulated_endpoint import EndpointBehaviour, SimulatedEndpoint
from graphs.tracing import TraceStore
from memory.bible import StoryBible
from memory.embeddings import EmbeddingConfig, embedding_function
from memory.schema import SeriesBible

PREMISE = "A delivery rider named Maya Chen is secretly the heir to the logistics empire that fired her father."
MODEL = "sim-writer-1"
# A throwaway key: the real path refuses an endpoint without one, and the trace redactor is exercised too.
BENCH_KEY = "sk-bench-local-0000"

Row = tuple[str, str, str]


def default_behaviour(time_scale: float = 0.02) -> EndpointBehaviour:
    """Return the simulated server of the benchmark: 0.5 s + 20 ms per output token, 4 at a time."""
    return EndpointBehaviour(base_latency_s=0.5, per_token_latency_s=0.02, max_concurrency=4, time_scale=time_scale)


@dataclass(frozen=True)
class Throughput:
    """What a season cost against the simulated server, and how much its calls overlapped."""

    episodes: int
    committed: int
    wall_s: float
    calls: int
    prompt_tokens: int
    output_tokens: int
    simulated_s: float
    """Sum of the server's simulated latencies, unscaled (what a real model would take)."""
    slept_s: float
    """The same sum as slept in this run (simulated_s x time_scale)."""
    call_s: float
    """Sum of the client-side latencies of every model call (queueing, HTTP and server work included)."""
    in_flight_s: float
    """Wall time during which at least one model call was in flight."""
    time_scale: float
    behaviour: EndpointBehaviour

    @property
    def wall_to_calls(self) -> float:
        """Return wall time over the sum of call latencies: 1 is strictly sequential, below 1 is overlap."""
        return self.wall_s / self.call_s if self.call_s else float("nan")

    @property
    def overlap(self) -> float:
        """Return the mean number of calls in flight while any was."""
        return self.call_s / self.in_flight_s if self.in_flight_s else float("nan")

    @property
    def projected_wall_to_calls(self) -> float:
        """Estimate wall_to_calls at time_scale 1, where the unslept latency joins both sides."""
        calls = self.call_s + self.simulated_s - self.slept_s
        return self.projected_wall_s / calls if calls else float("nan")

    @property
    def projected_wall_s(self) -> float:
        """Estimate the wall time at time_scale 1: the latency not slept, divided by the measured overlap."""
        missing = self.simulated_s - self.slept_s
        return self.wall_s + missing / self.overlap if self.overlap == self.overlap else float("nan")


@functools.cache
def warm_embedder() -> float:
    """Load MiniLM once in this process and return the seconds that first load took; timed runs exclude it."""
    started = time.perf_counter()
    embedding_function(EmbeddingConfig())(["warm up"])
    return time.perf_counter() - started


def _intervals(store: TraceStore, run_id: str) -> list[tuple[float, float]]:
    """Return (start, end) epoch seconds of every model call of a run, from the trace store."""
    spans = []
    for event in store.events(run_id, kinds=("llm",)):
        end = datetime.fromisoformat(event.ts).timestamp()
        spans.append((end - event.latency_ms / 1000, end))
    return spans


def union_length(spans: Sequence[tuple[float, float]]) -> float:
    """Return the total length covered by a set of intervals."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def measure(episodes: int, workdir: Path, behaviour: EndpointBehaviour | None = None, seed: int = 7) -> Throughput:
    """Produce a season with run_season against a simulated endpoint and return its throughput."""
    behaviour = behaviour or default_behaviour()
    warm_embedder()
    config = SeriesConfig(series=SeriesSection(premise=PREMISE, episodes=episodes, seed=seed))
    ws = Workspace.create(workdir / "series", config)
    with SimulatedEndpoint(behaviour, seed=seed) as server:
        settings = Settings(
            OPENAI_BASE_URL=server.base_url,
            OPENAI_API_KEY=BENCH_KEY,
            DRAMAROOM_MODEL=MODEL,
            DRAMAROOM_STRUCTURED_METHOD="auto",
        )
        started = time.perf_counter()
        result = asyncio.run(run_season(ws, settings, approval="auto", command="produce (benchmark)"))
        wall = time.perf_counter() - started
        stats = server.stats
    store = TraceStore(ws.traces_path)
    try:
        spans = _intervals(store, result.run_id)
    finally:
        store.close()
    return Throughput(
        episodes=episodes,
        committed=sum(1 for o in result.outcomes if o.status == "committed"),
        wall_s=wall,
        calls=stats.calls,
        prompt_tokens=stats.prompt_tokens,
        output_tokens=stats.output_tokens,
        simulated_s=stats.latency_s,
        slept_s=stats.latency_s * behaviour.time_scale,
        call_s=sum(end - start for start, end in spans),
        in_flight_s=union_length(spans),
        time_scale=behaviour.time_scale,
        behaviour=behaviour,
    )


@dataclass(frozen=True)
class PlanOverlap:
    """The season plan's brief ranges asked for one at a time and concurrently, side by side."""

    episodes: int
    calls: int
    concurrency: int
    sequential_s: float
    concurrent_s: float
    same_plan: bool

    @property
    def speedup(self) -> float:
        """Return sequential wall time over concurrent wall time."""
        return self.sequential_s / self.concurrent_s if self.concurrent_s else float("nan")


class _NullSink:
    def save_episode(self, episode: int, name: str, value: BaseModel) -> None:
        return None

    def save_series(self, name: str, value: BaseModel) -> None:
        return None


async def _plan_both_ways(ctx: RoomContext, episodes: int, concurrency: int) -> tuple[list[float], list[SeriesBible]]:
    """Plan the same season with brief ranges one at a time, then `concurrency` at a time."""
    paywall = showrunner.paywall_for(episodes, 0.12)
    timings: list[float] = []
    plans: list[SeriesBible] = []
    for limit in (1, concurrency):
        showrunner.PLAN_CONCURRENCY = limit
        try:
            started = time.perf_counter()
            plans.append(
                await showrunner.plan_series(
                    ctx, premise=PREMISE, episodes=episodes, paywall_episode=paywall, genre=None, notes=[]
                )
            )
            timings.append(time.perf_counter() - started)
        finally:
            showrunner.PLAN_CONCURRENCY = concurrency
    return timings, plans


def measure_plan(
    episodes: int, workdir: Path, behaviour: EndpointBehaviour | None = None, seed: int = 7
) -> PlanOverlap:
    """Plan a season through the endpoint with brief ranges one at a time, then concurrently."""
    behaviour = behaviour or default_behaviour()
    concurrency = showrunner.PLAN_CONCURRENCY
    with SimulatedEndpoint(behaviour, seed=seed) as server:
        # As many calls in flight as the server takes: the overlap is what this measures.
        spec = ModelSpec(
            model=MODEL, base_url=server.base_url, api_key=SecretStr(BENCH_KEY), concurrency=behaviour.max_concurrency
        )
        model = endpoint_model(spec)
        bible = StoryBible(workdir / "plan-bible")  # plan_series never opens it
        ctx = RoomContext(
            models=dict.fromkeys(ROLES, model),
            bible=bible,
            artifacts=_NullSink(),
            language="en",
            seed=seed,
            target_seconds=90,
        )
        # One event loop for both runs: the SDK's async client is bound to the loop that first used it.
        timings, plans = asyncio.run(_plan_both_ways(ctx, episodes, concurrency))
        calls = server.stats.calls // 2
    return PlanOverlap(
        episodes=episodes,
        calls=calls,
        concurrency=concurrency,
        sequential_s=timings[0],
        concurrent_s=timings[1],
        same_plan=plans[0] == plans[1],
    )


def rows(t: Throughput) -> list[Row]:
    """Return the benchmark's rows for the one results table."""
    b = t.behaviour
    name = (
        f"season throughput: {t.episodes} episodes through `run_season` against the simulated endpoint "
        f"({b.base_latency_s:g} s + {b.per_token_latency_s * 1000:g} ms/output token, ≤ {b.max_concurrency} at a time, "
        f"every sleep × {t.time_scale:g})"
    )
    return [
        (name, "wall time (sleeps scaled; MiniLM load excluded)", f"{t.wall_s:.1f} s ({t.committed} committed)"),
        (name, "model calls / prompt tokens / output tokens", f"{t.calls} / {t.prompt_tokens:,} / {t.output_tokens:,}"),
        (name, "simulated latency, sum: unscaled / as slept", f"{t.simulated_s:,.0f} s / {t.slept_s:.1f} s"),
        (name, "client-side call latency, sum / in flight (union)", f"{t.call_s:.1f} s / {t.in_flight_s:.1f} s"),
        (
            name,
            "wall with no call in flight, per episode (the room's own work)",
            f"{(t.wall_s - t.in_flight_s) / max(1, t.episodes):.2f} s",
        ),
        (
            name,
            "wall ÷ sum of call latencies (1 = calls back to back, < 1 = overlap)",
            f"{t.wall_to_calls:.2f} as run; ≈ {t.projected_wall_to_calls:.2f} at time_scale 1",
        ),
        (name, "≈ wall at time_scale 1 (unslept latency ÷ overlap)", f"{t.projected_wall_s / 60:.0f} min"),
    ]


def plan_rows(p: PlanOverlap, behaviour: EndpointBehaviour) -> list[Row]:
    """Return the plan-overlap rows for the one results table."""
    name = (
        f"season plan: {p.episodes} episodes, {p.calls} calls "
        f"(cast, setting, world + ranges of {showrunner.PLAN_CHUNK} briefs), "
        f"same simulated endpoint, sleeps × {behaviour.time_scale:g}"
    )
    same = "identical plans" if p.same_plan else "PLANS DIFFER"
    return [
        (name, "brief ranges one at a time / ≤ 4 at a time", f"{p.sequential_s:.1f} s / {p.concurrent_s:.1f} s"),
        (name, "speed-up from concurrent ranges", f"{p.speedup:.2f}× ({same})"),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Print the throughput figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--plan-episodes", type=int, default=80)
    parser.add_argument("--time-scale", type=float, default=0.02)
    args = parser.parse_args(argv)
    behaviour = default_behaviour(args.time_scale)
    with tempfile.TemporaryDirectory(prefix="dramaroom-bench-") as tmp:
        figures = rows(measure(args.episodes, Path(tmp), behaviour))
        figures += plan_rows(measure_plan(args.plan_episodes, Path(tmp), behaviour), behaviour)
    for _, figure, value in figures:
        print(f"{figure:<55} {value}")


if __name__ == "__main__":
    main()
