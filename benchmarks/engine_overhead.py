"""Measure the engine's cost per episode with the offline writer, stage by stage, from the trace store.

Run from the repo root: `python -m benchmarks.engine_overhead [--episodes 80]`

With the offline writer a model call takes milliseconds, so what is left is the room itself: prompts,
deterministic reviews, the story bible (MiniLM embeddings, chromadb), checkpoints and traces.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.season_throughput import PREMISE, warm_embedder
from dramaroom.config import SeriesConfig, SeriesSection
from dramaroom.production import run_season
from dramaroom.settings import Settings
from dramaroom.workspace import Workspace
from graphs.tracing import CONTAINER_NODE, TraceStore

Row = tuple[str, str, str]

ONCE = ("plan", "review_plan", "commit_plan")
PER_EPISODE = (
    "schedule",
    "draft",
    "review_continuity",
    "review_ethics",
    "shot_list",
    "review_shots",
    "gate",
    "commit",
    "record",
)


@dataclass(frozen=True)
class Overhead:
    """Where an offline season's wall time went."""

    episodes: int
    committed: int
    wall_s: float
    embedder_load_s: float
    stage_s: dict[str, float]
    stage_runs: dict[str, int]
    writer_s: float
    """Time inside the offline writer's model calls."""

    @property
    def engine_s(self) -> float:
        """Return wall time outside every node: graph engine, checkpoints, run start and end."""
        return self.wall_s - sum(self.stage_s.values())

    @property
    def episode_s(self) -> float:
        """Return seconds per episode, the one-off planning stages left out."""
        once = sum(self.stage_s.get(stage, 0.0) for stage in ONCE)
        return (self.wall_s - once) / max(1, self.episodes)


def measure(episodes: int, workdir: Path, seed: int = 7) -> Overhead:
    """Produce an offline season with run_season and return its stage times from the trace store."""
    load_s = warm_embedder()
    config = SeriesConfig(series=SeriesSection(premise=PREMISE, episodes=episodes, seed=seed))
    ws = Workspace.create(workdir / "series", config)
    # Explicitly offline, whatever the environment says.
    settings = Settings(OPENAI_BASE_URL=None, OPENAI_API_KEY=None)
    started = time.perf_counter()
    result = asyncio.run(run_season(ws, settings, approval="auto", command="produce (benchmark)"))
    wall = time.perf_counter() - started
    stage_s: dict[str, float] = defaultdict(float)
    stage_runs: dict[str, int] = defaultdict(int)
    store = TraceStore(ws.traces_path)
    try:
        events = store.events(result.run_id, kinds=("node", "llm"))
    finally:
        store.close()
    writer_s = 0.0
    for event in events:
        if event.kind == "llm":
            writer_s += event.latency_ms / 1000
        elif event.node != CONTAINER_NODE:  # it wraps the stages above: counting it would count them twice
            stage_s[event.node] += event.latency_ms / 1000
            stage_runs[event.node] += 1
    return Overhead(
        episodes=episodes,
        committed=sum(1 for o in result.outcomes if o.status == "committed"),
        wall_s=wall,
        embedder_load_s=load_s,
        stage_s=dict(stage_s),
        stage_runs=dict(stage_runs),
        writer_s=writer_s,
    )


def rows(o: Overhead) -> list[Row]:
    """Return the benchmark's rows for the one results table."""
    name = f"engine overhead: {o.episodes}-episode offline season, offline writer, {os.cpu_count()} cores"
    n = max(1, o.episodes)
    out: list[Row] = [
        (name, "wall time (MiniLM load excluded)", f"{o.wall_s:.1f} s ({o.committed} committed)"),
        (name, "per episode, planning left out", f"{o.episode_s:.3f} s"),
        (name, "one-off: plan / review_plan / commit_plan", " / ".join(f"{o.stage_s.get(s, 0.0):.2f} s" for s in ONCE)),
    ]
    per_episode = o.wall_s - sum(o.stage_s.get(s, 0.0) for s in ONCE)
    known = set(ONCE) | set(PER_EPISODE)
    stages = [s for s in PER_EPISODE if s in o.stage_s] + sorted(set(o.stage_s) - known)
    for stage in stages:
        seconds = o.stage_s[stage]
        share = seconds / per_episode if per_episode else float("nan")
        runs = o.stage_runs[stage]
        out.append((name, f"stage `{stage}` ({runs} runs)", f"{seconds / n:.3f} s/episode ({share:.0%})"))
    engine_share = o.engine_s / per_episode if per_episode else float("nan")
    out.append(
        (
            name,
            "outside nodes: graph engine, checkpoints, run start/end",
            f"{o.engine_s / n:.3f} s/episode ({engine_share:.0%})",
        )
    )
    out.append((name, "of all the above, inside offline-writer model calls", f"{o.writer_s / n:.3f} s/episode"))
    out.append((name, "MiniLM load, once per process (not in wall time)", f"{o.embedder_load_s:.1f} s"))
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """Print the stage breakdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--episodes", type=int, default=80)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dramaroom-bench-") as tmp:
        figures = rows(measure(args.episodes, Path(tmp)))
    for _, figure, value in figures:
        print(f"{figure:<55} {value}")


if __name__ == "__main__":
    main()
