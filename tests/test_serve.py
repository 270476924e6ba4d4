"""`langgraph dev` serves the CLI's own season graph and the showrunner chat, driven here by the LangGraph SDK.

The server's model is the simulated endpoint with a latency, so a run lasts long enough for a CLI `produce`
to meet the workspace lock while it runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from evals.simulated_endpoint import EndpointBehaviour, SimulatedEndpoint

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
# chromadb and SQLite are synchronous; the dev server refuses blocking calls on its loop without this.
ALLOW = ("--allow-blocking",)
PREMISE = "A courier finds a letter addressed to her dead mother and the landlord wants it back."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dramaroom(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dramaroom", *args], capture_output=True, text=True, timeout=300, env=env, check=False
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A langgraph dev server (model: a simulated endpoint answering in ~1 s a call) and a fresh workspace."""
    series = tmp_path_factory.mktemp("served") / "series"
    made = dramaroom("new", str(series), "--premise", PREMISE, "--episodes", "2", "--seed", "7")
    assert made.returncode == 0, made.stderr
    with SimulatedEndpoint(EndpointBehaviour(base_latency_s=1.0, slip_rate=0.0), seed=7) as endpoint:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAMAROOM_"))}
        env |= {"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "sk-served", "DRAMAROOM_MODEL": "sim"}
        cli = Path(sys.executable).with_name("langgraph")
        server = subprocess.Popen(
            [str(cli), "dev", "--host", "127.0.0.1", "--port", str(port), "--no-browser", "--no-reload", *ALLOW],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"{base}/ok", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            yield base, series
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)


async def _assistant(client: LangGraphClient, graph: str) -> str:
    (found,) = await client.assistants.search(graph_id=graph)
    return str(found["assistant_id"])


async def _gate(client: LangGraphClient, thread: str) -> dict[str, object]:
    state = await client.threads.get_state(thread, subgraphs=True)
    (pending,) = state["interrupts"]
    value = pending["value"]
    assert isinstance(value, dict)
    return value


def test_studio_sees_the_real_graph_with_typed_schemas(served: tuple[str, Path]) -> None:
    async def look() -> tuple[dict[str, object], list[str]]:
        client = get_client(url=served[0])
        season = await _assistant(client, "season")
        schemas = await client.assistants.get_schemas(season)
        drawing = await client.assistants.get_graph(season, xray=True)
        return dict(schemas), [str(n["id"]) for n in drawing["nodes"]]

    schemas, nodes = asyncio.run(look())
    for key in ("input_schema", "output_schema", "context_schema"):
        assert schemas[key], f"{key} is null"
    form = schemas["input_schema"]["properties"]  # type: ignore[index]
    assert {"premise", "episodes", "language", "approval"} <= set(form)
    assert {"plan", "review_plan", "schedule", "record"} <= set(nodes)
    assert {"episode:draft", "episode:review_continuity", "episode:gate", "episode:commit"} <= set(nodes)


def test_a_season_with_a_manual_gate_a_malformed_resume_the_lock_and_the_trace(served: tuple[str, Path]) -> None:
    base, series = served
    context = {"workspace": str(series)}

    async def season() -> tuple[list[dict[str, object]], dict[str, object], dict[str, object], dict[str, object]]:
        client = get_client(url=base)
        assistant = await _assistant(client, "season")
        thread = (await client.threads.create())["thread_id"]
        events: list[dict[str, object]] = []
        stream = client.runs.stream(
            thread,
            assistant,
            input={"approval": "manual"},
            context=context,
            stream_mode="custom",
            stream_subgraphs=True,
        )
        locked = None
        async for part in stream:
            assert part.event != "error", part.data
            if part.event.startswith("custom"):
                events.append(part.data)
                if locked is None:  # the run is under way: a CLI produce meets the workspace lock
                    locked = await asyncio.to_thread(dramaroom, "produce", str(series))
        assert locked is not None and locked.returncode == 3, locked
        assert "is being written by" in locked.stderr
        first = await _gate(client, thread)
        await client.runs.wait(thread, assistant, command={"resume": "approve"}, context=context)
        again = await _gate(client, thread)
        await client.runs.wait(thread, assistant, command={"resume": {"approved": True}}, context=context)
        after = await _gate(client, thread)
        return events, first, again, after

    events, first, again, after = asyncio.run(season())
    lines = [str(e["message"]) for e in events]
    assert any("planning the season" in line for line in lines), lines
    assert any("waiting for approval" in line for line in lines), "the episode subgraph's lines stream too"
    assert first["episode"] == 1 and not first["rejected_resume"]
    assert again["episode"] == 1 and 'the last resume, "approve", was not one' in str(again["rejected_resume"])
    assert after["episode"] == 2, "a good resume continued the same thread to the next gate"
    status = json.loads(dramaroom("status", str(series), "--json").stdout)
    states = [(e["episode"], e["state"]) for e in status["episodes"]]
    assert states == [(1, "committed"), (2, "awaiting approval")], "the CLI sees where the served season stands"
    runs = dramaroom("traces", str(series), "list").stdout
    assert runs.count("serve season") >= 3 and "paused" in runs
    # The CLI reads the served thread's checkpoints (kept in the workspace), so it answers the same gate.
    wrong = dramaroom("approve", str(series), "--episode", "1")
    assert wrong.returncode != 0 and "episode 2 is" in wrong.stderr, wrong.stderr
    approved = dramaroom("approve", str(series), "--episode", "2")
    assert approved.returncode == 0, approved.stderr
    status = json.loads(dramaroom("status", str(series), "--json").stdout)
    assert [e["state"] for e in status["episodes"]] == ["committed", "committed"]


def test_user_errors_reach_the_client_as_their_own_line(served: tuple[str, Path], tmp_path: Path) -> None:
    async def fail(context: dict[str, str]) -> str:
        client = get_client(url=served[0])
        try:
            await client.runs.wait(None, await _assistant(client, "season"), input={}, context=context)
        except Exception as exc:  # the SDK raises the run's error with its message
            return str(exc)
        return ""

    missing = asyncio.run(fail({"workspace": str(tmp_path / "nowhere")}))
    assert "nowhere does not exist: create the series with `dramaroom new" in missing
    assert "internal error" not in missing


def test_the_showrunner_chat_is_served_over_the_workspace(served: tuple[str, Path]) -> None:
    async def talk() -> dict[str, object]:
        client = get_client(url=served[0])
        chat = {"messages": [{"role": "user", "content": "/status"}]}
        answer = await client.runs.wait(
            None, await _assistant(client, "showrunner"), input=chat, context={"workspace": str(served[1])}
        )
        assert isinstance(answer, dict)
        return answer

    messages = asyncio.run(talk())["messages"]
    assert "episodes" in str(messages[-1]["content"])  # type: ignore[index]
