"""The LLM judge over real HTTP: scores, pairwise comparisons in both orders, failures, and the CLI path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.llm import ModelSpec, RoleModel, endpoint_model
from evals.judge import DIMENSIONS, JudgeItem, judge_season, script_text
from evals.simulated_endpoint import SimulatedEndpoint, chat_completion
from memory.schema import EpisodeBrief, Line, Scene, Script
from tests.test_cli import cli
from tests.test_eval_report import OFFLINE_ENV, PREMISE_EN, produce_season

NAMES = {"maya": "Maya Chen", "daniel": "Daniel Fairbairn"}
SCORES: dict[str, Any] = {
    "dialogue_coherence": 7,
    "character_consistency": 6,
    "plot_reasonableness": 5,
    "hook_strength": 8,
    "cliffhanger_pull": 9,
    "rationale": "The middle sags.",
}


def _brief() -> EpisodeBrief:
    return EpisodeBrief(
        number=1,
        title="The Ledger",
        opening_hook="Maya slams the ledger on Daniel's desk.",
        key_beats=["Maya arrives.", "Daniel stalls.", "The ledger is forged.", "Maya walks out."],
        emotional_curve=[3, 5, 9, 4],
        cliffhanger="Daniel picks up the phone and says her father's name.",
        core_conflict="Maya wants the truth; Daniel needs it buried.",
        character_ids=["maya", "daniel"],
        location_ids=["office"],
        story_day=1,
    )


def _script(line: str, wardrobe: str) -> Script:
    lines = [
        Line(id="s01-l01", kind="action", text="Maya slams the ledger on Daniel's desk.", emotion="angry"),
        Line(id="s01-l02", kind="dialogue", speaker_id="maya", cue="Maya Chen", text=line, emotion="cold"),
    ]
    scene = Scene(
        id="s01",
        location_id="office",
        time_of_day="night",
        story_day=1,
        clock="21:00",
        character_ids=["maya", "daniel"],
        wardrobe={"maya": wardrobe},
        lines=lines,
    )
    return Script(episode=1, title="The Ledger", target_seconds=60, scenes=[scene], summary="Maya confronts Daniel.")


FIRST = _script("You forged it, Daniel. You forged every page.", "gala")
FINAL = _script("Every page in here is forged, and your name is on each one.", "work")


@pytest.fixture
def endpoint() -> Iterator[SimulatedEndpoint]:
    with SimulatedEndpoint() as server:
        yield server


def _model(endpoint: SimulatedEndpoint) -> RoleModel:
    return endpoint_model(
        ModelSpec(model="judge-sim", base_url=endpoint.base_url, method="json_schema", max_retries=0, max_reasks=0)
    )


def _reply(body: dict[str, Any]) -> dict[str, object]:
    return chat_completion("judge-sim", content=json.dumps(body))


def _user(request: dict[str, Any]) -> str:
    return next(str(m["content"]) for m in request["messages"] if m["role"] == "user")


def _draft_a(request: dict[str, Any]) -> str:
    text = _user(request)
    return text.split("<draft_a>\n", 1)[1].split("\n</draft_a>", 1)[0]


async def test_pairwise_runs_in_both_orders_and_agreement_is_reported(endpoint: SimulatedEndpoint) -> None:
    endpoint.enqueue(200, _reply(SCORES))
    endpoint.enqueue(200, _reply({"better": "B", "reason": "B fixes the costume."}))  # B is the final here
    endpoint.enqueue(200, _reply({"better": "A", "reason": "A fixes the costume."}))  # A is the final here
    item = JudgeItem(brief=_brief(), final=FINAL, first_draft=FIRST)
    report = await judge_season(_model(endpoint), [item], names=NAMES, language="en", concurrency=1)
    requests = endpoint.requests
    assert len(requests) == 3
    assert "EpisodeScores" in json.dumps(requests[0]["response_format"])
    assert script_text(FINAL, NAMES) in _user(requests[0])
    assert _draft_a(requests[1]) == script_text(FIRST, NAMES), "the first comparison shows the first draft as A"
    assert _draft_a(requests[2]) == script_text(FINAL, NAMES), "the second swaps the order"
    assert report.status == "done" and report.model.startswith("judge-sim @ http://127.0.0.1")
    assert report.means == {d: float(SCORES[d]) for d in DIMENSIONS}
    judged = report.episodes[0]
    assert judged.rationale == "The middle sags." and judged.pairwise is not None
    assert judged.pairwise.first_draft_as_a == "final" and judged.pairwise.final_as_a == "final"
    assert judged.pairwise.agree and judged.pairwise.preferred == "final"
    assert report.pairs == 1 and report.agreement == 1.0 and report.final_preferred == 1.0
    assert report.calls == 3 and report.tokens_out > 0


async def test_a_judge_that_always_picks_a_shows_no_agreement(endpoint: SimulatedEndpoint) -> None:
    endpoint.enqueue(200, _reply(SCORES))
    for _ in range(2):
        endpoint.enqueue(200, _reply({"better": "A", "reason": "The first one reads better."}))
    item = JudgeItem(brief=_brief(), final=FINAL, first_draft=FIRST)
    report = await judge_season(_model(endpoint), [item], names=NAMES, language="en", concurrency=1)
    pair = report.episodes[0].pairwise
    assert pair is not None and not pair.agree and pair.preferred == "inconsistent"
    assert report.agreement == 0.0 and report.final_preferred is None


async def test_failed_calls_are_reported_not_invented(endpoint: SimulatedEndpoint) -> None:
    endpoint.enqueue(404, {"error": {"message": "model 'judge-sim' not found", "type": "invalid_request_error"}})
    item = JudgeItem(brief=_brief(), final=FINAL)
    report = await judge_season(_model(endpoint), [item], names=NAMES, language="en", concurrency=1)
    assert report.status.startswith("failed: ") and "404" in report.status
    assert report.means == {} and report.episodes[0].scores == {} and report.pairs == 0
    assert len(endpoint.requests) == 1, "an episode that was never revised gets no pairwise comparison"


def _revised(season: Path) -> list[int]:
    out = []
    for folder in sorted(season.glob("episodes/ep*")):
        first = folder / "drafts" / "script.r0.json"
        final = json.loads((folder / "script.json").read_text(encoding="utf-8"))
        if first.exists() and (folder / "drafts" / "script.r1.json").exists():
            draft = json.loads(first.read_text(encoding="utf-8"))
            if {k: v for k, v in draft.items() if k != "meta"} != {k: v for k, v in final.items() if k != "meta"}:
                out.append(final["episode"])
    return out


def test_eval_judges_through_the_configured_endpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, endpoint: SimulatedEndpoint
) -> None:
    season = produce_season(tmp_path / "judged", PREMISE_EN, "en", 2, 1.0)
    revised = _revised(season)
    assert revised, "slip_rate 1.0 makes the room revise"
    for _ in range(2):
        endpoint.enqueue(200, _reply(SCORES))
    for _ in range(2 * len(revised)):
        endpoint.enqueue(200, _reply({"better": "A", "reason": "A is tighter."}))
    for name in OFFLINE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", endpoint.base_url)
    monkeypatch.setenv("DRAMAROOM_MODEL", "judge-sim")
    capsys.readouterr()
    code, out, err = cli(["eval", str(season), "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    judge = report["season"]["judge"]
    assert judge["status"] == "done" and judge["model"].startswith("judge-sim")
    assert judge["means"] == {d: float(SCORES[d]) for d in DIMENSIONS}
    assert judge["pairs"] == len(revised) and judge["agreement"] == 0.0, "a judge that always says A never agrees"
    assert [e["judge"]["pairwise"]["preferred"] for e in report["episodes"] if e["episode"] in revised] == [
        "inconsistent"
    ] * len(revised)
    pairwise = [r for r in endpoint.requests if "<draft_a>" in _user(r)]
    assert len(pairwise) == 2 * len(revised)
    names = report["meta"]["names"]
    for n in revised:
        folder = season / "episodes" / f"ep{n:03d}"
        first = Script.model_validate_json(_strip_meta(folder / "drafts" / "script.r0.json"))
        final = Script.model_validate_json(_strip_meta(folder / "script.json"))
        shown_first = [_draft_a(r) for r in pairwise]
        assert shown_first.count(script_text(first, names)) == 1 and shown_first.count(script_text(final, names)) == 1
    assert "Status: done" in (season / "eval" / "report.md").read_text(encoding="utf-8")
    assert (season / "eval" / "plots" / "judge.png").exists()


def _strip_meta(path: Path) -> str:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("meta", None)
    return json.dumps(data)
