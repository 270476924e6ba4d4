"""Turn premise facts into canon pieces for the offline writer: who fills which grammar slot, and the premise's
own places, props, device secret and world rule. The grammar fills in only what the premise does not say.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

from agents.offline.grammar import Genre, PropT, SecretT, Slot, fill
from memory.premise import PremiseFacts, PremisePerson, PremiseThing
from memory.schema import Location, Prop, Secret

# Which grammar slot a premise relation or job most naturally fills, best first.
_RELATION_SLOTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        (
            "mother",
            "father",
            "grand",
            "aunt",
            "uncle",
            "stepfather",
            "adoptive",
            "foster",
            "birth",
            "guardian",
            "母亲",
            "父亲",
            "妈",
            "爸",
            "养母",
            "养父",
            "奶奶",
            "爷爷",
            "外婆",
            "外公",
            "姥姥",
            "祖",
            "姑",
            "姨",
            "舅",
            "叔",
            "伯",
            "婆婆",
            "公公",
            "岳",
            "爹",
            "娘",
            "嫡母",
            "主母",
        ),
        ("elder", "mentor", "ally"),
    ),
    (
        (
            "husband",
            "wife",
            "fianc",
            "boyfriend",
            "girlfriend",
            "lover",
            "first love",
            "crush",
            "groom",
            "bride",
            "丈夫",
            "老公",
            "妻子",
            "老婆",
            "未婚",
            "男友",
            "女友",
            "男朋友",
            "女朋友",
            "初恋",
            "恋人",
            "爱人",
            "青梅",
            "竹马",
            "白月光",
            "夫君",
        ),
        ("love", "ally"),
    ),
    (("ex-", "前夫", "前妻", "前男友", "前女友", "stepmother", "继母", "后妈"), ("foe", "rival", "elder")),
    (("rival", "nemesis", "enemy", "情敌", "对手", "死对头", "仇人", "小三"), ("rival", "foe")),
    (("boss", "上司", "老板"), ("foe", "mentor")),
    (("mentor", "master", "teacher", "师父", "师傅", "恩师", "师娘"), ("mentor", "elder")),
    (("师姐", "师妹", "师兄", "师弟", "同事", "colleague", "co-worker", "classmate", "同学"), ("rival", "ally")),
)
_FALLBACK_SLOTS = ("ally", "love", "mentor", "rival", "elder", "foe")
# Relations that share the lead's surname when the premise leaves the person unnamed.
_KIN_WORDS = (
    "brother",
    "sister",
    "father",
    "twin",
    "son",
    "daughter",
    "哥",
    "弟",
    "姐",
    "妹",
    "父",
    "爸",
    "爷",
    "儿",
    "女儿",
)


@cache
def frames(language: str) -> Mapping[str, Any]:
    """Return the premise-driven templates of a language (premise_frames.json)."""
    data: dict[str, Any] = json.loads(
        resources.files("agents.offline").joinpath("premise_frames.json").read_text("utf-8")
    )
    return data["zh" if language == "zh" else "en"]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Casting:
    """Which grammar slot each premise person fills; people no slot fits become extra slots of their own."""

    lead: PremisePerson | None
    by_slot: dict[str, PremisePerson]
    extras: list[tuple[Slot, PremisePerson]]


def _preferred(person: PremisePerson) -> tuple[str, ...]:
    if person.antagonist:
        return ("foe", "rival")
    words = f"{person.relation} {person.role}".lower()
    for cues, slots in _RELATION_SLOTS:
        if any(c in words for c in cues):
            return slots
    return _FALLBACK_SLOTS


def cast_premise(genre: Genre, people: Sequence[PremisePerson]) -> Casting:
    """Assign premise people to slots: the first living person is the lead; the dead and the missing stay off them."""
    living = [p for p in people if not p.dead and not p.missing]
    lead = living[0] if living else None
    slots = {s.key: s for s in genre.slots if not s.minor}
    by_slot: dict[str, PremisePerson] = {"hero": lead} if lead is not None else {}
    extras: list[tuple[Slot, PremisePerson]] = []
    template = next((s for s in genre.slots if s.key == "ally"), genre.slots[-1])
    for person in [p for p in people if p is not lead]:
        gone = person.dead or person.missing
        key = "" if gone else next((k for k in _preferred(person) if k in slots and k not in by_slot), "")
        if not key and not gone:
            key = next((k for k in _FALLBACK_SLOTS if k in slots and k not in by_slot), "")
        if key:
            by_slot[key] = person
            continue
        # A dead or missing person is canon (a name, a relation, a status) but never a speaking slot.
        extra = replace(template, key=f"premise_{len(extras) + 1}", required=False, minor=False)
        extras.append((extra, person))
    return Casting(lead, by_slot, extras)


def is_kin(person: PremisePerson) -> bool:
    """True when an unnamed premise person is the lead's blood family and so shares the surname."""
    return any(w in person.relation for w in _KIN_WORDS)


