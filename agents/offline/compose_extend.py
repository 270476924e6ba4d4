"""Fit briefs the offline writer composed for its own cast onto the season's canon.

A range of briefs asked for after canon exists (a long season's later ranges, or a season extended after
some episodes were written) is composed as part of a whole season from the premise, whose cast can differ
from the season's once the episode count differs. Each composed character is recast on the canon
character of the same role (in order), each place and prop on the same id or the next unused one, and
names in the briefs' text follow; nobody dead in canon as it stands is cast, and a planned change about
something canon lacks is dropped. With the same cast (a plan made in ranges) nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from memory.schema import Canon, Character, CharacterStatus, EpisodeBrief, StateChange


def _pair_by_id(ours: Sequence[str], theirs: Sequence[str]) -> dict[str, str]:
    mapping = {i: i for i in ours if i in theirs}
    spare = [t for t in theirs if t not in mapping.values()]
    for i in ours:
        if i not in mapping and spare:
            mapping[i] = spare.pop(0)
    return mapping


def _cast(composed: Canon, canon: Canon) -> dict[str, Character]:
    living = [c for c in canon.characters if c.status != CharacterStatus.DEAD]
    by_id = {c.id: c for c in living}
    mapping: dict[str, Character] = {c.id: by_id[c.id] for c in composed.characters if c.id in by_id}
    for person in composed.characters:
        if person.id in mapping:
            continue
        used = {c.id for c in mapping.values()}
        same_role = [c for c in living if c.role == person.role and c.id not in used]
        others = [c for c in living if c.id not in used]
        if same_role or others:
            mapping[person.id] = (same_role or others)[0]
    return mapping


def _names(old: Character, new: Character, language: str) -> list[tuple[str, str]]:
    pairs = [(old.name, new.name), *zip(old.aliases, new.aliases, strict=False)]
    if language == "en":
        for a, b in zip(old.name.split(), new.name.split(), strict=False):
            pairs.append((a, b))
    return [(a, b) for a, b in pairs if a and a != b]


def _rename(text: str, pairs: list[tuple[str, str]], language: str) -> str:
    for old, new in sorted(pairs, key=lambda p: -len(p[0])):
        pattern = rf"\b{re.escape(old)}\b" if language == "en" else re.escape(old)
        text = re.sub(pattern, new, text)
    return text


def fit_briefs(briefs: list[EpisodeBrief], composed: Canon, canon: Canon, after_day: int = 0) -> list[EpisodeBrief]:
    """Return the briefs recast on `canon` (canon as it stands before the first of them)."""
    cast = _cast(composed, canon)
    places = _pair_by_id([p.id for p in composed.locations], [p.id for p in canon.locations])
    props = _pair_by_id([p.id for p in composed.props], [p.id for p in canon.props])
    ids = {k: v.id for k, v in cast.items()} | places | props | {s.id: s.id for s in canon.secrets}
    pairs = [p for c in composed.characters if c.id in cast for p in _names(c, cast[c.id], canon.language)]
    names = {p.id: p.name for p in canon.locations} | {p.id: p.name for p in canon.props}
    composed_names = [(p.id, p.name) for p in composed.locations] + [(p.id, p.name) for p in composed.props]
    for item_id, name in composed_names:
        target = ids.get(item_id)
        if target and names.get(target) and names[target] != name:
            pairs.append((name, names[target]))
    if all(a == b for a, b in ids.items()) and not pairs:
        return briefs
    first_day = min((b.story_day for b in briefs), default=1)
    shift = max(0, after_day + 1 - first_day)
    hero = canon.characters[0].id if canon.characters else ""
    fitted: list[EpisodeBrief] = []
    for brief in briefs:
        people = list(dict.fromkeys(ids[c] for c in brief.character_ids if c in ids)) or [hero]
        locations = list(dict.fromkeys(ids[p] for p in brief.location_ids if p in ids)) or [canon.locations[0].id]
        # A wardrobe set belongs to the character it was made for: a recast one keeps its own clothes.
        kept = [c for c in brief.planned_changes if c.entity_id in ids]
        changes = [_change(c, ids) for c in kept if c.field != "wardrobe" or ids[c.entity_id] == c.entity_id]
        fitted.append(
            brief.model_copy(
                update={
                    "title": _rename(brief.title, pairs, canon.language),
                    "opening_hook": _rename(brief.opening_hook, pairs, canon.language),
                    "key_beats": [_rename(b, pairs, canon.language) for b in brief.key_beats],
                    "cliffhanger": _rename(brief.cliffhanger, pairs, canon.language),
                    "core_conflict": _rename(brief.core_conflict, pairs, canon.language),
                    "character_ids": people,
                    "location_ids": locations,
                    "planned_changes": changes,
                    "story_day": brief.story_day + shift,
                }
            )
        )
    return fitted


def _change(change: StateChange, ids: dict[str, str]) -> StateChange:
    value = ids.get(change.value, change.value) if isinstance(change.value, str) else change.value
    return change.model_copy(update={"entity_id": ids[change.entity_id], "value": value})
