"""The showrunner chat graph: talk, call tools, ask before a contradicting canon change, reply.

    START → turn ─┬─ slash ─────────────┐
                  └─ showrunner ⇄ act ──┼─ confirm (interrupt: apply this change?)
                                        └─ wrap (slash commands, step limit)

A slash command never reaches the model: `slash` turns it into a tool call and
`wrap` reports the result, so `/approve 3` works the same offline and online.
The model sees every tool but `apply_canon_change`; only `confirm` calls that,
and only after the user said yes at the interrupt.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal, NotRequired

import openai
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import ValidationError

# pydantic (and so the served graph's schemas) needs typing_extensions.TypedDict before Python 3.12.
from typing_extensions import TypedDict

from agents.llm import RoleModel
from agents.messages import say
from agents.room import call_config
from agents.showrunner_chat import (
    APPLY_CANON_CHANGE,
    TOOL_NAMES,
    TOOL_SPECS,
    ToolPick,
    ToolResult,
    chat_system_prompt,
    parse_slash,
    pick_problem,
    read_result,
    summarise_results,
    tools_by_json_prompt,
)
from graphs.state import ChatQuestion

Update = dict[str, object]


class ChatState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    steps: NotRequired[int]
    slash: NotRequired[bool]
    pending: NotRequired[dict[str, object] | None]


@dataclass(frozen=True)
class ChatContext:
    """What one chat session needs: the showrunner's model, the tools, a view of the series."""

    model: RoleModel
    tools: Sequence[BaseTool]
    snapshot: Callable[[], dict[str, object]]
    max_steps: int = 6
    window: int = 40
    language: str = "en"  # the series' language: what the graph itself says (help, confirmations) is in it
    native_tools: bool = True  # False: the server drops tools, so the model picks each step as JSON

    def tool(self, name: str) -> BaseTool | None:
        """Return a tool by name."""
        return next((t for t in self.tools if t.name == name), None)


def openai_tools() -> list[dict[str, object]]:
    """Return the model-visible tools as OpenAI function schemas."""
    return [
        {
            "type": "function",
            "function": {"name": s.name, "description": s.description, "parameters": s.args.model_json_schema()},
        }
        for s in TOOL_SPECS
    ]


def _last_human(messages: Sequence[BaseMessage]) -> int:
    return max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=0)


def _window(messages: Sequence[BaseMessage], size: int) -> list[BaseMessage]:
    """Return the recent conversation, cut only at a user message so tool calls keep their results."""
    starts = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    keep = next((i for i in starts if len(messages) - i <= size), starts[-1] if starts else 0)
    return list(messages[keep:])


async def turn(state: ChatState) -> Update:
    """Start a user turn: reset the step counter, note whether it is a slash command."""
    last = state["messages"][-1]
    text = last.text.strip() if isinstance(last, HumanMessage) else ""
    return {"steps": 0, "slash": text.startswith("/"), "pending": None}


async def slash(state: ChatState, runtime: Runtime[ChatContext]) -> Update:
    """Turn a slash command into a tool call, or answer it (help, unknown command) directly."""
    call = parse_slash(state["messages"][-1].text, runtime.context.language)
    if not call.tool:
        return {"messages": [AIMessage(content=call.text)]}
    tool_call = {"name": call.tool, "args": dict(call.args or {}), "id": f"slash-{len(state['messages'])}"}
    return {"messages": [AIMessage(content="", tool_calls=[tool_call])]}


async def showrunner(state: ChatState, runtime: Runtime[ChatContext]) -> Update:
    """Ask the showrunner's model for a reply or tool calls."""
    ctx = runtime.context
    system = chat_system_prompt(ctx.snapshot())
    recent = _window(state["messages"], ctx.window)
    if not ctx.native_tools:
        return {"messages": [await _pick_by_json(ctx, system, recent)]}
    bound = ctx.model.chat_model.bind_tools(openai_tools())
    try:
        reply = await bound.ainvoke(
            [SystemMessage(content=system), *recent], config=call_config("showrunner", None, "chat")
        )
    except openai.OpenAIError as exc:
        raise ctx.model.explain(exc) from exc
    if reply.response_metadata.get("finish_reason") == "length":  # a runaway turn: its half-made calls are dropped
        return {"messages": [AIMessage(content=say(ctx.language, "chat.cut_off", cap=ctx.model.max_tokens))]}
    return {"messages": [reply]}


async def _pick_by_json(ctx: ChatContext, system: str, recent: list[BaseMessage]) -> AIMessage:
    """Ask for the next step as a structured ToolPick (the server drops tools) and make it a tool call or reply."""
    lines = []
    for message in recent:
        if isinstance(message, ToolMessage):
            lines.append(f"tool result ({message.name}): {message.text}")
        elif isinstance(message, AIMessage) and message.tool_calls:
            lines += [
                f"showrunner called {c['name']} with {json.dumps(c['args'], ensure_ascii=False)}"
                for c in message.tool_calls
            ]
        elif isinstance(message, AIMessage):
            lines.append(f"showrunner: {message.text}")
        else:
            lines.append(f"user: {message.text}")
    pick = await ctx.model.structured(
        ToolPick,
        system=tools_by_json_prompt(system),
        user="The conversation so far:\n" + "\n".join(lines) + "\nPick the next step.",
        config=call_config("showrunner", None, "chat"),
        check=pick_problem,
    )
    if pick.tool == "reply":
        return AIMessage(content=pick.reply)
    return AIMessage(content="", tool_calls=[{"name": pick.tool, "args": pick.arguments, "id": f"json-{uuid.uuid4()}"}])


