"""`dramaroom chat`: talk to the showrunner; replies stream, actions show as they happen.

One conversation thread per series is kept in state/chat.sqlite, so a chat
picks up where it stopped; `--new` starts another and keeps the old one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command
from rich.console import Console
from rich.markup import escape

from agents.llm import LlmError
from agents.messages import say
from agents.showrunner_chat import dump_args, read_result
from dramaroom.chat_tools import ShowrunnerTools
from dramaroom.errors import UserError
from dramaroom.production import build_models, endpoint_tool_support, pending_question
from dramaroom.settings import Settings
from dramaroom.trace_history import open_traces
from dramaroom.workspace import Workspace, write_atomic
from graphs.chat import ChatContext, build_chat_graph
from graphs.checkpoint import sqlite_checkpointer
from graphs.tracing import TraceRecorder, TraceStore

out = Console(highlight=False, soft_wrap=True)
SeriesArg = Annotated[Path, typer.Argument(help="The series workspace folder.", show_default=False)]
_SPOKEN = ("showrunner", "slash", "wrap")
_QUIT = {"/quit", "/exit", "/q", "quit", "exit"}


def _thread(ws: Workspace, new: bool) -> tuple[str, bool]:
    """Return the conversation thread id, starting a new one when asked; and whether it is new."""
    path = ws.state_dir / "chat.json"
    count = json.loads(path.read_text(encoding="utf-8")).get("count", 0) if path.exists() else 0
    fresh = new or count == 0
    if fresh:
        count += 1
        write_atomic(path, json.dumps({"count": count}) + "\n")
    return f"chat-{count}", fresh


class _Printer:
    """Write one turn's stream: reply tokens as they come, tool calls and results as lines."""

    def __init__(self) -> None:
        self.open_line = False

    def token(self, text: str) -> None:
        if not self.open_line:
            out.print("[bold cyan]showrunner>[/] ", end="")
            self.open_line = True
        out.print(text, end="", markup=False, soft_wrap=True)

    def line(self, text: str, style: str = "dim") -> None:
        self.end()
        out.print(f"[{style}]{escape(text)}[/]", soft_wrap=True)

    def end(self) -> None:
        if self.open_line:
            out.print()
            self.open_line = False

    def update(self, node: str, update: object) -> None:
        messages = update.get("messages", []) if isinstance(update, dict) else []
        for message in messages:
            if isinstance(message, AIMessage) and message.tool_calls:
                for call in message.tool_calls:
                    self.line(f"  → {call['name']}({dump_args(call['args'])})", "yellow")
            elif isinstance(message, ToolMessage) and node == "act":
                result = read_result(message.text)
                mark, style = ("✓", "green") if result.ok else ("✗", "red")
                if result.confirm:  # a change waiting for confirmation shows in full: the answer comes right after it
                    self.line(f"  {mark} {message.name}: {result.summary.strip()}", style)
                    continue
                # The reply says what was found; the tool line only says which tool answered, and from where.
                sources = f" [{', '.join(result.sources[:4])}]" if result.sources else ""
                self.line(f"  {mark} {message.name}{sources}", style)


async def _stream(graph: object, value: object, config: RunnableConfig, ctx: ChatContext) -> None:
    printer = _Printer()
    async for mode, chunk in graph.astream(  # type: ignore[attr-defined]
        value, config, context=ctx, stream_mode=["messages", "updates"]
    ):
        if mode == "messages":
            message, meta = chunk
            node = meta.get("langgraph_node") if isinstance(meta, dict) else None
            spoken = node in _SPOKEN and isinstance(message, AIMessageChunk | AIMessage)
            if not ctx.native_tools and isinstance(message, AIMessageChunk):
                spoken = False  # the tokens are the JSON of a tool pick; the reply arrives as one message
            if spoken and isinstance(message.content, str) and message.content:
                printer.token(message.content)
        elif isinstance(chunk, dict):
            for node, update in chunk.items():
                if node != "__interrupt__":
                    printer.update(node, update)
    printer.end()


async def _pending_question(graph: object, config: RunnableConfig) -> str | None:
    pending = await pending_question(graph, config)
    return None if pending is None else pending.question


