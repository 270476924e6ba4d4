"""Planted continuity errors in a script are caught; their clean look-alikes pass."""

from __future__ import annotations

from agents.continuity_checks import check_script
from memory import edits as E
from memory.schema import Carryover, Finding, PropUse, StateChange
from tests.fixtures_canon import action_line, canon_en, canon_zh, carry, script_en, script_zh


def _old_new(f: Finding) -> tuple[str, str]:
    """The (old, new) pair of a finding's one text replacement."""
    (request,) = f.requests
    assert isinstance(request, E.ReplaceText)
    return request.old, request.new


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
    assert found[0].requests == [E.CutCharacter(character_id="chen_hao", scene_id="s02")]
    assert "dead" in found[0].canon_fact and found[0].id == "absent_character:s02:0"
    script.scenes[1].flashback = True
    assert _only(check_script(script, canon_en(), carry()), "absent_character") == []


def test_unknown_ids_and_speaker_outside_scene() -> None:
    script = script_en()
    script.scenes[0].character_ids.append("ghost")
    script.scenes[0].lines[2].speaker_id = "mei"
    found = _only(check_script(script, canon_en(), carry()), "unknown_entity")
    fixes = {f.location: f.requests for f in found}
    assert all(f.category == "factual_detail" for f in found)
    assert fixes["s01"] == [E.CutCharacter(character_id="ghost", scene_id="s01")]
    assert [r.line_id for r in fixes["s01-l03"] if isinstance(r, E.RewriteLine)] == ["s01-l03"]
    script = script_en()
    script.scenes[0].props[0].holder_id = "nobody"
    found = _only(check_script(script, canon_en(), carry()), "unknown_entity")
    assert found[0].requests == [E.SetPropHolder(scene_id="s01", prop_id="pendant", holder_id="lin_wan")]


def test_dead_character_speaking_unlisted_points_at_the_line() -> None:
    script = script_en()
    script.scenes[1].lines[2].speaker_id = "chen_hao"
    found = _only(check_script(script, canon_en(), carry()), "absent_character")
    assert [(f.location, getattr(f.requests[0], "character_id", "chen_hao")) for f in found] == [
        ("s02-l03", "chen_hao")
    ]
    assert found[0].quote == "Of course. Then straight to sleep."


def test_cue_and_text_name_drift_en() -> None:
    script = script_en()
    script.scenes[0].lines[1].cue = "Lyn Wan"
    script.scenes[0].lines[2].text = "Then someone is lying to us, Markus."
    found = _only(check_script(script, canon_en(), carry()), "name_drift")
    by_loc = {f.location: f for f in found}
    assert by_loc["s01-l02"].requests == [E.SetCue(line_id="s01-l02", value="Lin Wan")]
    assert by_loc["s01-l03"].requests == [E.ReplaceText(line_id="s01-l03", old="Markus", new="Marcus")]
    assert all(f.category == "factual_detail" for f in found)


def test_name_drift_zh_caught_and_ordinary_words_pass() -> None:
    script = script_zh()
    script.scenes[1].lines[1].text = "林琬，你怎么来了？王蕾姐也在。"
    found = _only(check_script(script, canon_zh(), Carryover()), "name_drift")
    olds = {(_old_new(f)) for f in found}
    assert olds == {("林琬", "林婉"), ("王蕾", "王磊")}
    assert {f.location for f in found} == {"s02-l02"}


def test_wardrobe_drift_same_day_and_marked_change() -> None:
    script = script_en()
    script.scenes[1].wardrobe["lin_wan"] = "gala"
    found = _only(check_script(script, canon_en(), carry()), "wardrobe_drift")
    assert [(f.location, f.category) for f in found] == [("s02", "factual_detail")]
    assert found[0].requests == [E.SetWardrobe(scene_id="s02", character_id="lin_wan", wardrobe_id="work")]
    script.scenes[1].lines.insert(0, action_line("s02-l00", "Lin Wan changes into her gala dress."))
    assert _only(check_script(script, canon_en(), carry()), "wardrobe_drift") == []


def test_wardrobe_carryover_and_unknown_set() -> None:
    script = script_en()
    same_day = Carryover(last_story_day=5, last_clock="08:00", wardrobe={"lin_wan": "gala"})
    found = _only(check_script(script, canon_en(), same_day), "wardrobe_drift")
    assert found[0].location == "s01" and getattr(found[0].requests[0], "wardrobe_id", "") == "gala"
    script.scenes[0].wardrobe["marcus"] = "tuxedo"
    found = _only(check_script(script, canon_en(), carry()), "wardrobe_drift")
    assert found[0].requests == [E.SetWardrobe(scene_id="s01", character_id="marcus", wardrobe_id="suit")]


