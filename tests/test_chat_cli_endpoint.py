"""`dramaroom chat` against a server that drops tools: one line says so, and the terminal shows the tool
line and the reply, never the JSON the model picked them with."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evals.simulated_endpoint import EndpointBehaviour, SimulatedEndpoint
from tests.test_e2e import dramaroom, new_series, offline_env

pytestmark = pytest.mark.slow

PREMISE = "A night-shift nurse, Ada Stone, finds her missing brother's watch on a patient at St Jude's hospital."


def test_a_chat_with_a_server_that_drops_tools_says_so_and_shows_no_json(tmp_path: Path) -> None:
    series = tmp_path / "series"
    new_series(series, PREMISE, "en", episodes=1)
    dramaroom("produce", str(series))
    with SimulatedEndpoint(EndpointBehaviour(drops_tools=True), seed=3) as server:
        env = dict(offline_env(), OPENAI_BASE_URL=server.base_url, DRAMAROOM_MODEL="sim")
        done = subprocess.run(
            [sys.executable, "-m", "dramaroom", "chat", str(series)],
            input="is Ada Stone alive?\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        root = server.base_url.removesuffix("/v1")
    assert done.returncode == 0, done.stderr
    shown = done.stdout
    assert f"the server does not take tool calls for this model (found via {root}/props)" in shown
    assert "→ character_status(" in shown and "showrunner> Yes — Ada Stone is alive" in shown
    assert '{"tool"' not in shown, "the JSON pick stays off the terminal"
