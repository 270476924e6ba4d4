"""The producer-notes dataset: its schema, and the slots that fit each note to the episode it is given on.

Notes name people, places, lines and props. The offline writer's casting changes as it improves, so a note
is written with slots ("Cut {c2} from this episode", "{c1}的最后一句改成「…」") that are filled from the
produced episode it is sent back on: {c1} is the character with most lines, {place_other} a canon place
no scene uses, {line_c1_last} the words of c1's last line. A filled note reads like a producer's note on
that episode; a note whose slot the episode cannot fill is reported as not applicable, never scored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from memory.schema import Canon, EpisodeBrief, Language, Line, Script, ShotList

DATASET_DIR = Path(__file__).parent / "datasets" / "notes"
DATASET_FILE = DATASET_DIR / "notes.json"
MANIFEST = DATASET_DIR / "manifest.json"
VERSION = "1.1.0"
_SLOT = re.compile(r"\{([a-z0-9_]+)\}")
_WORD = re.compile(r"[A-Za-z]{5,}")
_ZH_WARDROBE = {"formal": "正装", "rain": "雨衣", "work": "工装", "casual": "便装", "night": "皮夹克"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoteSeries(_Strict):
    """A series the notes are given on: produced offline, stopped at episode 1's gate."""

    id: str = Field(description="Short id the cases refer to.")
    language: Language
    premise: str
    seed: int = Field(ge=0)
    genre: str | None = Field(default=None, description="Genre hint for `dramaroom new`.")
    episodes: int = Field(default=2, ge=1, le=4, description="Season length; only episode 1 is noted.")


class NoteCase(_Strict):
    """One producer's note, with the request kinds it should become."""

    id: str
    series: str = Field(description="Id of the NoteSeries it is given on.")
    note: str = Field(min_length=1, description="The note, with {slots} filled from the episode.")
    expected_kinds: list[str] = Field(description="Request kinds the note asks for; empty when not actionable.")
    actionable: bool = Field(description="False for notes that ask for nothing the room can type, on purpose.")
    tags: list[str] = Field(default_factory=list, description="multi, other_language, unknown_name, shots, ...")


class NotesFile(_Strict):
    """The dataset file."""

    dataset: Literal["dramaroom-producer-notes"] = "dramaroom-producer-notes"
    version: str
    series: list[NoteSeries]
    cases: list[NoteCase]


class NotesManifest(_Strict):
    """Version, hash and counts of the dataset, checked by the tests."""

    dataset: Literal["dramaroom-producer-notes"] = "dramaroom-producer-notes"
    version: str
    files: dict[str, str] = Field(description="File name -> sha256.")
    counts: dict[str, int]


def load(path: Path = DATASET_FILE) -> NotesFile:
    """Load and validate the notes dataset."""
    return NotesFile.model_validate_json(path.read_text(encoding="utf-8"))


def file_hash(path: Path = DATASET_FILE) -> str:
    """Return the sha256 of a dataset file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts(data: NotesFile) -> dict[str, int]:
    """Count cases by language, actionability and tag, for the manifest."""
    languages = {s.id: s.language for s in data.series}
    out: dict[str, int] = {"cases": len(data.cases), "series": len(data.series)}
    for case in data.cases:
        for key in (f"lang_{languages[case.series]}", "actionable" if case.actionable else "not_actionable"):
            out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))


class Episode(BaseModel):
    """The produced episode a note is given on."""

    canon: Canon
    brief: EpisodeBrief
    script: Script
    shots: ShotList | None = None


def fill(note: str, episode: Episode) -> tuple[str, str]:
    """Fill a note's slots from the episode; return (note, '') or ('', the slot it could not fill)."""
    values = slots(episode)
    missing = [name for name in _SLOT.findall(note) if not values.get(name)]
    if missing:
        return "", missing[0]
    return _SLOT.sub(lambda m: values[m.group(1)], note), ""


