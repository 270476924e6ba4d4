"""Typed shapes of the offline writer's story grammar, and the lookup by language.

The grammar itself is JSON package data beside this module: grammar_<language>.json holds the language-wide
pools and grammar_<language>_<genre>.json one genre each, read on first use. Templates
use str.format placeholders: role keys ({hero}, {foe}, {ally}, {elder}, {rival},
{love}, {mentor}, {kid}) render a character's short name; {other} is the person
spoken to; {prop} and {place} name a prop and a location in the series language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from functools import cache
from importlib import resources
from typing import Any

from memory.schema import GENRES as GENRES  # the composers take the genre list from here

PHASES: tuple[str, str, str, str] = ("qi", "cheng", "zhuan", "he")

# A hook or cliffhanger: (speaker role key, text). An empty speaker makes it an action line.
Beat = tuple[str, str]
# A filler dialogue line: (emotion, text).
Said = tuple[str, str]


@dataclass(frozen=True)
class Slot:
    """One role in a genre's cast."""

    key: str
    role: str
    required: bool
    ages: tuple[int, int]
    occupations: tuple[str, ...]
    traits: tuple[str, ...]
    # What this character is to the hero, as (if this character is female, if male).
    relation: tuple[str, str]
    # What the hero is to this character, as (if the hero is female, if male).
    back: tuple[str, str]
    minor: bool = False


@dataclass(frozen=True)
class Place:
    """A location template."""

    id: str
    name: str
    description: str
    interior: bool = True


@dataclass(frozen=True)
class PropT:
    """A prop template: who holds it at the start and who receives it when it changes hands."""

    id: str
    name: str
    description: str
    holder: str
    receiver: str


@dataclass(frozen=True)
class SecretT:
    """A secret template; reveal lines are said by a knower to the learner and contain every keyword."""

    id: str
    description: str
    keywords: tuple[str, ...]
    about: str
    known_by: tuple[str, ...]
    learner: str
    reveals: tuple[str, ...]


@dataclass(frozen=True)
class Genre:
    """Everything genre-specific in one language."""

    key: str
    era: str
    technology: str
    tone: str
    rules: tuple[str, ...]
    forbidden: tuple[str, ...]
    titles: tuple[str, ...]
    logline: str
    slots: tuple[Slot, ...]
    places: tuple[Place, ...]
    props: tuple[PropT, ...]
    secrets: tuple[SecretT, ...]
    hooks: tuple[Beat, ...]
    cliffs: tuple[Beat, ...]
    beats: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    conflicts: tuple[str, ...]
    arcs: tuple[str, ...]
    lines: tuple[Said, ...]
    exit_slot: str
    exits: tuple[str, ...]
    episode_titles: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Language-wide pools shared by every genre."""

    language: str
    surnames: tuple[tuple[str, str], ...]
    female: tuple[tuple[str, str, str], ...]
    male: tuple[tuple[str, str, str], ...]
    period_surnames: tuple[tuple[str, str], ...]
    period_female: tuple[tuple[str, str, str], ...]
    period_male: tuple[tuple[str, str, str], ...]
    hair_female: tuple[str, ...]
    hair_male: tuple[str, ...]
    hair_old: tuple[str, ...]
    hair_kid: tuple[str, ...]
    hair_period_female: tuple[str, ...]
    hair_period_male: tuple[str, ...]
    builds: tuple[str, ...]
    eyes: tuple[str, ...]
    features: tuple[str, ...]
    colors: tuple[str, ...]
    wardrobe_modern: tuple[tuple[str, str], ...]
    wardrobe_period: tuple[tuple[str, str], ...]
    textures: tuple[str, ...]
    dialogue: dict[str, tuple[str, ...]]
    kid_lines: tuple[Said, ...]
    reactions: tuple[str, ...]
    hooks: tuple[Beat, ...]
    cliffs: tuple[Beat, ...]
    hook_openers: tuple[str, ...]
    cliff_openers: tuple[str, ...]
    action_tails: tuple[str, ...]
    beats: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    establishing: tuple[str, ...]
    reveal_beat: str
    reveal_fallback: str
    handover_beat: str
    handover_line: str
    exit_fallback: str
    tails: tuple[str, ...]
    summary_frame: str
    title_suffixes: tuple[str, ...]
    arc_frame: str
    genres: dict[str, Genre]


@dataclass(frozen=True)
class Register:
    """A register of combinable dialogue: a lead clause and a core clause make one fresh sentence.

    Leads end in a comma, colon or semicolon, so lead + core is one sentence and no lead is ever said alone.
    """

    emotions: tuple[str, ...]
    leads: tuple[str, ...]
    cores: tuple[str, ...]


_FIELD = re.compile(r"\{(\w+)\}")


def fields(template: str) -> set[str]:
    """Return the placeholder names a template uses."""
    return set(_FIELD.findall(template))


def fill(template: str, values: Mapping[str, str]) -> str:
    """Substitute known placeholders and leave unknown ones visible, so a gap is caught rather than hidden."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


