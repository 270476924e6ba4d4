"""The offline script editor's workbench: finding scenes and lines, writing new ones, keeping the script valid.

Edits keep line ids stable (a new line takes the next free number in its scene), so a request that names
a line still finds it after other requests in the same revision have run, and the verifier can compare
the same ids before and after.
"""

from __future__ import annotations

import random
import re

from agents.edit_match import plays
from agents.offline.compose_lines import LineWriter, contains_term, mentions
from agents.offline.compose_script import DraftInput
from memory.schema import CharacterStatus, Emotion, Line, Scene, Script

_LINE_NO = re.compile(r"-l(\d+)$")


class Editor:
    """One revision's working copy of a script, with what the edits need to write lines that fit."""

    def __init__(self, script: Script, data: DraftInput, rng: random.Random) -> None:
        self.script = script
        self.data = data
        self.canon = data.canon
        self.brief = data.brief
        self.rng = rng
        self.writer = LineWriter(data.canon, rng)
        # Lines already in the draft count as used, so new filler does not repeat them.
        self.writer.used.update(line.text for line in script.lines())
        self.language = data.canon.language

    # ------------------------------------------------------------------ finding

    def scene(self, scene_id: str | None) -> Scene | None:
        """Return the scene with this id; None for an id the script lacks. A null id means the first scene."""
        if scene_id is None:
            return self.script.scenes[0]
        return next((s for s in self.script.scenes if s.id == scene_id), None)

    def line(self, line_id: str | None) -> tuple[Scene, Line] | None:
        """Return the scene and line with this id."""
        return next(((s, ln) for s in self.script.scenes for ln in s.lines if ln.id == line_id), None)

    def scope(self, scene_id: str | None) -> list[Scene]:
        """Return the scenes a request acts on: one scene, or all of them."""
        return [s for s in self.script.scenes if scene_id is None or s.id == scene_id]

    def protected(self, line: Line) -> bool:
        """Tell whether a line carries the story: a reveal, the hook, the cliffhanger or a brief beat."""
        lines = self.script.lines()
        if line.reveals or (lines and line.id in (lines[0].id, lines[-1].id)):
            return True
        return line.beat is not None or any(plays(line.text, beat) for beat in self.brief.key_beats)

    def alive(self, character_id: str) -> bool:
        """Tell whether canon has this character alive, so they can be on screen."""
        character = self.canon.character(character_id)
        return character is not None and character.status == CharacterStatus.ALIVE

    # ------------------------------------------------------------------ writing

    def fresh_id(self, scene: Scene) -> str:
        """Return the next free line id in a scene."""
        numbers = [int(m.group(1)) for ln in scene.lines if (m := _LINE_NO.search(ln.id))]
        return f"{scene.id}-l{max(numbers, default=0) + 1:02d}"

    def sentence(self, text: str) -> str:
        """Turn a note's words into a stage direction: capitalised, ending in a full stop."""
        text = text.strip().rstrip(".。!！")
        if not text:
            return text
        if self.language == "zh" or not text.isascii():
            return text + "。"
        return text[0].upper() + text[1:] + "."

    def action(self, scene: Scene, text: str, emotion: Emotion = "tense") -> Line:
        """Write an action line for a scene, bringing in anyone it names."""
        self.bring_named(scene, text)
        return Line(id=self.fresh_id(scene), kind="action", text=text, emotion=emotion)

    def listener(self, scene: Scene, speaker: str) -> str | None:
        """Pick who a new line is said to: someone else present."""
        others = [c for c in scene.character_ids if c != speaker]
        return self.rng.choice(others) if others else None

    def dialogue(self, scene: Scene, speaker: str, emotion: Emotion | None = None, text: str = "") -> Line:
        """Write a dialogue line said by someone present in the scene."""
        listener = self.listener(scene, speaker)
        chosen: Emotion = emotion or self.writer.emotion(5, speaker, listener)  # type: ignore[assignment]
        prop = self.canon.prop(scene.props[0].prop_id) if scene.props else None
        holder = scene.props[0].holder_id if scene.props else None
        words = text or self.writer.filler(chosen, speaker, listener, prop.name if prop else "", holder)
        character = self.canon.character(speaker)
        return Line(
            id=self.fresh_id(scene),
            kind="dialogue",
            speaker_id=speaker,
            cue=character.name if character else "",
            text=words,
            emotion=chosen,
            parenthetical=self.writer.parenthetical(chosen),
        )

    def insert(self, scene: Scene, index: int, line: Line) -> None:
        """Insert a line at an index of its scene (clamped to the scene)."""
        scene.lines.insert(max(0, min(index, len(scene.lines))), line)

    # ---------------------------------------------------------------- presence

    def add_to_scene(self, scene: Scene, character_id: str) -> None:
        """Put a character in a scene, dressed as they are elsewhere that story day."""
        if character_id not in scene.character_ids:
            scene.character_ids.append(character_id)
        if character_id in scene.wardrobe:
            return
        character = self.canon.character(character_id)
        if character is None:
            return
        same_day = [
            s.wardrobe[character_id]
            for s in self.script.scenes
            if s.story_day == scene.story_day and character_id in s.wardrobe
        ]
        carried = self.data.carryover.wardrobe.get(character_id)
        if same_day:
            scene.wardrobe[character_id] = same_day[0]
        elif carried and scene.story_day == self.data.carryover.last_story_day:
            scene.wardrobe[character_id] = carried
        else:
            scene.wardrobe[character_id] = character.wardrobe[0].id

    def bring_named(self, scene: Scene, text: str) -> None:
        """Put every living canon character a text names into the scene, so the text never names an absentee."""
        for character in self.canon.characters:
            if self.alive(character.id) and mentions(text, character, self.language):
                self.add_to_scene(scene, character.id)

    def speaker_for(self, scene: Scene, avoid: str | None = None) -> str | None:
        """Pick someone present to speak, not ``avoid`` when anyone else can."""
        options = [c for c in scene.character_ids if c != avoid and self.alive(c)]
        return options[0] if options else None

    # ------------------------------------------------------------------ repairs

    def rewrite(self, line_id: str) -> bool:
        """Regenerate one line's words, keeping speaker, emotion and reveals; the words always change."""
        found = self.line(line_id)
        if found is None:
            return False
        scene, line = found
        old = line.text
        if line.kind == "action":
            for _ in range(4):
                line.text = self.writer.establishing(scene.character_ids or [self.brief.character_ids[0]])
                if line.text != old:
                    break
            return True
        if line.reveals and (secret := self.canon.secret(line.reveals[0])) is not None:
            learner = self.listener(scene, line.speaker_id or "") or ""
            for variant in range(4):
                line.text = self.writer.reveal(secret, learner, variant=variant)
                if line.text != old:
                    return True
        listener = self.listener(scene, line.speaker_id or "")
        for _ in range(8):
            line.text = self.writer.filler(line.emotion, line.speaker_id or "", listener, "", None)
            if line.text != old:
                return True
        line.text = self.writer.reaction()
        return True

    def drop_reveal(self, line: Line, secret_id: str) -> None:
        """Remove a reveal from a line, its keywords from the text, and its knowledge change."""
        line.reveals = [s for s in line.reveals if s != secret_id]
        secret = self.canon.secret(secret_id)
        keywords = secret.keywords if secret else []
        if any(contains_term(line.text, k) for k in keywords) or not line.reveals:
            self.writer.used.add(line.text)
            line.text = self.writer.filler(line.emotion, line.speaker_id or "", None, "", None)
        self.forget_unrevealed()

    def forget_unrevealed(self) -> None:
        """Drop 'knows' changes whose secret no line reveals any more."""
        revealed = {s for ln in self.script.lines() for s in ln.reveals}
        self.script.state_changes = [
            c for c in self.script.state_changes if c.field != "knows" or c.entity_id in revealed
        ]

    def tidy(self) -> None:
        """Leave a valid script: speakers present, no empty scene, no scene nobody is in."""
        for scene in self.script.scenes:
            for line in scene.lines:
                if line.kind != "dialogue" or line.speaker_id in scene.character_ids:
                    continue
                if line.speaker_id and self.alive(line.speaker_id):
                    self.add_to_scene(scene, line.speaker_id)
                elif (heir := self.speaker_for(scene)) is not None:
                    character = self.canon.character(heir)
                    line.speaker_id, line.cue = heir, character.name if character else heir
        kept = [s for s in self.script.scenes if s.character_ids or len(self.script.scenes) == 1]
        self.script.scenes = kept or self.script.scenes[:1]
        for scene in self.script.scenes:
            if not scene.character_ids:
                fallback = next((c for c in self.brief.character_ids if self.alive(c)), None)
                if fallback:
                    self.add_to_scene(scene, fallback)
            if not scene.lines:
                cast = scene.character_ids or list(self.brief.character_ids[:1])
                scene.lines = [Line(id=f"{scene.id}-l01", kind="action", text=self.writer.establishing(cast))]
        self.forget_unrevealed()
