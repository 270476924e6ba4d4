"""Every kind of edit request is applied by the offline writer and verified; what cannot be done is reported unmet."""

from __future__ import annotations

import random
from functools import cache

import pytest

from agents.continuity_checks import check_script
from agents.edit_match import first_playing_beat
from agents.edit_text import requirement, requirement_line
from agents.edit_verify import verify, verify_shots
from agents.offline import OfflineWriter
from agents.offline.compose_revise import apply_requests
from agents.offline.compose_script import DraftInput
from graphs.episode_requests import NoteRead, outcome_summary, revision_line, unparsed_outcomes
from memory import edits as E
from memory.schema import Canon, Carryover, EpisodeBrief, Finding, Script, SeriesBible, ShotList
from tests.fixtures_offline import ask, plan_season, write_script

PREMISES = {
    "en": "A night-shift paramedic discovers her missing brother is running the city's ambulance smuggling ring.",
    "zh": "重生回到订婚宴前一天，她决定当众揭穿继母和未婚夫的阴谋。",
}


@cache
def produced(language: str, episode: int) -> tuple[SeriesBible, EpisodeBrief, Script]:
    bible = plan_season(PREMISES[language], language, episodes=3, seed=5)
    brief = bible.plan.episodes[episode - 1]
    script = write_script(OfflineWriter(seed=5, slip_rate=0.0), bible, brief, bible.canon, Carryover(), seed=5)
    return bible, brief, script


def cases(script: Script, canon: Canon, brief: EpisodeBrief) -> dict[str, E.EditRequest]:
    """One request of every script kind, built from what this episode holds."""
    en = canon.language == "en"
    lines = script.lines()
    spoken = [ln for ln in lines if ln.kind == "dialogue"]
    counts: dict[str, int] = {}
    for ln in spoken:
        counts[ln.speaker_id or ""] = counts.get(ln.speaker_id or "", 0) + 1
    busiest = max(counts, key=lambda c: counts[c])
    present = {c for s in script.scenes for c in s.character_ids}
    outsider = next(c.id for c in canon.characters if c.id not in present)
    first, last = script.scenes[0], script.scenes[-1]
    line = spoken[1]
    other = next(c for c in first.character_ids if c != line.speaker_id)
    word = next(w for w in line.text.split() if len(w) > 3) if en else line.text[:2]
    elsewhere = next(loc.id for loc in canon.locations if loc.id != last.location_id)
    wearer = canon.character(first.character_ids[0])
    assert wearer is not None
    named = canon.character(busiest)
    assert named is not None
    out: dict[str, E.EditRequest] = {
        "cut_character": E.CutCharacter(character_id=busiest),
        "cut_character_scene": E.CutCharacter(character_id=busiest, scene_id=last.id),
        "add_character": E.AddCharacter(character_id=outsider),
        "add_character_scene": E.AddCharacter(character_id=outsider, scene_id=first.id),
        "rename": E.Rename(old=named.name, new="Amara Quinn" if en else "苏晚晴", character_id=busiest),
        "move_scene_place_time": E.MoveScene(scene_id=last.id, location_id=elsewhere, time_of_day="night"),
        "move_scene_clock": E.MoveScene(scene_id=first.id, clock="07:30"),
        "resize_shorter": E.ResizeScene(scene_id=last.id, direction="shorter"),
        "resize_longer": E.ResizeScene(direction="longer"),
        "change_line_words": E.ChangeLine(
            line_id=line.id, text="Not one more word." if en else "别再说了。", emotion="cold"
        ),
        "change_line_speaker": E.ChangeLine(line_id=line.id, speaker_id=other),
        "rewrite_line": E.RewriteLine(line_id=spoken[2].id, reason="flat"),
        "replace_text": E.ReplaceText(line_id=line.id, old=word, new="Harbour" if en else "码头"),
        "set_cue": E.SetCue(line_id=line.id, value=f"{line.cue} (O.S.)" if en else f"{line.cue}（画外音）"),
        "set_wardrobe": E.SetWardrobe(
            scene_id=first.id,
            character_id=wearer.id,
            wardrobe_id=next(w.id for w in reversed(wearer.wardrobe) if w.id != first.wardrobe.get(wearer.id)),
        ),
        "hook": E.ChangeMoment(
            moment="hook",
            text="Nadia tears up the transfer papers in front of everyone" if en else "林婉当众撕碎了转让合同",
        ),
        "ending": E.ChangeMoment(
            moment="ending",
            text="the two rivals share a quiet drink on the roof" if en else "两个对手在天台上默默喝了一杯",
        ),
        "cliffhanger": E.ChangeMoment(
            moment="cliffhanger",
            text="a stranger at the door calls her by her dead mother's name"
            if en
            else "门口的陌生人叫出了她亡母的名字",
        ),
        "add_beat_positioned": E.AddBeat(
            text="the fire alarm goes off and everyone runs into the corridor"
            if en
            else "火警突然响起，所有人冲进走廊",
            position=2,
        ),
        "add_beat_end": E.AddBeat(text="a parcel arrives with no sender" if en else "一个没有寄件人的包裹送到了"),
        "reorder_beats": E.ReorderBeats(order=[2, 1, 0, 3]),
        "tone_lighter": E.ChangeTone(tone="lighter" if en else "轻松一点"),
        "tone_darker": E.ChangeTone(tone="darker and sadder" if en else "更压抑"),
    }
    with_prop = next((s for s in script.scenes if s.props), None)
    if with_prop is not None:
        use = with_prop.props[0]
        out["drop_prop"] = E.DropProp(prop_id=use.prop_id, scene_id=with_prop.id)
        out["set_prop_holder"] = E.SetPropHolder(
            scene_id=with_prop.id,
            prop_id=use.prop_id,
            holder_id=next(c for c in reversed(with_prop.character_ids) if c != use.holder_id),
        )
    shown = [i for i, beat in enumerate(brief.key_beats) if first_playing_beat(lines, i, beat) is not None]
    if shown:
        out["drop_beat"] = E.DropBeat(index=shown[0])
    reveal = next((ln for ln in lines if ln.reveals), None)
    if reveal is not None:
        out["drop_reveal"] = E.DropReveal(line_id=reveal.id, secret_id=reveal.reveals[0])
    return out


