"""`dramaroom traces`: runs, the run tree with revision diffs, and why a line reads as it does."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dramaroom.trace_history import summarize
from graphs.tracing import RunRecord, TraceEvent
from tests.test_cli import assert_one_line_error, cli

PREMISE = "A delivery rider named Maya Chen is secretly the heir."


def _run(*args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAMAROOM_"))}
    done = subprocess.run(
        [sys.executable, "-m", "dramaroom", *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("traces") / "tr"
    _run("new", str(root), "--episodes", "3", "--seed", "7", "--premise", PREMISE)
    config = root / "dramaroom.toml"
    text, count = re.subn(r"(?m)^slip_rate = .*$", "slip_rate = 1.0", config.read_text(encoding="utf-8"))
    assert count == 1
    config.write_text(text, encoding="utf-8")
    _run("produce", str(root))
    return root


def _lines(path: Path) -> dict[str, object]:
    draft = json.loads(path.read_text(encoding="utf-8"))
    return {line["id"]: line for scene in draft["scenes"] for line in scene["lines"]}


def _revised_line(series: Path) -> tuple[int, str, str]:
    """Return (episode, line id, causing check) of a line that draft r1 changed."""
    for folder in sorted(series.glob("episodes/ep*")):
        r0, r1 = folder / "drafts" / "script.r0.json", folder / "drafts" / "script.r1.json"
        if not r1.exists():
            continue
        before, after = _lines(r0), _lines(r1)
        changed = [lid for lid in before if after.get(lid) != before[lid]]
        if not changed:
            continue
        review = json.loads((folder / "review.json").read_text(encoding="utf-8"))
        caused = next(h["caused_by"] for h in review["history"] if h["artifact"] == "script" and h["revision"] == 1)
        mine = [f["check"] for f in caused if f["location"] == changed[0]] or [f["check"] for f in caused]
        return review["episode"], changed[0], mine[0]
    raise AssertionError("slip_rate 1.0 should have made the screenwriter revise a line")


def _untouched_line(series: Path, episode: int, skip: str) -> str:
    folder = series / "episodes" / f"ep{episode:03d}" / "drafts"
    drafts = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("script.r*.json"))]
    lines = [{line["id"]: line for scene in d["scenes"] for line in scene["lines"]} for d in drafts]
    return str(next(lid for lid, line in lines[0].items() if lid != skip and all(v.get(lid) == line for v in lines)))


def test_list_shows_the_run_with_calls_tokens_and_cost(series: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(["traces", str(series), "list", "--json"], capsys)
    assert code == 0
    runs = json.loads(out)
    assert len(runs) == 1
    run = runs[0]
    assert run["command"].startswith("produce") and run["status"] == "done"
    assert run["model_calls"] > 0 and run["tokens_in"] > 0 and run["tokens_out"] > 0
    assert run["cost"] == "offline: $0" and run["cost_usd"] == 0
    code, out, _ = cli(["traces", str(series), "list"], capsys)
    assert code == 0
    assert run["run_id"] in out and "offline: $0" in out and f"{run['tokens_in']:,}" in out


def test_show_tree_has_nodes_calls_and_the_revision_diff(series: Path, capsys: pytest.CaptureFixture[str]) -> None:
    episode, line_id, check = _revised_line(series)
    code, out, _ = cli(["traces", str(series), "show", "last", "--episode", str(episode)], capsys)
    assert code == 0, out
    for needle in (f"episode {episode}", "draft", "review_continuity", "screenwriter", "continuity", "verdict"):
        assert needle in out, needle
    assert "script r0 → r1" in out and check in out and line_id in out
    assert "→" in out.split("script r0 → r1", 1)[1], "the changed field is shown old → new"

    code, out, _ = cli(["traces", str(series), "show", "last", "--json", "--role", "screenwriter"], capsys)
    assert code == 0
    data = json.loads(out)
    nodes = [n for ep in data["episodes"] for n in ep["nodes"]]
    assert nodes and all(c["role"] == "screenwriter" for n in nodes for c in n["calls"])
    revisions = [n["revision"] for n in nodes if n["revision"]]
    assert any(r["revision"] == 1 and check in [c["check"] for c in r["caused_by"]] and r["changes"] for r in revisions)


def test_why_names_the_check_revision_and_model_for_a_revised_line(
    series: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    episode, line_id, check = _revised_line(series)
    code, out, _ = cli(["traces", str(series), "why", "--episode", str(episode), "--line", line_id], capsys)
    assert code == 0, out
    flat = " ".join(out.split())
    assert check in flat and "revision r1" in flat and "dramaroom-offline-writer" in flat
    assert "screenwriter" in flat and "in draft r0" in flat

    code, out, _ = cli(["traces", str(series), "why", "--episode", str(episode), "--line", line_id, "--json"], capsys)
    data = json.loads(out)
    assert [s["revision"] for s in data["history"]] == [0, 1]
    assert data["history"][0]["action"] == "written" and "offline" in data["history"][0]["model"]
    assert data["history"][1]["reviewer"] == "continuity"
    assert [f["check"] for f in data["history"][1]["findings"]] == [check]


def test_why_for_an_untouched_line_and_a_shot(series: Path, capsys: pytest.CaptureFixture[str]) -> None:
    episode, line_id, _ = _revised_line(series)
    untouched = _untouched_line(series, episode, line_id)
    code, out, _ = cli(["traces", str(series), "why", "--episode", str(episode), "--line", untouched], capsys)
    assert code == 0, out
    assert "in draft r0 and never changed" in " ".join(out.split())

    code, out, _ = cli(
        ["traces", str(series), "why", "--episode", str(episode), "--shot", "s01-sh01", "--json"], capsys
    )
    assert code == 0, out
    data = json.loads(out)
    assert data["author_role"] == "director" and data["history"][0]["action"] == "written"


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["why", "--episode", "1", "--line", "s99-l01"], ["'s99-l01'", "s01-l01"]),
        (["why", "--episode", "9", "--line", "s01-l01"], ["episode 9", "1, 2, 3"]),
        (["why", "--episode", "1"], ["--line"]),
        (["show", "nope"], ["'nope'", "last"]),
    ],
)
def test_unknown_targets_fail_with_one_line(
    series: Path, capsys: pytest.CaptureFixture[str], args: list[str], needles: list[str]
) -> None:
    code, _, err = cli(["traces", str(series), *args], capsys)
    assert_one_line_error(code, err, *needles)


def test_run_totals_use_the_series_prices() -> None:
    run = RunRecord("r1", "season", "produce", "2026-11-21T00:00:00", None, "done", {"screenwriter": "house-model"}, "")
    call = TraceEvent(
        1, "r1", "t", "llm", "screenwriter", 1, "draft", "house-model", "", "", 2_000_000, 1_000_000, 5.0, "ok", {}
    )
    unpriced = summarize(run, [call])
    priced = summarize(run, [call], {"house-model": (1.0, 4.0)})
    assert unpriced.cost_usd == 0 and "unpriced: house-model" in unpriced.cost
    assert priced.cost_usd == 6.0 and "unpriced" not in priced.cost
