"""Edit requests in words: one readable requirement per request, in a given language.

The templates are the ``req.*`` entries of the message catalogue (``messages_<lang>_requirements.json``).
Revision prompts state requirements in English, the prompt's language; findings, the gate's line and
``review.json`` state them in the series' language.
"""

from __future__ import annotations

from agents.messages import joined, say, term
from memory.edits import EditRequest
from memory.schema import Canon


def _who(language: str, canon: Canon | None, character_id: str | None) -> str:
    if not character_id:
        return say(language, "req.nobody")
    character = canon.character(character_id) if canon else None
    return say(language, "req.who", name=character.name, id=character_id) if character else character_id


def _where(language: str, canon: Canon | None, location_id: str) -> str:
    location = canon.location(location_id) if canon else None
    return say(language, "req.where", name=location.name, id=location_id) if location else location_id


def _thing(language: str, canon: Canon | None, prop_id: str) -> str:
    prop = canon.prop(prop_id) if canon else None
    return say(language, "req.thing", name=prop.name, id=prop_id) if prop else prop_id


def _scope(language: str, scene_id: str | None, line_id: str | None = None) -> str:
    """'line s01-l02', 'scene s02' or 'the episode': the narrowest place a request names."""
    if line_id:
        return say(language, "req.line", line=line_id)
    return say(language, "req.scene", scene=scene_id) if scene_id else say(language, "req.the_episode")


def requirement(request: EditRequest, language: str, canon: Canon | None = None) -> str:
    """State what a request requires of the revision, e.g. 'Tomas (tomas) must not appear in the episode'."""
    r, lang = request, language
    text: str
    match r.kind:
        case "cut_character" | "add_character":
            who = _who(lang, canon, r.character_id)
            text = say(lang, f"req.{r.kind}", who=who, scope=_scope(lang, r.scene_id))
        case "rename":
            text = say(lang, "req.rename", old=r.old, new=r.new)
        case "move_scene":
            time = term(lang, "time_of_day", r.time_of_day) if r.time_of_day else None
            moves = [
                say(lang, "req.move.at", where=_where(lang, canon, r.location_id)) if r.location_id else "",
                say(lang, "req.move.time", time_of_day=time) if time else "",
                say(lang, "req.move.clock", clock=r.clock) if r.clock else "",
                say(lang, "req.move.day", day=r.story_day) if r.story_day else "",
            ]
            text = say(lang, "req.move_scene", scene=r.scene_id or "s01", parts=joined(lang, filter(None, moves)))
        case "resize_scene":
            text = say(lang, f"req.resize_scene.{r.direction}", what=_scope(lang, r.scene_id))
        case "change_line":
            asks = [
                say(lang, "req.line.say", text=r.text) if r.text is not None else "",
                say(lang, "req.line.speaker", who=_who(lang, canon, r.speaker_id)) if r.speaker_id else "",
                say(lang, "req.line.emotion", emotion=term(lang, "emotion", r.emotion)) if r.emotion else "",
            ]
            text = say(lang, "req.change_line", line=r.line_id, parts=say(lang, "req.and").join(filter(None, asks)))
        case "rewrite_line":
            key = "req.rewrite_line_because" if r.reason else "req.rewrite_line"
            text = say(lang, key, line=r.line_id, reason=r.reason)
        case "replace_text":
            where = _scope(lang, None, r.line_id) if r.line_id else say(lang, "req.every_line")
            text = say(
                lang, "req.replace_text_with" if r.new else "req.replace_text", where=where, old=r.old, new=r.new
            )
        case "set_cue":
            text = say(lang, "req.set_cue", line=r.line_id, value=r.value)
        case "drop_reveal":
            text = say(lang, "req.drop_reveal", line=r.line_id, secret=r.secret_id)
        case "drop_prop":
            text = say(
                lang, "req.drop_prop", thing=_thing(lang, canon, r.prop_id), where=_scope(lang, r.scene_id, r.line_id)
            )
        case "set_prop_holder":
            thing, who = _thing(lang, canon, r.prop_id), _who(lang, canon, r.holder_id)
            text = say(lang, "req.set_prop_holder", scene=r.scene_id, thing=thing, who=who)
        case "set_wardrobe":
            who = _who(lang, canon, r.character_id)
            text = say(lang, "req.set_wardrobe", scene=r.scene_id, who=who, wardrobe=r.wardrobe_id)
        case "change_moment":
            text = say(lang, f"req.change_moment.{r.moment}", text=r.text)
        case "add_beat":
            key = "req.add_beat" if r.position is None else "req.add_beat_before"
            text = say(lang, key, position=r.position, text=r.text)
        case "drop_beat":
            key = "req.drop_beat_words" if r.index is None else "req.drop_beat_text" if r.text else "req.drop_beat"
            text = say(lang, key, index=r.index, text=r.text)
        case "reorder_beats":
            text = say(lang, "req.reorder_beats", order=joined(lang, r.order))
        case "change_tone":
            text = say(lang, "req.change_tone", tone=r.tone)
        case "add_shot_for_line":
            text = say(lang, "req.add_shot_for_line", line=r.line_id)
        case "set_shot_field":
            text = say(lang, "req.set_shot_field", shot=r.shot_id, field=r.field, value=r.value)
        case "set_shot_wardrobe":
            who = _who(lang, canon, r.character_id)
            text = say(lang, "req.set_shot_wardrobe", shot=r.shot_id, who=who, wardrobe=r.wardrobe_id)
        case "cut_shot_character":
            text = say(lang, "req.cut_shot_character", who=_who(lang, canon, r.character_id), shot=r.shot_id)
    return text


def requirement_line(request: EditRequest, language: str, canon: Canon | None = None) -> str:
    """Render a request as one prompt bullet: '- [kind] requirement'."""
    return f"- [{request.kind}] {requirement(request, language, canon)}"
