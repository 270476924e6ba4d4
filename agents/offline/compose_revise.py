"""Revise a script draft by applying the typed edit requests of its notes, exactly.

Line-level requests run first and structural ones (cuts, beats, moments) after, so a request that names a
line finds it before the structure around it moves. A request the editor cannot apply is left undone, never
half-done: the verifier (agents/edit_verify.py) reports it as unmet. A human note with no request leaves the
draft unchanged, and the room says so (a rejection with no note at all asks for a fresh draft); a
reviewer's note with neither a request nor a line to anchor it to gets a fresh draft, with every typed
request of the other notes applied to it.
"""

from __future__ import annotations

import random
import re

from agents.offline.compose_edit import Editor
from agents.offline.compose_edit_cast import add_character, change_line, cut_character, rename
from agents.offline.compose_edit_story import (
    add_beat,
    change_moment,
    change_tone,
    drop_beat,
    move_scene,
    reorder_beats,
    resize_scene,
)
from agents.offline.compose_script import DraftInput, draft_script
from memory.edits import EditRequest, is_shot_request
from memory.schema import Finding, PropUse, Script, StateChange

_LINE_ID = re.compile(r"\bs\d{2}-l\d{2}\b")
# Words first, then who is where, then the episode's shape: each stage leaves ids the next one can find.
_ORDER = {
    "set_cue": 0,
    "replace_text": 0,
    "change_line": 0,
    "rewrite_line": 0,
    "drop_reveal": 0,
    "drop_prop": 1,
    "set_prop_holder": 1,
    "set_wardrobe": 1,
    "rename": 1,
    "move_scene": 2,
    "add_character": 3,
    "cut_character": 4,
    "change_tone": 5,
    "resize_scene": 6,
    "drop_beat": 7,
    "reorder_beats": 8,
    "add_beat": 9,
    "change_moment": 10,
}


def _set_cue(ed: Editor, line_id: str, value: str) -> bool:
    found = ed.line(line_id)
    if found is None:
        return False
    found[1].cue = value
    return True


def _replace(ed: Editor, line_id: str | None, old: str, new: str) -> bool:
    lines = ed.script.lines() if line_id is None else [f[1] for f in [ed.line(line_id)] if f]
    changed = False
    for line in lines:
        if old in line.text:
            text = line.text.replace(old, new)
            line.text = re.sub(r"\s{2,}", " ", re.sub(r"\s+([,.!?;:])", r"\1", text)).strip() if not new else text
            changed = True
    return changed


def _drop_prop(ed: Editor, prop_id: str, scene_id: str | None, line_id: str | None) -> bool:
    if line_id is not None:
        found = ed.line(line_id)
        if found is None:
            return False
        scene, line = found
        prop = ed.canon.prop(prop_id)
        names = [prop.name, *prop.aliases] if prop else [prop_id]
        if any(n and n.lower() in line.text.lower() for n in names):
            line.text = ed.writer.establishing(scene.character_ids or ed.brief.character_ids[:1])
        return True
    scenes = ed.scope(scene_id)
    for scene in scenes:
        scene.props = [p for p in scene.props if p.prop_id != prop_id]
    return bool(scenes)


def _holder(ed: Editor, scene_id: str, prop_id: str, holder_id: str | None) -> bool:
    scene = ed.scene(scene_id)
    if scene is None or ed.canon.prop(prop_id) is None:
        return False
    uses = [p for p in scene.props if p.prop_id == prop_id]
    if not uses:
        uses = [PropUse(prop_id=prop_id, holder_id=None)]
        scene.props.append(uses[0])
    prop = ed.canon.prop(prop_id)
    giver = prop.holder_id if prop else None
    for use in uses:
        if holder_id and giver and giver != holder_id and giver in scene.character_ids:
            # Someone else has it in canon: show it changing hands, so the move is on screen.
            use.action = ed.writer.handover(giver, holder_id, prop.name if prop else prop_id)
            ed.insert(scene, 1, ed.action(scene, use.action))
        if holder_id and giver and giver != holder_id:
            # A hand-over is a canon change: recorded, whether it is shown or happened off screen.
            change = StateChange(entity_id=prop_id, field="holder_id", value=holder_id, note="hand-over")
            if change not in ed.script.state_changes:
                ed.script.state_changes.append(change)
        use.holder_id = holder_id
    if holder_id:
        ed.add_to_scene(scene, holder_id)
    if holder_id and giver and giver != holder_id:
        # It stays with the new holder for the rest of the episode, unless a later scene passes it on.
        for later in ed.script.scenes[ed.script.scenes.index(scene) + 1 :]:
            for use in later.props:
                if use.prop_id == prop_id and use.holder_id == giver and not use.action:
                    use.holder_id = holder_id if holder_id in later.character_ids else None
    return True


