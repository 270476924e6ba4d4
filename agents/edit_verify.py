"""Did the revision do what was asked? A deterministic check of each edit request against the drafts.

``verify`` compares the draft a request was made on (``before``) with the revision (``after``) and returns
(met, why). It is the same measure for the offline reviser and for a model: a model's revision is held to
exactly what its prompt stated. ``verify_shots`` does the same for the director's shot requests.
"""

from __future__ import annotations

import re

from agents.continuity_timeline import clock_fits
from agents.edit_text import requirement
from agents.edit_verify_story import OK as _OK
from agents.edit_verify_story import Check, add_beat, drop_beat, moment, reorder, tone
from agents.messages import say, term
from memory.edits import (
    AddCharacter,
    ChangeLine,
    CutCharacter,
    DropProp,
    DropReveal,
    EditRequest,
    MoveScene,
    Rename,
    ReplaceText,
    ResizeScene,
    SetPropHolder,
    SetWardrobe,
    is_shot_request,
)
from memory.schema import Canon, EpisodeBrief, Line, Scene, Script, ShotList


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


def _valid(script: Script, lang: str) -> Check:
    for scene in script.scenes:
        for line in scene.lines:
            if line.kind == "dialogue" and line.speaker_id not in scene.character_ids:
                return False, say(
                    lang,
                    "verify.offstage_speaker",
                    line=line.id,
                    who=line.speaker_id or say(lang, "req.nobody"),
                    scene=scene.id,
                )
    return _OK


def _cut(r: CutCharacter, before: Script, after: Script, canon: Canon, lang: str) -> Check:
    if r.scene_id is not None and _scene(after, r.scene_id) is None and _scene(before, r.scene_id) is None:
        return False, say(lang, "verify.no_scene", scene=r.scene_id)
    character = canon.character(r.character_id)
    names = [character.name, *character.aliases] if character else []
    for scene in _scope(after, r.scene_id):
        spoken = [ln.id for ln in scene.lines if ln.speaker_id == r.character_id]
        if spoken:
            return False, say(
                lang, "verify.still_speaks", who=r.character_id, n=len(spoken), scene=scene.id, line=spoken[0]
            )
        if r.character_id in scene.character_ids or r.character_id in scene.wardrobe:
            return False, say(lang, "verify.still_present", who=r.character_id, scene=scene.id)
        if any(p.holder_id == r.character_id for p in scene.props):
            return False, say(lang, "verify.still_holds", who=r.character_id, scene=scene.id)
        shown = [ln.id for ln in scene.lines if ln.kind == "action" and any(has_name(ln.text, n) for n in names)]
        if shown:
            return False, say(lang, "verify.still_shown", line=shown[0], who=r.character_id)
    return _valid(after, lang)


def _add(r: AddCharacter, after: Script, canon: Canon, lang: str) -> Check:
    if canon.character(r.character_id) is None:
        return False, say(lang, "verify.no_character", id=r.character_id)
    scenes = _scope(after, r.scene_id)
    if not scenes:
        return False, say(lang, "verify.no_scene", scene=r.scene_id)
    for scene in scenes:
        if r.character_id in scene.character_ids and any(ln.speaker_id == r.character_id for ln in scene.lines):
            return _valid(after, lang)
    return False, say(
        lang, "verify.no_line_in" if r.scene_id else "verify.no_line_at_all", who=r.character_id, scene=r.scene_id
    )


def _rename(r: Rename, after: Script, lang: str) -> Check:
    for line in after.lines():
        # The new name may contain the old one ("Lin" -> "Lin Wan"): look for the old name outside the new.
        for where, text in (("cue", line.cue), ("text", line.text)):
            if has_name(text.replace(r.new, "\0"), r.old):
                return False, say(lang, f"verify.{where}_still_says", line=line.id, old=r.old)
        if r.character_id and line.speaker_id == r.character_id and line.cue != r.new:
            return False, say(lang, "verify.cue_not", line=line.id, cue=line.cue, new=r.new)
    if not any(has_name(f"{ln.cue} {ln.text}", r.new) for ln in after.lines()):
        return False, say(lang, "verify.nowhere", new=r.new)
    return _OK


def _move(r: MoveScene, after: Script, canon: Canon, lang: str) -> Check:
    scene = _scene(after, r.scene_id)
    if scene is None:
        return False, say(lang, "verify.no_scene", scene=r.scene_id)
    if r.location_id is not None:
        if canon.location(r.location_id) is None:
            return False, say(lang, "verify.no_location", id=r.location_id)
        if scene.location_id != r.location_id:
            return False, say(lang, "verify.at_not", scene=scene.id, now=scene.location_id, wanted=r.location_id)
    if r.time_of_day is not None and scene.time_of_day != r.time_of_day:
        return False, say(
            lang,
            "verify.time_not",
            scene=scene.id,
            now=term(lang, "time_of_day", scene.time_of_day),
            wanted=term(lang, "time_of_day", r.time_of_day),
        )
    if r.clock is not None and scene.clock != r.clock:
        return False, say(lang, "verify.clock_not", scene=scene.id, now=scene.clock, wanted=r.clock)
    if r.story_day is not None and scene.story_day != r.story_day:
        return False, say(lang, "verify.day_not", scene=scene.id, now=scene.story_day, wanted=r.story_day)
    if not clock_fits(scene.time_of_day, scene.clock):
        return False, say(
            lang,
            "verify.clock_misfit",
            scene=scene.id,
            clock=scene.clock,
            time_of_day=term(lang, "time_of_day", scene.time_of_day),
        )
    return _OK


