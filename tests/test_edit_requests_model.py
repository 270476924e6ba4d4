"""A model's revision sees the requests as stated requirements and is checked against them like the offline writer's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents import continuity, screenwriter
from agents.llm import ModelSpec, RoleModel, endpoint_model
from agents.offline import OfflineWriter
from agents.scripted import ScriptedModel
from evals.simulated_endpoint import SimulatedEndpoint, chat_completion
from graphs.episode_requests import UNMET_CHECK, script_outcomes
from memory import edits as E
from memory.bible import StoryBible
from memory.schema import Carryover, Finding, LlmFinding, LlmFindings, Script, SeriesBible
from tests.conftest import make_context
from tests.fixtures_offline import plan_season, write_script

PREMISE = "A lighthouse keeper hears her drowned brother on the radio every night at 3:07."


@pytest.fixture
def endpoint() -> Iterator[SimulatedEndpoint]:
    with SimulatedEndpoint() as server:
        yield server


def _episode() -> tuple[SeriesBible, Script]:
    bible = plan_season(PREMISE, "en", episodes=2, seed=11)
    draft = write_script(OfflineWriter(seed=11, slip_rate=0.0), bible, bible.plan.episodes[0], bible.canon, Carryover())
    return bible, draft


def _note(bible: SeriesBible, draft: Script) -> tuple[Finding, list[E.EditRequest]]:
    spoken = [ln.speaker_id or "" for ln in draft.lines() if ln.kind == "dialogue"]
    victim = max(set(spoken), key=spoken.count)
    requests: list[E.EditRequest] = [
        E.CutCharacter(character_id=victim),
        E.ChangeMoment(moment="cliffhanger", text="the radio says her name in her brother's voice"),
    ]
    note = Finding(
        id="human:1",
        reviewer="human",
        check="producer_note",
        category="producer",
        message="Cut them, and end on the radio saying her name.",
        requests=requests,
    )
    return note, requests


async def _revise(
    tmp_path: Path, endpoint: SimulatedEndpoint, bible: SeriesBible, draft: Script, note: Finding
) -> Script:
    model = endpoint_model(
        ModelSpec(model="sim-writer", base_url=endpoint.base_url, method="json_schema", max_retries=0, max_reasks=0)
    )
    store = StoryBible(tmp_path / "bible")
    try:
        ctx = make_context(store, models={"screenwriter": model})
        return await screenwriter.write_script(
            ctx,
            brief=bible.plan.episodes[0],
            canon=bible.canon,
            carryover=Carryover(),
            previous_summary="",
            recall=[],
            revision=1,
            previous_draft=draft,
            notes=[note],
        )
    finally:
        store.close()


def _user_prompt(endpoint: SimulatedEndpoint) -> str:
    request = endpoint.requests[-1]
    return next(str(m["content"]) for m in request["messages"] if m["role"] == "user")


async def test_the_model_is_told_each_requirement_and_its_revision_is_verified(
    tmp_path: Path, endpoint: SimulatedEndpoint
) -> None:
    bible, draft = _episode()
    note, requests = _note(bible, draft)
    revised = await _revise(tmp_path, endpoint, bible, draft, note)
    prompt = _user_prompt(endpoint)
    victim = bible.canon.character(requests[0].character_id)  # type: ignore[union-attr]
    assert victim is not None
    assert f"- [cut_character] {victim.name} ({victim.id}) must not appear in the episode" in prompt
    assert "- [change_moment] the last line (cliffhanger) must dramatise: the radio says her name" in prompt
    assert "Cut them, and end on the radio saying her name." in prompt
    outcomes, unmet = script_outcomes([note], [], draft, draft, revised, bible.canon, bible.plan.episodes[0])
    assert [o.status for o in outcomes] == ["verified", "verified"] and unmet == []


async def test_a_model_revision_that_ignores_a_request_shows_as_an_unmet_finding(
    tmp_path: Path, endpoint: SimulatedEndpoint
) -> None:
    bible, draft = _episode()
    note, requests = _note(bible, draft)
    # The model answers with the draft it was given, plus a new cliffhanger: the cut is ignored.
    answer = draft.model_copy(deep=True)
    last = answer.scenes[-1].lines[-1]
    answer.scenes[-1].lines[-1] = last.model_copy(
        update={
            "kind": "action",
            "speaker_id": None,
            "cue": "",
            "text": "The radio says her name in her brother's voice.",
        }
    )
    endpoint.enqueue(200, chat_completion("sim-writer", content=json.dumps(answer.model_dump(mode="json"))))
    revised = await _revise(tmp_path, endpoint, bible, draft, note)
    outcomes, unmet = script_outcomes([note], [], draft, draft, revised, bible.canon, bible.plan.episodes[0])
    assert [(o.request.kind if o.request else "", o.status) for o in outcomes] == [
        ("cut_character", "unmet"),
        ("change_moment", "verified"),
    ]
    (finding,) = unmet
    assert (finding.check, finding.reviewer, finding.severity) == (UNMET_CHECK, "human", "revise")
    assert finding.requests == [requests[0]] and "still speaks" in finding.message


async def test_a_model_reviewer_can_state_typed_requests_that_travel_with_its_finding(tmp_path: Path) -> None:
    bible, draft = _episode()
    line = next(ln for ln in draft.lines() if ln.kind == "dialogue")
    asked = E.ChangeLine(line_id=line.id, emotion="cold")
    judge = ScriptedModel(fallback=OfflineWriter(seed=11))
    judge.enqueue(
        LlmFindings(
            findings=[
                LlmFinding(category="characterization", message="Too warm for her.", location=line.id, requests=[asked])
            ]
        )
    )
    store = StoryBible(tmp_path / "bible")
    try:
        role = RoleModel(judge, label="judge (test)", offline=True, method="function_calling")
        ctx = make_context(store, models={"continuity": role})
        review = await continuity.review_script(ctx, draft, bible.canon, Carryover())
    finally:
        store.close()
    judged = [f for f in review.findings if f.source == "llm"]
    assert [f.requests for f in judged] == [[asked]]
