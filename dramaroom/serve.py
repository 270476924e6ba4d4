"""Graphs for `langgraph dev` (LangGraph Server and Studio): the season graph and the showrunner chat.

The season graph is the CLI's own graph, node for node with the episode subgraph, built per run by a graph
factory: for a run it opens the workspace the run's context names, takes the workspace's writer lock as the
CLI does, records the run in the workspace's trace store, and gives every node the run's room
(`graphs.bound`). For the server's other calls (schemas, drawing the graph) it builds the same structure with
no room. Progress goes out as custom stream events, one per line the CLI would print.

A run's context is `{"workspace": PATH}`; `DRAMAROOM_WORKSPACE` in the server's environment is the default,
and also gives the input form its defaults from that workspace's dramaroom.toml.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import RunnableConfig
from langgraph.config import get_stream_writer
from langgraph.errors import GraphBubbleUp
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph_sdk.runtime import ServerRuntime
from pydantic import BaseModel, Field, create_model

from agents.llm import LlmError
from agents.room import ApprovalMode, RoomContext, RoomEvent
from dramaroom.chat_tools import ShowrunnerTools
from dramaroom.config import MAX_EPISODES, SeriesConfig, SeriesSection
from dramaroom.errors import UserError
from dramaroom.production import build_models, build_room, endpoint_tool_support, season_input
from dramaroom.serve_checkpoints import claim
from dramaroom.settings import Settings
from dramaroom.trace_history import open_traces
from dramaroom.workspace import Workspace
from graphs.chat import ChatContext, ChatState, build_chat_graph
from graphs.season import build_season_graph
from graphs.tracing import TraceRecorder, TraceStore
from memory.bible import StoryBible
from memory.schema import Language

WORKSPACE_ENV = "DRAMAROOM_WORKSPACE"


@dataclass(frozen=True)
class ServeContext:
    """What a served run names: the workspace folder to produce in."""

    workspace: str = field(default_factory=lambda: os.environ.get(WORKSPACE_ENV, ""))


def open_workspace(context: object) -> Workspace:
    """Open the workspace a run's context names; a client's mistake is a ValueError (the server shows its text)."""
    given = context.get("workspace") if isinstance(context, Mapping) else getattr(context, "workspace", "")
    path = str(given or os.environ.get(WORKSPACE_ENV, ""))
    if not path:
        raise ValueError(
            'no workspace: send the context {"workspace": "/path/to/series"}, '
            f"or start the server with {WORKSPACE_ENV}=/path/to/series"
        )
    try:
        return Workspace.open(Path(path).expanduser())
    except UserError as exc:
        raise ValueError(str(exc)) from exc


# ----------------------------------------------------------------------------------------------- the form


def season_form(config: SeriesConfig | None) -> type[BaseModel]:
    """Return the season's input form: a field left empty takes the workspace's dramaroom.toml value, which the
    field's description shows when the server knows the workspace (`DRAMAROOM_WORKSPACE`)."""
    stored = config.series.model_dump() if config is not None else {}

    def about(name: str, what: str) -> str:
        value = stored.get(name)
        return f"{what} Empty: dramaroom.toml's" + (f" ({value!r})." if value not in (None, "", 0) else ".")

    fields: dict[str, Any] = {
        "premise": (str | None, Field(default=None, max_length=4000, description=about("premise", "The premise."))),
        "episodes": (
            int | None,
            Field(default=None, ge=1, le=MAX_EPISODES, description=about("episodes", "Episodes.")),
        ),
        "language": (Language | None, Field(default=None, description=about("language", "en or zh."))),
        "approval": (ApprovalMode, Field(default="manual", description="manual: stop at each episode's gate.")),
        "paywall_episode": (int | None, Field(default=None, ge=1, description=about("paywall_episode", "Paywall."))),
        "genre": (str | None, Field(default=None, description=about("genre", "Genre."))),
        "tone": (str | None, Field(default=None, description=about("tone", "Tone."))),
    }
    doc = "Produce the season; a field left empty takes the workspace's dramaroom.toml value."
    return create_model("SeasonForm", __doc__=doc, **fields)


_FORM_FIELDS = ("premise", "episodes", "language", "paywall_episode", "genre", "tone")


async def intake(state: Mapping[str, Any], runtime: Runtime[Any]) -> dict[str, object]:
    """Read the form against dramaroom.toml, the one record of the season's inputs: before planning, a field
    the form changes is saved there (said in a progress event); once the season is planned, a change the form
    cannot make is refused with what to run instead."""
    ws = open_workspace(runtime.context)
    stored = ws.config.series.model_dump()
    given = {k: state.get(k) or stored[k] for k in _FORM_FIELDS}
    changed = [k for k in _FORM_FIELDS if given[k] != stored[k]]
    if changed and _planned(ws):
        raise ValueError(
            f"this season is already planned, so the form cannot change its {', '.join(changed)} "
            "(dramaroom.toml keeps what was planned): use `dramaroom extend` for more episodes, "
            "`dramaroom plan paywall` for the paywall, or a new workspace for a new premise"
        )
    if changed:
        series = SeriesSection.model_validate(stored | {k: given[k] for k in changed})
        ws.save_config(ws.config.model_copy(update={"series": series}))
        _emit({"kind": "intake", "message": f"dramaroom.toml: {', '.join(changed)} set from the form"})
    if not given["premise"]:
        raise ValueError("no premise: write one in the form's premise field, or in the workspace's dramaroom.toml")
    return dict(season_input(Workspace.open(ws.root), "auto" if state.get("approval") == "auto" else "manual"))