# Which continuity findings a request may bring with it: a producer's rename is name drift by design
# (the graph keeps the reviewers from undoing it).
EXPECTED_SIDE_EFFECTS = {"rename": {"name_drift"}}
KINDS = sorted(
    {*cases(produced("en", 1)[2], produced("en", 1)[0].canon, produced("en", 1)[1])}
    | {"drop_prop", "set_prop_holder", "drop_reveal", "drop_beat"}
)


def _revise(language: str, episode: int, request: E.EditRequest) -> tuple[Script, Script, SeriesBible, EpisodeBrief]:
    bible, brief, script = produced(language, episode)
    note = Finding(
        id="human:1", reviewer="human", check="producer_note", category="producer", message="x", requests=[request]
    )
    writer = OfflineWriter(seed=5, slip_rate=0.0)
    after = write_script(writer, bible, brief, bible.canon, Carryover(), revision=1, previous=script, notes=[note])
    return script, after, bible, brief


def _case(language: str, episode: int, label: str) -> E.EditRequest | None:
    bible, brief, script = produced(language, episode)
    return cases(script, bible.canon, brief).get(label)


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("label", KINDS)
def test_each_request_kind_is_applied_offline_and_verified(language: str, label: str) -> None:
    found = [(ep, r) for ep in (1, 2, 3) if (r := _case(language, ep, label)) is not None]
    assert found, f"no episode of the {language} season has what '{label}' needs"
    episode, request = found[0]
    before, after, bible, brief = _revise(language, episode, request)
    met, why = verify(request, before, after, bible.canon, brief, bible.canon.language)
    assert met, f"{requirement_line(request, bible.canon)}: {why}"
    assert after != before
    for scene in after.scenes:
        assert scene.lines and all(
            ln.speaker_id in scene.character_ids for ln in scene.lines if ln.kind == "dialogue"
        ), scene.id
    baseline = {(f.check, f.location) for f in check_script(before, bible.canon, Carryover())}
    new = {f.check for f in check_script(after, bible.canon, Carryover()) if (f.check, f.location) not in baseline}
    assert new <= EXPECTED_SIDE_EFFECTS.get(label, set()), new


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_cut_character_has_no_line_and_no_presence_left(language: str) -> None:
    _, _, script = produced(language, 1)
    spoken = [ln.speaker_id for ln in script.lines() if ln.kind == "dialogue"]
    victim = max(set(spoken), key=spoken.count)
    assert spoken.count(victim) >= 3  # a Tomas-style character: several lines before the note
    request = E.CutCharacter(character_id=victim or "")
    before, after, bible, brief = _revise(language, 1, request)
    assert [ln.id for ln in after.lines() if ln.speaker_id == victim] == []
    assert all(victim not in s.character_ids and victim not in s.wardrobe for s in after.scenes)
    assert verify(request, before, after, bible.canon, brief, bible.canon.language) == (True, "")
    # Nothing else was cut away: the episode still has the other people talking.
    assert sum(1 for ln in after.lines() if ln.kind == "dialogue") >= 4


