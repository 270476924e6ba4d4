"""The real model path: the CLI against a local OpenAI-compatible server, every method, every failure."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.simulated_endpoint import EndpointBehaviour, SimulatedEndpoint, chat_completion

pytestmark = pytest.mark.slow

SECRET = "sk-test-SECRET-9f8e7d6c5b4a"
PREMISE = "A night-shift nurse discovers the hospital's new owner is the brother she lost at sea."


def run_cli(
    args: list[str], endpoint: str, method: str = "auto", key: str = SECRET
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAMAROOM_"))}
    env.update(
        OPENAI_BASE_URL=endpoint,
        OPENAI_API_KEY=key,
        DRAMAROOM_MODEL="sim-writer-1",
        DRAMAROOM_STRUCTURED_METHOD=method,
        PYTHONUNBUFFERED="1",
    )
    return subprocess.run(
        [sys.executable, "-m", "dramaroom", *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )


def make_series(tmp_path: Path, episodes: int = 2, retries: int = 1) -> Path:
    path = tmp_path / "series"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "dramaroom",
            "new",
            str(path),
            "--premise",
            PREMISE,
            "--episodes",
            str(episodes),
            "--seed",
            "3",
        ],
        check=True,
        capture_output=True,
    )
    config = path / "dramaroom.toml"
    text = config.read_text().replace("max_retries = 2", f"max_retries = {retries}")
    config.write_text(text)
    return path


def every_byte_in(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.rglob("*") if p.is_file())


@pytest.fixture
def endpoint() -> Iterator[SimulatedEndpoint]:
    with SimulatedEndpoint(EndpointBehaviour(api_key=SECRET), seed=3) as server:
        yield server


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_season_through_each_structured_output_method(tmp_path: Path, method: str, endpoint: SimulatedEndpoint) -> None:
    path = make_series(tmp_path)
    result = run_cli(["produce", str(path)], endpoint.base_url, method)
    assert result.returncode == 0, result.stderr
    assert f"endpoint {endpoint.base_url}" in result.stderr
    bodies = endpoint.requests
    assert bodies, "the server saw no requests"
    if method == "json_schema":
        assert all(b["response_format"]["type"] == "json_schema" for b in bodies)
    elif method == "function_calling":
        assert all(b.get("tools") and b.get("tool_choice") for b in bodies)
    else:
        assert all(b["response_format"] == {"type": "json_object"} for b in bodies)
        assert all("JSON" in b["messages"][0]["content"] for b in bodies)
    script = json.loads((path / "episodes" / "ep002" / "script.json").read_text())
    assert script["meta"] == {
        "generated_by": f"sim-writer-1 @ {endpoint.base_url}",
        "offline": False,
        "tool": "dramaroom",
    }
    assert SECRET.encode() not in every_byte_in(path), "the API key leaked into the workspace"
    with sqlite3.connect(path / "state" / "traces.sqlite") as db:
        calls = db.execute("SELECT role, model, input_tokens, output_tokens FROM events WHERE kind='llm'").fetchall()
    assert {role for role, *_ in calls} >= {"showrunner", "screenwriter", "continuity", "ethics", "director"}
    assert all(model == "sim-writer-1" and tin > 0 and tout > 0 for _, model, tin, tout in calls)


def test_auto_method_degrades_when_the_server_lacks_json_schema(tmp_path: Path) -> None:
    with SimulatedEndpoint(EndpointBehaviour(supports_json_schema=False), seed=3) as server:
        path = make_series(tmp_path, episodes=1)
        result = run_cli(["produce", str(path)], server.base_url, "auto")
        assert result.returncode == 0, result.stderr
        kinds = [("tools" in b, (b.get("response_format") or {}).get("type")) for b in server.requests]
    assert kinds[0] == (False, "json_schema")
    assert all(has_tools for has_tools, _ in kinds[1:]), "after one refusal every call uses function calling"


def test_transient_errors_are_retried_and_recorded(tmp_path: Path, endpoint: SimulatedEndpoint) -> None:
    path = make_series(tmp_path, episodes=1, retries=2)
    fast = {"retry-after-ms": "1"}
    endpoint.enqueue(429, {"error": {"message": "slow down", "type": "rate_limit"}}, fast)
    endpoint.enqueue(500, {"error": {"message": "boom", "type": "server_error"}}, fast)
    result = run_cli(["produce", str(path)], endpoint.base_url)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(path / "state" / "traces.sqlite") as db:
        retries = db.execute("SELECT output FROM events WHERE kind='retry'").fetchall()
    assert len(retries) == 2


@pytest.mark.parametrize(
    ("status", "body", "needle"),
    [
        (429, {"error": {"message": "quota", "type": "rate_limit"}}, "rate limiting (429)"),
        (500, {"error": {"message": "boom", "type": "server_error"}}, "failed (HTTP 500)"),
        (200, "this is not json at all", "gave no valid CastPart"),
    ],
)
def test_persistent_errors_end_with_one_clear_line(
    tmp_path: Path, endpoint: SimulatedEndpoint, status: int, body: object, needle: str
) -> None:
    path = make_series(tmp_path, episodes=1, retries=1)
    for _ in range(12):
        if status == 200:
            endpoint.enqueue(200, chat_completion("sim-writer-1", content=str(body)))
        else:
            endpoint.enqueue(status, body, {"retry-after-ms": "1"})  # type: ignore[arg-type]
    result = run_cli(["produce", str(path)], endpoint.base_url, "json_schema")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and needle in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert (path / "dramaroom.toml").exists()


def test_wrong_key_and_unreachable_endpoint(tmp_path: Path, endpoint: SimulatedEndpoint) -> None:
    path = make_series(tmp_path, episodes=1, retries=0)
    wrong = run_cli(["produce", str(path)], endpoint.base_url, key="sk-wrong-KEY-123456789")
    assert wrong.returncode == 1 and "rejected the API key (401)" in wrong.stderr
    assert "sk-wrong-KEY-123456789" not in wrong.stderr + wrong.stdout
    unreachable = run_cli(["produce", str(path)], "http://127.0.0.1:9/v1")
    assert unreachable.returncode == 1 and "cannot reach the model endpoint" in unreachable.stderr
    assert "Traceback" not in unreachable.stderr + wrong.stderr
    assert SECRET.encode() not in every_byte_in(path)
