"""Costume edits: find the wardrobe set a request describes, add one canon lacks, or rewrite a set's description.

Used by the plan edit "from episode N she wears …" and by `canon revise … wardrobe.SET="…"`; both change
canon's wardrobe sets, and the shot prompts built from them follow (see agents/canon_fixes.py).
"""

from __future__ import annotations

import re

from memory.schema import Character, WardrobeSet

__all__ = ["WardrobeError", "dress", "revise_set"]

_ARTICLES = frozenset({"a", "an", "the", "her", "his", "their", "in", "wears", "wearing"})


class WardrobeError(ValueError):
    """A costume edit names nothing usable; the message says what to give instead."""


def _slug(text: str, taken: set[str]) -> str:
    """Name a new set from its description's head words: "a red winter coat over scrubs" -> red_winter_coat."""
    head = re.split(r"\b(?:over|with|and|under|on|plus)\b|[,;(]", text.lower())[0]
    words = [w for w in re.findall(r"[a-z0-9]+", head) if w not in _ARTICLES][:3]
    base = "_".join(words) or f"costume_{len(taken) + 1}"  # a description with no Latin words (中文)
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}_{n}", n + 1
    return slug


def _matching_set(person: Character, text: str) -> WardrobeSet | None:
    """Return the set a text names: by id (as a word or the whole text), else by its description."""
    wanted = text.strip().casefold()
    for wardrobe in person.wardrobe:
        if wanted == wardrobe.id.casefold() or wanted == wardrobe.description.casefold():
            return wardrobe
    words = set(re.findall(r"\w+", wanted))
    for wardrobe in person.wardrobe:
        if wardrobe.id.casefold() in words or wanted in wardrobe.description.casefold():
            return wardrobe
    return None


def dress(person: Character, text: str) -> tuple[Character, WardrobeSet, bool]:
    """Return the character (with a new set when the text describes none of theirs), the set, and if it is new.

    Raises:
        WardrobeError: The text is empty.
    """
    if not text.strip():
        raise WardrobeError("say what they wear: a wardrobe set id or a costume description")
    found = _matching_set(person, text)
    if found is not None:
        return person, found, False
    added = WardrobeSet(id=_slug(text, {w.id for w in person.wardrobe}), description=text.strip())
    return person.model_copy(update={"wardrobe": [*person.wardrobe, added]}), added, True


def revise_set(person: Character, set_id: str, description: str) -> Character:
    """Return the character with one wardrobe set's description rewritten (a new id adds the set).

    The set's colour words are cleared: renderers read the colours from the new description.
    """
    if not re.fullmatch(r"[a-z0-9_]+", set_id):
        raise WardrobeError(f"a wardrobe set id is lower-case letters, digits and '_', not '{set_id}'")
    if not description.strip():
        raise WardrobeError(f'give wardrobe.{set_id} a description, e.g. wardrobe.{set_id}="navy suit, red scarf"')
    sets = [w for w in person.wardrobe if w.id != set_id]
    revised = WardrobeSet(id=set_id, description=description.strip())
    at = next((i for i, w in enumerate(person.wardrobe) if w.id == set_id), len(sets))
    return person.model_copy(update={"wardrobe": [*sets[:at], revised, *sets[at:]]})
