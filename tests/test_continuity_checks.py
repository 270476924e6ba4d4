"""Planted continuity errors are caught; their clean look-alikes pass."""

from __future__ import annotations

from agents.continuity_checks import check_script
from agents.continuity_shots import check_shots
from memory.schema import (
    Appearance,
    Canon,
    Carryover,
    Character,
    CharacterStatus,
    Finding,
    Line,
    Location,
    Prop,
    PropState,
    PropUse,
    Scene,
    Script,
    Secret,
    Shot,
    ShotCharacter,
    ShotList,
    StateChange,
    Voice,
    WardrobeSet,
    WorldRules,
)


def _character(
    cid: str,
    name: str,
    *,
    aliases: list[str] | None = None,
    age: int = 30,
    gender: str = "female",
    hair: str = "long black hair",
    eyes: str = "dark brown",
    sets: tuple[str, ...] = ("work", "gala"),
    status: CharacterStatus = CharacterStatus.ALIVE,
) -> Character:
    return Character.model_validate(
        {
            "id": cid,
            "name": name,
            "aliases": aliases or [],
            "age": age,
            "gender": gender,
            "role": "ally",
            "appearance": Appearance(hair=hair, eyes=eyes, build="slim"),
            "wardrobe": [WardrobeSet(id=s, description=f"{s} clothes") for s in sets],
            "voice": Voice(gender="female" if gender == "female" else "male"),
            "status": status,
        }
    )


def canon_en(technology: str = "modern") -> Canon:
    """Build a small valid English canon."""
    return Canon.model_validate(
        {
            "title": "The Jade Ledger",
            "language": "en",
            "genre": "revenge",
            "tone": "tense",
            "world": WorldRules(era="present-day Shanghai", technology=technology),
            "characters": [
                _character("lin_wan", "Lin Wan", aliases=["Wanwan", "Miss Lin"]),
                _character("chen_hao", "Chen Hao", aliases=["Hao"], gender="male", status=CharacterStatus.DEAD),
                _character(
                    "marcus",
                    "Marcus Reed",
                    aliases=["Marcus"],
                    gender="male",
                    hair="short brown hair",
                    eyes="green",
                    sets=("suit", "casual"),
                ),
                _character("mei", "Mei", age=9),
            ],
            "locations": [
                Location(id="office", name="the office", description="glass and steel"),
                Location(id="apartment", name="the apartment", description="small and warm"),
            ],
            "props": [
                Prop(
                    id="pendant",
                    name="jade pendant",
                    aliases=["pendant"],
                    description="green jade",
                    holder_id="lin_wan",
                ),
                Prop(id="ledger", name="red ledger", description="account book", state=PropState.DESTROYED),
            ],
            "secrets": [
                Secret(
                    id="twin",
                    description="Marcus is Chen Hao's twin brother",
                    about_id="marcus",
                    keywords=["twin", "brother"],
                    known_by=["marcus"],
                )
            ],
        }
    )


def _dl(lid: str, speaker: str, cue: str, text: str, reveals: list[str] | None = None) -> Line:
    return Line(id=lid, kind="dialogue", speaker_id=speaker, cue=cue, text=text, reveals=reveals or [])


def _al(lid: str, text: str) -> Line:
    return Line(id=lid, kind="action", text=text)


