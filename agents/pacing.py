"""Pacing: cut long shots into shorter ones, the way a micro-drama editor would.

Micro-dramas cut every 0.8-3 s. When a shot list holds fewer shots than its
runtime needs, fitting the runtime stretches shots to 6-8 s and the episode
plays like a slideshow. Splitting a long dialogue shot into speaker and
listener-reaction cuts (the line carries over both), and a long silent shot
into wide and detail cuts, keeps the runtime and restores the rhythm.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from memory.schema import Canon, Line, Scene, Script, Shot, ShotCharacter

MAX_CUT_S = 3.5

_REACTION = {"en": "Reaction: {listener} takes in {speaker}'s words", "zh": "{listener}听着{speaker}的话，神情变化"}
_DETAIL = {"en": "Detail of {place}", "zh": "{place}的细节"}
_WIDE = {"en": "Wide view of {place}", "zh": "{place}全景"}


def _name(canon: Canon, character_id: str) -> str:
    character = canon.character(character_id)
    return character.name if character else character_id


def _cutaways(shot: Shot, scene: Scene | None, line: Line | None, canon: Canon) -> Iterator[Shot]:
    """Yield alternate angles for the same moment, forever: listeners' reactions, else wide and detail."""
    language = canon.language
    speaker = line.speaker_id if line is not None and line.kind == "dialogue" else None
    listeners = [c for c in (scene.character_ids if scene else []) if c != speaker]
    location = canon.location(shot.location_id)
    place = location.name if location else shot.location_id
    while True:
        if speaker and listeners:
            for listener in listeners:
                wardrobe = scene.wardrobe.get(listener, "") if scene else ""
                yield shot.model_copy(
                    update={
                        "framing": "CU",
                        "angle": "eye",
                        "movement": "static",
                        "characters": [ShotCharacter(character_id=listener, wardrobe_id=wardrobe)] if wardrobe else [],
                        "description": _REACTION[language].format(
                            listener=_name(canon, listener), speaker=_name(canon, speaker)
                        ),
                        "on_screen_text": "",
                        "sound_cues": [],
                    }
                )
        else:
            for framing, text in (("INSERT", _DETAIL), ("WS", _WIDE)):
                yield shot.model_copy(
                    update={
                        "framing": framing,
                        "movement": "static",
                        "description": text[language].format(place=place),
                        "on_screen_text": "",
                        "sound_cues": [],
                    }
                )


def split_long_shots(
    shots: list[Shot], script: Script, canon: Canon, max_cut: float = MAX_CUT_S, *, keep_ids: bool = False
) -> list[Shot]:
    """Split every shot longer than `max_cut` into alternating cuts of equal length, keeping the total.

    A first list is numbered in order. A revised list (``keep_ids``) keeps the ids its shots already have, so
    a note that names a shot still means that shot; only the new pieces get new ids, after the scene's last.
    """
    scenes = {scene.id: scene for scene in script.scenes}
    lines = {line.id: line for line in script.lines()}
    out: list[Shot] = []
    for index, shot in enumerate(shots):
        pieces = math.ceil(shot.duration_s / max_cut - 1e-9)
        if pieces <= 1:
            out.append(shot)
            continue
        alternates = _cutaways(shot, scenes.get(shot.scene_id), lines.get(shot.line_id or ""), canon)
        each = round(shot.duration_s / pieces, 2)
        cuts = [shot if i % 2 == 0 else next(alternates) for i in range(pieces)]
        if index == len(shots) - 1 and cuts[-1] is not shot:
            # The episode must end on its cliffhanger shot, not on a cutaway.
            cuts[-1], cuts[-2] = cuts[-2], cuts[-1]
        durations = [each] * (pieces - 1) + [round(shot.duration_s - each * (pieces - 1), 2)]
        out += [cut.model_copy(update={"duration_s": d}) for cut, d in zip(cuts, durations, strict=True)]
    return _fresh_ids(out) if keep_ids else _renumber(out)


def _fresh_ids(shots: list[Shot]) -> list[Shot]:
    """Keep each id's first use; give every later use (a split piece) the next number free in its scene."""
    top: dict[str, int] = {}
    for shot in shots:
        number = shot.id.rsplit("-sh", 1)[-1]
        if number.isdigit():
            top[shot.scene_id] = max(top.get(shot.scene_id, 0), int(number))
    seen: set[str] = set()
    out: list[Shot] = []
    for shot in shots:
        if shot.id in seen:
            top[shot.scene_id] = top.get(shot.scene_id, 0) + 1
            shot = shot.model_copy(update={"id": f"{shot.scene_id}-sh{top[shot.scene_id]:02d}"})
        seen.add(shot.id)
        out.append(shot)
    return out


def _renumber(shots: list[Shot]) -> list[Shot]:
    counts: dict[str, int] = {}
    numbered: list[Shot] = []
    for shot in shots:
        counts[shot.scene_id] = counts.get(shot.scene_id, 0) + 1
        numbered.append(shot.model_copy(update={"id": f"{shot.scene_id}-sh{counts[shot.scene_id]:02d}"}))
    return numbered
