"""Did the revision do what was asked? A deterministic check of each edit request against the drafts.

``verify`` compares the draft a request was made on (``before``) with the revision (``after``) and returns
(met, why). It is the same measure for the offline reviser and for a model: a model's revision is held to
exactly what its prompt stated. ``verify_shots`` does the same for the director's shot requests.
"""

from __future__ import annotations

import re

from agents.continuity_timeline import clock_fits
from agents.edit_match import beat_text, coverage, first_playing, first_playing_beat, plays, tone_emotions, tone_share
from agents.edit_text import requirement
from memory.edits import (
    AddBeat,
    AddCharacter,
    ChangeLine,
    ChangeMoment,
    CutCharacter,
    DropBeat,
    DropProp,
    DropReveal,
    EditRequest,
    MoveScene,
    Rename,
    ReorderBeats,
    ReplaceText,
    ResizeScene,
    SetPropHolder,
    SetWardrobe,
    is_shot_request,
)
from memory.schema import Canon, EpisodeBrief, Line, Scene, Script, ShotList

Check = tuple[bool, str]
_OK: Check = (True, "")


def _scene(script: Script, scene_id: str | None) -> Scene | None:
    if scene_id is None:
        return script.scenes[0]
    return next((s for s in script.scenes if s.id == scene_id), None)


def _line(script: Script, line_id: str | None) -> tuple[Scene, Line] | None:
    return next(((s, ln) for s in script.scenes for ln in s.lines if ln.id == line_id), None)


def _scope(script: Script, scene_id: str | None) -> list[Scene]:
    return [s for s in script.scenes if scene_id is None or s.id == scene_id]


def has_name(text: str, name: str) -> bool:
    """Tell whether a text holds a name: whole words for Latin script, a substring for Chinese."""
    if not name.strip():
        return False
    if name.isascii():
        return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text, re.IGNORECASE) is not None
    return name in text


def _valid(script: Script) -> Check:
    for scene in script.scenes:
        for line in scene.lines:
            if line.kind == "dialogue" and line.speaker_id not in scene.character_ids:
                return False, f"{line.id} is spoken by {line.speaker_id or 'nobody'}, who is not in {scene.id}"
    return _OK


def _cut(r: CutCharacter, before: Script, after: Script, canon: Canon) -> Check:
    if r.scene_id is not None and _scene(after, r.scene_id) is None and _scene(before, r.scene_id) is None:
        return False, f"there is no scene {r.scene_id}"
    character = canon.character(r.character_id)
    names = [character.name, *character.aliases] if character else []
    for scene in _scope(after, r.scene_id):
        spoken = [ln.id for ln in scene.lines if ln.speaker_id == r.character_id]
        if spoken:
            return False, f"{r.character_id} still speaks {len(spoken)} line(s) in {scene.id} ({spoken[0]})"
        if r.character_id in scene.character_ids or r.character_id in scene.wardrobe:
            return False, f"{r.character_id} is still present in {scene.id}"
        if any(p.holder_id == r.character_id for p in scene.props):
            return False, f"{r.character_id} still holds a prop in {scene.id}"
        shown = [ln.id for ln in scene.lines if ln.kind == "action" and any(has_name(ln.text, n) for n in names)]
        if shown:
            return False, f"the stage direction {shown[0]} still puts {r.character_id} on screen"
    return _valid(after)


def _add(r: AddCharacter, after: Script, canon: Canon) -> Check:
    if canon.character(r.character_id) is None:
        return False, f"canon has no character '{r.character_id}'"
    scenes = _scope(after, r.scene_id)
    if not scenes:
        return False, f"there is no scene {r.scene_id}"
    for scene in scenes:
        if r.character_id in scene.character_ids and any(ln.speaker_id == r.character_id for ln in scene.lines):
            return _valid(after)
    return False, f"{r.character_id} has no line{' in ' + r.scene_id if r.scene_id else ''}"


def _rename(r: Rename, after: Script) -> Check:
    for line in after.lines():
        # The new name may contain the old one ("Lin" -> "Lin Wan"): look for the old name outside the new.
        for where, text in (("cue", line.cue), ("text", line.text)):
            if has_name(text.replace(r.new, "\0"), r.old):
                return False, f"{line.id}'s {where} still says '{r.old}'"
        if r.character_id and line.speaker_id == r.character_id and line.cue != r.new:
            return False, f"{line.id}'s cue is '{line.cue}', not '{r.new}'"
    if not any(has_name(f"{ln.cue} {ln.text}", r.new) for ln in after.lines()):
        return False, f"'{r.new}' appears nowhere"
    return _OK


