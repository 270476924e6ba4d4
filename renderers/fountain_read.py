"""Read a writer's edit of `script.fountain` back into the script it was written from.

The Fountain dramaroom writes carries each scene's id as a scene number (`#s01#`) and each line's id as a
note (`[[s01-l02]]`, which screenplay tools do not print). Reading back keeps everything the file cannot
say (who is present, wardrobe, props, what a line reveals, its beat) from the script, and takes from the
file what the writer can change there: the words, the cue, the parenthetical, the order, added and removed
lines and scenes, and a scene's place. What cannot be read back exactly raises `FountainEditError` with
one line saying what and where, so an edit is never half-taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import get_args

from memory.schema import Canon, Emotion, Line, Scene, Script
from renderers.screenplay import SceneHeadings, direction, emotion_word, scene_heading

_NOTE = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
_LINE_ID = re.compile(r"s\d+-l\d+")
_SCENE_NUMBER = re.compile(r"\s*#([^#\s]+)#\s*$")
_EXTENSION = re.compile(r"\s*\((?:V\.O\.|O\.S\.|O\.C\.|CONT'D|画外音|画外|旁白)\)\s*$", re.IGNORECASE)


class FountainEditError(ValueError):
    """A Fountain edit that cannot be read back exactly; the message is one line for the writer."""


@dataclass
class _Para:
    kind: str  # heading | action | dialogue
    text: str = ""
    cue: str = ""
    parenthetical: str | None = None
    line_id: str | None = None
    scene_id: str | None = None


@dataclass
class _ReadScene:
    heading: str
    scene_id: str | None
    paras: list[_Para] = field(default_factory=list)


def _body(text: str) -> list[list[str]]:
    """Return the paragraphs after the title page, each a list of its lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = 0
    if lines and re.match(r"^[A-Za-z ]+:", lines[0]):
        start = next((i for i, ln in enumerate(lines) if not ln.strip()), len(lines))
    paras: list[list[str]] = []
    current: list[str] = []
    for ln in lines[start:]:
        if ln.strip():
            current.append(ln.rstrip())
        elif current:
            paras.append(current)
            current = []
    if current:
        paras.append(current)
    return paras


def _notes(text: str) -> tuple[str, str | None]:
    """Strip Fountain notes from a text; return it and the line id a note carried, if any."""
    ids = [m.strip() for m in _NOTE.findall(text) if _LINE_ID.fullmatch(m.strip())]
    return " ".join(_NOTE.sub("", text).split()), (ids[0] if ids else None)


def _is_heading(first: str) -> bool:
    if first.startswith(".") and not first.startswith(".."):
        return True
    return re.match(r"^(INT|EXT|EST|INT\./EXT|INT/EXT|I/E)[. ]", first, re.IGNORECASE) is not None


def _is_cue(lines: list[str]) -> bool:
    first = _NOTE.sub("", lines[0]).strip()
    if len(lines) < 2 or first.startswith("!"):
        return False
    if first.startswith("@"):
        return True
    letters = _EXTENSION.sub("", first)
    return any(c.isalpha() for c in letters) and letters == letters.upper() and letters.isascii()


def parse_fountain(text: str) -> list[_ReadScene]:
    """Split Fountain into scenes of action and dialogue paragraphs, ids read from scene numbers and notes."""
    scenes: list[_ReadScene] = []
    for para in _body(text):
        first = para[0].strip()
        if first.startswith(">") or first.startswith("="):
            continue  # a transition (our closing CUT TO BLACK.) or a synopsis: nothing of the script
        if len(para) == 1 and _is_heading(first):
            number = _SCENE_NUMBER.search(first)
            heading = _SCENE_NUMBER.sub("", first).lstrip(".").strip()
            scenes.append(_ReadScene(heading, number.group(1) if number else None))
            continue
        if not scenes:
            raise FountainEditError(f"text before the first scene heading ('{first[:40]}'): move it into a scene")
        if _is_cue(para):
            cue = _EXTENSION.sub("", _NOTE.sub("", para[0]).strip().lstrip("@")).strip()
            rest = para[1:]
            parenthetical = None
            if rest and rest[0].strip().startswith("(") and rest[0].strip().endswith(")") and len(rest) > 1:
                parenthetical = rest[0].strip()[1:-1].strip()
                rest = rest[1:]
            words, line_id = _notes(" ".join(r.strip() for r in rest))
            scenes[-1].paras.append(_Para("dialogue", words, cue, parenthetical, line_id))
        else:
            words, line_id = _notes(" ".join(p.strip() for p in para))
            scenes[-1].paras.append(_Para("action", words.removeprefix("!"), line_id=line_id))
    return scenes


def _emotion_of(word: str, chinese: bool) -> Emotion | None:
    """Return the emotion a parenthetical names when it is just the word the screenplay writes for one."""
    return next((e for e in get_args(Emotion) if emotion_word(e, chinese).casefold() == word.casefold()), None)


