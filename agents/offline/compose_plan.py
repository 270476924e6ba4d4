"""Compose a season: detect the genre, build canon, schedule the big changes, write the briefs."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from agents.offline.compose_briefs import BriefWriter, Event
from agents.offline.compose_cast import (
    CastMember,
    build_cast,
    build_locations,
    build_props,
    build_secrets,
    build_world,
    role_names,
)
from agents.offline.grammar import GENRES, Genre, PropT, SecretT, fields, fill, lexicon
from agents.offline.premise_canon import (
    Casting,
    PremiseBeats,
    cast_premise,
    device_rule,
    device_secret,
    device_sentence,
    frames,
    premise_locations,
    premise_props,
)
from agents.offline.premise_setting import fit_genre
from agents.premise_reader import read_premise
from memory.premise import PremiseFacts
from memory.schema import Canon, Prop, SeasonPlan, Secret, SeriesBible, StateChange

# Checked in order: the more specific genres first, family last because 家 and "family" appear everywhere.
_GENRE_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "period",
        ("dynasty", "emperor", "empress", "palace", "imperial", "concubine", "王朝", "皇", "宫廷", "朝廷", "太后"),
    ),
    ("rebirth", ("reborn", "second life", "rebirth", "second chance at life", "重生", "前世", "再活一次")),
    (
        "identity_reveal",
        ("secretly", "hidden identity", "heir", "heiress", "真实身份", "隐藏", "身份", "继承人", "千金"),
    ),
    ("revenge", ("revenge", "betray", "betrayed", "avenge", "framed", "复仇", "背叛", "报仇", "陷害")),
    ("workplace", ("office", "company", "boss", "startup", "职场", "公司", "上司", "老板")),
    ("romance", ("love", "marriage", "romance", "恋", "爱情", "婚")),
    (
        "family",
        (
            "family",
            "mother",
            "father",
            "grandmother",
            "brother",
            "sister",
            "家",
            "母亲",
            "父亲",
            "奶奶",
            "哥哥",
            "姐姐",
            "失散",
            "亲生",
        ),
    ),
)


def detect_genre(premise: str, seed: int) -> str:
    """Return the genre a premise's keywords suggest, or one picked by seed."""
    lowered = premise.lower()
    for genre, cues in _GENRE_CUES:
        for cue in cues:
            # Latin cues need word boundaries ("heir" must not match "their"); CJK cues cannot have them.
            if cue.isascii():
                if re.search(rf"\b{re.escape(cue)}", lowered):
                    return genre
            elif cue in premise:
                return genre
    return GENRES[random.Random(f"{seed}:genre").randrange(len(GENRES))]