def _move(r: MoveScene, before: Script, after: Script, canon: Canon) -> Check:
    scene = _scene(after, r.scene_id)
    if scene is None:
        return False, f"there is no scene {r.scene_id}"
    if r.location_id is not None:
        if canon.location(r.location_id) is None:
            return False, f"canon has no location '{r.location_id}'"
        if scene.location_id != r.location_id:
            return False, f"{scene.id} is at {scene.location_id}, not {r.location_id}"
    if r.time_of_day is not None and scene.time_of_day != r.time_of_day:
        return False, f"{scene.id} is in the {scene.time_of_day}, not the {r.time_of_day}"
    if r.clock is not None and scene.clock != r.clock:
        return False, f"{scene.id} starts at {scene.clock}, not {r.clock}"
    if r.story_day is not None and scene.story_day != r.story_day:
        return False, f"{scene.id} is on day {scene.story_day}, not day {r.story_day}"
    if not clock_fits(scene.time_of_day, scene.clock):
        return False, f"{scene.id}'s clock {scene.clock} does not fit the {scene.time_of_day}"
    return _OK


def _resize(r: ResizeScene, before: Script, after: Script) -> Check:
    old, new = _scope(before, r.scene_id), _scope(after, r.scene_id)
    if not old or not new:
        return False, f"there is no scene {r.scene_id}"
    n_old, n_new = sum(len(s.lines) for s in old), sum(len(s.lines) for s in new)
    if r.direction == "shorter" and n_new >= n_old:
        return False, f"{n_new} lines, not fewer than {n_old}"
    if r.direction == "longer" and n_new <= n_old:
        return False, f"{n_new} lines, not more than {n_old}"
    return _OK


def _change_line(r: ChangeLine, after: Script, canon: Canon) -> Check:
    found = _line(after, r.line_id)
    if found is None:
        return False, f"there is no line {r.line_id}"
    scene, line = found
    if r.text is not None and line.text.strip() != r.text.strip():
        return False, f"{line.id} says '{line.text[:60]}'"
    if r.speaker_id is not None:
        if canon.character(r.speaker_id) is None:
            return False, f"canon has no character '{r.speaker_id}'"
        if line.speaker_id != r.speaker_id or r.speaker_id not in scene.character_ids:
            return False, f"{line.id} is spoken by {line.speaker_id or 'nobody'}"
    if r.emotion is not None and line.emotion != r.emotion:
        return False, f"{line.id} is played {line.emotion}"
    return _OK


def _replace(r: ReplaceText, before: Script, after: Script) -> Check:
    lines = after.lines() if r.line_id is None else [f[1] for f in [_line(after, r.line_id)] if f]
    if not lines:
        return False, f"there is no line {r.line_id}"
    for line in lines:
        rest = line.text.replace(r.new, "\0") if r.new else line.text
        if r.old in rest:
            return False, f"{line.id} still contains '{r.old}'"
    had = [ln.id for ln in before.lines() if r.old in ln.text and (r.line_id is None or ln.id == r.line_id)]
    if r.new and had and not any(r.new in ln.text for ln in lines if ln.id in had):
        return False, f"'{r.new}' is not where '{r.old}' was"
    return _OK


def _drop_reveal(r: DropReveal, after: Script, canon: Canon) -> Check:
    found = _line(after, r.line_id)
    if found is None:
        return True, "the line is gone"
    line = found[1]
    if r.secret_id in line.reveals:
        return False, f"{line.id} still reveals {r.secret_id}"
    secret = canon.secret(r.secret_id)
    keywords = [k for k in secret.keywords if k.strip()] if secret else []
    if keywords and all(has_name(line.text, k) for k in keywords):
        return False, f"{line.id} still spells out {r.secret_id}"
    return _OK


