"""Graphs for `langgraph dev`: the season graph and the showrunner chat over a workspace named in the context."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from dramaroom.chat_tools import ShowrunnerTools
from dramaroom.production import build_models, build_room, endpoint_tool_support
from dramaroom.settings import Settings
from dramaroom.workspace import Workspace
from graphs.chat import ChatContext, ChatState, build_chat_graph
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


async def converse(state: ChatState, runtime: Runtime[ServeContext]) -> dict[str, object]:
    """Run one chat turn over the workspace; a canon change to confirm surfaces as this run's interrupt."""
    ws = Workspace.open(Path(runtime.context.workspace))
    settings = Settings()
    tools = ShowrunnerTools(ws, settings, say=lambda text: None)
    model = build_models(settings, ws)["showrunner"]
    ctx = ChatContext(
        model=model,
        tools=tools.tools(),
        snapshot=tools.snapshot,
        language=ws.config.series.language,
        native_tools=endpoint_tool_support(settings, model).native,
    )
    return dict(await build_chat_graph().compile().ainvoke(state, context=ctx))


def _build_chat() -> StateGraph[ChatState, ServeContext, ChatState, ChatState]:
    graph = StateGraph(ChatState, context_schema=ServeContext)
    graph.add_node("converse", converse)
    graph.add_edge(START, "converse")
    graph.add_edge("converse", END)
    return graph


showrunner = _build_chat().compile()
