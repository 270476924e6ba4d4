"""Graphs for `langgraph dev`: the season graph over a workspace named in the run's context."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from dramaroom.production import build_room
from dramaroom.settings import Settings
from dramaroom.workspace import Workspace
from graphs.season import build_season_graph
from graphs.state import SeasonInput, SeasonOutput, SeasonState


@dataclass(frozen=True)
class ServeContext:
    """What a served run needs: the workspace folder to produce in."""

    workspace: str


async def produce(state: SeasonInput, runtime: Runtime[ServeContext]) -> dict[str, object]:
    """Open the workspace and run the season graph in it; gates surface as this run's interrupts."""
    ws = Workspace.open(Path(runtime.context.workspace))
    room = build_room(ws, Settings())
    try:
        # Compiled without a checkpointer so it checkpoints into the server's thread.
        result = await build_season_graph().compile().ainvoke(state, context=room)
    finally:
        room.bible.close()
    return dict(result)


def _build() -> StateGraph[SeasonState, ServeContext, SeasonInput, SeasonOutput]:
    graph = StateGraph(SeasonState, context_schema=ServeContext, input_schema=SeasonInput, output_schema=SeasonOutput)
    graph.add_node("produce", produce)
    graph.add_edge(START, "produce")
    graph.add_edge("produce", END)
    return graph


season = _build().compile()