def slots(ep: Episode) -> dict[str, str]:
    """Every slot value this episode can fill."""
    script, canon = ep.script, ep.canon
    speakers = _speakers(script)
    out: dict[str, str] = {}
    zh = canon.language == "zh"
    for i, cid in enumerate(speakers[:2], 1):
        character = canon.character(cid)
        if character is None:
            continue
        key = f"c{i}"
        out[key] = character.name
        out[f"{key}_short"] = character.name[1:] if zh and len(character.name) == 3 else character.name.split()[0]
        female = character.gender == "female"
        out[f"{key}_obj"] = ("她" if female else "他") if zh else ("her" if female else "him")
        out[f"{key}_poss"] = ("她" if female else "他") if zh else ("her" if female else "his")
        lines = [ln for ln in script.lines() if ln.speaker_id == cid and ln.kind == "dialogue"]
        out[f"line_{key}_last"] = lines[-1].text if lines else ""
        out[f"line_{key}_first"] = lines[0].text if lines else ""
        scenes = [n for n, s in enumerate(script.scenes, 1) if cid in s.character_ids]
        if scenes:
            out[f"{key}_scene"] = str(scenes[0])
            out[f"{key}_place"] = _place(canon, script.scenes[scenes[0] - 1].location_id)
        sets = [w.id for w in character.wardrobe if w.id != script.scenes[0].wardrobe.get(cid)]
        if sets and cid in script.scenes[0].character_ids:
            out[f"{key}_other_set"] = _ZH_WARDROBE.get(sets[0], sets[0]) if zh else sets[0]
    present = {c for s in script.scenes for c in s.character_ids}
    absent = [c for c in canon.characters if c.id not in present and c.status.value == "alive"]
    out["absent"] = absent[0].name if absent else ""
    out["place1"] = _place(canon, script.scenes[0].location_id)
    used = {s.location_id for s in script.scenes}
    others = [loc for loc in canon.locations if loc.id not in used]
    out["place_other"] = others[0].name if others else ""
    out["last_scene"] = str(len(script.scenes))
    out["word"] = _word(out.get("line_c1_last", ""), zh)
    out.update(_props(ep))
    reveals = [ln for ln in script.lines() if ln.reveals]
    out["secret_line"] = reveals[0].text if reveals else ""
    beats = ep.brief.key_beats
    out["beat2"] = beats[1].rstrip("。.!！") if len(beats) > 1 else ""
    if ep.shots is not None and speakers:
        # A shot of c1 listening, not speaking: cutting a speaker from the shot of their own line is no fair ask.
        speaker = {ln.id: ln.speaker_id for ln in script.lines()}
        with_c1 = [
            s
            for s in ep.shots.shots
            if any(c.character_id == speakers[0] for c in s.characters) and speaker.get(s.line_id or "") != speakers[0]
        ]
        out["shot_c1"] = with_c1[0].id if with_c1 else ""
        uncovered = _uncovered(script, ep.shots)
        out["line_no_shot"] = uncovered.text if uncovered else ""
    return out


def _speakers(script: Script) -> list[str]:
    counts: dict[str, int] = {}
    for line in script.lines():
        if line.kind == "dialogue" and line.speaker_id:
            counts[line.speaker_id] = counts.get(line.speaker_id, 0) + 1
    return sorted(counts, key=lambda cid: (-counts[cid], cid))


def _place(canon: Canon, location_id: str) -> str:
    found = canon.location(location_id)
    return found.name if found else ""


def _word(text: str, zh: bool) -> str:
    if zh:
        chars = re.sub(r"[^\u4e00-\u9fff]", "", text)
        return chars[:2] if len(chars) >= 2 else ""
    words = sorted(_WORD.findall(text), key=len, reverse=True)
    return words[0] if words else ""


def _props(ep: Episode) -> dict[str, str]:
    """A prop used in a scene, preferring one someone else in the scene could be holding instead."""
    found: dict[str, str] = {}
    for n, scene in enumerate(ep.script.scenes, 1):
        for use in scene.props:
            prop = ep.canon.prop(use.prop_id)
            others = [c for c in scene.character_ids if c != use.holder_id]
            holder = ep.canon.character(others[0]) if others else None
            if prop is not None and holder is not None:
                return {"prop": prop.name, "prop_scene": str(n), "prop_new_holder": holder.name}
            if prop is not None and not found:
                found = {"prop": prop.name, "prop_scene": str(n)}
    return found


def _uncovered(script: Script, shots: ShotList) -> Line | None:
    covered = {s.line_id for s in shots.shots}
    dialogue: Callable[[Line], bool] = lambda ln: ln.kind == "dialogue"  # noqa: E731
    return next((ln for ln in script.lines() if dialogue(ln) and ln.id not in covered), None)


def manifest(path: Path = DATASET_FILE) -> NotesManifest:
    """Build the manifest of the dataset as it is on disk."""
    data = load(path)
    return NotesManifest(version=data.version, files={path.name: file_hash(path)}, counts=counts(data))


def write_manifest(path: Path = DATASET_FILE) -> Path:
    """Write manifest.json next to the dataset file (run after editing notes.json)."""
    target = path.parent / MANIFEST.name
    target.write_text(manifest(path).model_dump_json(indent=1) + "\n", encoding="utf-8")
    return target