def test_the_verifier_fails_a_draft_that_ignored_the_request() -> None:
    bible, brief, script = produced("en", 1)
    for label, request in cases(script, bible.canon, brief).items():
        met, why = verify(request, script, script, bible.canon, brief, bible.canon.language)
        assert not met and why, label


@pytest.mark.parametrize(
    "request_",
    [
        E.AddCharacter(character_id="nobody_at_all"),
        E.CutCharacter(character_id="someone", scene_id="s09"),
        E.ChangeLine(line_id="s09-l01", text="Hello."),
        E.MoveScene(scene_id="s01", location_id="the_moon"),
        E.ReorderBeats(order=[0, 0, 1]),
        E.ChangeTone(tone="ultraviolet"),
        E.DropBeat(index=7),
        E.DropBeat(text="the moon turns green over the harbour"),
        E.RewriteLine(line_id="s04-l44"),
        E.SetWardrobe(scene_id="s01", character_id="nobody", wardrobe_id="gala"),
    ],
    ids=lambda r: r.kind,
)
def test_a_request_the_script_cannot_take_is_left_undone_and_reported_unmet(request_: E.EditRequest) -> None:
    before, after, bible, brief = _revise("en", 1, request_)
    met, why = verify(request_, before, after, bible.canon, brief, bible.canon.language)
    assert not met and why
    assert [ln.text for ln in after.lines()] == [ln.text for ln in before.lines()]


def test_requests_apply_in_one_revision_without_tripping_each_other() -> None:
    bible, brief, script = produced("zh", 1)
    all_cases = cases(script, bible.canon, brief)
    chosen = [all_cases[k] for k in ("set_cue", "rewrite_line", "move_scene_clock", "add_character", "cliffhanger")]
    data = DraftInput(canon=bible.canon, brief=brief, carryover=Carryover(), target_seconds=90, seed=5)
    after = apply_requests(script, chosen, data, random.Random(3))
    assert all(verify(r, script, after, bible.canon, brief, bible.canon.language)[0] for r in chosen)


