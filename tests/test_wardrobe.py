"""A costume change lasts: folded from the scripts, worn by the offline writer, held by continuity, planned,
revised in canon, and carried into the shot prompts."""

from __future__ import annotations

import random

import pytest

from agents.canon_edits import EditError, apply_edit
from agents.canon_fixes import refresh_prompts, reprompt
from agents.continuity_checks import check_script
from agents.director import visual_prompt
from agents.offline.compose_staging import pick_wardrobe
from agents.plan_edits import PlanEditError, revise_plan
from agents.showrunner_chat import ChangeCanon, RevisePlan
from agents.wardrobe_edits import WardrobeError, dress, revise_set
from memory import edits as E
from memory.canon_fold import carryover_from
from memory.schema import Carryover, KeptWardrobe, Shot, ShotCharacter, ShotList, StateChange
from tests.fixtures_canon import canon_en, script_en
from tests.fixtures_offline import plan_season

PREMISE = "A night-shift nurse, Ada Stone, finds her missing brother's watch on a patient at St Jude's hospital."


def _kept(set_id: str = "gala", since: int = 2) -> Carryover:
    """Carryover after an episode dressed Lin Wan in a set for good, ending on story day 4."""
    return Carryover(
        last_story_day=4,
        last_clock="22:00",
        wardrobe={"lin_wan": set_id},
        kept_wardrobe={"lin_wan": KeptWardrobe(wardrobe_id=set_id, since_episode=since)},
    )


def test_the_fold_keeps_a_wardrobe_change_until_a_later_episode_changes_it() -> None:
    first, second, third = script_en(), script_en(), script_en()
    first.episode, second.episode, third.episode = 1, 2, 3
    second.state_changes = [StateChange(entity_id="lin_wan", field="wardrobe", value="gala")]
    assert carryover_from([first]).kept_wardrobe == {}
    kept = carryover_from([third, second, first]).kept_wardrobe  # taken in episode order, whatever the order given
    assert kept == {"lin_wan": KeptWardrobe(wardrobe_id="gala", since_episode=2)}
    third.state_changes = [StateChange(entity_id="lin_wan", field="wardrobe", value="work")]
    assert carryover_from([first, second, third]).kept_wardrobe["lin_wan"].since_episode == 3


def test_continuity_holds_a_lasting_change_on_a_new_day_and_names_the_episode() -> None:
    script = script_en()  # day 5, a new day after the carryover's day 4; Lin Wan in "work"
    found = [f for f in check_script(script, canon_en(), _kept()) if f.check == "wardrobe_drift"]
    assert [f.location for f in found] == ["s01", "s02"], "every scene in the old set, not a sample"
    assert found[0].requests == [E.SetWardrobe(scene_id="s01", character_id="lin_wan", wardrobe_id="gala")]
    assert "since the costume change in episode 2" in found[0].canon_fact
    assert [f for f in check_script(script, canon_en(), _kept("work")) if f.check == "wardrobe_drift"] == []


def test_an_episode_that_changes_the_costume_again_or_a_flashback_is_not_held() -> None:
    script = script_en()
    script.state_changes = [StateChange(entity_id="lin_wan", field="wardrobe", value="work")]
    assert [f for f in check_script(script, canon_en(), _kept()) if f.check == "wardrobe_drift"] == []
    script = script_en()
    script.scenes[0].flashback = True
    found = [f for f in check_script(script, canon_en(), _kept()) if f.check == "wardrobe_drift"]
    assert [f.location for f in found] == ["s02"]


def test_the_offline_writer_dresses_a_new_day_in_the_kept_set_and_a_planned_change_from_the_first_scene() -> None:
    canon = canon_en()
    for seed in range(12):  # a random pick would land on "work" about half the time
        picked = pick_wardrobe(random.Random(seed), canon, _kept(), [], 9, ["lin_wan"], {})
        assert picked == {"lin_wan": "gala"}
    planned = [StateChange(entity_id="lin_wan", field="wardrobe", value="work")]
    same_day = _kept().model_copy(update={"last_story_day": 9})
    assert pick_wardrobe(random.Random(0), canon, same_day, planned, 9, ["lin_wan"], {}) == {"lin_wan": "work"}
    assert pick_wardrobe(random.Random(0), canon, same_day, [], 9, ["lin_wan"], {}) == {"lin_wan": "gala"}


def test_dress_finds_a_set_by_id_or_words_and_adds_one_canon_lacks() -> None:
    lin = canon_en().characters[0]
    assert dress(lin, "gala")[1].id == "gala"
    assert dress(lin, "her gala dress")[1:] == (lin.wardrobe[1], False)
    dressed, added, new = dress(lin, "a red winter coat over scrubs")
    assert new and added.id == "red_winter_coat" and added.description == "a red winter coat over scrubs"
    assert [w.id for w in dressed.wardrobe] == ["work", "gala", "red_winter_coat"]
    with pytest.raises(WardrobeError):
        dress(lin, "  ")


