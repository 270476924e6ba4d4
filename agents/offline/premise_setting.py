"""Keep the genre's fill-ins inside the premise's own world.

The genre grammar brings its own local colour (a tea town, a seaside bakery, an engagement banquet). When the
premise sets a world of its own, a fill-in tied to a setting the premise never touches is dropped, so a 苏绣 story
does not get a bakery and a lighthouse town does not get tea terraces. Each pool keeps a floor of entries, so a
grammar that leans heavily on one setting still has enough to write with (the floor keeps the best-fitting ones).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypeVar

from agents.offline.grammar import Genre, Place
from agents.offline.premise_canon import frames
from memory.premise import PremiseFacts

T = TypeVar("T")
# A season needs at least this many places to move between.
_PLACES = 4


def _matcher(words: Sequence[str], language: str) -> Callable[[str], bool]:
    if not words:
        return lambda text: False
    if language == "zh":
        return lambda text: any(w in text for w in words)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")", re.IGNORECASE)
    return lambda text: bool(pattern.search(text))


def foreign_words(facts: PremiseFacts) -> list[str]:
    """Return the setting words the premise's world rules out: those of every setting it gives no cue for."""
    if not facts.premise.strip() or not facts.facts():
        return []  # nothing said about the world: the genre's own setting stands
    out: list[str] = []
    for setting in frames(facts.language)["settings"].values():
        if not _matcher(setting["cues"], facts.language)(facts.premise):
            out += setting["words"]
    return out


def fits(text: str, facts: PremiseFacts) -> bool:
    """True when a grammar text names nothing from a setting the premise rules out."""
    return not _matcher(foreign_words(facts), facts.language)(text)


def _keep(items: Sequence[T], foreign: Callable[[str], bool], text: Callable[[T], str], floor: int) -> tuple[T, ...]:
    kept = [i for i in items if not foreign(text(i))]
    if len(kept) >= min(floor, len(items)):
        return tuple(kept)
    # Too few fit: top up with the others in grammar order rather than leave the pool short.
    return tuple(kept + [i for i in items if i not in kept][: min(floor, len(items)) - len(kept)])


def _places(places: Sequence[Place], foreign: Callable[[str], bool], language: str) -> tuple[Place, ...]:
    """Keep the genre's places that fit; short of four, add neutral ones (a street corner fits any town) first."""
    kept = [p for p in places if not foreign(f"{p.name} {p.description}")]
    ids = {p.id for p in places}
    neutral = [Place(**raw) for raw in frames(language)["neutral_places"] if raw["id"] not in ids]
    kept += neutral[: max(0, _PLACES - len(kept))]
    kept += [p for p in places if p not in kept][: max(0, _PLACES - len(kept))]
    return tuple(kept)


def fit_genre(genre: Genre, facts: PremiseFacts) -> Genre:
    """Return the genre with fill-ins from settings foreign to the premise dropped (each pool keeps a floor)."""
    words = foreign_words(facts)
    if not words:
        return genre
    foreign = _matcher(words, facts.language)
    slots = tuple(replace(s, occupations=_keep(s.occupations, foreign, str, 1)) for s in genre.slots)
    beats = tuple(_keep(phase, foreign, str, 2) for phase in genre.beats)
    return replace(
        genre,
        era=frames(facts.language)["neutral_era"] if foreign(genre.era) else genre.era,
        rules=_keep(genre.rules, foreign, str, 0),
        titles=_keep(genre.titles, foreign, str, 2),
        slots=slots,
        places=_places(genre.places, foreign, facts.language),
        props=_keep(genre.props, foreign, lambda p: f"{p.name} {p.description}", 2),
        secrets=tuple(
            replace(s, reveals=_keep(s.reveals, foreign, str, 1))
            for s in _keep(genre.secrets, foreign, lambda s: " ".join((s.description, *s.reveals)), 2)
        ),
        hooks=_keep(genre.hooks, foreign, lambda b: b[1], 3),
        cliffs=_keep(genre.cliffs, foreign, lambda b: b[1], 3),
        beats=(beats[0], beats[1], beats[2], beats[3]),
        conflicts=_keep(genre.conflicts, foreign, str, 1),
        arcs=_keep(genre.arcs, foreign, str, 2),
        lines=_keep(genre.lines, foreign, lambda s: s[1], 4),
        exits=_keep(genre.exits, foreign, str, 1),
        episode_titles=_keep(genre.episode_titles, foreign, str, 6),
    )