def _drop_prop(r: DropProp, after: Script, canon: Canon) -> Check:
    if r.line_id is not None:
        found = _line(after, r.line_id)
        prop = canon.prop(r.prop_id)
        names = [prop.name, *prop.aliases] if prop else [r.prop_id]
        if found is not None and any(has_name(found[1].text, n) for n in names):
            return False, f"{r.line_id} still shows the {names[0]}"
        return _OK
    for scene in _scope(after, r.scene_id):
        if any(p.prop_id == r.prop_id for p in scene.props):
            return False, f"{scene.id} still uses {r.prop_id}"
    return _OK


def _holder(r: SetPropHolder, after: Script) -> Check:
    scene = _scene(after, r.scene_id)
    if scene is None:
        return False, f"there is no scene {r.scene_id}"
    uses = [p for p in scene.props if p.prop_id == r.prop_id]
    if not uses:
        return False, f"{scene.id} does not use {r.prop_id}"
    wrong = [p.holder_id for p in uses if p.holder_id != r.holder_id]
    return (False, f"{r.prop_id} is held by {wrong[0] or 'nobody'}") if wrong else _OK


def _wardrobe(r: SetWardrobe, after: Script, canon: Canon) -> Check:
    scene = _scene(after, r.scene_id)
    character = canon.character(r.character_id)
    if scene is None or character is None:
        return False, f"there is no scene {r.scene_id}" if scene is None else f"no character '{r.character_id}'"
    if r.wardrobe_id not in {w.id for w in character.wardrobe}:
        return False, f"'{r.wardrobe_id}' is not one of {character.name}'s wardrobe sets"
    worn = scene.wardrobe.get(r.character_id)
    return (False, f"{r.character_id} wears '{worn}' in {scene.id}") if worn != r.wardrobe_id else _OK


def moment_lines(script: Script, moment: str) -> list[Line]:
    """Return the lines that carry a moment: the first two (hook), the last (cliffhanger), the last two (ending)."""
    lines = script.lines()
    if moment == "hook":
        return lines[:2]
    return lines[-1:] if moment == "cliffhanger" else lines[-2:]


def _moment(r: ChangeMoment, before: Script, after: Script) -> Check:
    now = moment_lines(after, r.moment)
    if not any(plays(ln.text, r.text) for ln in now):
        best = max((coverage(ln.text, r.text) for ln in now), default=0.0)
        return False, f"the {r.moment} does not play it ({best:.0%} of its words)"
    if [ln.text for ln in now] == [ln.text for ln in moment_lines(before, r.moment)] and not any(
        plays(ln.text, r.text) for ln in moment_lines(before, r.moment)
    ):
        return False, f"the {r.moment} is unchanged"
    return _OK


def _add_beat(r: AddBeat, before: Script, after: Script, brief: EpisodeBrief | None) -> Check:
    lines = after.lines()
    at = first_playing(lines, r.text)
    if at is None:
        return False, "no line plays the new beat"
    if sum(plays(ln.text, r.text) for ln in lines) <= sum(plays(ln.text, r.text) for ln in before.lines()):
        return False, "the beat was already there and nothing was added"
    if brief is not None and r.position is not None and r.position < len(brief.key_beats):
        later = first_playing_beat(lines, r.position, brief.key_beats[r.position])
        if later is not None and later < at:
            return False, f"the new beat plays after beat {r.position}"
    return _OK


def _drop_beat(r: DropBeat, before: Script, after: Script, brief: EpisodeBrief | None) -> Check:
    text = beat_text(brief, r.index, r.text)
    if not text:
        return False, f"there is no beat {r.index}"
    at = first_playing_beat(after.lines(), r.index, text)
    if at is not None:
        return False, f"{after.lines()[at].id} still plays the beat"
    if first_playing_beat(before.lines(), r.index, text) is None:
        # Nothing showed the beat before either: its absence proves nothing, so it is not claimed as done.
        return False, "no line could be shown to play the beat (none is tagged with it or holds its words)"
    return _OK


def _reorder(r: ReorderBeats, after: Script, brief: EpisodeBrief | None) -> Check:
    if brief is None:
        return False, "the brief is not known"
    if len(set(r.order)) != len(r.order) or any(not 0 <= i < len(brief.key_beats) for i in r.order):
        return False, f"{r.order} is not an order of the brief's {len(brief.key_beats)} beats"
    lines = after.lines()
    positions = [first_playing_beat(lines, i, brief.key_beats[i]) for i in r.order]
    played = [p for p in positions if p is not None]
    if len(played) < len(positions):
        return False, f"beat {r.order[positions.index(None)]} is not played"
    if played != sorted(played) or len(set(played)) != len(played):
        return False, "the beats play in another order"
    return _OK