def _resize(r: ResizeScene, before: Script, after: Script, lang: str) -> Check:
    old, new = _scope(before, r.scene_id), _scope(after, r.scene_id)
    if not old or not new:
        return False, say(lang, "verify.no_scene", scene=r.scene_id)
    n_old, n_new = sum(len(s.lines) for s in old), sum(len(s.lines) for s in new)
    if r.direction == "shorter" and n_new >= n_old:
        return False, say(lang, "verify.not_fewer", new=n_new, old=n_old)
    if r.direction == "longer" and n_new <= n_old:
        return False, say(lang, "verify.not_more", new=n_new, old=n_old)
    return _OK


def _change_line(r: ChangeLine, after: Script, canon: Canon, lang: str) -> Check:
    found = _line(after, r.line_id)
    if found is None:
        return False, say(lang, "verify.no_line", line=r.line_id)
    scene, line = found
    if r.text is not None and line.text.strip() != r.text.strip():
        return False, say(lang, "verify.says", line=line.id, text=line.text[:60])
    if r.speaker_id is not None:
        if canon.character(r.speaker_id) is None:
            return False, say(lang, "verify.no_character", id=r.speaker_id)
        if line.speaker_id != r.speaker_id or r.speaker_id not in scene.character_ids:
            return False, say(lang, "verify.spoken_by", line=line.id, who=line.speaker_id or say(lang, "req.nobody"))
    if r.emotion is not None and line.emotion != r.emotion:
        return False, say(lang, "verify.played", line=line.id, emotion=term(lang, "emotion", line.emotion))
    return _OK


def _replace(r: ReplaceText, before: Script, after: Script, lang: str) -> Check:
    lines = after.lines() if r.line_id is None else [f[1] for f in [_line(after, r.line_id)] if f]
    if not lines:
        return False, say(lang, "verify.no_line", line=r.line_id)
    for line in lines:
        rest = line.text.replace(r.new, "\0") if r.new else line.text
        if r.old in rest:
            return False, say(lang, "verify.still_contains", line=line.id, old=r.old)
    had = [ln.id for ln in before.lines() if r.old in ln.text and (r.line_id is None or ln.id == r.line_id)]
    if r.new and had and not any(r.new in ln.text for ln in lines if ln.id in had):
        return False, say(lang, "verify.not_where", new=r.new, old=r.old)
    return _OK


def _drop_reveal(r: DropReveal, after: Script, canon: Canon, lang: str) -> Check:
    found = _line(after, r.line_id)
    if found is None:
        return True, say(lang, "verify.line_gone")
    line = found[1]
    if r.secret_id in line.reveals:
        return False, say(lang, "verify.still_reveals", line=line.id, secret=r.secret_id)
    secret = canon.secret(r.secret_id)
    keywords = [k for k in secret.keywords if k.strip()] if secret else []
    if keywords and all(has_name(line.text, k) for k in keywords):
        return False, say(lang, "verify.still_spells", line=line.id, secret=r.secret_id)
    return _OK


def _drop_prop(r: DropProp, after: Script, canon: Canon, lang: str) -> Check:
    if r.line_id is not None:
        found = _line(after, r.line_id)
        prop = canon.prop(r.prop_id)
        names = [prop.name, *prop.aliases] if prop else [r.prop_id]
        if found is not None and any(has_name(found[1].text, n) for n in names):
            return False, say(lang, "verify.still_shows", line=r.line_id, thing=names[0])
        return _OK
    for scene in _scope(after, r.scene_id):
        if any(p.prop_id == r.prop_id for p in scene.props):
            return False, say(lang, "verify.still_uses", scene=scene.id, prop=r.prop_id)
    return _OK


def _holder(r: SetPropHolder, after: Script, lang: str) -> Check:
    scene = _scene(after, r.scene_id)
    if scene is None:
        return False, say(lang, "verify.no_scene", scene=r.scene_id)
    uses = [p for p in scene.props if p.prop_id == r.prop_id]
    if not uses:
        return False, say(lang, "verify.does_not_use", scene=scene.id, prop=r.prop_id)
    wrong = [p.holder_id for p in uses if p.holder_id != r.holder_id]
    return (
        (False, say(lang, "verify.held_by", prop=r.prop_id, who=wrong[0] or say(lang, "req.nobody"))) if wrong else _OK
    )


