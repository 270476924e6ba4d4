"""Structured calls that any server can bound: bounded schemas, an output cap on every call, a cut-off answer
said as such, a context overflow said as such, and one call at a time on a one-slot local server.

Against the simulated endpoint set to behave like llama.cpp's server in each of these ways.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
from pydantic import BaseModel, Field, SecretStr

from agents.llm import LlmError, ModelSpec, RoleModel, StructuredMethod, endpoint_model
from agents.server_report import context_window
from agents.showrunner import unknown_ids
from agents.structured import bounded_schema, output_cap
from evals.simulated_endpoint import EndpointBehaviour, SimulatedEndpoint, chat_completion
from memory.schema import Script, SeriesBible
from tests.test_llm_seam import SYSTEM, USER


def _model(server: SimulatedEndpoint, method: StructuredMethod = "json_schema", **limits: int) -> RoleModel:
    spec = ModelSpec(
        model="smollm2", base_url=server.base_url, method=method, max_retries=0, max_reasks=1, timeout_s=10, **limits
    )
    return endpoint_model(spec)


def _open_nodes(node: object, path: str = "") -> Iterator[str]:
    """Yield the path of every array without maxItems and every free string without maxLength."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _open_nodes(item, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "array" and "maxItems" not in node:
        yield path
    if node.get("type") == "string" and not {"maxLength", "enum", "const"} & set(node):
        yield path
    for key, value in node.items():
        yield from _open_nodes(value, f"{path}.{key}")


def test_every_list_and_string_of_the_schemas_the_model_fills_is_bounded() -> None:
    for schema in (SeriesBible, Script):
        raw = list(_open_nodes(schema.model_json_schema()))
        assert raw, "pydantic leaves most of them open: the bound is ours"
        assert list(_open_nodes(bounded_schema(schema))) == []
    scenes = bounded_schema(Script)["properties"]["scenes"]  # type: ignore[index]
    assert scenes["maxItems"] == Script.model_fields["scenes"].metadata[-1].max_length, "a bound of ours is kept"


class Word(BaseModel):
    """A one-field answer."""

    word: str = Field(max_length=20)


def test_the_output_cap_is_sized_from_the_schema_within_the_ceiling() -> None:
    assert output_cap(SeriesBible, 10**8) > output_cap(Script, 10**8) > output_cap(Word, 10**8)
    assert output_cap(SeriesBible, 4096) == 4096
    assert output_cap(Word, 4096) == 512, "a tiny answer still gets room for its keys"


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
async def test_each_method_sends_bounded_schemas_and_an_output_cap(method: StructuredMethod) -> None:
    with SimulatedEndpoint(seed=3) as server:
        bible = await _model(server, method, max_tokens=6000).structured(SeriesBible, system=SYSTEM, user=USER)
        (request,) = server.requests
    assert isinstance(bible, SeriesBible)
    assert request["max_completion_tokens"] == output_cap(SeriesBible, 6000) == 6000
    if method == "json_schema":
        sent = request["response_format"]["json_schema"]["schema"]  # type: ignore[index]
    elif method == "function_calling":
        sent = request["tools"][0]["function"]["parameters"]  # type: ignore[index]
    else:
        system = request["messages"][0]["content"]  # type: ignore[index]
        sent = json.loads(system.split("JSON schema for SeriesBible:\n", 1)[1].split("\n</output_format>")[0])
    assert list(_open_nodes(sent)) == []


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
async def test_an_answer_that_never_ends_is_cut_at_the_cap_and_said_so(method: StructuredMethod) -> None:
    with SimulatedEndpoint(EndpointBehaviour(runaway=True, runaway_s=60)) as server:
        started = time.monotonic()
        with pytest.raises(LlmError) as caught:
            await _model(server, method, max_tokens=1024).structured(Script, system=SYSTEM, user=USER)
        elapsed = time.monotonic() - started
        requests = server.requests
    assert elapsed < 10, "capped: no request waited out the server's endless generation"
    assert [r["max_completion_tokens"] for r in requests] == [1024, 1024]
    reask = requests[1]["messages"][-1]["content"]  # type: ignore[index]
    assert "cut off at the output cap (1024 tokens)" in reask
    assert requests[1]["messages"][-2]["role"] != "assistant", "the cut-off answer is not sent back"
    assert caught.value.kind == "invalid_output"
    assert "raise [models] max_tokens" in str(caught.value)


async def test_a_prompt_over_the_context_is_reported_as_such() -> None:
    with SimulatedEndpoint(EndpointBehaviour(context_tokens=50)) as server, pytest.raises(LlmError) as caught:
        await _model(server).structured(Script, system=SYSTEM, user=USER)
    assert caught.value.kind == "context"
    message = str(caught.value)
    assert "does not fit the model's context window" in message and "exceeds the available context size" in message
    assert "llama-server -c" in message and "check the model name" not in message


@pytest.mark.parametrize(("concurrency", "peak"), [(0, 1), (3, 3)])
async def test_a_local_server_gets_one_call_at_a_time_unless_told_otherwise(concurrency: int, peak: int) -> None:
    behaviour = EndpointBehaviour(base_latency_s=0.15, max_concurrency=8)
    with SimulatedEndpoint(behaviour, seed=3) as server:
        model = _model(server, "function_calling", concurrency=concurrency)
        other = _model(server, "function_calling", concurrency=concurrency)  # another role, same server
        calls = [m.structured(SeriesBible, system=SYSTEM, user=USER) for m in (model, other, model, other)]
        answers = await asyncio.gather(*calls)
        seen = server.stats.peak_in_flight
    assert all(isinstance(a, SeriesBible) for a in answers)
    assert seen == peak, "the client queues; the server never holds more than the limit"