def script_en() -> Script:
    """Build a clean English script that passes every check."""
    return Script(
        episode=3,
        title="Numbers",
        target_seconds=60,
        summary="Lin finds a hole in the accounts.",
        scenes=[
            Scene(
                id="s01",
                location_id="office",
                time_of_day="morning",
                story_day=5,
                clock="09:00",
                character_ids=["lin_wan", "marcus"],
                wardrobe={"lin_wan": "work", "marcus": "suit"},
                props=[PropUse(prop_id="pendant", holder_id="lin_wan")],
                lines=[
                    _al(
                        "s01-l01",
                        "Lin Wan studies the accounts, the jade pendant at her throat, her black hair tied back.",
                    ),
                    _dl(
                        "s01-l02",
                        "lin_wan",
                        "Lin Wan",
                        "Marcus, these numbers don't add up. Then again, Chen Hao never could count.",
                    ),
                    _dl("s01-l03", "marcus", "Marcus", "Then someone is lying to us. Mark my words."),
                ],
            ),
            Scene(
                id="s02",
                location_id="apartment",
                time_of_day="evening",
                story_day=5,
                clock="19:00",
                character_ids=["lin_wan", "mei"],
                wardrobe={"lin_wan": "work", "mei": "work"},
                lines=[
                    _al("s02-l01", "Lin Wan helps Mei with her homework by the window."),
                    _dl("s02-l02", "mei", "Mei", "Auntie, will you read me a story? Mine has a brother in it."),
                    _dl("s02-l03", "lin_wan", "Miss Lin", "Of course. Then straight to sleep."),
                ],
            ),
        ],
    )


def carry() -> Carryover:
    """Build the carryover from the previous episode."""
    return Carryover(last_story_day=4, last_clock="22:00", wardrobe={"lin_wan": "gala"})


def canon_zh() -> Canon:
    """Build a small valid Chinese period canon."""
    return Canon.model_validate(
        {
            "title": "玉佩记",
            "language": "zh",
            "genre": "period",
            "tone": "悬疑",
            "world": WorldRules(era="明朝江南", technology="pre_industrial", forbidden_terms=["巧克力"]),
            "characters": [
                _character("lin_wan", "林婉", aliases=["婉婉", "林小姐"], hair="乌黑长发"),
                _character("chen_hao", "陈浩", gender="male", status=CharacterStatus.DEAD),
                _character("wang_lei", "王磊", gender="male", hair="黑色短发", sets=("robe",)),
            ],
            "locations": [
                Location(id="study", name="书房", description="檀木书架"),
                Location(id="garden", name="后园", description="竹林小径"),
            ],
            "props": [
                Prop(id="pendant", name="玉佩", description="青玉", holder_id="lin_wan"),
                Prop(id="letter", name="密信", description="火漆封口", state=PropState.LOST),
            ],
            "secrets": [
                Secret(id="twin", description="王磊是陈浩的孪生兄弟", keywords=["孪生", "兄弟"], known_by=["wang_lei"])
            ],
        }
    )


def script_zh() -> Script:
    """Build a clean Chinese script with surname characters inside ordinary words."""
    return Script(
        episode=2,
        title="账册",
        target_seconds=60,
        summary="林婉发现账册有假。",
        scenes=[
            Scene(
                id="s01",
                location_id="study",
                time_of_day="day",
                story_day=3,
                clock="12:00",
                character_ids=["lin_wan", "wang_lei"],
                wardrobe={"lin_wan": "work", "wang_lei": "robe"},
                props=[PropUse(prop_id="pendant", holder_id="lin_wan")],
                lines=[
                    _al("s01-l01", "林婉坐在书房里，手里握着玉佩，乌黑的长发挽起。"),
                    _dl("s01-l02", "lin_wan", "林婉", "王磊，这本账册有问题。林子里的人都说，陈旧的账房早就空了。"),
                    _dl("s01-l03", "wang_lei", "王磊", "林小姐放心，我马上去查。王爷那边，我也去问问。"),
                    _dl("s01-l04", "wang_lei", "王磊", "我在林中见过陈家的人。周末，再去一趟。"),
                ],
            ),
            Scene(
                id="s02",
                location_id="garden",
                time_of_day="afternoon",
                story_day=3,
                clock="15:00",
                character_ids=["lin_wan"],
                wardrobe={"lin_wan": "work"},
                lines=[
                    _al("s02-l01", "林婉在后园散步，写了一封书信。"),
                    _dl("s02-l02", "lin_wan", "婉婉", "高兴，就多走走。树林，竹林，都好。"),
                ],
            ),
        ],
    )


def _only(findings: list[Finding], check: str) -> list[Finding]:
    return [f for f in findings if f.check == check]


def test_clean_scripts_pass_every_check() -> None:
    assert check_script(script_en(), canon_en(), carry()) == []
    assert check_script(script_zh(), canon_zh(), Carryover()) == []


