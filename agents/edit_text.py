"""Edit requests in words: one readable requirement per request, for revision prompts and progress lines."""

from __future__ import annotations

from memory.edits import EditRequest
from memory.schema import Canon


def _who(canon: Canon | None, character_id: str | None) -> str:
    if not character_id:
        return "nobody"
    character = canon.character(character_id) if canon else None
    return f"{character.name} ({character_id})" if character else character_id


def _where(canon: Canon | None, location_id: str) -> str:
    location = canon.location(location_id) if canon else None
    return f"{location.name} ({location_id})" if location else location_id


def _thing(canon: Canon | None, prop_id: str) -> str:
    prop = canon.prop(prop_id) if canon else None
    return f"the {prop.name} ({prop_id})" if prop else prop_id


def requirement(request: EditRequest, canon: Canon | None = None) -> str:
    """State what a request requires of the revision, e.g. 'Tomas (tomas) must not appear in the episode'."""
    r = request
    scope = "" if getattr(r, "scene_id", None) is None else f" scene {getattr(r, 'scene_id', '')}"
    text: str
    match r.kind:
        case "cut_character":
            text = f"{_who(canon, r.character_id)} must not appear in{scope or ' the episode'}: no lines, not present"
        case "add_character":
            text = f"{_who(canon, r.character_id)} must be present in{scope or ' the episode'} with at least one line"
        case "rename":
            text = f"'{r.old}' must be called '{r.new}' in every cue and line"
        case "move_scene":
            parts = [
                f"at {_where(canon, r.location_id)}" if r.location_id else "",
                f"in the {r.time_of_day}" if r.time_of_day else "",
                f"at {r.clock}" if r.clock else "",
                f"on story day {r.story_day}" if r.story_day else "",
            ]
            text = f"scene {r.scene_id or 's01'} must be set " + ", ".join(p for p in parts if p)
        case "resize_scene":
            what = f"scene {r.scene_id}" if r.scene_id else "the episode"
            text = f"{what} must have {'fewer' if r.direction == 'shorter' else 'more'} lines than now"
        case "change_line":
            parts = [
                f'say "{r.text}"' if r.text is not None else "",
                f"be spoken by {_who(canon, r.speaker_id)}" if r.speaker_id else "",
                f"be played {r.emotion}" if r.emotion else "",
            ]
            text = f"line {r.line_id} must " + " and ".join(p for p in parts if p)
        case "rewrite_line":
            text = f"line {r.line_id} must be reworded" + (f" ({r.reason})" if r.reason else "")
        case "replace_text":
            where = f"line {r.line_id}" if r.line_id else "every line"
            text = f"{where} must not contain '{r.old}'" + (f"; use '{r.new}'" if r.new else "")
        case "set_cue":
            text = f"line {r.line_id}'s cue must read '{r.value}'"
        case "drop_reveal":
            text = f"line {r.line_id} must not reveal secret {r.secret_id}"
        case "drop_prop":
            where = f"line {r.line_id}" if r.line_id else f"scene {r.scene_id}" if r.scene_id else "the episode"
            text = f"{_thing(canon, r.prop_id)} must not be in {where}"
        case "set_prop_holder":
            text = f"in scene {r.scene_id}, {_thing(canon, r.prop_id)} must be held by {_who(canon, r.holder_id)}"
        case "set_wardrobe":
            text = f"in scene {r.scene_id}, {_who(canon, r.character_id)} must wear '{r.wardrobe_id}'"
        case "change_moment":
            part = {"hook": "the opening lines", "ending": "the closing lines", "cliffhanger": "the last line"}
            text = f"{part[r.moment]} ({r.moment}) must dramatise: {r.text}"
        case "add_beat":
            at = f" before beat {r.position}" if r.position is not None else ""
            text = f"a line must dramatise the new beat{at}: {r.text}"
        case "drop_beat":
            text = f"no line may play beat {r.index if r.index is not None else ''}{': ' + r.text if r.text else ''}"
        case "reorder_beats":
            text = "the brief's beats must play in the order " + ", ".join(str(i) for i in r.order)
        case "change_tone":
            text = f"most dialogue must be played in a {r.tone} tone"
        case "add_shot_for_line":
            text = f"line {r.line_id} must have a shot of its own"
        case "set_shot_field":
            text = f"shot {r.shot_id}'s {r.field} must be {r.value}"
        case "set_shot_wardrobe":
            text = f"in shot {r.shot_id}, {_who(canon, r.character_id)} must wear '{r.wardrobe_id}'"
        case "cut_shot_character":
            text = f"{_who(canon, r.character_id)} must not be in shot {r.shot_id}"
    return text


def requirement_line(request: EditRequest, canon: Canon | None = None) -> str:
    """Render a request as one prompt bullet: '- [kind] requirement'."""
    return f"- [{request.kind}] {requirement(request, canon)}"
