"""interpret_note: the parser offline, the model with an endpoint (simulated), ids checked either way; blank notes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from agents.llm import ModelSpec, RoleModel, StructuredMethod, endpoint_model
from agents.notes import NoteAnswer, check_requests, interpret_note
from agents.offline.writer import OfflineWriter
from agents.scripted import ScriptedModel
from evals.simulated_endpoint import SimulatedEndpoint
from memory.bible import StoryBible
from memory.edits import ChangeLine, CutCharacter, CutShotCharacter, DropBeat, MoveScene, ReorderBeats, SetWardrobe
from tests.conftest import make_context
from tests.fixtures_canon import canon_en, canon_zh, script_en, script_zh
from tests.fixtures_offline import ask
from tests.test_cli import assert_one_line_error, cli
from tests.test_notes import brief

NOTE = "Cut Marcus from this episode. Make scene 1 shorter. Make it pop."


@pytest.fixture
def endpoint() -> Iterator[SimulatedEndpoint]:
    with SimulatedEndpoint(seed=3) as server:
        yield server


def sim_model(server: SimulatedEndpoint, method: StructuredMethod = "auto") -> RoleModel:
    spec = ModelSpec(
        model="sim-7b", base_url=server.base_url, api_key=SecretStr("sk-local"), max_retries=0, method=method
    )
    return endpoint_model(spec)


async def test_offline_reading_uses_the_parser(bible: StoryBible) -> None:
    ctx = make_context(bible)
    reading = await interpret_note(ctx, NOTE, script=script_en(), canon=canon_en(), brief=brief("en"))
    assert reading.mode == "offline" and reading.actionable
    assert [r.kind for r in reading.requests] == ["cut_character", "resize_scene"]
    assert reading.unparsed == ["Make it pop."]
    assert reading.summary() == "2 requests (cut_character, resize_scene); not read: 'Make it pop.'"


async def test_an_unactionable_note_says_so(bible: StoryBible) -> None:
    ctx = make_context(bible, language="zh")
    reading = await interpret_note(ctx, "让它更有感觉", script=script_zh(), canon=canon_zh(), brief=brief("zh"))
    assert not reading.actionable and reading.unparsed == ["让它更有感觉"]
    assert reading.summary() == "0 requests; not read: '让它更有感觉'"
    blank = await interpret_note(ctx, "  ", script=script_zh(), canon=canon_zh(), brief=brief("zh"))
    assert not blank.actionable and blank.warnings == ["the note is empty: there is nothing to act on"]


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_the_model_path_gives_the_parsers_requests(
    bible: StoryBible, endpoint: SimulatedEndpoint, language: str
) -> None:
    """The simulated endpoint answers with the offline writer, which answers interpret_note with the parser."""
    script, canon = (script_en(), canon_en()) if language == "en" else (script_zh(), canon_zh())
    note = NOTE if language == "en" else "把王磊从这一集删掉，第一场短一点。让它更有感觉"
    offline = await interpret_note(make_context(bible, language=language), note, script=script, canon=canon,
                                   brief=brief(language))  # fmt: skip
    ctx = make_context(bible, language=language, models={"showrunner": sim_model(endpoint)})
    reading = await interpret_note(ctx, note, script=script, canon=canon, brief=brief(language))
    assert reading.mode == "model" and reading.model.startswith("sim-7b")
    assert reading.requests == offline.requests and len(reading.requests) == 2
    assert reading.unparsed == offline.unparsed
    assert any(r.get("messages") for r in endpoint.requests), "the note went over the wire"


async def test_ids_a_model_makes_up_are_dropped_with_a_warning(bible: StoryBible) -> None:
    scripted = ScriptedModel(fallback=OfflineWriter())
    made_up = NoteAnswer(
        requests=[
            CutCharacter(character_id="marcus"),
            CutCharacter(character_id="zed"),
            MoveScene(scene_id="s09", time_of_day="night"),
            ChangeLine(line_id="s01-l03", speaker_id="lin_wan"),
            SetWardrobe(scene_id="s01", character_id="lin_wan", wardrobe_id="spacesuit"),
            ReorderBeats(order=[0, 0, 1, 2]),
            DropBeat(index=6),
        ],
        unparsed=["Love it."],
    )
    scripted.enqueue(made_up)
    model = RoleModel(scripted, label="scripted", offline=False, method="function_calling")
    ctx = make_context(bible, models={"showrunner": model})
    reading = await interpret_note(ctx, "whatever the model says", script=script_en(), canon=canon_en(),
                                   brief=brief("en"))  # fmt: skip
    assert reading.requests == [
        CutCharacter(character_id="marcus"),
        ChangeLine(line_id="s01-l03", speaker_id="lin_wan"),
    ]
    assert reading.unparsed[0] == "Love it." and len(reading.unparsed) == 6
    assert any("no character 'zed'" in w for w in reading.warnings)
    assert any("no scene 's09'" in w for w in reading.warnings)
    assert any("'spacesuit'" in w for w in reading.warnings)
    assert any("each of the 4 beats once" in w for w in reading.warnings)
    assert any("4 beats, not 7" in w for w in reading.warnings)


def test_shot_requests_need_the_shot_ids() -> None:
    kept, dropped = check_requests(
        [CutShotCharacter(shot_id="s01-sh01", character_id="marcus")],
        script=script_en(),
        canon=canon_en(),
        brief=brief("en"),
    )
    assert kept == [] and "no shot 's01-sh01'" in dropped[0][1]


def test_the_offline_writer_answers_the_interpret_note_task() -> None:
    payload: dict[str, object] = {"note": "Make it darker. Cut Mei.", "script": script_en(), "canon": canon_en(),
                                  "brief": brief("en"), "shots": None}  # fmt: skip
    answer = ask(OfflineWriter(), "interpret_note", payload, NoteAnswer)
    assert isinstance(answer, NoteAnswer)
    assert [r.kind for r in answer.requests] == ["change_tone", "cut_character"]


def test_a_blank_rejection_note_is_refused_before_anything_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "series"
    cli(["new", str(target), "--premise", "A courier finds a letter."], capsys)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in target.rglob("*") if p.is_file()}
    for blank in ("", "   ", "\t\n"):
        code, _, err = cli(["approve", str(target), "--episode", "1", "--reject", "--note", blank], capsys)
        assert_one_line_error(code, err, "needs a note")
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in target.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
async def test_every_structured_output_method_carries_the_requests(
    bible: StoryBible, endpoint: SimulatedEndpoint, method: StructuredMethod
) -> None:
    ctx = make_context(bible, models={"showrunner": sim_model(endpoint, method)})
    reading = await interpret_note(ctx, "Swap the first and second beats. Make it darker.", script=script_en(),
                                   canon=canon_en(), brief=brief("en"))  # fmt: skip
    assert [r.kind for r in reading.requests] == ["reorder_beats", "change_tone"] and reading.mode == "model"
