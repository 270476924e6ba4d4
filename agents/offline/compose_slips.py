"""Plant one realistic continuity slip in a first draft, for the continuity editor to catch."""

from __future__ import annotations

import random
import re

from agents.offline.grammar import lexicon
from memory.schema import Canon, Character, PropState, PropUse, Script

SLIP_KINDS = ("wardrobe", "cue", "prop")
_VOWELS = "aeiou"


def misspell(character: Character, canon: Canon) -> str:
    """Return a near-miss spelling of a character's name that is no canon name or alias."""
    taken = {n for c in canon.characters for n in (c.name, *c.aliases)}
    lex = lexicon(canon.language)
    pools = (lex.female, lex.male, lex.period_female, lex.period_male)
    candidates: list[str] = []
    for given, _, wrong in (entry for pool in pools for entry in pool):
        if canon.language == "zh" and character.name.endswith(given) and len(character.name) > len(given):
            candidates.append(character.name[: -len(given)] + wrong)
        elif canon.language != "zh" and character.name.startswith(given + " "):
            candidates.append(wrong + character.name[len(given) :])
    name = character.name
    # Fallback for names outside the pools: swap one vowel (Latin) or repeat a character (CJK).
    for i, ch in enumerate(name):
        if i and ch.lower() in _VOWELS:
            candidates.append(name[:i] + _VOWELS[(_VOWELS.index(ch.lower()) + 1) % 5] + name[i + 1 :])
    if re.search(r"[\u4e00-\u9fff]", name):
        candidates.append(name + name[-1])
    return next((c for c in candidates if c not in taken and c != name), name + ("." if name.isascii() else "·"))


def _wardrobe_slip(script: Script, canon: Canon, rng: random.Random) -> bool:
    seen: dict[tuple[int, str], str] = {}
    options: list[tuple[int, str, str]] = []
    for index, scene in enumerate(script.scenes):
        for char_id in scene.character_ids:
            key = (scene.story_day, char_id)
            character = canon.character(char_id)
            if key in seen and character is not None and len(character.wardrobe) > 1:
                other = next(w.id for w in character.wardrobe if w.id != scene.wardrobe.get(char_id))
                options.append((index, char_id, other))
            seen[key] = scene.wardrobe.get(char_id, "")
    if not options:
        return False
    index, char_id, other = rng.choice(options)
    script.scenes[index].wardrobe[char_id] = other
    return True


def _cue_slip(script: Script, canon: Canon, rng: random.Random) -> bool:
    lines = [line for line in script.lines() if line.kind == "dialogue" and line.speaker_id]
    if not lines:
        return False
    line = rng.choice(lines[1:] or lines)
    character = canon.character(line.speaker_id or "")
    if character is None:
        return False
    line.cue = misspell(character, canon)
    return True


def _prop_slip(script: Script, canon: Canon, rng: random.Random) -> bool:
    moving = {c.entity_id for c in script.state_changes if c.field == "holder_id"}
    options: list[tuple[int, int, str]] = []
    for index, scene in enumerate(script.scenes):
        for use_index, use in enumerate(scene.props):
            if use.prop_id in moving:
                continue
            others = [c for c in scene.character_ids if c != use.holder_id]
            options.extend((index, use_index, c) for c in others)
    if options:
        index, use_index, holder = rng.choice(options)
        script.scenes[index].props[use_index].holder_id = holder
        return True
    # No prop on screen: put a prop nobody present holds into someone's hands.
    loose = [
        p
        for p in canon.props
        if p.state in (PropState.INTACT, PropState.DAMAGED) and p.holder_id and p.id not in moving
    ]
    for scene in script.scenes:
        for prop in loose:
            if prop.holder_id not in scene.character_ids and scene.character_ids:
                scene.props.append(PropUse(prop_id=prop.id, holder_id=rng.choice(scene.character_ids)))
                return True
    return False


def plant_slip(script: Script, canon: Canon, rng: random.Random) -> Script:
    """Return a copy of the script with exactly one slip, trying slip kinds in a seeded order."""
    slipped = script.model_copy(deep=True)
    kinds = list(SLIP_KINDS)
    rng.shuffle(kinds)
    planters = {"wardrobe": _wardrobe_slip, "cue": _cue_slip, "prop": _prop_slip}
    for kind in kinds:
        if planters[kind](slipped, canon, rng):
            return slipped
    return script
