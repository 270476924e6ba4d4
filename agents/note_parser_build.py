"""Turn what a clause of a note refers to into typed edit requests, the same way for both languages.

The language readers (note_parser_en.py, note_parser_zh.py) find the intent ("cut", "move", "make
angrier") and the references ("Tomas", "the second scene", "his last line"); the builders here make
the requests and say plainly when a reference does not resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import cast, get_args

from agents.messages import say
from agents.note_parser_scope import Lang, LineRef, NoteScope, lookup
from memory.edits import (
    AddCharacter,
    ChangeLine,
    CutCharacter,
    DropProp,
    DropReveal,
    EditRequest,
    MoveScene,
    ReplaceText,
    ResizeScene,
    RewriteLine,
    SetPropHolder,
    SetWardrobe,
)
from memory.schema import Emotion, Scene, TimeOfDay

# Words that make a clause about clothes, in either language.
_GARMENT = re.compile(
    r"\b(?:suit|gown|raincoat|hoodie|jeans|uniform|jacket|coat|outfit|costume|dress|clothes|wear|wears|wearing)\b|"
    r"[穿服装衣裙]",
    re.IGNORECASE,
)
# More requests than this from one clause means the clause was read too broadly.
MAX_PER_CLAUSE = 12


def warn(key: str, /, **fields: object) -> str:
    """Word what the parser could not do, in English from the catalogue; progress lines re-render it per series."""
    return say("en", f"event.warn_{key}", **fields)


@dataclass
class Reading:
    """What one clause of a note became: requests, and warnings for what did not resolve."""

    requests: list[EditRequest] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Clause:
    """One clause of a note with what it refers to resolved against the episode."""

    text: str
    bare: str  # the text with quoted passages blanked out
    scope: NoteScope
    lang: Lang
    scene: Scene | None = None
    episode_wide: bool = False
    scene_words: tuple[int, int] | None = None  # where the scene reference is, so its place is not a target
    scene_options: list[Scene] = field(default_factory=list)  # every scene "the lobby scene" could mean
    chars: list[str] = field(default_factory=list)
    lines: list[LineRef] = field(default_factory=list)
    new_quotes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def scene_id(self) -> str | None:
        """The scene the clause is about, or None for the episode."""
        return self.scene.id if self.scene is not None and not self.episode_wide else None

    def place_targets(self) -> list[str]:
        """Return canon locations the clause names outside its scene reference."""
        found = []
        for m in self.scope.location_mentions(self.bare):
            if self.scene_words and self.scene_words[0] <= m.start < self.scene_words[1]:
                continue
            found.append(m.id)
        return list(dict.fromkeys(found))

    def times(self) -> list[TimeOfDay]:
        """Return the times of day the clause names outside its scene reference."""
        found: list[TimeOfDay] = []
        for pos, _, meaning in lookup(self.bare, "times", self.lang):
            if self.scene_words and self.scene_words[0] <= pos < self.scene_words[1]:
                continue
            if meaning in get_args(TimeOfDay):
                found.append(cast(TimeOfDay, meaning))
        return found

    def emotions(self) -> list[Emotion]:
        """Return the deliveries the clause names, outside quotes."""
        return [cast(Emotion, m) for _, _, m in lookup(self.bare, "emotions", self.lang) if m in get_args(Emotion)]


def take_characters(found: Clause, named: list[str], he: re.Pattern[str], she: re.Pattern[str]) -> None:
    """Set the clause's characters: those it names, else the one its pronoun means; remember them for later."""
    found.chars = list(dict.fromkeys(named))
    if not found.chars:
        for pattern, gender in ((he, "male"), (she, "female")):
            if pattern.search(found.bare):
                cid, warning = found.scope.pronoun(gender)  # type: ignore[arg-type]
                if cid is not None:
                    found.chars.append(cid)
                    found.warnings += [warning] if warning else []
    for cid in found.chars:
        found.scope.remember(cid)


