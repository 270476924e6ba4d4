"""Break a script into a vertical micro-drama shot list: one shot per line plus reactions."""

from __future__ import annotations

import random
import re

from pydantic import ValidationError

from agents.offline.compose_cast import short_name
from agents.offline.timing import dialogue_shot_seconds
from memory.edits import AddShotForLine, CutShotCharacter, SetShotField, SetShotWardrobe, ShotRequest, is_shot_request
from memory.schema import Canon, Finding, Line, Scene, Script, Shot, ShotCharacter, ShotList

# Camera grammar: how an emotion is covered (angle, movement, sound).
_COVERAGE: dict[str, tuple[str, str, list[str]]] = {
    "smug": ("low", "static", []),
    "cold": ("low", "static", []),
    "shocked": ("dutch", "push_in", ["sting"]),
    "angry": ("eye", "handheld", []),
    "desperate": ("eye", "handheld", ["heartbeat"]),
    "afraid": ("high", "static", ["heartbeat"]),
    "tender": ("eye", "push_in", []),
    "tense": ("eye", "static", ["low drone"]),
}
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "ECU": "Extreme close-up",
        "CU": "Close-up",
        "MCU": "Medium close-up",
        "OTS": "Over-the-shoulder shot",
        "MS": "Medium shot",
        "MWS": "Medium wide shot",
        "WS": "Wide shot",
        "speak": "{frame} on {name} ({emotion}), speaking.",
        "ots": "{frame} past {other} onto {name} ({emotion}).",
        "react": "Close-up on {name}, reacting.",
        "action": "{frame}: {text}",
    },
    "zh": {
        "ECU": "大特写",
        "CU": "特写",
        "MCU": "近景",
        "OTS": "过肩镜头",
        "MS": "中景",
        "MWS": "中远景",
        "WS": "远景",
        "speak": "{frame}：{name}说话，情绪{emotion}。",
        "ots": "{frame}：越过{other}的肩膀拍{name}，情绪{emotion}。",
        "react": "特写：{name}的反应。",
        "action": "{frame}：{text}",
    },
}
_EMOTION_ZH = {
    "neutral": "平静",
    "calm": "沉着",
    "tense": "紧绷",
    "angry": "愤怒",
    "afraid": "害怕",
    "sad": "难过",
    "joyful": "欢喜",
    "shocked": "震惊",
    "cold": "冷淡",
    "tender": "温柔",
    "smug": "得意",
    "desperate": "绝望",
}
_SHOT_ID = re.compile(r"^(s\d{2})-sh(\d{2})$")


