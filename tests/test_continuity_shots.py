"""Planted shot-list errors are caught; a shot list matching its script passes."""

from __future__ import annotations

from agents.continuity_shots import check_shots
from memory import edits as E
from memory.schema import Script, Shot, ShotCharacter, ShotList
from tests.fixtures_canon import canon_en, script_en


def _shots(script: Script) -> ShotList:
    shots: list[Shot] = []
    for scene in script.scenes:
        for line in scene.lines:
            cast = [
                ShotCharacter(character_id=c, wardrobe_id=scene.wardrobe[c])
                for c in scene.character_ids
                if line.speaker_id in (None, c)
            ]
            shots.append(
                Shot(
                    id=f"{line.id}-sh",
                    scene_id=scene.id,
                    duration_s=2.0,
                    framing="MS",
                    characters=cast,
                    location_id=scene.location_id,
                    time_of_day=scene.time_of_day,
                    line_id=line.id,
                    description="A frame.",
                )
            )
    return ShotList(episode=script.episode, target_seconds=60, shots=shots)


def test_clean_shot_list_passes() -> None:
    script = script_en()
    assert check_shots(_fixed(script), script, canon_en()) == []


def _fixed(script: Script) -> ShotList:
    shots = _shots(script)
    for shot in shots.shots:
        shot.duration_s = 2.0
    shots.target_seconds = 12
    return shots


def test_shot_coverage_cast_wardrobe_location() -> None:
    script = script_en()
    shots = _fixed(script)
    shots.shots = [s for s in shots.shots if s.line_id != "s01-l03"]
    shots.shots.append(shots.shots[0].model_copy(update={"id": "extra"}, deep=True))
    bad = shots.shots[0]
    bad.characters.append(ShotCharacter(character_id="chen_hao", wardrobe_id="work"))
    bad.characters[0].wardrobe_id = "gala"
    bad.location_id, bad.time_of_day = "apartment", "night"
    found = {(f.check, f.location): f for f in check_shots(shots, script, canon_en())}
    assert found[("shot_coverage", "s01-l03")].requests == [E.AddShotForLine(line_id="s01-l03")]
    assert found[("shot_cast", bad.id)].requests == [E.CutShotCharacter(shot_id=bad.id, character_id="chen_hao")]
    assert found[("shot_wardrobe", bad.id)].requests == [
        E.SetShotWardrobe(shot_id=bad.id, character_id="lin_wan", wardrobe_id="work")
    ]
    where = [f for f in check_shots(shots, script, canon_en()) if f.check == "shot_location"]
    assert [r for f in where for r in f.requests] == [
        E.SetShotField(shot_id=bad.id, field="location_id", value="office"),
        E.SetShotField(shot_id=bad.id, field="time_of_day", value="morning"),
    ]
    assert found[("shot_coverage", "s01-l03")].category == "timeline_plot"


def test_runtime_and_shot_duration() -> None:
    script = script_en()
    shots = _fixed(script)
    shots.shots[0].duration_s = 0.3
    shots.shots[1].duration_s = 12.0
    found = {(f.check, f.location): f for f in check_shots(shots, script, canon_en())}
    assert found[("shot_duration", shots.shots[0].id)].requests == [
        E.SetShotField(shot_id=shots.shots[0].id, field="duration", value="0.5")
    ]
    assert found[("shot_duration", shots.shots[1].id)].requests[0] == E.SetShotField(
        shot_id=shots.shots[1].id, field="duration", value="8"
    )
    runtime = found[("runtime", "episode-3")]
    assert runtime.category == "narrative_style" and [r.kind for r in runtime.requests] == ["set_shot_field"]