def test_appearance_drift_en_and_zh() -> None:
    script = script_en()
    script.scenes[1].lines[0].text = "Lin Wan brushes her long blonde hair by the window."
    found = _only(check_script(script, canon_en(), carry()), "appearance_drift")
    assert found[0].location == "s02-l01" and found[0].category == "factual_detail"
    assert found[0].requests == [E.ReplaceText(line_id="s02-l01", old="blonde hair", new="black hair")]
    zh = script_zh()
    zh.scenes[1].lines[0].text = "林婉一头金发，在后园散步。"
    found = _only(check_script(zh, canon_zh(), Carryover()), "appearance_drift")
    assert _old_new(found[0]) == ("金发", "黑发")
    zh.scenes[1].lines[0].text = "林婉戴着金发簪的假发，在后园散步。"
    assert _only(check_script(zh, canon_zh(), Carryover()), "appearance_drift") == []


def test_destroyed_prop_and_wrong_holder() -> None:
    script = script_en()
    script.scenes[1].props.append(PropUse(prop_id="ledger", holder_id="lin_wan"))
    script.scenes[1].props.append(PropUse(prop_id="pendant", holder_id="mei"))
    script.scenes[0].lines[0].text = "Lin Wan opens the red ledger."
    found = check_script(script, canon_en(), carry())
    state = _only(found, "prop_state")
    assert {(f.location, f.requests[0].kind) for f in state} == {("s02", "drop_prop"), ("s01-l01", "drop_prop")}
    holder = _only(found, "prop_holder")
    assert holder[0].location == "s02" and holder[0].category == "factual_detail"
    assert holder[0].requests == [E.SetPropHolder(scene_id="s02", prop_id="pendant", holder_id="lin_wan")]
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
    assert found[0].requests == [E.MoveScene(scene_id="s02", story_day=5)]
    assert found[0].category == "timeline_plot"
    script = script_en()
    script.scenes[1].clock, script.scenes[1].time_of_day = "08:30", "morning"
    found = _only(check_script(script, canon_en(), carry()), "timeline_order")
    assert found[0].requests == [E.MoveScene(scene_id="s02", clock="09:00")]
    script = script_en()
    script.scenes[1].clock = "03:00"
    found = _only(check_script(script, canon_en(), carry()), "timeline_order")
    assert found[0].requests == [E.MoveScene(scene_id="s02", clock="18:00")]
    script = script_en()
    script.scenes[1].story_day, script.scenes[1].flashback = 1, True
    assert _only(check_script(script, canon_en(), carry()), "timeline_order") == []


def test_secret_revealed_by_non_knower() -> None:
    script = script_en()
    script.scenes[1].lines[2].text = "Marcus is Chen Hao's twin brother."
    found = _only(check_script(script, canon_en(), carry()), "secret_knowledge")
    assert [(f.location, f.category) for f in found] == [("s02-l03", "characterization")]
    assert found[0].requests == [E.DropReveal(line_id="s02-l03", secret_id="twin")]
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
    assert found[0].requests == [E.MoveScene(scene_id="s02", clock="09:30")]
    script.scenes[1].clock = "09:30"
    assert _only(check_script(script, canon_en(), carry()), "simultaneity") == []


def test_anachronisms_en_zh_and_forbidden_terms() -> None:
    script = script_en()
    script.scenes[0].lines[1].text = "Call me on my phone, or take the car. I train daily."
    found = _only(check_script(script, canon_en("pre_industrial"), carry()), "anachronism")
    assert {_old_new(f) for f in found} == {("phone", "letter"), ("car", "carriage")}
    assert all(f.category == "world_building" and f.location == "s01-l02" for f in found)
    assert _only(check_script(script, canon_en("modern"), carry()), "anachronism") == []
    zh = script_zh()
    zh.scenes[1].lines[1].text = "快用手机叫辆汽车，再带盒巧克力。"
    found = _only(check_script(zh, canon_zh(), Carryover()), "anachronism")
    assert {_old_new(f) for f in found} == {("手机", "书信"), ("汽车", "马车"), ("巧克力", "")}
    assert getattr(found[0].requests[0], "line_id", "") == "s02-l02"