def reciprocal(relation: str, gender: str) -> str:
    """Return what the owner is to a premise relative: a 师姐's 师妹 (female owner) or 师弟; '' when unknown."""
    table: Mapping[str, list[str]] = frames("zh" if re.search(r"[\u4e00-\u9fff]", relation) else "en")["reciprocal"]
    words = table.get(relation.strip().lower())
    if not words:
        return ""
    return words[0] if gender == "female" else words[1]


def short_label(thing: PremiseThing, language: str) -> str:
    """Return a fact's label without its English article: 'the radio' -> 'radio'."""
    label = thing.label.strip()
    return re.sub(r"^(?:the|a|an|his|her|their)\s+", "", label, flags=re.I) if language == "en" else label


def _context(premise: str, term: str) -> str:
    sentence = next((s for s in re.split(r"(?<=[.!?。！？])\s*", premise) if term.lower() in s.lower()), premise)
    return sentence.strip()[:140]


def premise_locations(facts: PremiseFacts) -> list[Location]:
    """Return a location for every premise place, described from the premise's own sentence."""
    out: list[Location] = []
    frame = frames(facts.language)["place_description"]
    for place in facts.places:
        name = short_label(place, facts.language)
        if facts.language == "en":
            name = " ".join(w[:1].upper() + w[1:] for w in name.split())
        description = fill(
            frame, {"name": name, "context": _context(facts.premise, place.terms[0] if place.terms else name)}
        )
        out.append(Location(id=place.id, name=name, interior=place.interior, description=description))
    return out


def premise_props(facts: PremiseFacts, keys_by_person: Mapping[str, str], receiver: str) -> list[tuple[PropT, Prop]]:
    """Return a prop for every premise object, held by its premise owner's slot (else the lead), with a template."""
    out: list[tuple[PropT, Prop]] = []
    frame = frames(facts.language)["prop_description"]
    for thing in facts.objects:
        holder = keys_by_person.get(thing.holder_id or "", "hero")
        name = short_label(thing, facts.language)
        template = PropT(
            id=thing.id,
            name=name,
            description=fill(frame, {"name": name}),
            holder=holder,
            receiver=receiver if receiver != holder else "hero",
        )
        out.append((template, Prop(id=thing.id, name=name, description=template.description, holder_id=None)))
    return out


def device_sentence(facts: PremiseFacts, hero: str, key: str, job: str = "") -> str:
    """Return the device told about the lead: 'Elias hears his drowned brother's voice…' (frame `key`)."""
    device = facts.device
    if device is None:
        return ""
    text = device.text or device.label
    language = facts.language
    table = frames(language)
    lead = facts.people[0] if facts.people else None
    pronoun = "他" if lead is not None and lead.gender == "male" else "她"
    # A device that is a whole sentence ("When the river floods, …") has its own subject already.
    starts_with_verb = language == "zh" or (text[:1].islower() and not text.lower().startswith(("when ", "after ")))
    named = lead is not None and bool(lead.name) and lead.name in text
    if named or (lead is not None and lead.role and text.startswith(lead.role)):
        starts_with_verb = False  # the device names its own subject: "外卖员林晚其实是…" is said as written
    if key == "device_hook" and job and starts_with_verb:
        key = "device_hook_job"  # "Elias, the lighthouse keeper, hears …": the lead's job is said on screen
    frame = table[key] if starts_with_verb or key != "device_hook" else table["device_plain"]
    return fill(frame, {"hero": hero, "job": job, "device": text.rstrip("。.!?！？"), "pronoun": pronoun})


def device_secret(facts: PremiseFacts, hero: str, learner: str) -> tuple[SecretT, Secret] | None:
    """Return the device as a secret the lead keeps: its reveal is the season's first big turn."""
    device = facts.device
    if device is None:
        return None
    description = device_sentence(facts, hero, "device_secret")
    # The secret is that the lead keeps it, not the device itself: the device's own words must stay free to recur
    # in hooks and lines (the writer keeps a secret's keywords out of every line but its reveal).
    keywords = [frames(facts.language)["device_secret_keyword"]]
    template = SecretT(
        id="premise_device",
        description=description,
        keywords=tuple(keywords),
        about="hero",
        known_by=("hero",),
        learner=learner,
        reveals=(),
    )
    secret = Secret(id="premise_device", description=description, keywords=list(keywords))
    return template, secret