def _speaker(cue: str, canon: Canon, where: str) -> tuple[str, str]:
    """Return (character id, cue as canon spells it) for a cue, or fail naming the cue and the cast."""
    folded = cue.casefold()
    for character in canon.characters:
        if folded in (n.casefold() for n in (character.name, *character.aliases)):
            return character.id, character.name if folded == character.name.casefold() else cue
    names = ", ".join(c.name for c in canon.characters)
    raise FountainEditError(f"the cue '{cue}' {where} is no character in canon: use one of {names}")


def _heading_of(script: Script, index: int, scene: Scene, canon: Canon, headings: SceneHeadings) -> str:
    """Return the heading the index-th scene would get, its 短剧 episode-scene number left out.

    The number is left out so that a writer who inserts a scene need not renumber the ones after it.
    """
    padded = script.model_copy(update={"scenes": [scene] * index})  # scene_heading reads scenes[index - 1]
    return re.sub(r"^\d+-\d+\s+", "", " ".join(scene_heading(padded, index, canon, headings).split()))


def _heading_scene(
    heading: str, script: Script, index: int, base: Scene, canon: Canon, headings: SceneHeadings
) -> Scene:
    """Return the scene with the place its (maybe edited) heading names; any other heading change fails."""
    wanted = re.sub(r"^\d+-\d+\s+", "", " ".join(heading.split()))
    for location_id in [base.location_id, *(loc.id for loc in canon.locations if loc.id != base.location_id)]:
        moved = base.model_copy(update={"location_id": location_id})
        # Case is not the writer's change: Fountain and Final Draft print headings in capitals.
        if _heading_of(script, index, moved, canon, headings).casefold() == wanted.casefold():
            return moved
    written = scene_heading(script.model_copy(update={"scenes": [base] * index}), index, canon, headings)
    raise FountainEditError(
        f"the heading '{heading}' (scene {index}) is not one dramaroom can read back: keep the form '{written}' "
        "and change only the place, to a canon location; change the time in script.json"
    )


def read_back(text: str, script: Script, canon: Canon, headings: SceneHeadings) -> Script:
    """Apply an edited Fountain file to the script it was written from and return the edited script."""
    lines = {ln.id: ln for ln in script.lines()}
    by_id = {s.id: s for s in script.scenes}
    used: set[str] = set()
    scenes: list[Scene] = []
    read = parse_fountain(text)
    if not read:
        raise FountainEditError("no scene heading is left in the file: an episode needs at least one scene")
    for index, rs in enumerate(read, start=1):
        base = by_id.get(rs.scene_id or "") if rs.scene_id not in used else None
        if base is None:  # a new scene: it starts where the one before it ended
            previous = scenes[-1] if scenes else script.scenes[0]
            base = previous.model_copy(update={"id": _fresh_scene_id(by_id, used), "lines": [], "props": []})
        used.add(base.id)
        scene = _heading_scene(rs.heading, script, index, base, canon, headings)
        scenes.append(_scene_lines(scene, rs, lines, canon))
    return script.model_copy(update={"scenes": scenes})


def _fresh_scene_id(known: dict[str, Scene], used: set[str]) -> str:
    n = 1
    while f"s{n:02d}" in known or f"s{n:02d}" in used:
        n += 1
    return f"s{n:02d}"


def _scene_lines(scene: Scene, rs: _ReadScene, known: dict[str, Line], canon: Canon) -> Scene:
    """Build a scene's lines from what was read, keeping what the file cannot say from the known lines."""
    taken = {int(i.split("-l")[1]) for i in known if i.startswith(f"{scene.id}-l")}
    present = list(scene.character_ids)
    out: list[Line] = []
    for para in rs.paras:
        old = known.pop(para.line_id, None) if para.line_id else None
        if old is not None and old.kind != para.kind:
            old = None  # an action rewritten as dialogue (or back) is a new line
        if old is None:
            number = max(taken, default=0) + 1
            taken.add(number)
            old = Line(id=f"{scene.id}-l{number:02d}", kind="action", text=para.text)
        where = f"before {old.id}" if para.line_id is None else f"at {para.line_id}"
        if para.kind == "action":
            out.append(old.model_copy(update={"kind": "action", "text": para.text, "speaker_id": None, "cue": ""}))
            continue
        if old.kind == "dialogue" and para.cue.casefold() == (old.cue or "").casefold():
            speaker, cue = old.speaker_id, old.cue
        else:
            speaker, cue = _speaker(para.cue, canon, where)
        if speaker and speaker not in present:
            present.append(speaker)
        update: dict[str, object] = {"kind": "dialogue", "text": para.text, "speaker_id": speaker, "cue": cue}
        said, chinese = (para.parenthetical or "").strip("()"), canon.language == "zh"
        if said != direction(old, chinese):
            emotion = _emotion_of(said, chinese) if said else "neutral"
            update |= {"emotion": emotion, "parenthetical": ""} if emotion else {"parenthetical": said}
        out.append(old.model_copy(update=update))
    return scene.model_copy(update={"lines": out, "character_ids": present})
