"""Ctrl-C and SIGTERM end a run against an endpoint cleanly: one line, 130 or 143, the trace run marked
interrupted, and the same command resumes where it stopped."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.simulated_endpoint import EndpointBehaviour, SimulatedEndpoint
from tests.test_openai_path import SECRET, make_series, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def slow_endpoint() -> Iterator[SimulatedEndpoint]:
    with SimulatedEndpoint(EndpointBehaviour(api_key=SECRET, base_latency_s=0.3), seed=3) as server:
        yield server


def _runs(series: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(series / "state" / "traces.sqlite") as db:
        return [(str(s), str(n)) for s, n in db.execute("SELECT status, note FROM runs ORDER BY started_at")]


@pytest.mark.parametrize(
    ("sig", "code", "line"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "stopped (SIGTERM)")]
)
def test_a_signal_mid_season_stops_cleanly_and_the_next_run_resumes(
    tmp_path: Path, slow_endpoint: SimulatedEndpoint, sig: signal.Signals, code: int, line: str
) -> None:
    series = make_series(tmp_path, episodes=2)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAMAROOM_"))}
    env.update(OPENAI_BASE_URL=slow_endpoint.base_url, OPENAI_API_KEY=SECRET, DRAMAROOM_MODEL="sim-writer-1")
    env["PYTHONUNBUFFERED"] = "1"
    run = subprocess.Popen(
        [sys.executable, "-m", "dramaroom", "produce", str(series)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As a terminal starts it: Ctrl-C not ignored, whatever an earlier test left this process ignoring.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert run.stderr is not None
    seen = []
    for text in run.stderr:  # wait until the plan is saved and the first episode is under way
        seen.append(text)
        if "season planned" in text:
            break
    run.send_signal(sig)
    _, rest = run.communicate(timeout=120)
    stderr = "".join(seen) + rest
    assert run.returncode == code, stderr
    assert f"{line}: progress is saved; run the same command again to continue" in stderr
    assert "Traceback" not in stderr
    assert _runs(series) == [("interrupted", "stopped by Ctrl-C or SIGTERM; progress so far is saved")]
    assert (series / "season_plan.json").exists()
    planned = len(slow_endpoint.requests)

    again = run_cli(["produce", str(series)], slow_endpoint.base_url)
    assert again.returncode == 0, again.stderr
    assert "planning the season" not in again.stderr, "the plan is resumed, not made again"
    assert [status for status, _ in _runs(series)] == ["interrupted", "done"]
    assert len(slow_endpoint.requests) > planned
    assert (series / "episodes" / "ep002" / "script.json").exists()


def test_sigterm_stops_a_run_started_with_ctrl_c_ignored(tmp_path: Path, slow_endpoint: SimulatedEndpoint) -> None:
    series = make_series(tmp_path, episodes=2)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAMAROOM_"))}
    env.update(OPENAI_BASE_URL=slow_endpoint.base_url, OPENAI_API_KEY=SECRET, DRAMAROOM_MODEL="sim-writer-1")
    env["PYTHONUNBUFFERED"] = "1"
    run = subprocess.Popen(  # as `nohup dramaroom produce … &` starts it: SIGINT ignored
        [sys.executable, "-m", "dramaroom", "produce", str(series)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert run.stderr is not None
    for text in run.stderr:
        if "season planned" in text:
            break
    run.send_signal(signal.SIGTERM)
    _, rest = run.communicate(timeout=120)
    assert run.returncode == 143, rest
    assert "stopped (SIGTERM): progress is saved; run the same command again to continue" in rest
    assert [status for status, _ in _runs(series)] == ["interrupted"]
