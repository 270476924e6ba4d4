"""Planter basics, and planters of who is on the page: absent and dead characters, ids canon does not define.

A planter takes a clean episode (``Spot``) and returns it with exactly one
continuity error and the findings it should draw (``Plant``), or None when the
episode offers no place for that error. A decoy returns a near miss that must
pass. Ground truth here is written from canon, never from what the checks say;
each planter stays away from places where its edit would cause a second error.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from evals.planted_schema import PlantedLabel
from memory.schema import (
    Canon,
    Carryover,
    Character,
    CharacterStatus,
    Language,
    Line,
    PropUse,
    Scene,
    Script,
    StateChange,
)

T = TypeVar("T")


@dataclass
class Spot:
    """A clean episode to plant in: its script (a copy to edit), canon and carryover at the episode."""

    canon: Canon
    carryover: Carryover
    script: Script
    language: Language
    rng: random.Random


@dataclass
class Plant:
    """A planted script, the history it needs in canon, and the findings it should draw."""

    script: Script
    labels: list[PlantedLabel]
    note: str
    canon_changes: list[StateChange] = field(default_factory=list)


Planter = Callable[[Spot], Plant | None]


def pick(rng: random.Random, options: Sequence[T]) -> T | None:
    """Return one option chosen by the seeded generator, or None when there is none."""
    return options[rng.randrange(len(options))] if options else None


def label(check: str, category: str, subtype: str, location: str, canon_fact: str, quote: str = "") -> PlantedLabel:
    """Build an expected finding."""
    return PlantedLabel.model_validate(
        {
            "category": category,
            "check": check,
            "subtype": subtype,
            "location": location,
            "canon_fact": canon_fact,
            "quote": quote,
        }
    )


def name_of(canon: Canon, character_id: str) -> str:
    """Return a character's canon name."""
    ch = canon.character(character_id)
    return ch.name if ch else character_id


def cast_of(script: Script) -> set[str]:
    """Return every character listed in or speaking in the script."""
    return {c for s in script.scenes for c in s.character_ids} | {
        ln.speaker_id for ln in script.lines() if ln.speaker_id
    }


def present_scenes(script: Script) -> list[Scene]:
    """Return the scenes set in the story's present (not flashbacks)."""
    return [s for s in script.scenes if not s.flashback]


def append_text(line: Line, sentence: str, language: Language) -> None:
    """Add a sentence to the end of a line's text."""
    line.text = f"{line.text} {sentence}" if language == "en" else f"{line.text}{sentence}"


def plain_dialogue(spot: Spot) -> list[tuple[Scene, Line]]:
    """Return dialogue lines that reveal nothing and speak no secret's keyword."""
    keywords = [k.casefold() for s in spot.canon.secrets for k in s.keywords if k.strip()]
    return [
        (scene, ln)
        for scene in spot.script.scenes
        for ln in scene.lines
        if ln.kind == "dialogue" and not ln.reveals and not any(k in ln.text.casefold() for k in keywords)
    ]


def _new_id(options: Sequence[str], taken: set[str], rng: random.Random) -> str:
    return pick(rng, [o for o in options if o not in taken]) or f"{options[0]}_2"


# ------------------------------------------------------------------ absent and dead characters

_RETURN_LINE = {"en": "You thought you'd seen the last of me.", "zh": "你们以为，再也见不到我了？"}


def _gone(spot: Spot) -> list[Character]:
    cast = cast_of(spot.script)
    return [c for c in spot.canon.characters if c.status != CharacterStatus.ALIVE and c.id not in cast]


def _outsiders(spot: Spot) -> list[Character]:
    cast = cast_of(spot.script)
    return [c for c in spot.canon.characters if c.status == CharacterStatus.ALIVE and c.id not in cast]


def _died(ch: Character) -> StateChange:
    return StateChange(entity_id=ch.id, field="status", value="dead", note="died in an earlier episode")


