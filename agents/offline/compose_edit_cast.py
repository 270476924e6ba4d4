"""Offline edits of who is in an episode: cut a character, add one, rename, change a line's speaker or words."""

from __future__ import annotations

import re

from agents.offline.compose_edit import Editor
from agents.offline.compose_lines import mentions
from memory.edits import AddCharacter, ChangeLine, CutCharacter, Rename
from memory.schema import Line, Scene


def cut_character(ed: Editor, r: CutCharacter) -> bool:
    """Take a character out: their needed lines go to someone present, the rest are cut; nobody names them on screen."""
    character = ed.canon.character(r.character_id)
    scenes = ed.scope(r.scene_id)
    if not scenes:
        return False
    for scene in scenes:
        _cut_from_scene(ed, scene, r.character_id)
    if r.scene_id is None:
        ed.script.state_changes = [
            c
            for c in ed.script.state_changes
            if c.entity_id != r.character_id and not (c.field == "knows" and c.value == r.character_id)
        ]
    ed.tidy()
    return character is not None


def _cut_from_scene(ed: Editor, scene: Scene, cid: str) -> None:
    scene.character_ids = [c for c in scene.character_ids if c != cid]
    scene.wardrobe.pop(cid, None)
    for use in scene.props:
        if use.holder_id == cid:
            use.holder_id = None
    character = ed.canon.character(cid)
    kept: list[Line] = []
    for line in scene.lines:
        named = character is not None and mentions(line.text, character, ed.language)
        if line.speaker_id == cid:
            heir = ed.speaker_for(scene)
            if heir is None or not ed.protected(line):
                continue
            _hand_over(ed, scene, line, heir)
            named = character is not None and mentions(line.text, character, ed.language)
        if named and line.kind == "action":
            # A stage direction naming them puts them on screen: restage it with the people still there.
            line.text = ed.writer.establishing(scene.character_ids) if scene.character_ids else ""
            if not line.text:
                continue
        elif named and not ed.protected(line):
            # Talk addressed to someone who is no longer there: say something to the people who are.
            listener = ed.listener(scene, line.speaker_id or "")
            line.text = ed.writer.filler(line.emotion, line.speaker_id or "", listener, "", None)
        kept.append(line)
    scene.lines = kept


def _hand_over(ed: Editor, scene: Scene, line: Line, heir: str) -> None:
    """Give a needed line to someone present, dropping a reveal they could not know."""
    character = ed.canon.character(heir)
    line.speaker_id, line.cue = heir, character.name if character else heir
    for secret_id in list(line.reveals):
        secret = ed.canon.secret(secret_id)
        if secret is None or heir not in secret.known_by:
            ed.drop_reveal(line, secret_id)


def add_character(ed: Editor, r: AddCharacter) -> bool:
    """Bring a living canon character into a scene with real lines: they speak, and someone answers."""
    if not ed.alive(r.character_id):
        return False
    scene = ed.scene(r.scene_id) if r.scene_id else min(ed.script.scenes, key=lambda s: len(s.character_ids))
    if scene is None:
        return False
    ed.add_to_scene(scene, r.character_id)
    entrance = min(1, len(scene.lines))
    said = ed.dialogue(scene, r.character_id)
    ed.insert(scene, entrance, said)
    answerer = ed.speaker_for(scene, avoid=r.character_id)
    if answerer is not None:
        ed.insert(scene, entrance + 1, ed.dialogue(scene, answerer))
    else:
        ed.insert(scene, entrance + 1, ed.dialogue(scene, r.character_id))
    return True


def rename(ed: Editor, r: Rename) -> bool:
    """Call someone by another name in every cue, line and the summary of this episode."""
    if not r.old.strip() or not r.new.strip():
        return False
    pattern = re.compile(rf"(?<!\w){re.escape(r.old)}(?!\w)") if r.old.isascii() else re.compile(re.escape(r.old))
    changed = False
    for line in ed.script.lines():
        for field in ("cue", "text"):
            value = getattr(line, field)
            new = pattern.sub(r.new, value)
            if new != value:
                setattr(line, field, new)
                changed = True
        if r.character_id and line.speaker_id == r.character_id and line.cue != r.new:
            line.cue, changed = r.new, True
    ed.script.summary = pattern.sub(r.new, ed.script.summary)
    return changed


def change_line(ed: Editor, r: ChangeLine) -> bool:
    """Set a line's words, speaker or delivery; a new speaker is brought into the scene."""
    found = ed.line(r.line_id)
    if found is None:
        return False
    scene, line = found
    if r.speaker_id is not None:
        character = ed.canon.character(r.speaker_id)
        if character is None or not ed.alive(r.speaker_id):
            return False
        ed.add_to_scene(scene, r.speaker_id)
        line.kind, line.speaker_id, line.cue = "dialogue", r.speaker_id, character.name
    if r.text is not None:
        line.text = r.text.strip()
        ed.bring_named(scene, line.text)
    if r.emotion is not None:
        line.emotion = r.emotion
    return True