def _planned(ws: Workspace) -> bool:
    bible = StoryBible(ws.bible_dir, ws.config.embeddings)
    try:
        return bible.has_series()
    finally:
        bible.close()


def _emit(payload: dict[str, object]) -> None:
    """Send one progress event on the run's custom stream (nothing, outside a run)."""
    with suppress(RuntimeError):
        get_stream_writer()(payload)


# ------------------------------------------------------------------------------------------- the season


class _Ending(BaseCallbackHandler):
    """Notes whether the served graph itself failed (an error a node handled, a re-ask's, is not a failure)."""

    def __init__(self) -> None:
        self.error = ""
        self._root: UUID | None = None

    def on_chain_start(
        self, serialized: dict[str, Any], inputs: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any
    ) -> None:
        if parent_run_id is None and self._root is None:
            self._root = run_id

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        if run_id == self._root and not isinstance(error, GraphBubbleUp):  # an interrupt is a pause
            self.error = f"{type(error).__name__}: {error}"


@dataclass
class _ServedRun:
    """One server run over a workspace: its room (built when a node first needs it) and its trace."""

    ws: Workspace
    traces: TraceStore
    run_id: str
    events: list[RoomEvent] = field(default_factory=list)
    _room: RoomContext | None = None

    def room(self) -> RoomContext:
        if self._room is None:
            self.ws = Workspace.open(self.ws.root)  # the intake may have changed dramaroom.toml
            self._room = build_room(self.ws, Settings(), on_event=self.event)
        return self._room

    def event(self, event: RoomEvent) -> None:
        self.events.append(event)
        self.traces.add(self.run_id, "room", episode=event.episode, node=event.node, output=event.message)
        language = self.ws.config.series.language
        _emit({"kind": event.kind, "episode": event.episode, "node": event.node, "message": event.line(language)})

    def close(self) -> None:
        if self._room is not None:
            self._room.bible.close()

    def status(self, ending: _Ending) -> tuple[str, str]:
        """Return the trace status of the run as it ended, as the CLI's runs say it."""
        if ending.error:
            return "failed", ending.error
        last = self.events[-1] if self.events else None
        if last is not None and last.kind == "gate" and last.message.startswith("waiting for approval"):
            return "paused", last.message  # the gate's interrupt ends the run right after this event
        blocked = next((e for e in self.events if e.kind == "blocked"), None)
        return ("blocked", blocked.message) if blocked is not None else ("done", "")


def _structure(config: SeriesConfig | None) -> CompiledStateGraph[Any, Any, Any, Any]:
    graph = build_season_graph(None, ServeContext, intake, input_schema=season_form(config))
    return graph.compile(name="season")


@asynccontextmanager
async def season(
    config: RunnableConfig, runtime: ServerRuntime[ServeContext]
) -> AsyncIterator[CompiledStateGraph[Any, Any, Any, Any]]:
    """The served season graph (a graph factory: langgraph.json names it)."""
    execution = runtime.execution_runtime
    if execution is None:  # schemas, drawing, reading state: the structure, with the form of the default workspace
        default = os.environ.get(WORKSPACE_ENV)
        yield _structure(Workspace.open(Path(default)).config if default and Path(default).is_dir() else None)
        return
    ws = open_workspace(execution.context)
    settings = Settings()
    traces = open_traces(ws, settings)
    try:
        with _as_value_error(), ws.writing():  # one writer per workspace, server or CLI
            thread = str(config.get("configurable", {}).get("thread_id") or "server")
            claim(thread, ws.checkpoints_path)  # this thread's checkpoints live in the workspace, as the CLI's do
            labels: dict[str, str] = {role: m.label for role, m in build_models(settings, ws).items()}
            run = _ServedRun(ws, traces, traces.start_run(thread, "serve season", labels))
            ending = _Ending()
            graph = build_season_graph(run.room, ServeContext, intake, input_schema=season_form(ws.config))
            compiled = graph.compile(name="season").with_config(
                callbacks=[TraceRecorder(traces, run.run_id), ending],
                recursion_limit=100 + 12 * max(ws.config.series.episodes, 12),
            )
            try:
                yield compiled
            except BaseException as exc:
                stopped = isinstance(exc, GeneratorExit | asyncio.CancelledError)  # the client cancelled the run
                traces.end_run(run.run_id, "interrupted" if stopped else "failed", str(exc))
                raise
            else:
                traces.end_run(run.run_id, *run.status(ending))
            finally:
                run.close()
    finally:
        traces.close()


@contextmanager
def _as_value_error() -> Iterator[None]:
    """Turn the room's own errors into ValueError, whose text the server passes to the client."""
    try:
        yield
    except (UserError, LlmError) as exc:
        raise ValueError(str(exc)) from exc


# --------------------------------------------------------------------------------------------- the chat


async def converse(state: ChatState, runtime: Runtime[ServeContext]) -> dict[str, object]:
    """Run one chat turn over the workspace; a canon change to confirm surfaces as this run's interrupt."""
    ws = open_workspace(runtime.context)
    settings = Settings()
    with _as_value_error():
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
