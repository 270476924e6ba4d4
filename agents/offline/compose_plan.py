"""Compose a season: detect the genre, build canon, schedule the big changes, write the briefs."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

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
from agents.offline.premise_names import hero_name
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
_EN_OCCUPATION = re.compile(
    r"^\s*(?:a|an|the)\s+([a-z][a-z\- ]{1,40}?)\s+(?:is|who|was|discovers|finds|learns|must|has|gets|wakes|returns|"
    r"becomes|inherits|uncovers|falls)\b",
    re.IGNORECASE,
)
_EN_ADJECTIVES = frozenset(
    {
        "young",
        "struggling",
        "poor",
        "broke",
        "humble",
        "lonely",
        "single",
        "ordinary",
        "shy",
        "overworked",
        "quiet",
        "brilliant",
        "down-on-her-luck",
        "down-on-his-luck",
    }
)
_ZH_OCCUPATION = re.compile(
    r"^(?:一[个名位])?([\u4e00-\u9fff]{0,6}?(?:医生|警察|司机|骑手|老板|店主|职员|员|师|工|生|手|匠|士|官))"
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


def premise_occupation(premise: str, language: str) -> str:
    """Return the protagonist's occupation when the premise opens with one ('A delivery rider who…', '外卖员…')."""
    text = premise.strip()
    if language == "zh" or re.match(r"^[\u4e00-\u9fff]", text):
        found = _ZH_OCCUPATION.match(text)
        if not found:
            return ""
        job = found.group(1).split("的")[-1]
        return job if len(job) >= 2 else ""
    # "Lin, a courier, finds …" and "A rider named Maya …": the name is not part of the job.
    found = _EN_OCCUPATION.match(re.sub(r"^[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?,\s+", "", text).replace(",", ""))
    if not found:
        return ""
    job = re.split(r"\s+(?:named|called)\s+", found.group(1))[0]
    words = [w for w in job.lower().split() if w not in _EN_ADJECTIVES]
    return " ".join(words) if 0 < len(words) <= 4 else ""


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

    job = premise_occupation(premise, language)
    job_end = premise.strip().find(job) + len(job) if job else 0
    members = build_cast(rng, lex, genre, job, hero_name(premise, language, job_end))
    names = role_names(members)
    job = members[0].character.occupation
    article = "an" if job[:1].lower() in "aeiou" else "a"
    values = {**names, "job": job, "Job": job.title(), "a_job": f"{article} {job}"}
    locations = build_locations(rng, genre)
    props = build_props(rng, genre, members)
    secrets = build_secrets(rng, genre, members)
    schedule = _schedule(rng, episodes, paywall, genre, members, props, secrets)
    for _, secret in secrets:
        secret.reveal_episode = next(
            (e.episode for e in schedule.events if e.change.field == "knows" and e.change.entity_id == secret.id), None
        )

    writer = BriefWriter(rng, lex, genre, members, locations, schedule.events, schedule.exit_episode, schedule.exit_key)
    briefs = [writer.brief(number, paywall) for number in range(1, episodes + 1)]

    titles = [t for t in genre.titles if fields(t) <= values.keys()]
    title = fill(rng.choice(titles), values)
    arcs = [fill(a, values) for a in genre.arcs if fields(a) <= values.keys()]
    span = max(1, -(-episodes // max(1, len(arcs))))
    arc_lines = [
        fill(
            lex.arc_frame, {"a": str(min(episodes, i * span + 1)), "b": str(min(episodes, (i + 1) * span)), "text": arc}
        )
        for i, arc in enumerate(arcs)
    ]
    canon = Canon(
        title=title,
        language=language,
        genre=genre_key,
        tone=genre.tone,
        world=build_world(genre, names),
        characters=[m.character for m in members],
        locations=locations,
        props=[p for _, p in props],
        secrets=[s for _, s in secrets],
    )
    plan = SeasonPlan(
        title=title,
        logline=fill(genre.logline, values),
        genre=genre_key,
        tone=genre.tone,
        paywall_episode=paywall,
        arcs=arc_lines,
        episodes=briefs,
    )
    return SeriesBible(canon=canon, plan=plan)