def _into_scene(spot: Spot, ch: Character, status: str, subtype: str, history: list[StateChange]) -> Plant | None:
    scene = pick(spot.rng, present_scenes(spot.script))
    if scene is None:
        return None
    scene.character_ids.append(ch.id)
    fact = f"{ch.name} is {status}"
    return Plant(
        spot.script,
        [label("absent_character", "timeline_plot", subtype, scene.id, fact, ch.name)],
        f"{ch.name} ({status}) is in {scene.id}",
        history,
    )


def absent_returns(spot: Spot) -> Plant | None:
    """Put a character who has left the story back into a scene."""
    ch = pick(spot.rng, _gone(spot))
    return _into_scene(spot, ch, ch.status.value, "absent_returns", []) if ch else None


def dead_returns(spot: Spot) -> Plant | None:
    """Kill a character off in an earlier episode, then list them in a scene."""
    ch = pick(spot.rng, _outsiders(spot))
    return _into_scene(spot, ch, "dead", "dead_returns", [_died(ch)]) if ch else None


def dead_speaks(spot: Spot) -> Plant | None:
    """Give a dead character, not listed in the scene, the scene's last word."""
    ch, scene = pick(spot.rng, _outsiders(spot)), pick(spot.rng, present_scenes(spot.script))
    if ch is None or scene is None:
        return None
    line_id = f"{scene.id}-l{len(scene.lines) + 1:02d}"
    text = _RETURN_LINE[spot.language]
    scene.lines.append(Line(id=line_id, kind="dialogue", speaker_id=ch.id, cue=ch.name, text=text, emotion="cold"))
    labels = [
        label("absent_character", "timeline_plot", "dead_speaks", line_id, f"{ch.name} is dead", text),
        label(
            "unknown_entity", "factual_detail", "dead_speaks", line_id, f"{scene.id} cast: {scene.character_ids}", text
        ),
    ]
    return Plant(spot.script, labels, f"dead {ch.name} speaks in {scene.id}", [_died(ch)])


def flashback_dead(spot: Spot) -> Plant | None:
    """Decoy: a dead character appears, but in a scene marked as a flashback."""
    ch, scene = pick(spot.rng, _outsiders(spot)), pick(spot.rng, present_scenes(spot.script))
    if ch is None or scene is None:
        return None
    scene.flashback = True
    scene.character_ids.append(ch.id)
    return Plant(spot.script, [], f"dead {ch.name} in flashback {scene.id}", [_died(ch)])


_MENTION = {"en": "I still think about {name}.", "zh": "我还是会想起{name}。"}


def dead_mentioned(spot: Spot) -> Plant | None:
    """Decoy: someone speaks of a dead character who is not on screen."""
    ch, spoken = pick(spot.rng, _outsiders(spot)), pick(spot.rng, plain_dialogue(spot))
    if ch is None or spoken is None:
        return None
    append_text(spoken[1], _MENTION[spot.language].format(name=ch.name), spot.language)
    return Plant(spot.script, [], f"{spoken[1].id} mentions dead {ch.name}", [_died(ch)])


# ------------------------------------------------------------------ ids canon does not define

_PLACES = ("old_pier", "back_alley", "hospital_roof", "east_wing_archive")
_STRANGERS = ("mystery_caller", "night_guard", "detective_zhou")
_THINGS = ("brass_key", "torn_photo", "silver_lighter")
_SECRETS = ("hidden_will", "second_ledger")
_SPEAKERS = {
    "en": (("waiter", "Waiter"), ("stranger", "Stranger")),
    "zh": (("waiter", "服务员"), ("stranger", "陌生人")),
}


def unknown_location(spot: Spot) -> Plant | None:
    """Set a scene in a place canon does not have."""
    scene = pick(spot.rng, spot.script.scenes)
    if scene is None:
        return None
    scene.location_id = _new_id(_PLACES, {loc.id for loc in spot.canon.locations}, spot.rng)
    fact = f"Canon has no location '{scene.location_id}'"
    return Plant(
        spot.script,
        [label("unknown_entity", "factual_detail", "unknown_location", scene.id, fact)],
        f"{scene.id} moved to {scene.location_id}",
    )


