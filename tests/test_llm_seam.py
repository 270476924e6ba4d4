"""The LLM seam against a real local OpenAI-compatible server, through the real SDK and ChatOpenAI."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
import traceback
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import openai
import pytest
from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from agents.llm import LlmError, ModelSpec, RoleModel, StructuredMethod, endpoint_model, offline_model
from agents.prompting import context_block
from evals.simulated_endpoint import EndpointBehaviour, SimulatedEndpoint, chat_completion, error_body
from memory.schema import Script, SeriesBible

SYSTEM = "You are the showrunner of a vertical micro-drama writers' room."
USER = "Plan the season.\n" + context_block(
    "plan_season",
    {
        "premise": "A cleaner at a Shanghai tech firm is the founder's lost daughter.",
        "language": "en",
        "genre": "identity_reveal",
        "episodes": 3,
    },
)
SECRET = "sk-test-SECRET123"
# The SDK ignores `retry-after: 0` (it only honours delays above zero) and falls back to
# exponential backoff; a one-millisecond `retry-after-ms` keeps retries instant.
NO_WAIT = {"retry-after": "0", "retry-after-ms": "1"}


@pytest.fixture
def endpoint() -> Iterator[SimulatedEndpoint]:
    with SimulatedEndpoint(seed=3) as server:
        yield server


def model_for(
    server: SimulatedEndpoint, method: StructuredMethod = "auto", *, retries: int = 1, reasks: int = 2
) -> RoleModel:
    spec = ModelSpec(
        model="sim-7b",
        base_url=server.base_url,
        api_key=SecretStr("sk-local"),
        method=method,
        max_retries=retries,
        max_reasks=reasks,
        timeout_s=10,
    )
    return endpoint_model(spec)


def messages_of(request: dict[str, object]) -> list[dict[str, Any]]:
    found = request["messages"]
    assert isinstance(found, list)
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------ wire shapes


async def test_json_schema_sends_a_non_strict_response_format(endpoint: SimulatedEndpoint) -> None:
    model = model_for(endpoint, "json_schema")
    bible = await model.structured(SeriesBible, system=SYSTEM, user=USER)
    assert isinstance(bible, SeriesBible)
    (request,) = endpoint.requests
    fmt = request["response_format"]
    assert isinstance(fmt, dict)
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "SeriesBible"
    assert fmt["json_schema"]["strict"] is False
    assert "canon" in fmt["json_schema"]["schema"]["properties"]
    assert "tools" not in request
    assert request["model"] == "sim-7b"


async def test_function_calling_forces_the_schema_tool(endpoint: SimulatedEndpoint) -> None:
    model = model_for(endpoint, "function_calling")
    bible = await model.structured(SeriesBible, system=SYSTEM, user=USER)
    assert isinstance(bible, SeriesBible)
    (request,) = endpoint.requests
    tools = request["tools"]
    assert isinstance(tools, list)
    assert [t["function"]["name"] for t in tools] == ["SeriesBible"]
    assert request["tool_choice"] == {"type": "function", "function": {"name": "SeriesBible"}}
    assert "response_format" not in request


async def test_json_mode_puts_the_schema_in_the_system_prompt(endpoint: SimulatedEndpoint) -> None:
    model = model_for(endpoint, "json_mode")
    bible = await model.structured(SeriesBible, system=SYSTEM, user=USER)
    assert isinstance(bible, SeriesBible)
    (request,) = endpoint.requests
    assert request["response_format"] == {"type": "json_object"}
    assert "tools" not in request
    system = messages_of(request)[0]
    assert system["role"] == "system"
    assert system["content"].startswith(SYSTEM)
    assert "one JSON object only" in system["content"]
    assert '"paywall_episode"' in system["content"]  # a field from SeriesBible's schema


async def test_a_script_round_trips_in_json_mode(endpoint: SimulatedEndpoint) -> None:
    bible = await offline_model(seed=3).structured(SeriesBible, system=SYSTEM, user=USER)
    brief = bible.plan.episodes[0]
    user = "Write episode 1.\n" + context_block(
        "write_script", {"canon": bible.canon, "brief": brief, "target_seconds": 90, "revision": 0}
    )
    script = await model_for(endpoint, "json_mode").structured(Script, system="You are the screenwriter.", user=user)
    assert isinstance(script, Script)
    assert script.episode == brief.number
    assert '"scenes"' in messages_of(endpoint.requests[0])[0]["content"]


# ------------------------------------------------------------------ degradation


async def test_auto_degrades_to_function_calling_and_remembers() -> None:
    with SimulatedEndpoint(EndpointBehaviour(supports_json_schema=False)) as server:
        model = model_for(server)
        assert model.method == "json_schema"
        assert isinstance(await model.structured(SeriesBible, system=SYSTEM, user=USER), SeriesBible)
        assert model.method == "function_calling"
        first, second = server.requests
        assert first["response_format"]["type"] == "json_schema"  # type: ignore[index]
        assert "tools" in second
        await model.structured(SeriesBible, system=SYSTEM, user=USER)
        assert len(server.requests) == 3
        assert "tools" in server.requests[-1]


async def test_auto_degrades_to_json_mode_without_schema_or_tools() -> None:
    behaviour = EndpointBehaviour(supports_json_schema=False, supports_tools=False)
    with SimulatedEndpoint(behaviour) as server:
        model = model_for(server)
        assert isinstance(await model.structured(SeriesBible, system=SYSTEM, user=USER), SeriesBible)
        assert model.method == "json_mode"
        assert [("tools" in r, r.get("response_format", {}).get("type")) for r in server.requests] == [  # type: ignore[attr-defined]
            (False, "json_schema"),
            (True, None),
            (False, "json_object"),
        ]


async def test_an_explicit_method_never_degrades() -> None:
    with SimulatedEndpoint(EndpointBehaviour(supports_json_schema=False)) as server:
        model = model_for(server, "json_schema")
        with pytest.raises(LlmError) as caught:
            await model.structured(SeriesBible, system=SYSTEM, user=USER)
        assert caught.value.kind == "bad_request"
        assert "json_schema is not supported" in str(caught.value)
        assert model.method == "json_schema"
        assert len(server.requests) == 1


# ------------------------------------------------------------------ transport errors


@pytest.mark.parametrize("status", [429, 500])
async def test_the_sdk_retries_a_transient_failure(endpoint: SimulatedEndpoint, status: int) -> None:
    endpoint.enqueue(status, error_body("slow down" if status == 429 else "boom"), NO_WAIT)
    model = model_for(endpoint, "function_calling", retries=1)
    assert isinstance(await model.structured(SeriesBible, system=SYSTEM, user=USER), SeriesBible)
    assert len(endpoint.requests) == 2


async def test_rate_limit_that_outlasts_the_retries(endpoint: SimulatedEndpoint) -> None:
    for _ in range(2):
        endpoint.enqueue(429, error_body("Rate limit reached for requests"), NO_WAIT)
    model = model_for(endpoint, "function_calling", retries=1)
    with pytest.raises(LlmError) as caught:
        await model.structured(SeriesBible, system=SYSTEM, user=USER)
    assert caught.value.kind == "rate_limit"
    assert len(endpoint.requests) == 2
    assert "\n" not in str(caught.value)


async def test_server_error_that_outlasts_the_retries(endpoint: SimulatedEndpoint) -> None:
    for _ in range(2):
        endpoint.enqueue(503, error_body("overloaded"), NO_WAIT)
    with pytest.raises(LlmError) as caught:
        await model_for(endpoint, "function_calling", retries=1).structured(SeriesBible, system=SYSTEM, user=USER)
    assert caught.value.kind == "server"
    assert "503" in str(caught.value)


async def test_a_rejected_key_never_shows_up(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with SimulatedEndpoint(EndpointBehaviour(api_key="the-right-key")) as server:
        spec = ModelSpec(model="sim-7b", base_url=server.base_url, api_key=SecretStr(SECRET), max_retries=0)
        model = endpoint_model(spec)
        with pytest.raises(LlmError) as caught:
            await model.structured(SeriesBible, system=SYSTEM, user=USER)
    error = caught.value
    assert error.kind == "auth"
    assert "OPENAI_API_KEY" in str(error)
    shown = [str(error), repr(error), repr(spec), str(spec), repr(model), "".join(traceback.format_exception(error))]
    assert caplog.records  # the SDK's debug log was captured, so checking it means something
    shown += [record.getMessage() for record in caplog.records]
    assert not [text for text in shown if "SECRET123" in text]


async def test_an_accepted_key_passes() -> None:
    with SimulatedEndpoint(EndpointBehaviour(api_key=SECRET)) as server:
        spec = ModelSpec(model="m", base_url=server.base_url, api_key=SecretStr(SECRET), method="function_calling")
        assert isinstance(await endpoint_model(spec).structured(SeriesBible, system=SYSTEM, user=USER), SeriesBible)


async def test_an_unreachable_endpoint_fails_fast() -> None:
    base_url = f"http://127.0.0.1:{free_port()}/v1"
    model = endpoint_model(ModelSpec(model="m", base_url=base_url, max_retries=0, timeout_s=5))
    started = time.monotonic()
    with pytest.raises(LlmError) as caught:
        await model.structured(SeriesBible, system=SYSTEM, user=USER)
    assert time.monotonic() - started < 3
    assert caught.value.kind == "unreachable"
    assert base_url in str(caught.value)
    assert "OPENAI_BASE_URL" in str(caught.value)


async def test_a_slow_endpoint_times_out() -> None:
    with SimulatedEndpoint(EndpointBehaviour(base_latency_s=2)) as server:
        spec = ModelSpec(model="m", base_url=server.base_url, method="function_calling", max_retries=0, timeout_s=0.3)
        with pytest.raises(LlmError) as caught:
            await endpoint_model(spec).structured(SeriesBible, system=SYSTEM, user=USER)
    assert caught.value.kind == "timeout"


# ------------------------------------------------------------------ re-asks


@pytest.mark.parametrize(
    ("method", "bad", "expected"),
    [
        ("json_mode", chat_completion(content="{not json"), "not valid JSON"),
        ("json_schema", chat_completion(content='{"canon": {}}'), "canon.title: Field required"),
        (
            "function_calling",
            chat_completion(
                tool_calls=[
                    {"id": "c1", "type": "function", "function": {"name": "SeriesBible", "arguments": '{"plan": 1}'}}
                ]
            ),
            "canon: Field required",
        ),
    ],
)
async def test_invalid_output_is_reasked_with_the_error(
    endpoint: SimulatedEndpoint, method: StructuredMethod, bad: dict[str, object], expected: str
) -> None:
    endpoint.enqueue(200, bad)
    bible = await model_for(endpoint, method).structured(SeriesBible, system=SYSTEM, user=USER)
    assert isinstance(bible, SeriesBible)
    first, second = endpoint.requests
    sent = messages_of(second)
    assert len(sent) == len(messages_of(first)) + 2
    assert sent[-2]["role"] == "assistant"
    assert sent[-1]["role"] == "user"
    assert sent[-1]["content"].startswith("Your answer did not validate: ")
    assert expected in sent[-1]["content"]


async def test_invalid_output_forever_gives_up(endpoint: SimulatedEndpoint) -> None:
    for _ in range(3):
        endpoint.enqueue(200, chat_completion(content="I'd rather write a sonnet."))
    with pytest.raises(LlmError) as caught:
        await model_for(endpoint, "json_mode", reasks=2).structured(SeriesBible, system=SYSTEM, user=USER)
    assert caught.value.kind == "invalid_output"
    assert "SeriesBible" in str(caught.value)
    assert len(endpoint.requests) == 3


async def test_a_broken_response_body_is_a_server_fault(endpoint: SimulatedEndpoint) -> None:
    endpoint.enqueue(502, "<html>bad gateway</html>", NO_WAIT)
    bible = await model_for(endpoint, "function_calling").structured(SeriesBible, system=SYSTEM, user=USER)
    assert isinstance(bible, SeriesBible)


# ------------------------------------------------------------------ offline, tracing, server extras


async def test_offline_model_answers_and_says_so() -> None:
    model = offline_model(seed=1)
    assert model.offline
    assert "offline" in model.label
    assert model.method == "function_calling"
    bible = await model.structured(SeriesBible, system=SYSTEM, user=USER)
    assert isinstance(bible, SeriesBible)
    assert bible.plan.episodes


class _Recorder(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.metadata: list[dict[str, Any]] = []

    async def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], *, run_id: UUID, **kwargs: Any
    ) -> None:
        self.metadata.append(dict(kwargs.get("metadata") or {}))


async def test_config_reaches_the_chat_model(endpoint: SimulatedEndpoint) -> None:
    recorder = _Recorder()
    config = RunnableConfig(callbacks=[recorder], metadata={"role": "showrunner"})
    await model_for(endpoint, "function_calling").structured(SeriesBible, system=SYSTEM, user=USER, config=config)
    assert recorder.metadata
    assert recorder.metadata[0]["role"] == "showrunner"


async def test_streamed_text_and_model_list(endpoint: SimulatedEndpoint) -> None:
    chat = ChatOpenAI(model="sim-7b", base_url=endpoint.base_url, api_key=SecretStr("k"), max_retries=0)
    prompt = [HumanMessage(context_block("chat", {"message": "Who is the villain?"}))]
    pieces = [chunk.text async for chunk in chat.astream(prompt)]
    assert len(pieces) > 2
    assert "".join(pieces).strip()
    client = openai.AsyncOpenAI(base_url=endpoint.base_url, api_key="k")
    listed = await client.models.list()
    assert [m.id for m in listed.data] == ["dramaroom-offline-writer"]
    await client.close()


async def test_stats_count_tokens_and_simulated_latency() -> None:
    with SimulatedEndpoint(EndpointBehaviour(per_token_latency_s=0.00001)) as server:
        await model_for(server, "json_schema").structured(SeriesBible, system=SYSTEM, user=USER)
        stats = server.stats
    assert stats.calls == 1
    assert stats.output_tokens > 100
    assert stats.latency_s == pytest.approx(stats.output_tokens * 0.00001)
    assert json.loads(json.dumps(server.requests))  # bodies are plain JSON


async def test_requests_beyond_max_concurrency_wait() -> None:
    with SimulatedEndpoint(EndpointBehaviour(base_latency_s=0.2, max_concurrency=2)) as server:
        # Four in flight from the client (a local server gets one unless [models] concurrency says more).
        spec = ModelSpec(model="sim-7b", base_url=server.base_url, method="function_calling", concurrency=4)
        model = endpoint_model(spec)
        started = time.monotonic()
        answers = await asyncio.gather(*(model.structured(SeriesBible, system=SYSTEM, user=USER) for _ in range(4)))
        elapsed = time.monotonic() - started
    assert all(isinstance(a, SeriesBible) for a in answers)
    assert 0.4 <= elapsed < 1.5  # two waves of two, not one wave of four