def test_shot_requests_are_applied_by_the_director_and_verified() -> None:
    bible, _, script = produced("en", 1)
    writer = OfflineWriter(seed=5, slip_rate=0.0)
    payload: dict[str, object] = {"language": "en", "script": script, "canon": bible.canon, "target_seconds": 90}
    shots = ask(writer, "shot_list", {**payload, "revision": 0}, ShotList)
    assert isinstance(shots, ShotList)
    dialogue = next(ln for ln in script.lines() if ln.kind == "dialogue")
    crowded = next(s for s in shots.shots if s.characters)
    person = crowded.characters[0]
    character = bible.canon.character(person.character_id)
    assert character is not None
    other_set = next((w.id for w in character.wardrobe if w.id != person.wardrobe_id), person.wardrobe_id)
    requests: list[E.EditRequest] = [
        E.AddShotForLine(line_id=dialogue.id),
        E.SetShotField(shot_id=shots.shots[0].id, field="duration", value="2.5"),
        E.SetShotField(shot_id=shots.shots[1].id, field="time_of_day", value="night"),
        E.SetShotWardrobe(shot_id=crowded.id, character_id=person.character_id, wardrobe_id=other_set),
        E.CutShotCharacter(shot_id=crowded.id, character_id=person.character_id),
    ]
    for request in requests:
        note = Finding(
            id="n", reviewer="human", check="producer_note", category="producer", message="x", requests=[request]
        )
        revised = ask(
            writer, "shot_list", {**payload, "revision": 1, "notes": [note], "previous_shots": shots}, ShotList
        )
        assert isinstance(revised, ShotList)
        assert verify_shots(request, shots, revised, script, bible.canon, "en")[0], request.kind
    assert not verify_shots(
        E.SetShotField(shot_id="nope", field="duration", value="1"), shots, shots, script, bible.canon, "en"
    )[0]


def test_requirement_lines_name_people_and_places() -> None:
    bible = produced("en", 1)[0]
    who = bible.canon.characters[1]
    line = requirement_line(E.CutCharacter(character_id=who.id), "en", bible.canon)
    assert line == f"- [cut_character] {who.name} ({who.id}) must not appear in the episode: no lines, not present"
    place = bible.canon.locations[0]
    moved = requirement_line(E.MoveScene(scene_id="s02", location_id=place.id, time_of_day="night"), "en", bible.canon)
    assert place.name in moved and "night" in moved and "s02" in moved


def test_requirements_are_stated_in_the_language_asked_for() -> None:
    canon = produced("zh", 1)[0].canon
    who, place = canon.characters[1], canon.locations[0]
    cut = requirement(E.CutCharacter(character_id=who.id, scene_id="s02"), "zh", canon)
    assert cut == f"{who.name}（{who.id}）不得出现在s02场中：没有台词，也不在场"
    moved = requirement(
        E.MoveScene(scene_id="s02", location_id=place.id, time_of_day="night", story_day=2), "zh", canon
    )
    assert moved == f"s02场必须设在{place.name}（{place.id}）、夜里、故事第2天"
    played = requirement(E.ChangeLine(line_id="s01-l02", speaker_id=who.id, emotion="angry"), "zh", canon)
    assert played == f"台词s01-l02必须由{who.name}（{who.id}）来说，并且带着“愤怒”的情绪"
    english = requirement(E.ChangeLine(line_id="s01-l02", speaker_id=who.id, emotion="angry"), "en", canon)
    assert english == f"line s01-l02 must be spoken by {who.name} ({who.id}) and be played angry"
    assert requirement(E.ReorderBeats(order=[2, 0, 1]), "zh") == "简报中的节拍必须按2、0、1的顺序演出"


def test_why_a_request_is_unmet_is_said_in_the_series_language() -> None:
    bible, brief, script = produced("zh", 1)
    speaker = next(ln for ln in script.lines() if ln.kind == "dialogue")
    scene = next(s for s in script.scenes if speaker in s.lines)
    spoken = [ln.id for ln in scene.lines if ln.speaker_id == speaker.speaker_id]
    met, why = verify(E.CutCharacter(character_id=speaker.speaker_id or ""), script, script, bible.canon, brief, "zh")
    assert not met
    assert why == f"{speaker.speaker_id}在{scene.id}场中仍有{len(spoken)}句台词（{spoken[0]}）"
    met, why = verify(E.MoveScene(scene_id="s09"), script, script, bible.canon, brief, "zh")
    assert (met, why) == (False, "没有s09场")
    english = verify(E.MoveScene(scene_id="s09"), script, script, bible.canon, brief, "en")
    assert english == (False, "there is no scene s09")