def unknown_name(clause: Clause, name: str) -> Reading:
    """Say that a note names a character the episode and canon do not have, or names two of them at once."""
    several = clause.scope.sharing(name)
    if len(several) > 1:
        return Reading(warnings=[f"'{name}' could be {' or '.join(several)}: use the full name"])
    return Reading(
        warnings=[f"no character named '{name}' in this episode or canon (the cast: {clause.scope.cast_line()})"]
    )


def cut_characters(clause: Clause) -> Reading:
    """Cut every character the clause names, from its scene or the episode."""
    scene_id = clause.scene_id
    reading = Reading()
    for cid in clause.chars:
        if scene_id is None:
            reading.requests.append(CutCharacter(character_id=cid))
            continue
        options = clause.scene_options or ([clause.scene] if clause.scene else [])
        scenes = [s for s in options if cid in s.character_ids]
        if not scenes:
            name = clause.scope.name_of(cid)
            reading.warnings.append(warn("not_in_scene", who=name, scene_ref=scene_id) + "; " + warn("nothing_to_cut"))
        reading.requests += [CutCharacter(character_id=cid, scene_id=s.id) for s in scenes]
    return reading


def add_characters(clause: Clause) -> Reading:
    """Bring every character the clause names into its scene or the episode."""
    reading = Reading()
    for cid in clause.chars:
        found = clause.scope.character(cid)
        if found is not None and found.status.value != "alive":
            reading.warnings.append(warn("status", who=found.name, status=found.status.value))
        reading.requests.append(AddCharacter(character_id=cid, scene_id=clause.scene_id))
    return reading


def move_scene(clause: Clause, clock: str | None = None) -> Reading | None:
    """Move the clause's scene (the first one when it names none) to the place and time it names."""
    places = clause.place_targets()
    times = clause.times()
    if not places and not times and clock is None:
        return None
    # "Set the whole thing at night" / 「整集都改成夜戏」 moves every scene; otherwise the scene named, or the first.
    everywhere = clause.episode_wide and clause.scene is None and not places
    scenes = clause.scope.script.scenes if everywhere else [clause.scene or clause.scope.script.scenes[0]]
    time_of_day = times[-1] if times else None
    return Reading(
        [
            MoveScene(scene_id=s.id, location_id=places[0] if places else None, time_of_day=time_of_day, clock=clock)
            for s in scenes
        ]
    )


def resize(clause: Clause, direction: str) -> Reading:
    """Make the clause's scene, or the episode, shorter or longer."""
    return Reading([ResizeScene(scene_id=clause.scene_id, direction="shorter" if direction == "shorter" else "longer")])


def change_lines(
    clause: Clause, *, text: str | None = None, speaker: str | None = None, emotion: Emotion | None = None
) -> Reading:
    """Change the words, speaker or delivery of every line the clause points at."""
    reading = Reading()
    for ref in clause.lines:
        line = ref.line
        if line.kind != "dialogue" and (speaker is not None or emotion is not None):
            reading.warnings.append(warn("action_line", line_ref=line.id) + "; " + warn("no_delivery"))
            continue
        if ref.phrase and text is not None:
            reading.requests.append(ReplaceText(line_id=line.id, old=ref.phrase, new=text))
            continue
        reading.requests.append(ChangeLine(line_id=line.id, text=text, speaker_id=speaker, emotion=emotion))
    return reading


def character_emotion(clause: Clause, emotion: Emotion) -> Reading:
    """Play every line of the named characters (in the clause's scene, if any) with a delivery."""
    reading = Reading()
    for cid in clause.chars:
        lines = clause.scope.lines_of(cid, clause.scene_id)
        if not lines:
            who = clause.scope.name_of(cid)
            no_lines = warn("no_lines", who=who, scene_ref=clause.scene_id) if clause.scene_id else None
            reading.warnings.append(no_lines or warn("no_lines_episode", who=who))
        reading.requests += [ChangeLine(line_id=ln.id, emotion=emotion) for ln in lines if ln.emotion != emotion]
        if lines and all(ln.emotion == emotion for ln in lines):
            reading.warnings.append(warn("every_line", who=clause.scope.name_of(cid), emotion=emotion))
    reading.requests = reading.requests[:MAX_PER_CLAUSE]
    return reading


