"""The notes eval's in-process room: the season graph on the offline stack, forked at episode 1's gate per note.

`dramaroom approve --reject --note` resumes the season graph's approval gate with a rejection; this does the
same with the same graph, context and limits as dramaroom.production builds for an offline workspace, but
keeps the checkpoints in memory so one produced series can answer every note from the same gate (a copy of
the checkpoints per note) without loading the embedding model again for each. `--cli` in evals.notes_eval
runs the real CLI instead, one process per note.
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from pydantic import BaseModel

from agents.llm import offline_model
from agents.room import ROLES, RoomContext, RoomLimits
from agents.showrunner import paywall_for
from evals.notes_slots import Episode, NoteSeries
from graphs.checkpoint import state_serializer
from graphs.season import build_season_graph
from graphs.state import Decision, RevisionRecord, SeasonInput
from memory.bible import StoryBible
from memory.schema import Script, SeasonPlan, SeriesBible, ShotList

THREAD = "notes-eval"
PAYWALL_FRACTION = 0.12  # dramaroom.config's default [room] paywall_fraction


class _Sink:
    """Keeps the latest value of every artifact the room saves."""

    def __init__(self) -> None:
        self.episode: dict[tuple[int, str], BaseModel] = {}
        self.series: dict[str, BaseModel] = {}

    def save_episode(self, episode: int, name: str, value: BaseModel) -> None:
        self.episode[(episode, name)] = value

    def save_series(self, name: str, value: BaseModel) -> None:
        self.series[name] = value


def _committed_before(bible: StoryBible, episode: int) -> list[Script]:
    scripts = (bible.script(n) for n in bible.committed_episodes() if n < episode)
    return [s for s in scripts if s is not None]


@dataclass
class GateRoom:
    """A series produced to episode 1's gate, ready to be forked once per note."""

    spec: NoteSeries
    bible: StoryBible
    saver: InMemorySaver
    sink: _Sink
    folder: Path

    @property
    def config(self) -> RunnableConfig:
        """The run config: dramaroom.production's recursion limit for a season of this length."""
        return RunnableConfig(configurable={"thread_id": THREAD}, recursion_limit=100 + 12 * self.spec.episodes)

    def context(self, sink: _Sink) -> RoomContext:
        """The run context dramaroom.production builds for an offline workspace with default settings."""
        writer = offline_model(seed=self.spec.seed, history=partial(_committed_before, self.bible))
        return RoomContext(
            models={role: writer for role in ROLES},
            bible=self.bible,
            artifacts=sink,
            language=self.spec.language,
            seed=self.spec.seed,
            target_seconds=90,
            limits=RoomLimits(),
        )

    def episode(self) -> Episode:
        """Episode 1 as it waits at the gate."""
        series = self.sink.series.get("canon"), self.sink.series.get("season_plan")
        script = self.sink.episode[(1, "script")]
        shots = self.sink.episode.get((1, "shotlist"))
        canon, plan = series
        if not isinstance(plan, SeasonPlan):
            bible = self.sink.series.get("series")
            plan = bible.plan if isinstance(bible, SeriesBible) else plan
        assert isinstance(script, Script) and isinstance(plan, SeasonPlan)
        return Episode(
            canon=canon if canon is not None else self.bible.canon_at(1),
            brief=plan.episodes[0],
            script=script,
            shots=shots if isinstance(shots, ShotList) else None,
        )

    def close(self) -> None:
        """Close the bible."""
        self.bible.close()


async def produce(spec: NoteSeries, root: Path) -> GateRoom:
    """Plan and draft a season with a manual gate until episode 1 waits for approval."""
    folder = Path(tempfile.mkdtemp(prefix=f"{spec.id}-", dir=root))
    room = GateRoom(
        spec=spec,
        bible=StoryBible(folder / "bible"),
        saver=InMemorySaver(serde=state_serializer()),
        sink=_Sink(),
        folder=folder,
    )
    start = SeasonInput(
        premise=spec.premise,
        episodes=spec.episodes,
        approval="manual",
        paywall_episode=min(paywall_for(spec.episodes, PAYWALL_FRACTION), spec.episodes),
        genre=spec.genre,
        tone=None,
    )
    graph = build_season_graph().compile(checkpointer=room.saver)
    await graph.ainvoke(start, room.config, context=room.context(room.sink), durability="sync")
    if (1, "script") not in room.sink.episode:
        raise RuntimeError(f"the season {spec.id} did not reach episode 1's gate")
    return room


@dataclass
class Rejected:
    """What the room saved after one rejection."""

    history: list[RevisionRecord]
    drafts: dict[int, Script]
    script: Script


async def reject(room: GateRoom, note: str) -> Rejected:
    """Reject episode 1 at a copy of the gate with a note, as `dramaroom approve --reject --note` does."""
    saver = InMemorySaver(serde=state_serializer())
    saver.storage = copy.deepcopy(room.saver.storage)
    saver.writes = copy.deepcopy(room.saver.writes)
    saver.blobs = copy.deepcopy(room.saver.blobs)
    sink = _Sink()
    sink.episode, sink.series = dict(room.sink.episode), dict(room.sink.series)
    graph = build_season_graph().compile(checkpointer=saver)
    decision = Decision(approved=False, note=note, by="human")
    await graph.ainvoke(Command(resume=decision), room.config, context=room.context(sink), durability="sync")
    review = sink.episode.get((1, "review"))
    history = list(getattr(review, "history", []) or [])
    drafts: dict[int, Script] = {}
    for (number, name), value in sink.episode.items():
        if number == 1 and name.startswith("drafts/script.r") and isinstance(value, Script):
            drafts[int(name.removeprefix("drafts/script.r"))] = value
    script = sink.episode[(1, "script")]
    assert isinstance(script, Script)
    return Rejected(history=[RevisionRecord.model_validate(h.model_dump()) for h in history], drafts=drafts,
                    script=script)  # fmt: skip
