"""`dramaroom new` reads the premise: premise.json, the kept-facts line, genre names in Chinese, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dramaroom.workspace import Workspace
from evals.simulated_endpoint import EndpointBehaviour, SimulatedEndpoint, chat_completion
from memory.premise import PremiseFacts
from memory.schema import Review
from tests.test_cli import assert_one_line_error, cli

LIGHTHOUSE = "A lighthouse keeper named Elias Crane hears his drowned brother's voice on the radio every night at 3:07"


def _facts(path: Path) -> PremiseFacts:
    return Workspace.open(path).load_artifact(path / "premise.json", PremiseFacts)


def test_new_keeps_the_premise_and_says_what_it_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(["new", str(tmp_path / "s"), "--premise", LIGHTHOUSE, "--episodes", "2"], capsys)
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("kept from the premise:"))
    assert "Elias Crane (lighthouse keeper)" in line and "the lighthouse" in line and "the radio" in line
    assert "his drowned brother" in line and "3:07 every night" in line
    facts = _facts(tmp_path / "s")
    assert facts.people[0].name == "Elias Crane" and facts.premise == LIGHTHOUSE
    assert json.loads((tmp_path / "s" / "premise.json").read_text())["meta"]["tool"] == "dramaroom"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("复仇", "revenge"),
        ("重生", "rebirth"),
        ("古装", "period"),
        ("身份反转", "identity_reveal"),
        ("workplace", "workplace"),
    ],
)
def test_genre_names_in_chinese_and_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, key: str
) -> None:
    code, _, _ = cli(
        ["new", str(tmp_path / "s"), "--premise", "某人的故事。", "--language", "zh", "--genre", name], capsys
    )
    assert code == 0
    assert Workspace.open(tmp_path / "s").config.series.genre == key


def test_an_unknown_genre_is_one_line_listing_the_choices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(["new", str(tmp_path / "s"), "--premise", "x", "--genre", "武侠"], capsys)
    assert_one_line_error(code, err, "unknown genre '武侠'", "revenge", "复仇", "古装")
    assert not (tmp_path / "s").exists()


def test_help_lists_the_genre_choices(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(["new", "--help"], capsys)
    assert code == 0
    flat = " ".join(out.split())
    assert "identity_reveal" in flat and "复仇" in flat and "甜宠" in flat


def test_a_premise_with_no_names_says_the_cast_is_invented(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    premise = "A shy librarian leaves notes in library books for a stranger every morning."
    code, out, _ = cli(["new", str(tmp_path / "s"), "--premise", premise], capsys)
    assert code == 0
    assert "no named people in the premise, so the cast's names are invented" in out
    assert _facts(tmp_path / "s").people[0].role == "librarian"


def test_the_other_language_gets_a_clear_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(["new", str(tmp_path / "s"), "--premise", "外卖员林晚其实是顾氏集团的千金。"], capsys)
    assert code == 0
    assert "written in Chinese but the series language is English" in " ".join(err.split())
    assert "--language zh" in err and "林晚（外卖员）" in out
    code, _, err = cli(["new", str(tmp_path / "t"), "--premise", LIGHTHOUSE, "--language", "zh"], capsys)
    assert code == 0 and "written in English but the series language is Chinese" in " ".join(err.split())


def test_a_5000_character_premise_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    premise = (LIGHTHOUSE + ". The storm does not end, and the town below keeps its silence. ") * 40
    assert len(premise) >= 5000
    code, out, _ = cli(["new", str(tmp_path / "s"), "--premise", premise], capsys)
    assert code == 0 and "Elias Crane (lighthouse keeper)" in out
    assert _facts(tmp_path / "s").premise == premise.strip()


# ------------------------------------------------------------ model endpoint


def _run(args: list[str], endpoint: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAMAROOM_"))}
    env.update(
        OPENAI_BASE_URL=endpoint,
        OPENAI_API_KEY="sk-test",
        DRAMAROOM_MODEL="sim-writer-1",
        DRAMAROOM_STRUCTURED_METHOD="function_calling",
        PYTHONUNBUFFERED="1",
    )
    return subprocess.run(
        [sys.executable, "-m", "dramaroom", *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )


@pytest.mark.slow
def test_an_endpoint_plan_that_drops_the_premise_is_replanned(tmp_path: Path) -> None:
    from agents.offline.compose_plan import plan_season
    from memory.plan_parts import split
    from memory.schema import BriefBatch

    path = tmp_path / "s"
    created = _run(["new", str(path), "--premise", LIGHTHOUSE, "--episodes", "1", "--seed", "3"], "http://127.0.0.1:9")
    assert created.returncode == 0, created.stderr
    other = plan_season(
        {
            "premise": "A delivery rider is secretly an heir.",
            "language": "en",
            "episodes": 1,
            "seed": 5,
            "paywall_episode": 1,
        }
    )
    # The showrunner plans in parts: the plan for another story answers each part of the first plan.
    parts = (*split(other), BriefBatch(episodes=other.plan.episodes))
    with SimulatedEndpoint(EndpointBehaviour(), seed=3) as endpoint:
        for n, part in enumerate(parts, 1):
            call = {
                "id": f"call_{n}",
                "type": "function",
                "function": {"name": type(part).__name__, "arguments": part.model_dump_json()},
            }
            endpoint.enqueue(200, chat_completion(tool_calls=[call]))
        result = _run(["produce", str(path)], endpoint.base_url)
        prompts = [json.dumps(r) for r in endpoint.requests]
    assert result.returncode == 0, result.stderr
    assert "the plan drops" in result.stderr and "re-planning" in result.stderr
    # The showrunner got the premise facts as required elements, in the prompt and in the context block.
    assert "<required>" in prompts[0] and "Elias Crane (lighthouse keeper)" in prompts[0]
    assert "premise_facts" in prompts[0]
    review = Workspace.open(path).load_artifact(path / "plan_review.json", Review)
    assert not any(f.check == "premise_coverage" for f in review.findings)
    canon = json.loads((path / "canon.json").read_text())
    assert canon["characters"][0]["name"] == "Elias Crane"