def test_revise_set_rewrites_a_description_in_place_and_refuses_a_bad_id() -> None:
    lin = canon_en().characters[0]
    lin.wardrobe[0].colors = ["grey"]
    revised = revise_set(lin, "work", "navy suit, red scarf")
    work = revised.wardrobe[0]
    assert (work.id, work.description, work.colors) == ("work", "navy suit, red scarf", []), "colours follow the text"
    assert [w.id for w in revised.wardrobe] == ["work", "gala"]
    with pytest.raises(WardrobeError, match="lower-case"):
        revise_set(lin, "Work Clothes", "x")


def test_a_canon_revision_of_a_wardrobe_set() -> None:
    edit = ChangeCanon(action="revise_character", target="Lin Wan", changes={"wardrobe.gala": "a silver qipao"})
    canon, description = apply_edit(canon_en(), edit)
    lin = canon.character("lin_wan")
    assert lin is not None and lin.wardrobe[1].description == "a silver qipao"
    assert "wardrobe.gala → a silver qipao" in description
    with pytest.raises(EditError, match=r"wardrobe\.SET"):
        apply_edit(canon_en(), ChangeCanon(action="revise_character", target="Lin Wan", changes={"cape": "red"}))


def test_planning_a_costume_change_records_it_in_the_brief_and_refuses_a_produced_episode() -> None:
    series = plan_season(PREMISE, episodes=6)
    ada = series.canon.characters[0]
    edit = RevisePlan(action="change_wardrobe", episode=3, character=ada.name, text="a red winter coat over scrubs")
    change = revise_plan(series.plan, series.canon, edit, produced={1})
    brief = change.plan.episodes[2]
    assert (
        StateChange(entity_id=ada.id, field="wardrobe", value="red_winter_coat", note="costume change (plan)")
        in brief.planned_changes
    )
    assert ada.id in brief.character_ids
    person = change.canon.character(ada.id) if change.canon is not None else None
    assert person is not None and "red_winter_coat" in [w.id for w in person.wardrobe]
    assert "new wardrobe set 'red_winter_coat'" in change.changes[0] and "from episode 3" in change.changes[1]
    existing = RevisePlan(action="change_wardrobe", episode=4, character=ada.id, text=ada.wardrobe[-1].id)
    assert revise_plan(series.plan, series.canon, existing, produced={1}).canon is None, "no new set, canon stays"
    with pytest.raises(PlanEditError, match="already produced"):
        revise_plan(series.plan, series.canon, edit.model_copy(update={"episode": 1}), produced={1})
    with pytest.raises(PlanEditError, match="who wears what"):
        revise_plan(series.plan, series.canon, edit.model_copy(update={"text": ""}), produced={1})


def _shots() -> ShotList:
    lin = Shot(
        id="s01-sh01",
        scene_id="s01",
        framing="CU",
        angle="eye",
        movement="static",
        duration_s=3,
        location_id="office",
        time_of_day="morning",
        description="Lin Wan looks up.",
        characters=[ShotCharacter(character_id="lin_wan", wardrobe_id="gala")],
    )
    marcus = lin.model_copy(
        update={"id": "s01-sh02", "characters": [ShotCharacter(character_id="marcus", wardrobe_id="suit")]}
    )
    canon = canon_en()
    return ShotList(
        episode=3,
        target_seconds=60,
        shots=[s.model_copy(update={"visual_prompt": visual_prompt(s, canon)}) for s in (lin, marcus)],
    )


def test_reprompt_rebuilds_only_the_shots_a_change_alters() -> None:
    old = canon_en()
    new, _ = apply_edit(
        old, ChangeCanon(action="revise_character", target="Lin Wan", changes={"wardrobe.gala": "a silver qipao"})
    )
    shots = _shots()
    fixed, changed = reprompt(shots, old, new)
    assert changed == 1
    assert "wearing a silver qipao" in fixed.shots[0].visual_prompt
    assert fixed.shots[1] == shots.shots[1], "Marcus's shot is left exactly as it was"
    assert reprompt(shots, old, old) == (shots, 0)
    refreshed, count = refresh_prompts(shots, new)
    assert count == 1 and refreshed == fixed


def test_a_chinese_costume_gets_a_numbered_set_id() -> None:
    lin = canon_en().characters[0]
    _, added, new = dress(lin, "红色旗袍")
    assert new and added.id == "costume_3" and added.description == "红色旗袍"