@pytest.mark.parametrize(
    ("language", "beat"), [("en", "She finally tells him the truth."), ("zh", "她终于把真相告诉了他。")]
)
def test_a_beat_about_a_truth_coming_out_is_played_by_the_reveal_line(language: str, beat: str) -> None:
    found = [(b, s) for ep in (1, 2, 3) for b, s in [produced(language, ep)[1:]] if any(ln.reveals for ln in s.lines())]
    assert found, "the season should reveal a secret somewhere"
    brief, script = found[0]
    bible = produced(language, 1)[0]
    brief = brief.model_copy(update={"key_beats": [*brief.key_beats[:2], beat, brief.key_beats[3]]})
    request = E.DropBeat(index=2)
    assert not verify(request, script, script, bible.canon, brief, bible.canon.language)[0]
    data = DraftInput(canon=bible.canon, brief=brief, carryover=Carryover(), target_seconds=90, seed=5)
    after = apply_requests(script, [request], data, random.Random(2))
    assert verify(request, script, after, bible.canon, brief, bible.canon.language) == (True, "")
    assert not any(ln.reveals for ln in after.lines())


def test_progress_clauses_say_what_became_of_each_part_of_a_note() -> None:
    cut = E.CutCharacter(character_id="tomas")
    reading = NoteRead(requests=[cut], unparsed=["make it sing"])
    offline = unparsed_outcomes(reading, "Cut Tomas and make it sing", model_writes=False)
    model = unparsed_outcomes(reading, "Cut Tomas and make it sing", model_writes=True)
    verified = E.RequestOutcome(request=cut, status="verified", note="Cut Tomas")
    unmet = E.RequestOutcome(request=cut, status="unmet", note="Cut Tomas", detail="tomas still speaks 2 line(s)")
    assert revision_line(1, [verified, *offline], [], unchanged=False) == (
        "script revised (r1): 1 of 1 request applied and verified; could not act on: 'make it sing'"
    )
    assert outcome_summary([verified, *model], [], unchanged=False) == (
        "1 of 1 request applied and verified; 1 note passed to the model as free text"
    )
    assert outcome_summary([unmet], [], unchanged=False) == (
        "0 of 1 request verified; still unmet: [cut_character] tomas still speaks 2 line(s)"
    )
    # A note that became nothing at all is reported whole, never as applied.
    nothing = unparsed_outcomes(NoteRead(), "make it sing", model_writes=False)
    assert [(o.status, o.note) for o in nothing] == [("not_actionable", "make it sing")]
    assert outcome_summary(nothing, [], unchanged=True) == "could not act on: 'make it sing'; redrafted unchanged"


def test_the_offline_writer_keeps_a_note_whose_other_request_is_malformed() -> None:
    bible, brief, script = produced("en", 1)
    spoken = [ln.speaker_id or "" for ln in script.lines() if ln.kind == "dialogue"]
    victim = max(set(spoken), key=spoken.count)
    note = {
        "id": "human:1",
        "reviewer": "human",
        "check": "producer_note",
        "category": "producer",
        "message": "Cut them; and something the schema does not know.",
        "requests": [{"kind": "cut_character", "character_id": victim}, {"kind": "summon_dragon", "size": "large"}],
    }
    payload: dict[str, object] = {
        "task": "write_script",
        "language": "en",
        "brief": brief.model_dump(mode="json"),
        "canon": bible.canon.model_dump(mode="json"),
        "carryover": {},
        "target_seconds": 90,
        "revision": 1,
        "previous_draft": script.model_dump(mode="json"),
        "notes": [note],
    }
    revised = OfflineWriter(seed=5, slip_rate=0.0).compose(payload)
    assert isinstance(revised, Script)
    assert not any(ln.speaker_id == victim for ln in revised.lines())