async def act(state: ChatState, runtime: Runtime[ChatContext]) -> Update:
    """Run the tool calls of the last reply; hold back one that needs the user's confirmation."""
    ctx = runtime.context
    last = state["messages"][-1]
    results: list[ToolMessage] = []
    pending: dict[str, object] | None = None
    for call in last.tool_calls if isinstance(last, AIMessage) else []:
        tool = ctx.tool(call["name"]) if call["name"] in TOOL_NAMES else None
        call_id = call["id"] or call["name"]
        if tool is None:
            content = ToolResult(ok=False, summary=say(ctx.language, "chat.no_tool", name=call["name"])).as_text()
        else:
            try:
                content = str(await tool.ainvoke(call["args"]))
            except ValidationError as exc:
                first = exc.errors()[0]
                summary = f"{call['name']}: argument `{'.'.join(map(str, first['loc']))}` {first['msg'].lower()}"
                content = ToolResult(ok=False, summary=summary).as_text()
            except Exception as exc:  # every call gets an answer, or the next model call is refused
                summary = f"{call['name']} failed: {type(exc).__name__}: {exc}"
                content = ToolResult(ok=False, summary=summary).as_text()
        # A fresh id: add_messages replaces a message whose id it has seen, and call ids may repeat.
        message = ToolMessage(content=content, tool_call_id=call_id, name=call["name"], id=str(uuid.uuid4()))
        results.append(message)
        confirm = read_result(content).confirm
        if confirm is not None and pending is None:
            pending = {"message_id": message.id, "tool_call_id": call_id, **confirm.model_dump()}
    return {"messages": results, "steps": state.get("steps", 0) + 1, "pending": pending}


async def confirm(state: ChatState, runtime: Runtime[ChatContext]) -> Update:
    """Ask the user to confirm a held-back change; apply it only on yes."""
    pending = state.get("pending") or {}
    lang = runtime.context.language
    question = pending.get("question", say(lang, "chat.confirm_default"))
    tool_name = pending.get("tool")
    answer = interrupt(ChatQuestion(question=str(question), tool=str(tool_name) if tool_name else None))
    original = next(
        (m for m in state["messages"] if isinstance(m, ToolMessage) and m.id == pending.get("message_id")), None
    )
    before = read_result(original.text if original else "")
    if _yes(answer):
        tool = runtime.context.tool(str(pending.get("tool") or APPLY_CANON_CHANGE))
        raw = pending.get("args")
        args: dict[str, object] = dict(raw) if isinstance(raw, dict) else {}
        applied = read_result(str(await tool.ainvoke(args))) if tool is not None else before
        summary = say(lang, "chat.confirmed", applied=applied.summary)
    else:
        summary = say(lang, "chat.declined")
    updated = before.model_copy(update={"summary": summary, "confirm": None}).as_text()
    message = ToolMessage(
        content=updated,
        tool_call_id=str(pending.get("tool_call_id", "")),
        name=original.name if original else None,
        id=str(pending.get("message_id", "")),
    )
    return {"messages": [message], "pending": None}


def _yes(answer: object) -> bool:
    if isinstance(answer, bool):
        return answer
    return str(answer).strip().lower() in {"y", "yes", "ok", "confirm", "apply", "是", "好", "确认"}


async def wrap(state: ChatState, runtime: Runtime[ChatContext]) -> Update:
    """Report this turn's tool results without the model (slash commands, or the step limit reached)."""
    lang = runtime.context.language
    messages = state["messages"]
    turn_results = [read_result(m.text) for m in messages[_last_human(messages) :] if isinstance(m, ToolMessage)]
    text = summarise_results(turn_results, lang)
    if not state.get("slash"):
        text += say(lang, "chat.rounds", steps=state.get("steps", 0))
    return {"messages": [AIMessage(content=text)]}


def after_turn(state: ChatState) -> Literal["slash", "showrunner"]:
    """Slash commands skip the model."""
    return "slash" if state.get("slash") else "showrunner"


def after_reply(state: ChatState) -> Literal["act", "__end__"]:
    """Act on tool calls; a plain reply ends the turn."""
    last = state["messages"][-1]
    return "act" if isinstance(last, AIMessage) and last.tool_calls else "__end__"


def after_act(state: ChatState, runtime: Runtime[ChatContext]) -> Literal["confirm", "wrap", "showrunner"]:
    """Confirm a held-back change first; then report (slash, step limit) or let the model go on."""
    if state.get("pending"):
        return "confirm"
    if state.get("slash") or state.get("steps", 0) >= runtime.context.max_steps:
        return "wrap"
    return "showrunner"


def after_confirm(state: ChatState, runtime: Runtime[ChatContext]) -> Literal["wrap", "showrunner"]:
    """Report the outcome: directly for slash commands, through the model otherwise."""
    if state.get("slash") or state.get("steps", 0) >= runtime.context.max_steps:
        return "wrap"
    return "showrunner"


def build_chat_graph() -> StateGraph[ChatState, ChatContext, ChatState, ChatState]:
    """Return the uncompiled showrunner chat graph."""
    graph = StateGraph(ChatState, context_schema=ChatContext)
    graph.add_node("turn", turn)
    graph.add_node("slash", slash)
    graph.add_node("showrunner", showrunner)
    graph.add_node("act", act)
    graph.add_node("confirm", confirm)
    graph.add_node("wrap", wrap)
    graph.add_edge(START, "turn")
    graph.add_conditional_edges("turn", after_turn)
    graph.add_conditional_edges("slash", after_reply)
    graph.add_conditional_edges("showrunner", after_reply)
    graph.add_conditional_edges("act", after_act)
    graph.add_conditional_edges("confirm", after_confirm)
    graph.add_edge("wrap", END)
    return graph