async def _ask(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


async def _turn(graph: object, value: object, config: RunnableConfig, ctx: ChatContext) -> bool:
    """Run one turn to its end, asking any confirmation on the way; return False when input ended."""
    await _stream(graph, value, config, ctx)
    while (question := await _pending_question(graph, config)) is not None:
        out.print(f"[bold yellow]confirm>[/] {question}", soft_wrap=True)
        answer = await _ask("apply? [y/N] ")
        if answer is None:
            return False
        await _stream(graph, Command(resume=answer.strip() or "no"), config, ctx)
    return True


async def _session(ws: Workspace, settings: Settings, thread: str, traces: TraceStore) -> None:
    model = build_models(settings, ws)["showrunner"]
    tools = ShowrunnerTools(ws, settings, say=lambda text: out.print(f"[dim]    {text}[/]", soft_wrap=True))
    lang = ws.config.series.language
    support = endpoint_tool_support(settings, model)
    if not support.native:
        out.print(f"[dim]{escape(say(lang, 'chat.tools_by_json', source=support.source))}[/]", soft_wrap=True)
    ctx = ChatContext(
        model=model, tools=tools.tools(), snapshot=tools.snapshot, language=lang, native_tools=support.native
    )
    run_id = traces.start_run(thread, "chat", {"showrunner": model.label})
    status = "done"
    try:
        async with sqlite_checkpointer(ws.state_dir / "chat.sqlite") as saver:
            graph = build_chat_graph().compile(checkpointer=saver)
            config = RunnableConfig(
                configurable={"thread_id": thread}, callbacks=[TraceRecorder(traces, run_id)], recursion_limit=60
            )
            if await _pending_question(graph, config) is not None and not await _turn(graph, None, config, ctx):
                return
            while True:
                line = await _ask("you> ")
                if line is None or line.strip().lower() in _QUIT:
                    out.print(f"bye: the conversation is kept; `dramaroom chat {ws.root}` picks it up again")
                    return
                if not line.strip():
                    continue
                traces.add(run_id, "room", node="chat", output=line.strip(), detail={"kind": "user"})
                try:
                    if not await _turn(graph, {"messages": [HumanMessage(content=line.strip())]}, config, ctx):
                        return
                except (LlmError, UserError) as exc:
                    out.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
    except BaseException as exc:
        status = "failed"
        traces.end_run(run_id, status, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if status == "done":
            traces.end_run(run_id, "done")


def chat(
    series: SeriesArg,
    new: Annotated[bool, typer.Option("--new", help="Start a new conversation (the old one is kept).")] = False,
) -> None:
    """Talk to the showrunner: ask about canon, change it, revise the plan, produce, approve, render."""
    ws = Workspace.open(series)
    settings = Settings()
    thread, fresh = _thread(ws, new)
    if settings.endpoint_configured:
        who = f"model endpoint {settings.openai_base_url or 'api.openai.com'}"
    else:
        who = "offline showrunner (no OPENAI_BASE_URL set): it follows clear requests and commands, not free talk"
    state = "new conversation" if fresh else "continuing the conversation"
    out.print(
        f"[bold]showrunner chat[/] - {ws.root.name} - {who}; {state} {thread}. /help lists commands, /quit leaves."
    )
    if not sys.stdin.isatty():
        out.print("[dim](reading requests from standard input)[/]")
    traces = open_traces(ws, settings)
    history = _line_editing(ws) if sys.stdin.isatty() else None
    try:
        asyncio.run(_session(ws, settings, thread, traces))
    except UserError:
        raise
    finally:
        traces.close()
        if history is not None:
            history()


def _line_editing(ws: Workspace) -> Callable[[], None] | None:
    """Give the prompt line editing and history (arrow keys, Ctrl-R) on a terminal; return how to save it.

    The history is the series' own (state/chat_history), so requests for one series do not come up in another.
    """
    try:
        import readline
    except ImportError:  # a Python built without readline: plain input still works
        return None
    path = ws.state_dir / "chat_history"
    with contextlib.suppress(OSError):  # no history yet
        readline.read_history_file(path)
    readline.set_history_length(1000)

    def save() -> None:
        with contextlib.suppress(OSError):  # a read-only workspace keeps no history; the chat is checkpointed anyway
            readline.write_history_file(path)

    return save