def test_dead_character_present_is_caught_but_flashback_passes() -> None:
    script = script_en()
    script.scenes[1].character_ids.append("chen_hao")
    found = _only(check_script(script, canon_en(), carry()), "absent_character")
    assert [(f.category, f.location) for f in found] == [("timeline_plot", "s02")]
    assert found[0].fix == {"action": "remove_character", "scene_id": "s02", "character_id": "chen_hao"}
    assert "dead" in found[0].canon_fact and found[0].id == "absent_character:s02:0"
    script.scenes[1].flashback = True
    assert _only(check_script(script, canon_en(), carry()), "absent_character") == []


def test_unknown_ids_and_speaker_outside_scene() -> None:
    script = script_en()
    script.scenes[0].character_ids.append("ghost")
    script.scenes[0].lines[2].speaker_id = "mei"
    found = _only(check_script(script, canon_en(), carry()), "unknown_entity")
    fixes = {f.location: f.fix for f in found}
    assert all(f.category == "factual_detail" for f in found)
    assert fixes["s01"] == {"action": "remove_character", "scene_id": "s01", "character_id": "ghost"}
    assert fixes["s01-l03"] == {"action": "rewrite_line", "line_id": "s01-l03"}
    script = script_en()
    script.scenes[0].props[0].holder_id = "nobody"
    found = _only(check_script(script, canon_en(), carry()), "unknown_entity")
    assert found[0].fix == {"action": "set_prop_holder", "scene_id": "s01", "prop_id": "pendant", "value": "lin_wan"}


def test_dead_character_speaking_unlisted_points_at_the_line() -> None:
    script = script_en()
    script.scenes[1].lines[2].speaker_id = "chen_hao"
    found = _only(check_script(script, canon_en(), carry()), "absent_character")
    assert [(f.location, f.fix["character_id"]) for f in found] == [("s02-l03", "chen_hao")]
    assert found[0].quote == "Of course. Then straight to sleep."


def test_cue_and_text_name_drift_en() -> None:
    script = script_en()
    script.scenes[0].lines[1].cue = "Lyn Wan"
    script.scenes[0].lines[2].text = "Then someone is lying to us, Markus."
    found = _only(check_script(script, canon_en(), carry()), "name_drift")
    by_loc = {f.location: f for f in found}
    assert by_loc["s01-l02"].fix == {"action": "set_cue", "line_id": "s01-l02", "value": "Lin Wan"}
    assert by_loc["s01-l03"].fix == {"action": "replace_text", "line_id": "s01-l03", "old": "Markus", "new": "Marcus"}
    assert all(f.category == "factual_detail" for f in found)


def test_name_drift_zh_caught_and_ordinary_words_pass() -> None:
    script = script_zh()
    script.scenes[1].lines[1].text = "林琬，你怎么来了？王蕾姐也在。"
    found = _only(check_script(script, canon_zh(), Carryover()), "name_drift")
    olds = {(f.fix["old"], f.fix["new"]) for f in found}
    assert olds == {("林琬", "林婉"), ("王蕾", "王磊")}
    assert {f.location for f in found} == {"s02-l02"}


def test_wardrobe_drift_same_day_and_marked_change() -> None:
    script = script_en()
    script.scenes[1].wardrobe["lin_wan"] = "gala"
    found = _only(check_script(script, canon_en(), carry()), "wardrobe_drift")
    assert [(f.location, f.category) for f in found] == [("s02", "factual_detail")]
    assert found[0].fix == {"action": "set_wardrobe", "scene_id": "s02", "character_id": "lin_wan", "value": "work"}
    script.scenes[1].lines.insert(0, _al("s02-l00", "Lin Wan changes into her gala dress."))
    assert _only(check_script(script, canon_en(), carry()), "wardrobe_drift") == []