def device_rule(facts: PremiseFacts, hero: str = "") -> str:
    """Return the world rule the premise sets, said as canon: "Every night at 3:07, Elias hears … on the radio."

    The device's time frame leads (a rule is when it holds); without a device the premise's first sentence stands.
    """
    device = facts.device
    # A device too short to be a sentence ("继承人") would make a broken rule: the premise's sentence stands then.
    short = device is None or len(device.text or device.label) < (6 if facts.language == "zh" else 12)
    if device is None or short or not hero:
        first = re.split(r"(?<=[.!?。！？])\s*", facts.premise.strip())[0].strip()
        return fill(frames(facts.language)["device_rule"], {"sentence": first[:220]}) if first else ""
    text = (device.text or device.label).strip().rstrip("。.!?！？")
    time = ""
    for frame in facts.time_frames:
        for term in sorted({frame.label, *frame.terms}, key=len, reverse=True):
            spoken = _time_phrase(text, term, facts.language)
            if spoken:
                time, text = spoken
                break
        if time:
            break
    sentence = device_sentence(
        facts.model_copy(update={"device": device.model_copy(update={"text": text})}),
        hero,
        "device_plain" if _names_subject(facts, text) else "device_hook",
    )
    sentence = sentence.rstrip("。.")
    if not time:
        return sentence + ("。" if facts.language == "zh" else ".")
    return fill(frames(facts.language)["device_rule_timed"], {"time": time, "sentence": sentence})


def _names_subject(facts: PremiseFacts, text: str) -> bool:
    lead = facts.people[0] if facts.people else None
    return lead is not None and (
        (bool(lead.name) and lead.name in text) or (bool(lead.role) and text.startswith(lead.role))
    )


def _time_phrase(text: str, term: str, language: str) -> tuple[str, str] | None:
    """Split "hears … on the radio every night at 3:07" into ("Every night at 3:07", "hears … on the radio")."""
    if language == "zh":
        if term.startswith("每") and term in text:
            return term, re.sub(r"^[，,\s]*都", "", text.replace(term, "", 1).strip("，, "))
        return None
    pattern = re.compile(
        rf"\s*,?\s*((?:every|each)\s+\w+(?:\s+at\s+)?)?\s*(?:at\s+)?{re.escape(term)}(\s+(?:every|each)\s+\w+)?",
        re.IGNORECASE,
    )
    match = pattern.search(text)
    if match is None or not (match.group(1) or match.group(2)):
        return None  # a one-off time ("at dawn") is part of the event, not a rule
    every = (match.group(1) or "").strip() or (match.group(2) or "").strip()
    every = re.sub(r"\s+at$", "", every)
    time = f"{every[:1].upper()}{every[1:]} at {term}"
    rest = (text[: match.start()] + text[match.end() :]).strip(" ,")
    return time, rest


@dataclass(frozen=True)
class PremiseBeats:
    """What the briefs must carry from the premise: its device, people, places, objects and times, by name."""

    language: str
    hero: str
    job: str
    device_hook: str
    device_secret_id: str
    people: tuple[str, ...]  # slot keys of the living premise people besides the lead, in premise order
    place_ids: tuple[str, ...]
    places: tuple[str, ...]
    objects: tuple[str, ...]
    times: tuple[str, ...]
    prop_names: Mapping[str, str]
    kin: Mapping[str, str]  # slot key -> how the brief names an unnamed relative: "Elias's brother Tom"

    def values(self, number: int, present: Mapping[str, str]) -> dict[str, str]:
        """Return template values for one episode: the premise's nth place, object, time, and a premise person."""
        values = {"hero": self.hero, "job": self.job} if self.job else {"hero": self.hero}
        for key, pool in (("place", self.places), ("object", self.objects), ("time", self.times)):
            if pool:
                values[key] = pool[(number - 1) % len(pool)]
        # Unnamed relatives first: a named person shows by name anyway, a relative only when the text says so.
        keys = sorted((k for k in self.people if k in present), key=lambda k: k not in self.kin)
        here = [self.kin.get(k) or present[k] for k in keys]
        if here:
            values["person"] = here[(number - 1) % len(here)]
        return values