_SPOKEN = re.compile(r'^(?P<name>[^:：“"\n]{1,40})[:：]\s*[“"](?P<text>.+)[”"]\s*$', re.DOTALL)


def spoken(language: str, name: str, text: str) -> str:
    """Write a line of dialogue inside a brief as NAME: "text" (NAME：“text” in Chinese)."""
    return f"{name}：“{text}”" if language == "zh" else f'{name}: "{text}"'


def parse_spoken(text: str) -> tuple[str, str] | None:
    """Split a brief's NAME: "text" into (name, text); None for an action description."""
    found = _SPOKEN.match(text.strip())
    if not found:
        return None
    return found.group("name").strip(), found.group("text").strip()


def split_occupation(occupation: str, gender: str) -> str:
    """Pick the gendered variant of an occupation written as 'female form|male form'."""
    if "|" not in occupation:
        return occupation
    female, male = occupation.split("|", 1)
    return female if gender == "female" else male


def lexicon(language: str) -> Lexicon:
    """Return the grammar for a series language ('zh' or anything else for English)."""
    return _load("zh" if language == "zh" else "en")


@dataclass(frozen=True)
class Phrasebook:
    """A language's combinable dialogue and its cold-open pickups (phrases_<language>.json)."""

    registers: tuple[Register, ...]
    # Action lines picking up the previous cliffhanger: {a} and {b} are people at the cut, {place} where it was.
    pickups: tuple[str, ...]
    # Leads for the first line answering the cliffhanger; a register's core completes the sentence.
    pickup_leads: tuple[str, ...]
    # Clauses that put a witness ({b}) into an action cliffhanger that otherwise shows only the lead.
    witnesses: tuple[str, ...]
    # Scene openings with the people ({a}, {b}) and the place ({place}).
    establishing: tuple[str, ...]
    # Openings that re-stage a planned beat the season has already shown in those words.
    stagings: tuple[str, ...]
    # Interchangeable words ("I'm" / "I am", 现在 / 此刻): a line may use any of a group, so stock wording varies.
    swaps: tuple[tuple[str, ...], ...]


def phrasebook(language: str) -> Phrasebook:
    """Return the phrasebook of a series language ('zh' or anything else for English)."""
    return _phrasebook("zh" if language == "zh" else "en")


def registers(language: str) -> tuple[Register, ...]:
    """Return the combinable dialogue registers of a language."""
    return phrasebook(language).registers


@cache
def _phrasebook(language: str) -> Phrasebook:
    data = _read(f"phrases_{language}.json")
    return Phrasebook(
        registers=tuple(Register(**_tuples(r)) for r in data["registers"].values()),
        pickups=_tuples(data["pickups"]),
        pickup_leads=_tuples(data["pickup_leads"]),
        witnesses=_tuples(data["witnesses"]),
        establishing=_tuples(data["establishing"]),
        stagings=_tuples(data["stagings"]),
        swaps=_tuples(data["swaps"]),
    )


def _tuples(value: Any) -> Any:
    """Turn JSON arrays back into the tuples the frozen grammar types hold."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _read(name: str) -> dict[str, Any]:
    text = resources.files("agents.offline").joinpath(name).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"offline grammar file {name} is not a JSON object")
    return data


def _genre(data: dict[str, Any]) -> Genre:
    raw = {k: _tuples(v) for k, v in data.items()}
    raw["slots"] = tuple(Slot(**_tuples(s)) for s in data["slots"])
    raw["places"] = tuple(Place(**_tuples(p)) for p in data["places"])
    raw["props"] = tuple(PropT(**_tuples(p)) for p in data["props"])
    raw["secrets"] = tuple(SecretT(**_tuples(s)) for s in data["secrets"])
    names = {f.name for f in dataclass_fields(Genre)}
    return Genre(**{k: v for k, v in raw.items() if k in names})


@cache
def _load(language: str) -> Lexicon:
    # Read on first use, so a process that never runs the offline writer never parses the data.
    data = _read(f"grammar_{language}.json")
    raw = {k: _tuples(v) for k, v in data.items()}
    raw["genres"] = {g: _genre(_read(f"grammar_{language}_{g}.json")) for g in GENRES}
    names = {f.name for f in dataclass_fields(Lexicon)}
    return Lexicon(**{k: v for k, v in raw.items() if k in names})
