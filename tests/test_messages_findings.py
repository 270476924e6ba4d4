"""Review findings speak the series' language: the same planted errors, reported in English and in Chinese."""

from __future__ import annotations

import re

import pytest

from agents.continuity_checks import check_script
from agents.continuity_shots import check_shots
from agents.ethics_guards import guard_premise, guard_script, guard_series
from memory.schema import Canon, Script, Shot, ShotCharacter, ShotList
from tests.fixtures_canon import canon_en, canon_zh, carry, script_en, script_zh

CJK = re.compile(r"[\u4e00-\u9fff]")
# English words that would betray an untranslated template inside a Chinese message.
ENGLISH_PROSE = re.compile(r"\b(?:is|not|the|in|canon|use|drop|scene|shot|remove|them|or|and)\b")


def _plant(script: Script, canon: Canon) -> Script:
    """Plant one error of each kind the script checks see: place, dead man, cue, clock, wardrobe, prop."""
    first, second = script.scenes[0], script.scenes[1]
    dead = next(c for c in canon.characters if c.status.value == "dead")
    speaker = first.lines[1]
    bad_cue = speaker.model_copy(update={"cue": "Lyn Wan" if canon.language == "en" else "林碗"})
    first = first.model_copy(
        update={
            "location_id": "moon_base",
            "character_ids": [*first.character_ids, dead.id],
            "lines": [first.lines[0], bad_cue, *first.lines[2:]],
            "clock": "25:99",
        }
    )
    second = second.model_copy(update={"wardrobe": {**second.wardrobe, "lin_wan": "ballgown"}})
    return script.model_copy(update={"scenes": [first, second]})


def _messages(script: Script, canon: Canon) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in check_script(_plant(script, canon), canon, carry()):
        out.setdefault(f"{f.check}@{f.location}", []).append(f.message)
    return out


def test_continuity_findings_of_a_chinese_script_are_in_chinese() -> None:
    found = _messages(script_zh(), canon_zh())
    everything = [m for ms in found.values() for m in ms]
    assert "地点「moon_base」不在正典中；请使用正典里的地点。" in found["unknown_entity@s01"]
    assert found["absent_character@s01"] == [
        "陈浩在正典中的状态是「已死亡」，却出现在场景s01中；请删去该角色，或把这场戏改成闪回。"
    ]
    assert "时间「25:99」不是24小时制的 HH:MM；请设定一个。" in found["timeline_order@s01"]
    assert any(m.startswith("角色名「林碗」不是林婉在正典中的名字或别名") for m in everything)
    assert any("「ballgown」" in m and "服装设定" in m for m in everything)
    assert len(found) >= 4
    for message in everything:
        assert CJK.search(message), message
        assert not ENGLISH_PROSE.search(message), message


def test_continuity_findings_of_an_english_script_stay_english() -> None:
    found = _messages(script_en(), canon_en())
    assert "Location 'moon_base' is not in canon; use a canon location." in found["unknown_entity@s01"]
    assert found["absent_character@s01"] == [
        "Chen Hao is dead in canon but is present in scene s01; remove them or make the scene a flashback."
    ]
    assert "Clock '25:99' is not a 24h HH:MM time; set one." in found["timeline_order@s01"]
    assert not [m for ms in found.values() for m in ms if CJK.search(m)]


def _shots(script: Script, language: str) -> ShotList:
    scene = script.scenes[0]
    line = scene.lines[1]
    shot = Shot(
        id="s01-sh01",
        scene_id=scene.id,
        duration_s=12.0,
        framing="CU",
        location_id=scene.location_id,
        time_of_day="night",
        line_id=line.id,
        description=line.text,
        characters=[ShotCharacter(character_id="chen_hao", wardrobe_id="work")],
    )
    return ShotList(episode=script.episode, target_seconds=script.target_seconds, shots=[shot])


@pytest.mark.parametrize("language", ["en", "zh"])
def test_shot_findings_follow_the_series_language(language: str) -> None:
    script, canon = (script_zh(), canon_zh()) if language == "zh" else (script_en(), canon_en())
    found = check_shots(_shots(script, language), script, canon)
    checks = {f.check for f in found}
    assert {"shot_coverage", "shot_cast", "shot_location", "shot_duration"} <= checks
    messages = [f.message for f in found]
    if language == "zh":
        assert all(CJK.search(m) and not ENGLISH_PROSE.search(m) for m in messages), messages
        assert "镜头s01-sh01设在夜里，而场景s01在白天；请用本场的时段。" in messages
        assert any(m.startswith("镜头s01-sh01长12秒，超出0.5–8秒") for m in messages)
    else:
        assert not [m for m in messages if CJK.search(m)]
        assert "Shot s01-sh01 is set at night but scene s01 is at morning; use the scene's time of day." in messages


def test_ethics_findings_follow_the_language_of_what_they_read() -> None:
    zh = {f.check: f.message for f in guard_premise("奥特曼来到面包店。她想轻生。")}
    assert zh["copyrighted_character"] == "「奥特曼」是受版权保护的角色；请换成原创角色。"
    assert zh["self_harm_depiction"].startswith("「轻生」描写了自杀或自伤；请遵循安全报道准则。")
    assert "12356" in zh["self_harm_depiction"]
    en = {f.check: f.message for f in guard_premise("Ultraman fights the landlord.")}
    assert en["copyrighted_character"] == "'Ultraman' is a copyrighted character; replace it with an original one."
    # A Chinese series' script is reviewed in Chinese even when a line quotes Latin text.
    script = script_zh()
    scene = script.scenes[0]
    lines = [*scene.lines[:-1], scene.lines[-1].model_copy(update={"text": "Pikachu 跑了进来。"})]
    script = script.model_copy(update={"scenes": [scene.model_copy(update={"lines": lines}), *script.scenes[1:]]})
    found = {f.check: f.message for f in guard_script(script, canon_zh())}
    assert found["copyrighted_character"] == "「Pikachu」是受版权保护的角色；请换成原创角色。"


def test_bible_guards_speak_the_canon_language() -> None:
    from memory.schema import SeasonPlan, SeriesBible

    canon = canon_zh()
    child = canon.characters[0].model_copy(update={"age": 9, "role": "霸道总裁", "occupation": "总裁"})
    canon = canon.model_copy(update={"characters": [child, *canon.characters[1:]]})
    plan = SeasonPlan.model_validate(
        {
            "title": "玉佩记",
            "logline": "林婉查账。",
            "genre": "period",
            "tone": "悬疑",
            "paywall_episode": 1,
            "arcs": [],
            "episodes": [],
        }
    )
    found = guard_series(SeriesBible(plan=plan, canon=canon))
    child_role = [f for f in found if f.check == "child_role"]
    assert child_role and child_role[0].message.startswith("林婉是儿童（9岁），却被设定为")