def _wardrobe(ed: Editor, scene_id: str, character_id: str, wardrobe_id: str) -> bool:
    scene = ed.scene(scene_id)
    character = ed.canon.character(character_id)
    if scene is None or character is None or wardrobe_id not in {w.id for w in character.wardrobe}:
        return False
    # One set for the whole story day: the other scenes of that day follow, unless the script shows a change.
    changed = any(c.field == "wardrobe" and c.entity_id == character_id for c in ed.script.state_changes)
    for other in ed.script.scenes:
        same_day = other.story_day == scene.story_day and not other.flashback and character_id in other.wardrobe
        if other is scene or (same_day and not changed):
            other.wardrobe[character_id] = wardrobe_id
    return True


def apply_request(ed: Editor, r: EditRequest) -> bool:
    """Apply one script request to the editor's script; False when it names nothing the script or canon has."""
    match r.kind:
        case "set_cue":
            return _set_cue(ed, r.line_id, r.value)
        case "replace_text":
            return _replace(ed, r.line_id, r.old, r.new)
        case "change_line":
            return change_line(ed, r)
        case "rewrite_line":
            return ed.rewrite(r.line_id)
        case "drop_reveal":
            found = ed.line(r.line_id)
            if found is not None:
                ed.drop_reveal(found[1], r.secret_id)
            return found is not None
        case "drop_prop":
            return _drop_prop(ed, r.prop_id, r.scene_id, r.line_id)
        case "set_prop_holder":
            return _holder(ed, r.scene_id, r.prop_id, r.holder_id)
        case "set_wardrobe":
            return _wardrobe(ed, r.scene_id, r.character_id, r.wardrobe_id)
        case "rename":
            return rename(ed, r)
        case "move_scene":
            return move_scene(ed, r)
        case "add_character":
            return add_character(ed, r)
        case "cut_character":
            return cut_character(ed, r)
        case "change_tone":
            return change_tone(ed, r)
        case "resize_scene":
            return resize_scene(ed, r)
        case "drop_beat":
            return drop_beat(ed, r)
        case "reorder_beats":
            return reorder_beats(ed, r)
        case "add_beat":
            return add_beat(ed, r)
        case "change_moment":
            return change_moment(ed, r)
    return False


def apply_requests(script: Script, requests: list[EditRequest], data: DraftInput, rng: random.Random) -> Script:
    """Apply script requests in a safe order to a copy of the script; shot requests are the director's."""
    ed = Editor(script.model_copy(deep=True), data, rng)
    for request in sorted((r for r in requests if not is_shot_request(r)), key=lambda r: _ORDER.get(r.kind, 99)):
        try:
            apply_request(ed, request)
        except (ValueError, IndexError, KeyError):
            # An edit the script's shape cannot take is left undone; the verifier reports it unmet.
            continue
        ed.tidy()
    # Revalidate: the edits mutate nested models in place.
    return Script.model_validate(ed.script.model_dump())


def revise_script(previous: Script, notes: list[Finding], data: DraftInput, revision: int) -> Script:
    """Apply every note's requests to the previous draft; regenerate when a reviewer's note cannot be placed."""
    rng = random.Random(f"{data.seed}:write_script:{data.brief.number}:{revision}:revise")
    requests = [r for note in notes for r in note.requests]
    base = previous
    anchors: list[str] = []
    for note in notes:
        if note.requests or (note.reviewer == "human" and note.check != "producer_rejection"):
            continue  # typed requests are applied below; a human note with none is reported, not guessed at
        located = _LINE_ID.search(note.location or "")
        if located is None:
            # Nothing to anchor the note to: a fresh draft from another seed offset is the honest answer.
            base = draft_script(data, revision, offset=revision)
            anchors = []
            break
        anchors.append(located.group(0))
    script = apply_requests(base, requests, data, rng)
    if not anchors:
        return script
    ed = Editor(script.model_copy(deep=True), data, rng)
    for line_id in anchors:
        ed.rewrite(line_id)
    return Script.model_validate(ed.script.model_dump())
