"""The cold open: pick up the previous episode's cliffhanger with the same people, in the same place."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from agents.offline.compose_lines import LineWriter, mentions
from agents.offline.compose_staging import GONE
from agents.offline.grammar import fields, fill, phrasebook
from memory.schema import Canon, Carryover, CharacterStatus

MAX_PICKED_UP = 3  # people carried into the cold open; more would crowd a 90-second episode's first scene


@dataclass
class Cut:
    """What the previous episode cut on, as far as canon still allows it on stage."""

    speaker: str | None = None
    people: list[str] = field(default_factory=list)
    location: str | None = None
    props: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when there is nothing to pick up (episode 1, or everyone at the cut has left the story)."""
        return not self.people


def read_cut(canon: Canon, carry: Carryover) -> Cut:
    """Return the previous cliffhanger's entities that can still appear: living people, a location, props.

    The people the cut's line names come first after its speaker: they are what the cliffhanger raised.
    """
    cut = Cut()
    ids = list(carry.cliffhanger_ids[:1])
    ids += [c.id for c in canon.characters if mentions(carry.cliffhanger, c, canon.language)]
    ids += [p.id for p in canon.props if p.name and p.name.casefold() in carry.cliffhanger.casefold()]
    for entity in dict.fromkeys([*ids, *carry.cliffhanger_ids]):
        character = canon.character(entity)
        if character is not None:
            if character.status == CharacterStatus.ALIVE and len(cut.people) < MAX_PICKED_UP:
                cut.people.append(entity)
            continue
        if cut.location is None and canon.location(entity) is not None:
            cut.location = entity
            continue
        prop = canon.prop(entity)
        if prop is not None and prop.state not in GONE:
            cut.props.append(entity)
    if carry.cliffhanger_ids and carry.cliffhanger_ids[0] in cut.people:
        cut.speaker = carry.cliffhanger_ids[0]
    return cut


def pickup_line(writer: LineWriter, rng: random.Random, cut: Cut, place: str, prop: str) -> str:
    """Return the action line that opens on the cut's people where the last episode left them."""
    people = [writer.short(c) for c in cut.people]
    values = {"a": people[0], "b": people[1] if len(people) > 1 else "", "place": place, "prop": prop}
    pool = [t for t in phrasebook(writer.language).pickups if all(values.get(f) for f in fields(t))]
    rng.shuffle(pool)
    text = writer.actions.pick(t for t in (fill(p, values) for p in pool) if writer.clean(t))
    return text or writer.establishing(cut.people)


def answer_line(writer: LineWriter, rng: random.Random, emotion: str, speaker: str, listener: str) -> str:
    """Return the first spoken answer to the cliffhanger: a pickup lead joined to a core of the emotion's register."""
    book = phrasebook(writer.language)
    register = next((r for r in book.registers if emotion in r.emotions), book.registers[0])
    third = [c for c in writer.scene_cast if c not in (speaker, listener)]
    values = {"other": writer.short(listener), "place": writer.place, "third": writer.short(third[0]) if third else ""}
    joiner = "" if writer.language == "zh" else " "
    pairs = [
        f"{lead}{joiner}{core}"
        for lead in book.pickup_leads
        for core in register.cores
        if all(values.get(f) for f in fields(lead) | fields(core))
    ]
    rng.shuffle(pairs)
    text = writer.said.pick(t for t in (fill(p, values) for p in pairs) if writer.clean(t))
    return text or writer.filler(emotion, speaker, listener, "")


def raise_stakes(writer: LineWriter, rng: random.Random, text: str, speaker: str | None, cast: list[str]) -> str:
    """Make a cliffhanger put someone besides the lead in play, so the next cold open has someone to pick up.

    A cut that shows only the lead leaves the next episode nothing to answer: an action cut gains a witness,
    a line the lead says to no one named turns to the person there.
    """
    lead = writer.lead()
    people = [(c, writer.character(c)) for c in cast if c != lead]
    named = [c for c, person in people if person is not None and mentions(text, person, writer.language)]
    if named or (speaker is not None and speaker != lead):
        return text
    others = [c for c in cast if c not in (lead, speaker)]
    if not others:
        return text
    other = writer.short(rng.choice(others))
    if speaker is None:
        clause = fill(rng.choice(phrasebook(writer.language).witnesses), {"b": other})
        return f"{text}{clause}" if writer.language == "zh" else f"{text} {clause}"
    return f"{text}{other}？" if writer.language == "zh" else f"{text} {other}?"
