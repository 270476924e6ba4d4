"""`langgraph dev` serves the season and showrunner graphs from langgraph.json, offline, over its REST API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_langgraph_dev_runs_a_season_in_a_workspace(tmp_path: Path) -> None:
    series = tmp_path / "served"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "dramaroom",
            "new",
            str(series),
            "--premise",
            "A courier finds a letter.",
            "--episodes",
            "2",
            "--seed",
            "7",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    cli = Path(sys.executable).with_name("langgraph")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAMAROOM_"))}
    server = subprocess.Popen(
        [
            str(cli),
            "dev",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-browser",
            "--no-reload",
            "--allow-blocking",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/ok", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        body = {
            "assistant_id": "season",
            "input": {
                "premise": "A courier finds a letter.",
                "episodes": 2,
                "approval": "auto",
                "paywall_episode": 2,
                "genre": None,
            },
            "context": {"workspace": str(series)},
        }
        request = urllib.request.Request(
            f"{base}/runs/wait", data=json.dumps(body).encode(), headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            result = json.loads(response.read())
        chat = {
            "assistant_id": "showrunner",
            "input": {"messages": [{"role": "user", "content": "/status"}]},
            "context": {"workspace": str(series)},
        }
        request = urllib.request.Request(
            f"{base}/runs/wait", data=json.dumps(chat).encode(), headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            talk = json.loads(response.read())
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    assert [o["status"] for o in result["outcomes"]] == ["committed", "committed"]
    assert (series / "episodes" / "ep002" / "shotlist.csv").exists()
    assert "committed: 2 (episodes 1, 2)" in talk["messages"][-1]["content"]