def verify(
    request: EditRequest, before: Script, after: Script, canon: Canon, brief: EpisodeBrief | None = None
) -> Check:
    """Return (met, why not) for one script request: did the revision ``after`` do what ``before`` was asked?"""
    r = request
    if is_shot_request(r):
        return False, "a shot request is checked against the shot list"
    match r.kind:
        case "cut_character":
            return _cut(r, before, after, canon)
        case "add_character":
            return _add(r, after, canon)
        case "rename":
            return _rename(r, after)
        case "move_scene":
            return _move(r, before, after, canon)
        case "resize_scene":
            return _resize(r, before, after)
        case "change_line":
            return _change_line(r, after, canon)
        case "rewrite_line":
            old, new = _line(before, r.line_id), _line(after, r.line_id)
            if new is None:
                return False, f"there is no line {r.line_id}"
            return (False, f"{r.line_id} is word for word the same") if old and old[1].text == new[1].text else _OK
        case "replace_text":
            return _replace(r, before, after)
        case "set_cue":
            found = _line(after, r.line_id)
            return _OK if found and found[1].cue == r.value else (False, f"{r.line_id}'s cue is not '{r.value}'")
        case "drop_reveal":
            return _drop_reveal(r, after, canon)
        case "drop_prop":
            return _drop_prop(r, after, canon)
        case "set_prop_holder":
            return _holder(r, after)
        case "set_wardrobe":
            return _wardrobe(r, after, canon)
        case "change_moment":
            return _moment(r, before, after)
        case "add_beat":
            return _add_beat(r, before, after, brief)
        case "drop_beat":
            return _drop_beat(r, before, after, brief)
        case "reorder_beats":
            return _reorder(r, after, brief)
        case "change_tone":
            emotions = tone_emotions(r.tone)
            if not emotions:
                return False, f"'{r.tone}' is not a tone the room knows"
            share, was = tone_share(after, emotions), tone_share(before, emotions)
            said = [(ln.text, ln.emotion) for ln in after.lines() if ln.kind == "dialogue"]
            moved = said != [(ln.text, ln.emotion) for ln in before.lines() if ln.kind == "dialogue"]
            # More of the tone than before (or already steeped in it and reworked): never the draft as it was.
            if share < 0.6 or share < was or not (share > was or moved):
                return False, f"{share:.0%} of the dialogue is played {'/'.join(emotions)} (was {was:.0%})"
            return _OK
    return False, f"unknown request kind {r.kind}"


def verify_shots(request: EditRequest, before: ShotList, after: ShotList, script: Script, canon: Canon) -> Check:
    """Return (met, why not) for one shot request against the revised shot list."""
    r = request
    shot = next((s for s in after.shots if s.id == getattr(r, "shot_id", None)), None)
    match r.kind:
        case "add_shot_for_line":
            if not any(s.line_id == r.line_id for s in after.shots):
                return False, f"no shot covers {r.line_id}"
            return _OK
        case "set_shot_field":
            if shot is None:
                return False, f"there is no shot {r.shot_id}"
            if r.field == "duration":
                try:
                    wanted = float(r.value)
                except ValueError:
                    return False, f"'{r.value}' is not a duration"
                return _OK if abs(shot.duration_s - wanted) <= 0.05 else (False, f"{shot.id} runs {shot.duration_s} s")
            value = {
                "scene_id": shot.scene_id,
                "line_id": shot.line_id,
                "location_id": shot.location_id,
                "time_of_day": shot.time_of_day,
            }[r.field]
            return _OK if value == r.value else (False, f"{shot.id}'s {r.field} is {value}")
        case "set_shot_wardrobe":
            if shot is None:
                return False, f"there is no shot {r.shot_id}"
            worn = next((c.wardrobe_id for c in shot.characters if c.character_id == r.character_id), None)
            return _OK if worn == r.wardrobe_id else (False, f"{r.character_id} wears {worn or 'nothing'} in {shot.id}")
        case "cut_shot_character":
            if shot is None:
                return True, "the shot is gone"
            present = any(c.character_id == r.character_id for c in shot.characters)
            return (False, f"{r.character_id} is still in {shot.id}") if present else _OK
    return False, f"{requirement(r, canon)}: not a shot request"