def _int(value: object, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return default


def _free(target: int, episodes: int, taken: set[int], below: int | None = None) -> int | None:
    """Return the free episode nearest to target (strictly below `below` when given), or None if none is free.

    One big change per episode keeps each brief's cast within four people.
    """
    limit = episodes if below is None else min(episodes, below - 1)
    target = min(max(1, target), max(1, limit))
    for distance in range(episodes + 1):
        for candidate in (target - distance, target + distance):
            if 1 <= candidate <= limit and candidate not in taken:
                return candidate
    return None


@dataclass
class _Schedule:
    events: list[Event]
    exit_episode: int
    exit_key: str


def _schedule(
    rng: random.Random,
    episodes: int,
    paywall: int,
    genre: Genre,
    members: list[CastMember],
    props: list[tuple[PropT, Prop]],
    secrets: list[tuple[SecretT, Secret]],
) -> _Schedule:
    ids = {m.slot.key: m.character.id for m in members}
    exit_key = genre.exit_slot if genre.exit_slot in ids and episodes >= 3 else ""
    exit_episode = max(2, round(episodes * 0.7)) if exit_key else 0
    taken: set[int] = set()
    events: list[Event] = []
    targets = [paywall, round(episodes * 0.55), round(episodes * 0.85)]
    for (secret_t, secret), target in zip(secrets, targets, strict=False):
        speaker = secret_t.known_by[0]
        learner = secret_t.learner
        # A secret only the leaving character can tell must come out before they go.
        below = exit_episode if exit_key and speaker == exit_key else None
        episode = _free(target, episodes, taken, below)
        if episode is None:
            continue
        taken.add(episode)
        events.append(
            Event(
                episode,
                StateChange(entity_id=secret.id, field="knows", value=ids[learner], note="reveal"),
                (speaker, learner),
            )
        )
    for prop_t, prop in props:
        giver, taker = prop_t.holder, prop_t.receiver
        if exit_key and exit_key in (giver, taker):
            continue
        episode = _free(max(1, round(episodes * 0.35)), episodes, taken)
        if episode is None:
            break
        taken.add(episode)
        events.append(
            Event(
                episode,
                StateChange(entity_id=prop.id, field="holder_id", value=ids[taker], note="handover"),
                (giver, taker),
            )
        )
        break
    if exit_key:
        involved = [e.episode for e in events if exit_key in e.roles]
        exit_episode = max([exit_episode, *(e + 1 for e in involved)])
        exit_episode = next((e for e in range(exit_episode, episodes + 1) if e not in taken), episodes + 1)
        if exit_episode > episodes:
            exit_key, exit_episode = "", 0
        else:
            events.append(
                Event(
                    exit_episode,
                    StateChange(entity_id=ids[exit_key], field="status", value="absent", note="leaves the story"),
                    (exit_key,),
                )
            )
    rng.shuffle(events)  # Order within an episode carries no meaning; shuffling keeps seeds distinct.
    events.sort(key=lambda e: e.episode)
    return _Schedule(events, exit_episode, exit_key)


def plan_season(payload: Mapping[str, object]) -> SeriesBible:
    """Return a SeriesBible for a plan_season payload."""
    language = "zh" if payload.get("language") == "zh" else "en"
    premise = str(payload.get("premise") or "")
    episodes = max(1, _int(payload.get("episodes"), 12))
    seed = _int(payload.get("seed"), 0)
    paywall = min(max(1, _int(payload.get("paywall_episode"), max(1, round(episodes * 0.15)))), episodes)
    requested = payload.get("genre")
    genre_key = requested if isinstance(requested, str) and requested in GENRES else detect_genre(premise, seed)
    lex = lexicon(language)
    genre = lex.genres[genre_key]
    rng = random.Random(f"{seed}:plan_season:{genre_key}:{language}:{episodes}:{premise}")

    facts = _facts(payload, premise, language)
    genre = fit_genre(genre, facts)  # the grammar fills in only what fits the premise's own world
    casting = cast_premise(genre, facts.people)
    members = build_cast(rng, lex, genre, "", casting)
    names = role_names(members)
    keys = {m.slot.key: m for m in members}
    by_person = {p.id: key for key, p in casting.by_slot.items()} | {p.id: s.key for s, p in casting.extras}
    job = members[0].character.occupation
    article = "an" if job[:1].lower() in "aeiou" else "a"
    values = {**names, "job": job, "Job": job.title(), "a_job": f"{article} {job}"}
    own_places = premise_locations(facts)
    locations = (
        own_places
        + [loc for loc in build_locations(rng, genre) if loc.id not in {p.id for p in own_places}][
            : max(2, 5 - len(own_places))
        ]
    )
    living = [k for k, m in keys.items() if m.character.status == "alive" and k != "hero"]
    receiver = next((k for k in ("foe", "rival", "ally", "love", *living) if k in living), "hero")
    own_props = premise_props(facts, {pid: k for pid, k in by_person.items() if k in living}, receiver)
    for template, prop in own_props:
        holder = template.holder if template.holder in keys else "hero"
        prop.holder_id = keys[holder].character.id
    own_props = [(t if t.holder in keys else replace(t, holder="hero"), p) for t, p in own_props]
    props = own_props + build_props(rng, genre, members)[: max(1, 3 - len(own_props))]
    hero_short = members[0].short
    learner = next((k for k in ("ally", "love", "elder", "mentor", *living) if k in living), "")
    secrets = build_secrets(rng, genre, members)
    own_secret = device_secret(facts, hero_short, learner) if learner else None
    if own_secret is not None:
        own_secret[1].known_by = [members[0].character.id]
        own_secret[1].about_id = members[0].character.id
        secrets = [own_secret, *secrets[:2]]
    schedule = _schedule(rng, episodes, paywall, genre, members, props, secrets)
    for _, secret in secrets:
        secret.reveal_episode = next(
            (e.episode for e in schedule.events if e.change.field == "knows" and e.change.entity_id == secret.id), None
        )
    beats = PremiseBeats(
        language=language,
        hero=hero_short,
        job=job if any(p.role for p in facts.people[:1]) else "",
        device_hook=device_sentence(facts, hero_short, "device_hook", job if facts.people[:1] else ""),
        device_secret_id=own_secret[1].id if own_secret else "",
        people=tuple(k for k in by_person.values() if k in living),
        place_ids=tuple(loc.id for loc in own_places),
        places=tuple(
            _with_article(loc.name, language, proper=not f.label.lower().startswith("the "))
            for loc, f in zip(own_places, facts.places, strict=True)
        ),
        objects=tuple(_with_article(p.name, language) for _, p in own_props),
        times=tuple(t.label for t in facts.time_frames),
        prop_names={p.id: p.name for _, p in own_props},
        kin=_kin_names(facts, casting, keys, hero_short),
    )
    writer = BriefWriter(
        rng, lex, genre, members, locations, schedule.events, schedule.exit_episode, schedule.exit_key, beats
    )
    briefs = [writer.brief(number, paywall) for number in range(1, episodes + 1)]

    titles = [t for t in genre.titles if fields(t) <= values.keys()]
    title = fill(rng.choice(titles), values)
    own_arcs = _premise_arcs(facts, members, by_person, episodes)
    # The premise's arc leads; the genre's arcs fill the season up to four in all.
    arcs = [fill(a, values) for a in genre.arcs if fields(a) <= values.keys()][: max(2, 4 - len(own_arcs))]
    span = max(1, -(-episodes // max(1, len(arcs))))
    arc_lines = [
        fill(
            lex.arc_frame, {"a": str(min(episodes, i * span + 1)), "b": str(min(episodes, (i + 1) * span)), "text": arc}
        )
        for i, arc in enumerate(arcs)
    ]
    arc_lines = own_arcs + arc_lines
    world = build_world(genre, names)
    rule = device_rule(facts, hero_short)
    if rule:
        world.rules.insert(0, rule)
    canon = Canon(
        title=title,
        language=language,
        genre=genre_key,
        tone=genre.tone,
        world=world,
        characters=[m.character for m in members],
        locations=locations,
        props=[p for _, p in props],
        secrets=[s for _, s in secrets],
    )
    plan = SeasonPlan(
        title=title,
        logline=_logline(facts) or fill(genre.logline, values),
        genre=genre_key,
        tone=genre.tone,
        paywall_episode=paywall,
        arcs=arc_lines,
        episodes=briefs,
    )
    return SeriesBible(canon=canon, plan=plan)


def _facts(payload: Mapping[str, object], premise: str, language: str) -> PremiseFacts:
    """Return the premise facts the showrunner passed, or read them from the premise."""
    given = payload.get("premise_facts")
    if isinstance(given, dict):
        try:
            return PremiseFacts.model_validate(given)
        except ValueError:
            pass
    return read_premise(premise, "zh" if language == "zh" else "en")


def _logline(facts: PremiseFacts) -> str:
    first = re.split(r"(?<=[.!?。！？])\s*", facts.premise.strip())[0].strip()
    return first if 0 < len(first) <= 220 and facts.language in ("en", "zh") else ""


def _premise_arcs(
    facts: PremiseFacts, members: list[CastMember], by_person: dict[str, str], episodes: int
) -> list[str]:
    """Return the season arc the premise sets: the lead, the device, and the premise's other people."""
    if facts.device is None:
        return []
    shorts = {m.slot.key: m.short for m in members}
    hero = members[0].short
    alive = {m.slot.key for m in members if m.character.status == "alive"}
    others = [shorts[k] for k in by_person.values() if k in shorts and k != "hero" and k in alive]
    table = frames(facts.language)
    device = (facts.device.text or facts.device.label).rstrip("。.!?！？")
    values = {"hero": hero, "device": device, "last": str(episodes), "people": table["relation_join"].join(others)}
    arcs = [fill(table["arc_device" if others else "arc_device_alone"], values)]
    # A missing or dead relative is off screen at the start: what became of them is the season's question.
    by_key = {m.slot.key: m for m in members}
    for person_id, key in by_person.items():
        person = facts.person(person_id)
        member = by_key.get(key)
        if person is None or member is None or not (person.missing or person.dead) or key == "hero":
            continue
        who = member.short
        if not person.name and person.relation:
            who = fill(table["kin"], {"hero": hero, "relation": person.relation, "name": member.short})
        pronoun = ("she" if person.gender == "female" else "he") if facts.language == "en" else ""
        frame = table["arc_missing" if person.missing else "arc_dead"]
        arcs.append(fill(frame, {"who": who, "last": str(episodes), "pronoun": pronoun}))
    return arcs


def _with_article(name: str, language: str, proper: bool = False) -> str:
    """Return how a premise place or object reads inside a sentence: 'the Lighthouse', 'Lisbon', '绣稿'."""
    if language == "zh" or proper:
        return name
    return f"the {name}"


def _kin_names(facts: PremiseFacts, casting: Casting, keys: Mapping[str, CastMember], hero: str) -> dict[str, str]:
    """Name each unnamed premise relative the way a brief says it: "Elias's brother Tom", "陈念的奶奶陈秀"."""
    frame = frames(facts.language)["kin"]
    out: dict[str, str] = {}
    for key, person in casting.by_slot.items():
        if key != "hero" and not person.name and person.relation and key in keys:
            out[key] = fill(frame, {"hero": hero, "relation": person.relation, "name": keys[key].short})
    return out