def test_the_limit_defaults_to_several_for_openai() -> None:
    spec = ModelSpec(model="gpt-x", api_key=SecretStr("sk-x"))
    assert endpoint_model(spec).concurrency == 8


async def test_calls_stream_and_a_silence_between_tokens_ends_the_call_without_a_blind_retry() -> None:
    with SimulatedEndpoint(EndpointBehaviour(per_token_latency_s=0.002), seed=3) as server:
        bible = await _model(server, "function_calling").structured(SeriesBible, system=SYSTEM, user=USER)
        (request,) = server.requests
    assert isinstance(bible, SeriesBible)
    assert request["stream"] is True and request["stream_options"] == {"include_usage": True}
    # Each chunk of the answer takes a second: the answer as a whole would take minutes.
    with SimulatedEndpoint(EndpointBehaviour(per_token_latency_s=1.0), seed=3) as server:
        spec = ModelSpec(model="slow", base_url=server.base_url, method="json_schema", max_retries=2, timeout_s=0.5)
        started = time.monotonic()
        with pytest.raises(LlmError) as caught:
            await endpoint_model(spec).structured(SeriesBible, system=SYSTEM, user=USER)
        elapsed = time.monotonic() - started
        calls = len(server.requests)
    assert caught.value.kind == "timeout" and "sent no token for 0.5s" in str(caught.value)
    assert calls == 1 and elapsed < 5, "the generation is not restarted from scratch"


async def test_a_plan_naming_ids_canon_lacks_is_re_asked_with_the_ids_to_use() -> None:
    with SimulatedEndpoint(seed=3) as server:
        model = _model(server)
        good = await model.structured(SeriesBible, system=SYSTEM, user=USER)
        lead = good.canon.characters[0]
        first = good.plan.episodes[0].model_copy(update={"character_ids": [lead.name]})  # a name, not the id
        bad = good.model_copy(update={"plan": good.plan.model_copy(update={"episodes": [first]})})
        server.enqueue(200, chat_completion(content=bad.model_dump_json()))
        plan = await model.structured(
            SeriesBible, system=SYSTEM, user=USER, check=lambda s: unknown_ids(s.canon, s.plan.episodes)
        )
        reask = server.requests[-1]["messages"][-1]["content"]  # type: ignore[index]
    assert unknown_ids(plan.canon, plan.plan.episodes) is None
    assert f"episode 1's brief names ids not in canon: {lead.name}" in reask and lead.id in reask


async def test_a_long_invalid_answer_is_re_asked_by_its_failing_fields_not_quoted_whole() -> None:
    with SimulatedEndpoint(seed=3) as server:
        model = _model(server)
        good = await model.structured(SeriesBible, system=SYSTEM, user=USER)
        broken = json.loads(good.model_dump_json())
        broken["plan"]["episodes"][0]["emotional_curve"] = "rising"
        server.enqueue(200, chat_completion(content=json.dumps(broken)))
        await model.structured(SeriesBible, system=SYSTEM, user=USER)
        messages = server.requests[-1]["messages"]
    assert len(json.dumps(broken)) > 2000
    assert [m["role"] for m in messages] == ["system", "user", "user"], "the long answer is not sent back"  # type: ignore[index]
    assert 'plan.episodes.0.emotional_curve: Input should be a valid list (got "rising")' in messages[-1]["content"]  # type: ignore[index]


async def test_the_cap_fits_what_the_context_leaves_and_a_prompt_too_long_stops_before_it_is_sent() -> None:
    with SimulatedEndpoint(EndpointBehaviour(context_tokens=4096), seed=3) as server:
        window = context_window(server.base_url, "smollm2")
        model = _model(server, "function_calling", context=window)
        await model.structured(SeriesBible, system=SYSTEM, user=USER)
        (request,) = server.requests
        assert window == 4096
        assert request["max_completion_tokens"] < 4096 - 100, "the prompt's share of the window is left to it"
        with pytest.raises(LlmError) as caught:
            await model.structured(SeriesBible, system=SYSTEM, user=USER + " " + "premise " * 12000)
        assert len(server.requests) == 1, "a prompt that cannot fit is never sent"
    assert caught.value.kind == "context" and "leaves no room for an answer" in str(caught.value)
    assert "4096-token context" in str(caught.value)


async def test_a_local_server_s_grammar_hides_the_descriptions_so_the_prompt_carries_a_field_guide() -> None:
    with SimulatedEndpoint(seed=3) as server:
        await _model(server, "json_schema").structured(SeriesBible, system=SYSTEM, user=USER)
        await _model(server, "function_calling").structured(SeriesBible, system=SYSTEM, user=USER)
        by_schema, by_tool = (r["messages"][0]["content"] for r in server.requests)  # type: ignore[index]
    assert "<fields>" in by_schema and "- Character.id: Stable ascii id, lower_snake_case" in by_schema
    assert "<fields>" not in by_tool, "a tool's parameters carry their descriptions to the model"


async def test_a_server_that_ignores_a_named_tool_choice_still_gets_its_answer_read() -> None:
    with SimulatedEndpoint(EndpointBehaviour(ignores_tool_choice=True, slip_rate=0.0), seed=3) as server:
        bible = await _model(server, "function_calling").structured(SeriesBible, system=SYSTEM, user=USER)
        (request,) = server.requests
    assert isinstance(bible, SeriesBible), "the JSON written as content is read as the answer, not lost"
    assert request["tool_choice"] == {"type": "function", "function": {"name": "SeriesBible"}}
