"""The chat graph against a local OpenAI-compatible server that answers with tool calls."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage
from pydantic import SecretStr

from agents.llm import ModelSpec, endpoint_model
from agents.server_report import ToolSupport, tool_support
from agents.showrunner_chat import APPLY_CANON_CHANGE, TOOL_NAMES
from evals.simulated_endpoint import EndpointBehaviour, SimulatedEndpoint, chat_completion
from tests.fixtures_chat import ChatHarness, copy_series, paused_series, reply_text

SECRET = "sk-chat-SECRET-0a1b2c3d4e5f"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return paused_series(tmp_path_factory.mktemp("chat-endpoint") / "series", episodes=2)


@pytest.fixture
def endpoint() -> Iterator[SimulatedEndpoint]:
    with SimulatedEndpoint(seed=7) as server:
        yield server


def _room(prepared: Path, tmp_path: Path, endpoint: SimulatedEndpoint, native_tools: bool = True) -> ChatHarness:
    ws = copy_series(prepared, tmp_path / "series")
    model = endpoint_model(
        ModelSpec(model="sim-showrunner", base_url=endpoint.base_url, api_key=SecretStr(SECRET), max_retries=0)
    )
    return ChatHarness(ws, model, native_tools=native_tools)


def test_the_server_picks_tools_and_the_graph_runs_them(
    prepared: Path, tmp_path: Path, endpoint: SimulatedEndpoint
) -> None:
    room = _room(prepared, tmp_path, endpoint)
    canon = room.tools.ws.canon()
    prop = canon.props[0]
    answer = reply_text(room.say(f"who holds the {prop.name}?"))
    first, second = endpoint.requests[-2:]
    offered = {t["function"]["name"] for t in first["tools"]}
    assert offered == TOOL_NAMES and APPLY_CANON_CHANGE not in offered, "confirmation-only tools stay hidden"
    assert '"task": "chat"' in first["messages"][0]["content"], "the prompt carries the series snapshot"
    tool_turn = [m for m in second["messages"] if m["role"] == "tool"]
    assert tool_turn and json.loads(tool_turn[-1]["content"])["ok"] is True
    assert prop.name in answer
    assert all(SECRET not in json.dumps(r) for r in endpoint.requests), "the key travels only in the header"


def test_a_retcon_through_the_server_waits_for_confirmation(
    prepared: Path, tmp_path: Path, endpoint: SimulatedEndpoint
) -> None:
    room = _room(prepared, tmp_path, endpoint)
    lead = room.tools.ws.canon().characters[0]
    room.say(f"retcon: {lead.name} was dead from the start")
    assert room.pending() is not None
    calls_before = len(endpoint.requests)
    answer = reply_text(room.answer("yes"))
    assert "Confirmed." in answer and "The user" not in answer
    assert len(endpoint.requests) == calls_before + 1, "after confirming, the model is asked once to report"
    assert room.tools.ws.canon().characters[0].status.value == "dead"


def test_a_scripted_tool_call_approves_the_pending_episode_and_replies_stream(
    prepared: Path, tmp_path: Path, endpoint: SimulatedEndpoint
) -> None:
    room = _room(prepared, tmp_path, endpoint)
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "decide_episode", "arguments": json.dumps({"episode": 2, "approve": True})},
    }
    endpoint.enqueue(200, chat_completion("sim-showrunner", tool_calls=[call]))
    endpoint.enqueue(200, chat_completion("sim-showrunner", content="Episode 2 is approved and committed."))

    async def stream() -> list[str]:
        pieces: list[str] = []
        async for message, meta in room.graph.astream(
            {"messages": [HumanMessage(content="ship episode two")]},
            room.config,
            context=room.ctx,
            stream_mode="messages",
        ):
            if meta.get("langgraph_node") == "showrunner" and isinstance(message, AIMessageChunk) and message.text:
                pieces.append(message.text)
        return pieces

    pieces = room.loop.run_until_complete(stream())
    assert "".join(pieces) == "Episode 2 is approved and committed."
    review = json.loads((room.tools.ws.episode_dir(2) / "review.json").read_text())
    assert review["outcome"]["status"] == "committed"


def test_a_server_that_drops_tools_is_detected_and_the_showrunner_picks_tools_by_json(
    prepared: Path, tmp_path: Path
) -> None:
    with SimulatedEndpoint(EndpointBehaviour(drops_tools=True), seed=7) as server:
        root = server.base_url.removesuffix("/v1")
        support = tool_support(server.base_url, "sim-showrunner")
        assert support == ToolSupport(native=False, source=f"{root}/props")
        room = _room(prepared, tmp_path, server, native_tools=support.native)
        prop = room.tools.ws.canon().props[0]
        answer = reply_text(room.say(f"who holds the {prop.name}?"))
        requests = server.requests
    assert prop.name in answer and "holds" in answer
    assert all("tools" not in r for r in requests), "no tool list is sent to a server that would drop it"
    assert [r["response_format"]["json_schema"]["name"] for r in requests] == ["ToolPick", "ToolPick"]
    guide = requests[0]["messages"][0]["content"]
    assert "- prop_holder: Who holds a prop" in guide and "pick one step as JSON" in guide


def test_a_server_with_tools_says_so(endpoint: SimulatedEndpoint) -> None:
    assert tool_support(endpoint.base_url, "sim").native is True
    assert tool_support(None, "gpt-x") == ToolSupport(True, "api.openai.com")


@pytest.mark.parametrize("drops", [True, False])
def test_a_server_that_reports_nothing_is_probed_with_one_tiny_call(drops: bool) -> None:
    behaviour = EndpointBehaviour(drops_tools=drops, self_reports=False, api_key=SECRET)
    with SimulatedEndpoint(behaviour, seed=7) as server:
        support = tool_support(server.base_url, "sim-showrunner", api_key=SECRET)
        (probe,) = server.requests
        url = f"{server.base_url}/chat/completions"
    assert support == ToolSupport(native=not drops, source=f"a probe call to {url}")
    assert probe["tool_choice"] == "required" and probe["max_tokens"] <= 64
    assert [t["function"]["name"] for t in probe["tools"]] == ["ping"]  # type: ignore[index,union-attr]


def test_a_probe_the_server_refuses_counts_as_no_tools() -> None:
    with SimulatedEndpoint(EndpointBehaviour(self_reports=False, api_key=SECRET), seed=7) as server:
        support = tool_support(server.base_url, "sim-showrunner", api_key="sk-wrong")
    assert support.native is False, "no answer: the chat picks tools by JSON, which any server can do"


def test_a_turn_that_runs_past_its_output_cap_stops_with_a_message(prepared: Path, tmp_path: Path) -> None:
    with SimulatedEndpoint(EndpointBehaviour(runaway=True), seed=7) as server:
        ws = copy_series(prepared, tmp_path / "series")
        spec = ModelSpec(
            model="sim", base_url=server.base_url, api_key=SecretStr(SECRET), max_retries=0, max_tokens=300
        )
        room = ChatHarness(ws, endpoint_model(spec))
        answer = reply_text(room.say("tell me everything about everyone"))
        requests = server.requests
    assert answer.startswith("the model's reply ran past its output cap (300 tokens) and was stopped")
    assert len(requests) == 1 and requests[0]["max_completion_tokens"] == 300, "one capped call, no loop"
