"""Measure prompt size per role across an offline season: recall must keep it flat.

Run: `python -m evals.context_growth --episodes 60 --at 1,10,30,60`
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel

from agents.llm import offline_model
from agents.offline.writer import estimate_tokens
from agents.room import ROLES, Role, RoomContext
from graphs.season import build_season_graph
from graphs.state import SeasonInput
from graphs.tracing import TraceRecorder, TraceStore
from memory.bible import StoryBible

PREMISE = "A delivery rider is secretly the heir to the logistics empire that fired her father."


class _NullSink:
    def save_episode(self, episode: int, name: str, value: BaseModel) -> None:
        return None

    def save_series(self, name: str, value: BaseModel) -> None:
        return None


@dataclass(frozen=True)
class PromptSize:
    """Estimated prompt tokens of one role's first call in one episode."""

    role: str
    episode: int
    tokens: int


async def measure(episodes: int, *, language: str = "en", seed: int = 7, workdir: Path) -> list[PromptSize]:
    """Produce an offline season and return each role's first-call prompt size per episode."""
    writer = offline_model(seed=seed, slip_rate=0.0)
    models: dict[Role, object] = {role: writer for role in ROLES}
    bible = StoryBible(workdir / "bible")
    store = TraceStore(workdir / "traces.sqlite")
    run_id = store.start_run("growth", "context_growth", {})
    ctx = RoomContext(
        models=models,  # type: ignore[arg-type]
        bible=bible,
        artifacts=_NullSink(),
        language="zh" if language == "zh" else "en",
        seed=seed,
        target_seconds=90,
    )
    graph = build_season_graph().compile(checkpointer=InMemorySaver())
    config = RunnableConfig(
        configurable={"thread_id": "growth"},
        callbacks=[TraceRecorder(store, run_id)],
        recursion_limit=100 + 12 * episodes,
    )
    start = SeasonInput(
        premise=PREMISE, episodes=episodes, approval="auto", paywall_episode=max(2, episodes // 8), genre=None
    )
    try:
        await graph.ainvoke(start, config, context=ctx)
        sizes: dict[tuple[str, int], int] = {}
        for event in store.events(run_id, kinds=("llm",)):
            if event.episode is None:
                continue
            key = (event.role, event.episode)
            sizes.setdefault(key, estimate_tokens(event.prompt))
    finally:
        bible.close()
        store.close()
    return [PromptSize(role, episode, tokens) for (role, episode), tokens in sorted(sizes.items())]


ROLES_SHOWN = ("screenwriter", "continuity")


def tokens_at(sizes: Sequence[PromptSize], role: str, at: Sequence[int]) -> list[int]:
    """Return one role's prompt tokens at some episodes (0 where it made no call)."""
    lookup = {(s.role, s.episode): s.tokens for s in sizes}
    return [lookup.get((role, n), 0) for n in at]


def table(sizes: Sequence[PromptSize], at: Sequence[int], roles: Sequence[str] = ROLES_SHOWN) -> str:
    """Render prompt tokens for some roles at some episodes, with the last/first ratio."""
    header = "role          " + "".join(f"ep{n:<7}" for n in at) + "last/first"
    rows = [header]
    for role in roles:
        values = tokens_at(sizes, role, at)
        ratio = values[-1] / values[0] if values[0] else float("nan")
        rows.append(f"{role:<14}" + "".join(f"{v:<9}" for v in values) + f"{ratio:.2f}")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the prompt-size table for an offline season."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=60)
    parser.add_argument("--at", default="1,10,30,60", help="comma-separated episode numbers")
    parser.add_argument("--language", default="en", choices=["en", "zh"])
    args = parser.parse_args(argv)
    at = [int(n) for n in args.at.split(",")]
    if max(at) > args.episodes:
        parser.error(f"--at asks for episode {max(at)} of a {args.episodes}-episode season")
    with tempfile.TemporaryDirectory() as tmp:
        sizes = asyncio.run(measure(args.episodes, language=args.language, workdir=Path(tmp)))
    print(f"prompt tokens (estimated) of each role's first call, offline {args.language} season of {args.episodes}")
    print(table(sizes, at))


if __name__ == "__main__":
    main()
