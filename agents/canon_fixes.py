"""Mechanical fixes for a canon change: what can be carried into produced scripts without a rewrite.

A rename is one: the character's cues, and every mention of the old name in lines, titles, summaries and
the shot list's descriptions, take the new name; each shot's image prompt is rebuilt from canon as it now
stands at that episode. A changed look or wardrobe set is another: the image prompts of the shots that show
the character are rebuilt (`reprompt`); the scripts name sets by id and stay as they are. Other changes
(a death, a new holder) need the screenwriter: the episode is reopened with the change as its note instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.director import visual_prompt
from memory.schema import Canon, Script, ShotList


@dataclass(frozen=True)
class Renamed:
    """One canon entity whose name a change replaced, with the name pairs to carry into the scripts."""

    entity_id: str
    kind: str
    pairs: list[tuple[str, str]]


def _tokens(name: str) -> list[str]:
    return name.split()


def _character_pairs(old: Canon, old_name: str, new_name: str) -> list[tuple[str, str]]:
    pairs = [(old_name, new_name)]
    if old.language != "en":
        return pairs  # a Chinese given name alone is one or two characters: too short to replace safely
    before, after = _tokens(old_name), _tokens(new_name)
    others = [_tokens(c.name) for c in old.characters if c.name != old_name]
    if len(before) > 1 and len(after) > 1:
        for index in (0, -1):
            unique = all(not t or t[index] != before[index] for t in others)
            if before[index] != after[index] and unique:
                pairs.append((before[index], after[index]))
    return pairs


def renamed(old: Canon, new: Canon) -> list[Renamed]:
    """Return the characters, places and props whose name differs between two canons (same id)."""
    found: list[Renamed] = []
    for person in old.characters:
        now = new.character(person.id)
        if now is not None and now.name != person.name:
            found.append(Renamed(person.id, "character", _character_pairs(old, person.name, now.name)))
    for kind, items, lookup in (("location", old.locations, new.location), ("prop", old.props, new.prop)):
        for item in items:
            current = lookup(item.id)
            if current is not None and current.name != item.name:
                pairs = [(item.name, current.name)]
                if item.name[:1].isupper() and old.language == "en":
                    pairs.append((item.name[:1].lower() + item.name[1:], current.name))
                found.append(Renamed(item.id, kind, pairs))
    return found


def _pattern(old: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w']){re.escape(old)}(?![\w'])") if old.isascii() else re.compile(re.escape(old))


def _sub(text: str, pairs: list[tuple[str, str]]) -> str:
    for old, new in sorted(pairs, key=lambda p: -len(p[0])):
        text = _pattern(old).sub(new, text)
    return text


def rename_in_script(script: Script, changes: list[Renamed], canon: Canon) -> tuple[Script, int]:
    """Return the script with every rename carried in, and how many lines changed.

    Args:
        script: A produced script.
        changes: What `renamed` found.
        canon: Canon as it stands now at this episode (new names).
    """
    pairs = [p for r in changes for p in r.pairs]
    people = {r.entity_id for r in changes if r.kind == "character"}
    fixed = script.model_copy(deep=True)
    changed = 0
    for line in fixed.lines():
        before = (line.cue, line.text, line.parenthetical)
        line.text = _sub(line.text, pairs)
        line.parenthetical = _sub(line.parenthetical, pairs)
        if line.speaker_id in people and line.cue:
            person = canon.character(line.speaker_id)
            kept = person is not None and line.cue in person.aliases  # an alias canon still allows stays
            if person is not None and not kept:
                line.cue = person.name
        changed += (line.cue, line.text, line.parenthetical) != before
    fixed.title = _sub(fixed.title, pairs)
    fixed.summary = _sub(fixed.summary, pairs)
    return fixed, changed


def rename_in_shots(shots: ShotList, changes: list[Renamed], canon: Canon) -> ShotList:
    """Return the shot list with renames carried into its descriptions and prompts rebuilt from `canon`."""
    pairs = [p for r in changes for p in r.pairs]
    fixed = []
    for shot in shots.shots:
        moved = shot.model_copy(
            update={"description": _sub(shot.description, pairs), "on_screen_text": _sub(shot.on_screen_text, pairs)}
        )
        fixed.append(moved.model_copy(update={"visual_prompt": visual_prompt(moved, canon)}))
    return shots.model_copy(update={"shots": fixed})


def reprompt(shots: ShotList, old: Canon, new: Canon) -> tuple[ShotList, int]:
    """Return the shot list with the image prompts a change alters rebuilt from `new`, and how many changed.

    A shot whose prompt reads the same under both canons (the change does not touch who or where it shows)
    is left exactly as it is. Both canons are as they stand at the shot list's episode.
    """
    fixed = []
    changed = 0
    for shot in shots.shots:
        prompt = visual_prompt(shot, new)
        if prompt != visual_prompt(shot, old):
            shot = shot.model_copy(update={"visual_prompt": prompt})
            changed += 1
        fixed.append(shot)
    return shots.model_copy(update={"shots": fixed}), changed


def refresh_prompts(shots: ShotList, canon: Canon) -> tuple[ShotList, int]:
    """Return the shot list with every image prompt that no longer matches canon rebuilt, and how many were."""
    fixed = []
    changed = 0
    for shot in shots.shots:
        prompt = visual_prompt(shot, canon)
        if prompt != shot.visual_prompt:
            shot = shot.model_copy(update={"visual_prompt": prompt})
            changed += 1
        fixed.append(shot)
    return shots.model_copy(update={"shots": fixed}), changed