class _ShotWriter:
    def __init__(self, script: Script, canon: Canon, rng: random.Random) -> None:
        self.script = script
        self.canon = canon
        self.rng = rng
        self.words = _WORDS.get(canon.language, _WORDS["en"])

    def _cast(self, scene: Scene, ids: list[str]) -> list[ShotCharacter]:
        out: list[ShotCharacter] = []
        for char_id in ids:
            character = self.canon.character(char_id)
            wardrobe = scene.wardrobe.get(char_id) or (character.wardrobe[0].id if character else "")
            out.append(ShotCharacter(character_id=char_id, wardrobe_id=wardrobe))
        return out

    def _name(self, char_id: str | None) -> str:
        character = self.canon.character(char_id) if char_id else None
        return short_name(character, self.canon.language) if character else ""

    def _emotion_word(self, emotion: str) -> str:
        return _EMOTION_ZH.get(emotion, emotion) if self.canon.language == "zh" else emotion

    def line_shot(self, scene: Scene, line: Line, shot_id: str, first_in_scene: bool) -> Shot:
        """Cover one line: establishing/medium for action, close coverage on the speaker for dialogue."""
        if line.kind == "action":
            framing = "WS" if first_in_scene else self.rng.choice(("MWS", "MS"))
            duration = round(min(2.5, max(1.2, 1.2 + len(line.text) / 60)), 2)
            sounds = ["door slam"] if re.search(r"door|门", line.text, re.IGNORECASE) else []
            return Shot(
                id=shot_id,
                scene_id=scene.id,
                duration_s=duration,
                framing=framing,
                angle="eye",
                movement="static" if framing == "WS" else "pan_right",
                characters=self._cast(scene, scene.character_ids),
                location_id=scene.location_id,
                time_of_day=scene.time_of_day,
                line_id=line.id,
                description=self.words["action"].format(frame=self.words[framing], text=line.text),
                sound_cues=sounds,
            )
        angle, movement, sounds = _COVERAGE.get(line.emotion, ("eye", "static", []))
        listeners = [c for c in scene.character_ids if c != line.speaker_id]
        framing = self.rng.choice(("CU", "MCU", "OTS") if listeners else ("CU", "MCU"))
        visible = [line.speaker_id or ""] + ([listeners[0]] if framing == "OTS" else [])
        template = self.words["ots"] if framing == "OTS" else self.words["speak"]
        description = template.format(
            frame=self.words[framing],
            name=self._name(line.speaker_id),
            other=self._name(listeners[0]) if listeners else "",
            emotion=self._emotion_word(line.emotion),
        )
        return Shot(
            id=shot_id,
            scene_id=scene.id,
            duration_s=dialogue_shot_seconds(line.text),
            framing=framing,
            angle=angle,
            movement=movement,
            characters=self._cast(scene, [c for c in visible if c]),
            location_id=scene.location_id,
            time_of_day=scene.time_of_day,
            line_id=line.id,
            description=description,
            sound_cues=list(sounds),
        )

    def reaction(self, scene: Scene, line: Line, shot_id: str) -> Shot | None:
        """Return a short close-up of a listener reacting, or None when nobody is listening."""
        listeners = [c for c in scene.character_ids if c != line.speaker_id]
        if not listeners:
            return None
        who = self.rng.choice(listeners)
        return Shot(
            id=shot_id,
            scene_id=scene.id,
            duration_s=round(self.rng.uniform(0.8, 1.5), 2),
            framing="CU",
            angle="dutch" if line.emotion == "shocked" else "eye",
            movement="static",
            characters=self._cast(scene, [who]),
            location_id=scene.location_id,
            time_of_day=scene.time_of_day,
            line_id=line.id,
            description=self.words["react"].format(name=self._name(who)),
        )

    def _reacting(self, target_seconds: int) -> set[str]:
        """Choose the lines that get a reaction cut: mostly charged ones, occasionally others.

        Kept occasional on purpose: the director's duration fit floors every shot of a line at that line's
        speaking time, so each reaction cut costs a full line of runtime downstream.
        """
        last_line = self.script.lines()[-1].id
        chosen: set[str] = set()
        for scene in self.script.scenes:
            for index, line in enumerate(scene.lines):
                if line.kind != "dialogue" or line.id == last_line or index == 0 or len(scene.character_ids) < 2:
                    continue
                big = line.emotion in ("shocked", "angry", "desperate") or bool(line.reveals)
                if self.rng.random() < (0.5 if big else 0.1):
                    chosen.add(line.id)
        # At most a few per episode, so the list stays within the target runtime.
        cap = max(1, target_seconds // 30)
        return set(sorted(chosen)[:cap])

    def build(self, target_seconds: int) -> list[Shot]:
        """Return the full shot list with the hook and cliffhanger treatments."""
        shots: list[Shot] = []
        reacting = self._reacting(target_seconds)
        for scene in self.script.scenes:
            number = 0
            for index, line in enumerate(scene.lines):
                number += 1
                shots.append(self.line_shot(scene, line, f"{scene.id}-sh{number:02d}", index == 0))
                if line.id in reacting:
                    reaction = self.reaction(scene, line, f"{scene.id}-sh{number + 1:02d}")
                    if reaction is not None:
                        number += 1
                        shots.append(reaction)
        first = shots[0]
        visible = first.characters[:1] if first.characters else []
        framing = "ECU" if first.framing in ("WS", "MWS", "MS") else "CU"
        description = first.description
        if first.framing in self.words and description.startswith(self.words[first.framing]):
            description = self.words[framing] + description[len(self.words[first.framing]) :]
        shots[0] = first.model_copy(
            update={
                "framing": framing,
                "movement": "push_in",
                "description": description,
                "characters": visible,
                "sound_cues": [*first.sound_cues, "sting"],
                "on_screen_text": self.canon.title if self.script.episode == 1 else "",
            }
        )
        last = shots[-1]
        shots[-1] = last.model_copy(
            update={"movement": "push_in", "sound_cues": [*last.sound_cues, "sting", "cut to black"]}
        )
        return shots


def compose_shots(script: Script, canon: Canon, target_seconds: int, rng: random.Random) -> ShotList:
    """Return a fresh shot list for the script."""
    return ShotList(
        episode=script.episode,
        target_seconds=target_seconds,
        shots=_ShotWriter(script, canon, rng).build(target_seconds),
    )


def _next_id(shots: list[Shot], scene_id: str) -> str:
    numbers = [int(m.group(2)) for s in shots if (m := _SHOT_ID.match(s.id)) and m.group(1) == scene_id]
    return f"{scene_id}-sh{max(numbers, default=0) + 1:02d}"


def _apply_shot(r: ShotRequest, shots: list[Shot], writer: _ShotWriter, script: Script) -> bool:
    """Apply one shot request in place; False when it names no shot or line the lists have."""
    index = next((i for i, s in enumerate(shots) if s.id == getattr(r, "shot_id", None)), None)
    match r.kind:
        case "add_shot_for_line":
            found = next(((sc, ln) for sc in script.scenes for ln in sc.lines if ln.id == r.line_id), None)
            if found is None:
                return False
            scene, line = found
            order = [ln.id for ln in script.lines()]
            position = len(shots)
            for i, shot in enumerate(shots):
                if shot.line_id in order and order.index(shot.line_id) > order.index(line.id):
                    position = i
                    break
            shots.insert(position, writer.line_shot(scene, line, _next_id(shots, scene.id), False))
            return True
        case "set_shot_field" if index is not None:
            shot = shots[index]
            if r.field == "duration":
                shot.duration_s = min(30.0, max(0.1, float(r.value)))
            elif r.field == "time_of_day":
                shots[index] = Shot.model_validate({**shot.model_dump(), "time_of_day": r.value})
            else:
                setattr(shot, r.field, r.value)
            return True
        case "set_shot_wardrobe" if index is not None:
            worn = [p for p in shots[index].characters if p.character_id == r.character_id]
            for person in worn:
                person.wardrobe_id = r.wardrobe_id
            return bool(worn)
        case "cut_shot_character" if index is not None:
            shot = shots[index]
            shot.characters = [c for c in shot.characters if c.character_id != r.character_id]
            found = next(((sc, ln) for sc in script.scenes for ln in sc.lines if ln.id == shot.line_id), None)
            if not shot.characters and found is not None and found[1].speaker_id not in (None, r.character_id):
                # A reaction of nobody is no shot: it becomes the line's own coverage, under the same id.
                framed = writer.line_shot(found[0], found[1], shot.id, False)
                shots[index] = framed.model_copy(update={"duration_s": shot.duration_s})
            return True
    return False


def revise_shots(
    previous: ShotList, notes: list[Finding], script: Script, canon: Canon, rng: random.Random
) -> ShotList | None:
    """Apply the notes' shot requests to the previous list; None when a note has none (the caller regenerates).

    Notes with no shot request at all (a producer's note about the script) leave nothing to apply: the list
    is made afresh for the revised script. A request that cannot be applied is left undone for the verifier.
    """
    if not any(is_shot_request(r) for n in notes for r in n.requests):
        return None
    shots = [s.model_copy(deep=True) for s in previous.shots]
    writer = _ShotWriter(script, canon, rng)
    for note in notes:
        if not note.requests:
            if note.reviewer == "human":
                continue
            return None
        for request in note.requests:
            if not isinstance(request, AddShotForLine | SetShotField | SetShotWardrobe | CutShotCharacter):
                continue
            try:
                _apply_shot(request, shots, writer, script)
            except (ValueError, ValidationError):
                continue
    return ShotList(episode=previous.episode, target_seconds=previous.target_seconds, shots=shots)