def cut_phrases(clause: Clause) -> Reading:
    """Take quoted words out of the lines holding them; a whole line is not a phrase to cut."""
    reading = Reading()
    for ref in clause.lines:
        if ref.phrase:
            reading.requests.append(ReplaceText(line_id=ref.line.id, old=ref.phrase, new=""))
        else:
            reading.warnings.append(warn("whole_line", line_ref=ref.line.id) + "; " + warn("rewrite_it"))
    return reading


def rewrite_lines(clause: Clause, reason: str) -> Reading:
    """Ask for new words on every line the clause points at."""
    return Reading([RewriteLine(line_id=ref.line.id, reason=reason[:200]) for ref in clause.lines])


def replace_everywhere(clause: Clause, old: str, new: str) -> Reading:
    """Replace a phrase in the one line holding it, or in every line when several do."""
    holders = [ln for ln in clause.scope.script.lines() if old.casefold() in ln.text.casefold()]
    if not holders:
        return Reading(warnings=[f"no line of this episode says '{old}'"])
    line_id = holders[0].id if len(holders) == 1 else None
    return Reading([ReplaceText(line_id=line_id, old=_verbatim(holders[0].text, old), new=new)])


def _verbatim(text: str, phrase: str) -> str:
    start = text.casefold().find(phrase.casefold())
    return text[start : start + len(phrase)] if start >= 0 else phrase


def drop_reveals(clause: Clause) -> Reading:
    """Stop the lines the clause points at from revealing their secrets."""
    reading = Reading()
    for ref in clause.lines:
        secrets = list(ref.line.reveals) or _secrets_named(clause)
        if not secrets:
            reading.warnings.append(warn("no_secret", line_ref=ref.line.id))
        reading.requests += [DropReveal(line_id=ref.line.id, secret_id=sid) for sid in secrets]
    return reading


def _secrets_named(clause: Clause) -> list[str]:
    text = clause.text.casefold()
    return [
        s.id
        for s in clause.scope.canon.secrets
        if any(k.casefold() in text for k in s.keywords) or s.id.replace("_", " ") in text
    ]


def prop_edit(clause: Clause, prop_id: str, *, drop: bool, holder: str | None) -> Reading:
    """Drop a prop from a scene, or set who holds it there (the first scene it is used in by default)."""
    scope = clause.scope
    scene = clause.scene if not clause.episode_wide else None
    if drop:
        scenes = [scene] if scene else [s for s in scope.script.scenes if any(p.prop_id == prop_id for p in s.props)]
        if not scenes:
            name = scope.canon.prop(prop_id)
            return Reading(warnings=[f"the {name.name if name else prop_id} is in no scene of this episode"])
        return Reading([DropProp(prop_id=prop_id, scene_id=s.id) for s in scenes])
    if scene is None:
        used = [s for s in scope.script.scenes if any(p.prop_id == prop_id for p in s.props)]
        present = [s for s in scope.script.scenes if holder in s.character_ids]
        scene = (used or present or scope.script.scenes)[0]
    return Reading([SetPropHolder(scene_id=scene.id, prop_id=prop_id, holder_id=holder)])


def wardrobe(clause: Clause) -> Reading | None:
    """Dress the named characters in the wardrobe set the clause describes, in its scene or all of theirs."""
    reading = Reading()
    for cid in clause.chars:
        set_id = clause.scope.wardrobe_for(cid, clause.bare, clause.lang)
        if set_id is None:
            continue
        scenes = (
            [clause.scene] if clause.scene_id else [s for s in clause.scope.script.scenes if cid in s.character_ids]
        )
        reading.requests += [SetWardrobe(scene_id=s.id, character_id=cid, wardrobe_id=set_id) for s in scenes if s]
    if reading.requests:
        return reading
    if not _GARMENT.search(clause.bare):
        return None  # "put Marcus in scene 2" puts a person in a scene, not in a costume
    found = [c for cid in clause.chars if (c := clause.scope.character(cid)) is not None]
    sets = "; ".join(f"{c.name}: " + ", ".join(f"{w.id} ({w.description})" for w in c.wardrobe) for c in found)
    return Reading(warnings=[f"no wardrobe set in canon matches the costume asked for ({sets})"])
