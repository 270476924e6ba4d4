"""Revise a script draft by applying reviewers' fix hints; regenerate when a note cannot be located."""

from __future__ import annotations

import random
import re

from agents.offline.compose_lines import LineWriter, contains_term
from agents.offline.compose_script import DraftInput, draft_script
from agents.offline.timing import parse_clock, time_of_day
from memory.schema import Canon, Finding, Line, Scene, Script

_LINE_ID = re.compile(r"\bs\d{2}-l\d{2}\b")


def _scene(script: Script, scene_id: str) -> Scene | None:
    return next((s for s in script.scenes if s.id == scene_id), None)


def _line(script: Script, line_id: str) -> tuple[Scene, Line] | None:
    for scene in script.scenes:
        for line in scene.lines:
            if line.id == line_id:
                return scene, line
    return None


class _Reviser:
    def __init__(self, script: Script, canon: Canon, rng: random.Random) -> None:
        self.script = script
        self.canon = canon
        self.writer = LineWriter(canon, rng)
        self.rng = rng

    def rewrite(self, line_id: str) -> bool:
        """Regenerate one line's text from the templates, keeping speaker, emotion and reveals."""
        found = _line(self.script, line_id)
        if found is None:
            return False
        scene, line = found
        if line.kind == "action":
            line.text = self.writer.establishing(scene.character_ids)
            return True
        listeners = [c for c in scene.character_ids if c != line.speaker_id]
        listener = self.rng.choice(listeners) if listeners else None
        if line.reveals:
            secret = self.canon.secret(line.reveals[0])
            if secret is not None:
                learner = next(
                    (c.value for c in self.script.state_changes if c.field == "knows" and c.entity_id == secret.id),
                    listener or "",
                )
                text = self.writer.reveal(secret, learner, variant=1)
                line.text = text if text != line.text else self.writer.reveal(secret, learner, variant=0)
                return True
        prop_name, holder = "", None
        if scene.props:
            prop = self.canon.prop(scene.props[0].prop_id)
            prop_name, holder = (prop.name if prop else ""), scene.props[0].holder_id
        old = line.text
        for _ in range(8):
            line.text = self.writer.filler(line.emotion, line.speaker_id or "", listener, prop_name, holder)
            if line.text != old:
                break
        return True

    def remove_character(self, scene: Scene, char_id: str) -> None:
        """Take a character out of a scene, handing their lines to someone else present or dropping them."""
        scene.character_ids = [c for c in scene.character_ids if c != char_id]
        scene.wardrobe.pop(char_id, None)
        scene.props = [p for p in scene.props if p.holder_id != char_id]
        kept: list[Line] = []
        for line in scene.lines:
            if line.speaker_id != char_id:
                kept.append(line)
                continue
            heir = next((c for c in scene.character_ids), None)
            character = self.canon.character(heir) if heir else None
            if character is None:
                continue
            line.speaker_id, line.cue = character.id, character.name
            for secret_id in list(line.reveals):
                secret = self.canon.secret(secret_id)
                if secret is None or character.id not in secret.known_by:
                    self.drop_reveal(line, secret_id)
            kept.append(line)
        if not kept and scene.character_ids:
            kept = [Line(id=f"{scene.id}-l01", kind="action", text=self.writer.establishing(scene.character_ids))]
        if kept:
            scene.lines = kept

    def drop_reveal(self, line: Line, secret_id: str) -> None:
        """Remove a reveal from a line, its keywords from the text, and its knowledge change."""
        line.reveals = [s for s in line.reveals if s != secret_id]
        secret = self.canon.secret(secret_id)
        keywords = secret.keywords if secret else []
        if any(contains_term(line.text, k) for k in keywords) or not line.reveals:
            self.writer.used.add(line.text)
            line.text = self.writer.filler(line.emotion, line.speaker_id or "", None, "", None)
        self.script.state_changes = [
            c
            for c in self.script.state_changes
            if not (
                c.field == "knows"
                and c.entity_id == secret_id
                and not any(secret_id in ln.reveals for ln in self.script.lines())
            )
        ]

    def apply(self, fix: dict[str, str]) -> bool:
        """Apply one machine-readable fix; return False when it names nothing in the script."""
        action = fix.get("action", "")
        scene = _scene(self.script, fix.get("scene_id", ""))
        found = _line(self.script, fix.get("line_id", ""))
        value = fix.get("value", "")
        if action == "set_cue" and found is not None:
            found[1].cue = value
        elif action == "set_wardrobe" and scene is not None:
            scene.wardrobe[fix.get("character_id", "")] = value
        elif action == "remove_character" and scene is not None:
            self.remove_character(scene, fix.get("character_id", ""))
        elif action == "set_prop_holder" and scene is not None:
            for use in scene.props:
                if use.prop_id == fix.get("prop_id"):
                    use.holder_id = None if value in ("", "none") else value
        elif action == "drop_prop" and scene is not None:
            scene.props = [p for p in scene.props if p.prop_id != fix.get("prop_id")]
        elif action == "set_story_day" and scene is not None and value.isdigit() and int(value) >= 1:
            scene.story_day = int(value)
        elif action == "set_clock" and scene is not None and parse_clock(value) is not None:
            scene.clock = value
            scene.time_of_day = time_of_day(value)
        elif action == "replace_text" and found is not None:
            found[1].text = found[1].text.replace(fix.get("old", ""), fix.get("new", ""))
        elif action == "drop_reveal" and found is not None:
            self.drop_reveal(found[1], fix.get("secret_id", ""))
        elif action == "rewrite_line":
            return self.rewrite(fix.get("line_id", ""))
        else:
            return False
        return True


def revise_script(previous: Script, notes: list[Finding], data: DraftInput, revision: int) -> Script:
    """Apply every note's fix to the previous draft; regenerate the draft when a note cannot be placed."""
    rng = random.Random(f"{data.seed}:write_script:{data.brief.number}:{revision}:revise")
    script = previous.model_copy(deep=True)
    reviser = _Reviser(script, data.canon, rng)
    for note in notes:
        if note.fix and reviser.apply(dict(note.fix)):
            continue
        located = _LINE_ID.search(note.location or "")
        if located and reviser.rewrite(located.group(0)):
            continue
        # Nothing to anchor the note to: a fresh draft from another seed offset is the honest answer.
        return draft_script(data, revision, offset=revision)
    # Revalidate: the fixes mutate nested models in place.
    return Script.model_validate(script.model_dump())