def test_wardrobe_carryover_and_unknown_set() -> None:
    script = script_en()
    same_day = Carryover(last_story_day=5, last_clock="08:00", wardrobe={"lin_wan": "gala"})
    found = _only(check_script(script, canon_en(), same_day), "wardrobe_drift")
    assert found[0].location == "s01" and found[0].fix["value"] == "gala"
    script.scenes[0].wardrobe["marcus"] = "tuxedo"
    found = _only(check_script(script, canon_en(), carry()), "wardrobe_drift")
    assert found[0].fix == {"action": "set_wardrobe", "scene_id": "s01", "character_id": "marcus", "value": "suit"}


def test_appearance_drift_en_and_zh() -> None:
    script = script_en()
    script.scenes[1].lines[0].text = "Lin Wan brushes her long blonde hair by the window."
    found = _only(check_script(script, canon_en(), carry()), "appearance_drift")
    assert found[0].location == "s02-l01" and found[0].category == "factual_detail"
    assert found[0].fix == {"action": "replace_text", "line_id": "s02-l01", "old": "blonde hair", "new": "black hair"}
    zh = script_zh()
    zh.scenes[1].lines[0].text = "林婉一头金发，在后园散步。"
    found = _only(check_script(zh, canon_zh(), Carryover()), "appearance_drift")
    assert found[0].fix["old"] == "金发" and found[0].fix["new"] == "黑发"
    zh.scenes[1].lines[0].text = "林婉戴着金发簪的假发，在后园散步。"
    assert _only(check_script(zh, canon_zh(), Carryover()), "appearance_drift") == []


def test_destroyed_prop_and_wrong_holder() -> None:
    script = script_en()
    script.scenes[1].props.append(PropUse(prop_id="ledger", holder_id="lin_wan"))
    script.scenes[1].props.append(PropUse(prop_id="pendant", holder_id="mei"))
    script.scenes[0].lines[0].text = "Lin Wan opens the red ledger."
    found = check_script(script, canon_en(), carry())
    state = _only(found, "prop_state")
    assert {(f.location, f.fix["action"]) for f in state} == {("s02", "drop_prop"), ("s01-l01", "drop_prop")}
    holder = _only(found, "prop_holder")
    assert holder[0].location == "s02" and holder[0].category == "factual_detail"
    assert holder[0].fix == {"action": "set_prop_holder", "scene_id": "s02", "prop_id": "pendant", "value": "lin_wan"}
    # A declared transfer or a hand-over in the action makes the new holder legitimate.
    script.scenes[1].props[-1].action = "Lin Wan gives it to Mei"
    assert _only(check_script(script, canon_en(), carry()), "prop_holder") == []
    script.scenes[1].props[-1].action = ""
    script.state_changes.append(StateChange(entity_id="pendant", field="holder_id", value="mei"))
    assert _only(check_script(script, canon_en(), carry()), "prop_holder") == []


def test_lost_prop_mentioned_in_dialogue_passes() -> None:
    script = script_zh()
    script.scenes[0].lines[1].text = "那封密信早就丢了，别再找了。"
    assert _only(check_script(script, canon_zh(), Carryover()), "prop_state") == []


def test_timeline_order_and_clock() -> None:
    script = script_en()
    script.scenes[1].story_day = 4
    found = _only(check_script(script, canon_en(), carry()), "timeline_order")
    assert found[0].fix == {"action": "set_story_day", "scene_id": "s02", "value": "5"}
    assert found[0].category == "timeline_plot"
    script = script_en()
    script.scenes[1].clock, script.scenes[1].time_of_day = "08:30", "morning"
    found = _only(check_script(script, canon_en(), carry()), "timeline_order")
    assert found[0].fix == {"action": "set_clock", "scene_id": "s02", "value": "09:00"}
    script = script_en()
    script.scenes[1].clock = "03:00"
    found = _only(check_script(script, canon_en(), carry()), "timeline_order")
    assert found[0].fix == {"action": "set_clock", "scene_id": "s02", "value": "18:00"}
    script = script_en()
    script.scenes[1].story_day, script.scenes[1].flashback = 1, True
    assert _only(check_script(script, canon_en(), carry()), "timeline_order") == []