def unknown_character(spot: Spot) -> Plant | None:
    """List a character canon does not have in a scene."""
    scene = pick(spot.rng, spot.script.scenes)
    if scene is None:
        return None
    cid = _new_id(_STRANGERS, {c.id for c in spot.canon.characters}, spot.rng)
    scene.character_ids.append(cid)
    fact = f"Canon has no character '{cid}'"
    return Plant(
        spot.script,
        [label("unknown_entity", "factual_detail", "unknown_character", scene.id, fact, cid)],
        f"{cid} listed in {scene.id}",
    )


def unknown_prop(spot: Spot) -> Plant | None:
    """Use a prop canon does not have."""
    scene = pick(spot.rng, [s for s in spot.script.scenes if s.character_ids])
    if scene is None:
        return None
    prop_id = _new_id(_THINGS, {p.id for p in spot.canon.props}, spot.rng)
    scene.props.append(PropUse(prop_id=prop_id, holder_id=pick(spot.rng, scene.character_ids)))
    fact = f"Canon has no prop '{prop_id}'"
    return Plant(
        spot.script,
        [label("unknown_entity", "factual_detail", "unknown_prop", scene.id, fact, prop_id)],
        f"{prop_id} used in {scene.id}",
    )


def unknown_speaker(spot: Spot) -> Plant | None:
    """Give a line to a speaker canon does not have."""
    spoken = pick(spot.rng, plain_dialogue(spot))
    if spoken is None:
        return None
    line = spoken[1]
    line.speaker_id, line.cue = pick(spot.rng, _SPEAKERS[spot.language]) or ("waiter", "Waiter")
    fact = f"Canon has no character '{line.speaker_id}'"
    return Plant(
        spot.script,
        [label("unknown_entity", "factual_detail", "unknown_speaker", line.id, fact, line.cue)],
        f"{line.id} spoken by {line.speaker_id}",
    )


def unknown_secret(spot: Spot) -> Plant | None:
    """Tag a line as revealing a secret canon does not have."""
    spoken = pick(spot.rng, plain_dialogue(spot))
    if spoken is None:
        return None
    secret_id = _new_id(_SECRETS, {s.id for s in spot.canon.secrets}, spot.rng)
    spoken[1].reveals.append(secret_id)
    fact = f"Canon has no secret '{secret_id}'"
    return Plant(
        spot.script,
        [label("unknown_entity", "factual_detail", "unknown_secret", spoken[1].id, fact, secret_id)],
        f"{spoken[1].id} reveals {secret_id}",
    )


def speaker_unlisted(spot: Spot) -> Plant | None:
    """Give a line to a living canon character who is not in the scene."""
    options = [
        (ln, ch)
        for scene, ln in plain_dialogue(spot)
        for ch in spot.canon.characters
        if ch.status == CharacterStatus.ALIVE and ch.id not in scene.character_ids
    ]
    chosen = pick(spot.rng, options)
    if chosen is None:
        return None
    line, ch = chosen
    line.speaker_id, line.cue = ch.id, ch.name
    fact = f"{ch.name} is not in the scene's cast"
    return Plant(
        spot.script,
        [label("unknown_entity", "factual_detail", "speaker_unlisted", line.id, fact, ch.name)],
        f"{line.id} spoken by absent-from-scene {ch.name}",
    )


PLANTERS: dict[str, Planter] = {
    "absent_returns": absent_returns,
    "dead_returns": dead_returns,
    "dead_speaks": dead_speaks,
    "unknown_location": unknown_location,
    "unknown_character": unknown_character,
    "unknown_prop": unknown_prop,
    "unknown_speaker": unknown_speaker,
    "unknown_secret": unknown_secret,
    "speaker_unlisted": speaker_unlisted,
}
DECOYS: dict[str, Planter] = {"flashback_dead": flashback_dead, "dead_mentioned": dead_mentioned}