def _wardrobe(r: SetWardrobe, after: Script, canon: Canon, lang: str) -> Check:
    scene = _scene(after, r.scene_id)
    character = canon.character(r.character_id)
    if scene is None or character is None:
        return False, say(lang, "verify.no_scene", scene=r.scene_id) if scene is None else say(
            lang, "verify.no_character", id=r.character_id
        )
    if r.wardrobe_id not in {w.id for w in character.wardrobe}:
        return False, say(lang, "verify.not_a_set", wardrobe=r.wardrobe_id, name=character.name)
    worn = scene.wardrobe.get(r.character_id)
    return (
        (False, say(lang, "verify.wears", who=r.character_id, wardrobe=worn, scene=scene.id))
        if worn != r.wardrobe_id
        else _OK
    )


def verify(
    request: EditRequest, before: Script, after: Script, canon: Canon, brief: EpisodeBrief | None, language: str
) -> Check:
    """Return (met, why not) for one script request: did the revision ``after`` do what ``before`` was asked?

    The reason is worded in ``language`` (the series' language: it reaches findings and progress lines).
    """
    r, lang = request, language
    if is_shot_request(r):
        return False, say(lang, "verify.shot_request")
    match r.kind:
        case "cut_character":
            return _cut(r, before, after, canon, lang)
        case "add_character":
            return _add(r, after, canon, lang)
        case "rename":
            return _rename(r, after, lang)
        case "move_scene":
            return _move(r, after, canon, lang)
        case "resize_scene":
            return _resize(r, before, after, lang)
        case "change_line":
            return _change_line(r, after, canon, lang)
        case "rewrite_line":
            old, new = _line(before, r.line_id), _line(after, r.line_id)
            if new is None:
                return False, say(lang, "verify.no_line", line=r.line_id)
            return (
                (False, say(lang, "verify.same_words", line=r.line_id)) if old and old[1].text == new[1].text else _OK
            )
        case "replace_text":
            return _replace(r, before, after, lang)
        case "set_cue":
            found = _line(after, r.line_id)
            return (
                _OK
                if found and found[1].cue == r.value
                else (False, say(lang, "verify.cue_is_not", line=r.line_id, value=r.value))
            )
        case "drop_reveal":
            return _drop_reveal(r, after, canon, lang)
        case "drop_prop":
            return _drop_prop(r, after, canon, lang)
        case "set_prop_holder":
            return _holder(r, after, lang)
        case "set_wardrobe":
            return _wardrobe(r, after, canon, lang)
        case "change_moment":
            return moment(r, before, after, lang)
        case "add_beat":
            return add_beat(r, before, after, brief, lang)
        case "drop_beat":
            return drop_beat(r, before, after, brief, lang)
        case "reorder_beats":
            return reorder(r, after, brief, lang)
        case "change_tone":
            return tone(r, before, after, lang)
    return False, say(lang, "verify.unknown_kind", kind=r.kind)


def verify_shots(
    request: EditRequest, before: ShotList, after: ShotList, script: Script, canon: Canon, language: str
) -> Check:
    """Return (met, why not) for one shot request against the revised shot list, the reason in ``language``."""
    r, lang = request, language
    shot = next((s for s in after.shots if s.id == getattr(r, "shot_id", None)), None)
    match r.kind:
        case "add_shot_for_line":
            if not any(s.line_id == r.line_id for s in after.shots):
                return False, say(lang, "verify.no_shot_covers", line=r.line_id)
            return _OK
        case "set_shot_field":
            if shot is None:
                return False, say(lang, "verify.no_shot", shot=r.shot_id)
            if r.field == "duration":
                try:
                    wanted = float(r.value)
                except ValueError:
                    return False, say(lang, "verify.not_a_duration", value=r.value)
                return (
                    _OK
                    if abs(shot.duration_s - wanted) <= 0.05
                    else (False, say(lang, "verify.runs", shot=shot.id, seconds=shot.duration_s))
                )
            value = {
                "scene_id": shot.scene_id,
                "line_id": shot.line_id,
                "location_id": shot.location_id,
                "time_of_day": shot.time_of_day,
            }[r.field]
            return (
                _OK
                if value == r.value
                else (False, say(lang, "verify.shot_field_is", shot=shot.id, field=r.field, value=value))
            )
        case "set_shot_wardrobe":
            if shot is None:
                return False, say(lang, "verify.no_shot", shot=r.shot_id)
            worn = next((c.wardrobe_id for c in shot.characters if c.character_id == r.character_id), None)
            return (
                _OK
                if worn == r.wardrobe_id
                else (
                    False,
                    say(
                        lang,
                        "verify.shot_wears",
                        who=r.character_id,
                        wardrobe=worn or say(lang, "verify.nothing"),
                        shot=shot.id,
                    ),
                )
            )
        case "cut_shot_character":
            if shot is None:
                return True, say(lang, "verify.shot_gone")
            present = any(c.character_id == r.character_id for c in shot.characters)
            return (False, say(lang, "verify.still_in_shot", who=r.character_id, shot=shot.id)) if present else _OK
    return False, say(lang, "verify.not_shot", what=requirement(r, lang, canon))