def test_secret_revealed_by_non_knower() -> None:
    script = script_en()
    script.scenes[1].lines[2].text = "Marcus is Chen Hao's twin brother."
    found = _only(check_script(script, canon_en(), carry()), "secret_knowledge")
    assert [(f.location, f.category) for f in found] == [("s02-l03", "characterization")]
    assert found[0].fix == {"action": "drop_reveal", "line_id": "s02-l03", "secret_id": "twin"}
    tagged = script_en()
    tagged.scenes[0].lines[1].reveals = ["twin"]
    assert _only(check_script(tagged, canon_en(), carry()), "secret_knowledge")[0].location == "s01-l02"


def test_secret_learned_in_script_then_repeated_passes() -> None:
    script = script_en()
    script.scenes[0].lines[2].reveals = ["twin"]  # Marcus (a knower) tells Lin in s01
    script.scenes[1].lines[2].text = "Marcus is Chen Hao's twin brother, Mei."
    assert _only(check_script(script, canon_en(), carry()), "secret_knowledge") == []


def test_simultaneity() -> None:
    script = script_en()
    script.scenes[1].clock, script.scenes[1].time_of_day = "09:05", "morning"
    found = _only(check_script(script, canon_en(), carry()), "simultaneity")
    assert [(f.location, f.category) for f in found] == [("s02", "timeline_plot")]
    assert found[0].fix == {"action": "set_clock", "scene_id": "s02", "value": "09:30"}
    script.scenes[1].clock = "09:30"
    assert _only(check_script(script, canon_en(), carry()), "simultaneity") == []


def test_anachronisms_en_zh_and_forbidden_terms() -> None:
    script = script_en()
    script.scenes[0].lines[1].text = "Call me on my phone, or take the car. I train daily."
    found = _only(check_script(script, canon_en("pre_industrial"), carry()), "anachronism")
    assert {(f.fix["old"], f.fix["new"]) for f in found} == {("phone", "letter"), ("car", "carriage")}
    assert all(f.category == "world_building" and f.location == "s01-l02" for f in found)
    assert _only(check_script(script, canon_en("modern"), carry()), "anachronism") == []
    zh = script_zh()
    zh.scenes[1].lines[1].text = "快用手机叫辆汽车，再带盒巧克力。"
    found = _only(check_script(zh, canon_zh(), Carryover()), "anachronism")
    assert {(f.fix["old"], f.fix["new"]) for f in found} == {("手机", "书信"), ("汽车", "马车"), ("巧克力", "")}
    assert found[0].fix["line_id"] == "s02-l02"


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
    assert found[("shot_coverage", "s01-l03")].fix == {"action": "add_shot_for_line", "line_id": "s01-l03"}
    assert found[("shot_cast", bad.id)].fix == {
        "action": "remove_character",
        "shot_id": bad.id,
        "character_id": "chen_hao",
    }
    assert found[("shot_wardrobe", bad.id)].fix == {
        "action": "set_wardrobe",
        "shot_id": bad.id,
        "character_id": "lin_wan",
        "value": "work",
    }
    where = [f for f in check_shots(shots, script, canon_en()) if f.check == "shot_location"]
    assert {(f.location, f.fix["action"], f.fix["value"]) for f in where} == {
        (bad.id, "set_location", "office"),
        (bad.id, "set_time_of_day", "morning"),
    }
    assert found[("shot_coverage", "s01-l03")].category == "timeline_plot"


def test_runtime_and_shot_duration() -> None:
    script = script_en()
    shots = _fixed(script)
    shots.shots[0].duration_s = 0.3
    shots.shots[1].duration_s = 12.0
    found = {(f.check, f.location): f for f in check_shots(shots, script, canon_en())}
    assert found[("shot_duration", shots.shots[0].id)].fix == {
        "action": "set_duration",
        "shot_id": shots.shots[0].id,
        "value": "0.5",
    }
    assert found[("shot_duration", shots.shots[1].id)].fix["value"] == "8"
    runtime = found[("runtime", "episode-3")]
    assert runtime.category == "narrative_style" and runtime.fix["action"] == "set_duration"
