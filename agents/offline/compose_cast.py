"""Build a season's canon (cast, places, props, secrets, world) from the grammar."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

from agents.offline.grammar import Genre, Lexicon, PropT, SecretT, Slot, fields, fill, split_occupation
from agents.offline.premise_canon import Casting, is_kin, reciprocal
from memory.premise import PremisePerson
from memory.schema import (
    Appearance,
    Canon,
    Character,
    CharacterStatus,
    Location,
    Prop,
    Relationship,
    Secret,
    Voice,
    WardrobeSet,
    WorldRules,
)

# Slots that share the family surname, so kin read as kin.
_KIN: dict[str, frozenset[str]] = {
    "family": frozenset({"hero", "elder", "ally", "kid"}),
    "rebirth": frozenset({"hero", "elder", "ally"}),
    "identity_reveal": frozenset({"foe", "elder"}),
}
_ACCOMPLICE = {"en": "accomplice", "zh": "同伙"}
_PITCHES = ("low", "mid", "high")
_RATES = ("slow", "normal", "fast")


@dataclass(frozen=True)
class CastMember:
    """A character together with the grammar slot it fills."""

    slot: Slot
    character: Character
    short: str


def short_name(character: Character, language: str) -> str:
    """Return the name used inside narration and dialogue: first name in English, full name in Chinese."""
    if language == "zh" or not character.aliases:
        return character.name
    return character.aliases[0]


def role_map(canon: Canon, genre: Genre | None) -> dict[str, Character]:
    """Recover which grammar slot each canon character fills, from its role and age."""
    if genre is None:
        return {}
    found: dict[str, Character] = {}
    taken: set[str] = set()
    for slot in genre.slots:
        for character in canon.characters:
            if character.id in taken or character.role != slot.role:
                continue
            if (character.age < 18) != slot.minor:
                continue
            found[slot.key] = character
            taken.add(character.id)
            break
    return found


def _pick_slots(rng: random.Random, genre: Genre, must: set[str]) -> list[Slot]:
    required = [s for s in genre.slots if s.required or s.key in must]
    optional = [s for s in genre.slots if s not in required]
    rng.shuffle(optional)
    target = rng.randint(5, 7)
    chosen = required + optional[: max(0, target - len(required))]
    # Keep grammar order so the hero stays first.
    return [s for s in genre.slots if s in chosen]


def _genders(rng: random.Random, slots: list[Slot], fixed: Mapping[int, str]) -> list[str]:
    genders = [fixed.get(i) or rng.choice(("female", "male")) for i in range(len(slots))]
    # Women and men both hold agency roles: at least two of each across the cast (the premise's own stay as written).
    for wanted in ("female", "male"):
        while genders.count(wanted) < 2:
            flippable = [i for i, g in enumerate(genders) if g != wanted and genders.count(g) > 2 and i not in fixed]
            if not flippable:
                break
            genders[rng.choice(flippable)] = wanted
    return genders


def _ascii(text: str) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", text.lower()))


def _names(
    rng: random.Random,
    lex: Lexicon,
    genre: Genre,
    slots: list[Slot],
    genders: list[str],
    people: list[PremisePerson | None],
) -> list[tuple[str, str, str]]:
    """Return (full name, ascii id, given name) per slot, all distinct; premise names stay as written."""
    period = genre.technology == "pre_industrial"
    surnames = list(lex.period_surnames if period else lex.surnames)
    female = list(lex.period_female if period else lex.female)
    male = list(lex.period_male if period else lex.male)
    rng.shuffle(surnames)
    rng.shuffle(female)
    rng.shuffle(male)
    kin = _KIN.get(genre.key, frozenset())
    named = [p for p in people if p is not None and p.name]
    # Nobody invented may share a premise person's given name or surname.
    givens = {p.given for p in named} | {p.name for p in named}
    taken_surnames = {p.surname for p in named if p.surname}
    female = [f for f in female if f[0] not in givens]
    male = [m for m in male if m[0] not in givens]
    surnames = [s for s in surnames if s[0] not in taken_surnames]
    lead = people[0] if people else None
    lead_surname = (lead.surname, _surname_id(lead, lex)) if lead is not None and lead.surname else None
    family_surname = lead_surname if lead_surname and "hero" in kin else surnames.pop()
    out: list[tuple[str, str, str]] = []
    for slot, gender, person in zip(slots, genders, people, strict=True):
        given, given_id, _ = (female if gender == "female" else male).pop()
        surname, surname_id_ = family_surname if slot.key in kin else surnames.pop()
        if person is not None and not person.name and is_kin(person) and lead_surname:
            surname, surname_id_ = lead_surname
        if person is not None and person.name:
            if lex.language == "zh" or person.surname:
                out.append((person.name, person.id, person.given or person.name))
                continue
            given, given_id = person.name, _ascii(person.name)
        if lex.language == "zh":
            out.append((surname + given, f"{surname_id_}_{given_id}", given))
        else:
            out.append((f"{given} {surname}", f"{given_id}_{surname_id_}", given))
    return out


def _surname_id(person: PremisePerson, lex: Lexicon) -> str:
    if lex.language == "zh":
        return person.id.split("_")[0]
    return _ascii(person.surname)


def _appearance(
    rng: random.Random, lex: Lexicon, genre: Genre, slot: Slot, gender: str, age: int, palette: list[str]
) -> Appearance:
    if slot.minor:
        hair = rng.choice(lex.hair_kid)
    elif age >= 60:
        hair = rng.choice(lex.hair_old)
    elif genre.technology == "pre_industrial":
        hair = rng.choice(lex.hair_period_female if gender == "female" else lex.hair_period_male)
    else:
        hair = rng.choice(lex.hair_female if gender == "female" else lex.hair_male)
    return Appearance(
        hair=hair,
        eyes=rng.choice(lex.eyes),
        build=rng.choice(lex.builds),
        features=rng.choice(lex.features),
        palette=palette,
    )


def _wardrobe(rng: random.Random, lex: Lexicon, genre: Genre, palette: list[str]) -> list[WardrobeSet]:
    pool = list(lex.wardrobe_period if genre.technology == "pre_industrial" else lex.wardrobe_modern)
    rng.shuffle(pool)
    sets: list[WardrobeSet] = []
    wanted = rng.choice((2, 3))
    for set_id, template in pool:
        if any(s.id == set_id for s in sets):
            continue
        c1 = palette[len(sets) % len(palette)]
        c2 = rng.choice([c for c in lex.colors if c != c1])
        sets.append(WardrobeSet(id=set_id, description=fill(template, {"c1": c1, "c2": c2}), colors=[c1, c2]))
        if len(sets) == wanted:
            break
    return sets


def build_cast(
    rng: random.Random, lex: Lexicon, genre: Genre, job: str = "", casting: Casting | None = None
) -> list[CastMember]:
    """Create 5-7 distinct characters filling the genre's slots; the premise's people keep names, jobs and kin."""
    casting = casting or Casting(None, {}, [])
    slots = _pick_slots(rng, genre, set(casting.by_slot)) + [slot for slot, _ in casting.extras]
    extra_people = {slot.key: person for slot, person in casting.extras}
    people = [casting.by_slot.get(s.key) or extra_people.get(s.key) for s in slots]
    fixed = {i: p.gender for i, p in enumerate(people) if p is not None and p.gender}
    genders = _genders(rng, slots, fixed)
    names = _names(rng, lex, genre, slots, genders, people)
    colors = list(lex.colors)
    rng.shuffle(colors)
    voices = [(p, r) for p in _PITCHES for r in _RATES]
    rng.shuffle(voices)
    used_voices: set[tuple[str, str, str]] = set()
    members: list[CastMember] = []
    for index, (slot, gender, (name, char_id, given)) in enumerate(zip(slots, genders, names, strict=True)):
        person = people[index]
        age = rng.randint(*slot.ages)
        # Each character leads with a colour nobody else leads with.
        palette = [colors[index % len(colors)], *rng.sample([c for c in colors if c != colors[index % len(colors)]], 2)]
        occupation = split_occupation(rng.choice(slot.occupations), gender)
        taken = {m.character.occupation.lower() for m in members}
        if occupation.lower() in taken and not (person is not None and person.role):
            # A filler job that copies one already in the cast ("paramedic" twice) reads as a mix-up: take another.
            pool = [*slot.occupations, *(o for s in genre.slots if s.key not in ("hero", "kid") for o in s.occupations)]
            others = [o for o in pool if split_occupation(o, gender).lower() not in taken]
            occupation = split_occupation(others[0], gender) if others else occupation
        if person is not None and person.role:
            occupation = person.role
        elif slot.key == "hero" and job:
            occupation = job
        # Distinct (gender, pitch, rate) per character so listeners can tell voices apart; children sound high.
        pitch, rate = next(
            ((p, r) for p, r in voices if (gender, p, r) not in used_voices and (p == "high" or not slot.minor)),
            ("mid", "normal"),
        )
        used_voices.add((gender, pitch, rate))
        character = Character(
            id=char_id,
            name=name,
            aliases=_aliases(name, given, person, lex.language),
            age=age,
            gender="female" if gender == "female" else "male",
            role=slot.role,
            occupation=occupation,
            appearance=_appearance(rng, lex, genre, slot, gender, age, palette),
            wardrobe=_wardrobe(rng, lex, genre, palette),
            voice=Voice(
                gender="female" if gender == "female" else "male",
                pitch=pitch,
                rate=rate,
                texture=rng.choice(lex.textures),
            ),
            status=_status(person),
            traits=rng.sample(list(slot.traits), min(3, len(slot.traits))),
        )
        members.append(CastMember(slot, character, given if lex.language == "en" else name))
    _relate(lex, members)
    _premise_relations(members, people)
    return members


def _aliases(name: str, given: str, person: PremisePerson | None, language: str) -> list[str]:
    aliases = [given] if given != name and (language == "en" or len(given) >= 2) else []
    if person is not None and person.name and language == "zh" and person.given and len(person.given) >= 2:
        aliases = [person.given]  # "若兰" for 沈若兰: the form a premise or a friend would use
    if person is not None and language == "en" and person.surname and person.surname not in aliases:
        aliases.append(person.surname)
    return aliases


def _premise_relations(members: list[CastMember], people: list[PremisePerson | None]) -> None:
    """Write the premise's own relations over the grammar's: 'his brother' stays his brother."""
    by_premise = {p.id: m.character for p, m in zip(people, members, strict=True) if p is not None}
    lead = members[0].character
    for person, member in zip(people, members, strict=True):
        if person is None or not person.relation or (member.character is lead and not person.related_to):
            continue
        owner = by_premise.get(person.related_to or "", lead)
        if owner is member.character:
            continue
        owner.relationships = [r for r in owner.relationships if r.other_id != member.character.id]
        owner.relationships.append(Relationship(other_id=member.character.id, kind=person.relation))
        # The way back follows the premise too: 林若雪 is 沈念's 师姐, so 沈念 is her 师妹 (not the grammar's 未婚妻).
        back = reciprocal(person.relation, owner.gender)
        if back:
            mine = [r for r in member.character.relationships if r.other_id != owner.id]
            member.character.relationships = [*mine, Relationship(other_id=owner.id, kind=back)]


def _relate(lex: Lexicon, members: list[CastMember]) -> None:
    hero = members[0]
    for member in members[1:]:
        to_hero = member.slot.relation[0 if member.character.gender == "female" else 1]
        from_hero = member.slot.back[0 if hero.character.gender == "female" else 1]
        if to_hero:
            hero.character.relationships.append(Relationship(other_id=member.character.id, kind=to_hero))
        if from_hero:
            member.character.relationships.append(Relationship(other_id=hero.character.id, kind=from_hero))
    by_key = {m.slot.key: m.character for m in members}
    foe, rival = by_key.get("foe"), by_key.get("rival")
    if foe is not None and rival is not None:
        kind = _ACCOMPLICE.get(lex.language, "accomplice")
        foe.relationships.append(Relationship(other_id=rival.id, kind=kind))
        rival.relationships.append(Relationship(other_id=foe.id, kind=kind))


def role_names(members: list[CastMember]) -> dict[str, str]:
    """Map slot keys to short names for template filling."""
    return {m.slot.key: m.short for m in members}


def _status(person: PremisePerson | None) -> CharacterStatus:
    """A premise person who is dead or missing starts the season that way; everyone else is alive."""
    if person is not None and person.dead:
        return CharacterStatus.DEAD
    if person is not None and person.missing:
        return CharacterStatus.ABSENT
    return CharacterStatus.ALIVE


def build_locations(rng: random.Random, genre: Genre) -> list[Location]:
    """Pick 4-6 of the genre's locations (all of them when the premise's world leaves fewer)."""
    count = rng.randint(min(4, len(genre.places)), min(6, len(genre.places)))
    picked = rng.sample(list(genre.places), count)
    return [Location(id=p.id, name=p.name, interior=p.interior, description=p.description) for p in picked]


def build_props(rng: random.Random, genre: Genre, members: list[CastMember]) -> list[tuple[PropT, Prop]]:
    """Pick 2-3 props whose holder and receiver exist in the cast."""
    ids = {m.slot.key: m.character.id for m in members}
    usable = [p for p in genre.props if p.holder in ids and p.receiver in ids]
    rng.shuffle(usable)
    picked = usable[: rng.randint(2, 3)]
    return [(p, Prop(id=p.id, name=p.name, description=p.description, holder_id=ids[p.holder])) for p in picked]


def build_secrets(rng: random.Random, genre: Genre, members: list[CastMember]) -> list[tuple[SecretT, Secret]]:
    """Pick 2-3 secrets whose speaker, learner and subject exist in the cast."""
    ids = {m.slot.key: m.character.id for m in members}
    names = role_names(members)
    usable = [
        s
        for s in genre.secrets
        if s.known_by[0] in ids
        and s.learner in ids
        and (not s.about or s.about in ids)
        and all(f in names for f in fields(s.description))
        and s.known_by[0] != s.learner
    ]
    rng.shuffle(usable)
    picked = usable[: rng.randint(2, 3)]
    out: list[tuple[SecretT, Secret]] = []
    for template in picked:
        out.append(
            (
                template,
                Secret(
                    id=template.id,
                    description=fill(template.description, names),
                    about_id=ids.get(template.about) if template.about else None,
                    keywords=list(template.keywords),
                    known_by=[ids[k] for k in template.known_by if k in ids],
                ),
            )
        )
    return out


def build_world(genre: Genre, names: dict[str, str]) -> WorldRules:
    """Return the genre's world rules with names filled in."""
    return WorldRules(
        era=genre.era,
        technology=genre.technology,
        rules=[fill(r, names) for r in genre.rules],
        forbidden_terms=list(genre.forbidden),
    )
