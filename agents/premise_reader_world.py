"""Second reading of a premise: what its world implies about the facts the first reading found.

A 师姐 of a 苏绣传人 works the same craft; the 作品 a 苏绣 story turns on is a piece of embroidery (绣品); a 大赛 is a
place the story goes to. These follow from the premise's own words, so they are read here rather than left to the
genre grammar, which would fill them with its own (and often foreign) jobs, props and places.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from memory.premise import PremiseFacts, PremisePerson, PremiseThing

# English relations that share the lead's trade: "his colleague Ana" is a paramedic too when he is one.
_SAME_TRADE_EN = ("colleague", "co-worker", "apprentice", "fellow")


@cache
def _zh() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("agents").joinpath("premise_lexicon_zh.json").read_text("utf-8"))
    return data


def _craft(role: str) -> tuple[str, str, str] | None:
    """Return (craft, piece, maker) for a Chinese lead role such as 苏绣传人, else None."""
    crafts: dict[str, list[str]] = _zh()["crafts"]
    for craft in sorted(crafts, key=len, reverse=True):
        if craft in role:
            piece, maker = crafts[craft]
            return craft, piece, maker
    return None


def _same_trade(people: list[PremisePerson], language: str) -> list[PremisePerson]:
    lead = people[0] if people else None
    if lead is None or not lead.role:
        return people
    out = [lead]
    for person in people[1:]:
        trade = _zh()["same_trade"] if language == "zh" else _SAME_TRADE_EN
        if person.role or person.related_to != lead.id or not any(t in person.relation for t in trade):
            out.append(person)
            continue
        craft = _craft(lead.role) if language == "zh" else None
        role = craft[2] if craft else lead.role
        label = f"{person.label}（{role}）" if language == "zh" else f"{person.label} ({role})"
        out.append(person.model_copy(update={"role": role, "label": label if person.name else person.label}))
    return out


def _craft_objects(facts: PremiseFacts) -> list[PremiseThing]:
    lead = facts.people[0] if facts.people else None
    craft = _craft(lead.role) if lead is not None else None
    out: list[PremiseThing] = []
    for thing in facts.objects:
        if craft is not None and thing.label == "作品":
            _, piece, _ = craft
            thing = thing.model_copy(update={"label": piece, "terms": list(dict.fromkeys([piece, "作品"]))})
        out.append(thing)
    if craft is not None and not any(craft[1] in o.terms for o in out) and "作品" in facts.premise:
        out.append(PremiseThing(id=f"object_{len(out) + 1}", label=craft[1], terms=[craft[1], "作品"]))
    return out


def _event_places(facts: PremiseFacts) -> list[PremiseThing]:
    events: list[str] = _zh()["events"]
    out: list[PremiseThing] = []
    names = [p.name for p in facts.people if p.name]
    for place in facts.places:
        if place.label in events:
            # "非遗大赛": the two characters before the event word say which contest it is.
            found = re.search(rf"([\u4e00-\u9fff]{{2}}){re.escape(place.label)}", facts.premise)
            head = found.group(1) if found and not any(found.group(1) in n for n in names) else ""
            if head.endswith(("回到", "参加", "进入", "报名")):
                head = ""
            full = head + place.label
            place = place.model_copy(update={"label": f"{full}会场", "terms": list(dict.fromkeys([full, place.label]))})
        out.append(place)
    return out


def _role_places(facts: PremiseFacts) -> list[PremiseThing]:
    """A 灯塔看守人 works at a 灯塔: a place inside the lead's job word is a place of the story."""
    places = list(facts.places)
    lead = facts.people[0] if facts.people else None
    if lead is None or not lead.role:
        return places
    known: dict[str, bool] = _zh()["places"]
    for word in sorted((w for w in known if len(w) >= 2 and w in lead.role and w != lead.role), key=len, reverse=True):
        if not any(word in p.terms or word in p.label for p in places):
            places.append(PremiseThing(id=f"place_{len(places) + 1}", label=word, terms=[word], interior=known[word]))
        break
    return places


def _owned_roles(people: list[PremisePerson], premise: str) -> list[PremisePerson]:
    """ "the hotel's owner, Victor Lam": the role is the hotel's owner, not a bare 'owner'."""
    out: list[PremisePerson] = []
    for person in people:
        found = None
        if person.name and person.role:
            found = re.search(
                rf"\b(?:the|a|an)\s+([a-z][a-z\-]*)['’]s\s+{re.escape(person.role)},?\s+{re.escape(person.name)}",
                premise,
                re.IGNORECASE,
            )
        if found is not None:
            role = f"{found.group(1).lower()} {person.role}"
            label = person.label.replace(f"({person.role})", f"({role})")
            person = person.model_copy(update={"role": role, "label": label})
        out.append(person)
    return out


def read_world(facts: PremiseFacts) -> PremiseFacts:
    """Return the facts with what the premise's world implies: same-trade roles, craft pieces, event venues."""
    people = _same_trade(list(facts.people), facts.language)
    update: dict[str, Any] = {"people": people}
    if facts.language == "zh":
        update["objects"] = _craft_objects(facts.model_copy(update={"people": people}))
        update["places"] = _role_places(facts.model_copy(update={"places": _event_places(facts)}))
    else:
        update["people"] = _owned_roles(people, facts.premise)
    return facts.model_copy(update=update)
