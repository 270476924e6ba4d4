"""Answer questions from canon with sources: who knows what, who holds what, scenes at a place.

Every answer cites where each fact comes from: "base canon" for what was true
at season start, an episode/scene reference for what a produced episode did.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from agents.messages import say, term
from memory.bible import StoryBible
from memory.canon_fold import NO_HOLDER
from memory.schema import Canon, Character, Location, Prop, Script

EntityKind = Literal["character", "location", "prop"]


class QueryError(ValueError):
    """A query named something canon does not have; the message lists what it does have."""


@dataclass(frozen=True)
class Found:
    """A canon question's answer: text for the user and the sources behind it."""

    text: str
    sources: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    return re.sub(r"[\s_'’.-]+", " ", text.strip().lower()).strip()


def _names(entity: Character | Location | Prop) -> list[str]:
    return [entity.id, entity.name, *entity.aliases]


def resolve(canon: Canon, name: str, kinds: tuple[EntityKind, ...]) -> tuple[EntityKind, Character | Location | Prop]:
    """Find an entity by id, name or alias, then by a word of its name ("Lin" for "Lin Wan").

    Raises:
        QueryError: Nothing or more than one entity matches.
    """
    lang = canon.language
    wanted = _norm(re.sub(r"^(the|a|an)\s+", "", name.strip(), flags=re.IGNORECASE))
    named = say(lang, "sep.or").join(term(lang, "kind", k) for k in kinds)
    pools: list[tuple[EntityKind, Character | Location | Prop]] = []
    for kind in kinds:
        items: list[Character | Location | Prop] = [
            *(canon.characters if kind == "character" else canon.locations if kind == "location" else canon.props)
        ]
        pools += [(kind, item) for item in items]
    if not wanted:
        raise QueryError(say(lang, "query.no_name", kinds=named))
    exact = [(k, e) for k, e in pools if wanted in {_norm(n) for n in _names(e)}]
    if len(exact) == 1:
        return exact[0]
    partial = [
        (k, e)
        for k, e in pools
        if any(wanted in _norm(n).split() or (not wanted.isascii() and wanted in _norm(n)) for n in _names(e))
        or any(_norm(n) in wanted for n in _names(e) if len(_norm(n)) >= 2 and not _norm(n).isascii())
    ]
    if len(partial) == 1:
        return partial[0]
    choices = exact or partial
    if choices:
        listed = say(lang, "sep.list").join(e.name for _, e in choices)
        raise QueryError(say(lang, "query.ambiguous", name=name, listed=listed))
    known = say(lang, "sep.list").join(e.name for _, e in pools[:12])
    raise QueryError(say(lang, "query.unknown", kinds=named, name=name, known=known))


def _now(bible: StoryBible, episode: int | None) -> int:
    """Return the episode a question is about: the one named, or the last produced (0 before any)."""
    committed = bible.committed_episodes()
    if episode is None:
        return committed[-1] if committed else 0
    return episode


def _when(bible: StoryBible, by: int, lang: str) -> str:
    """Say which point of the season an answer describes, and if it runs past what is produced."""
    if not by:
        return say(lang, "query.at_start")
    committed = bible.committed_episodes()
    last = committed[-1] if committed else 0
    if by > last:
        produced = say(lang, "query.produced_episode", n=last) if last else say(lang, "query.produced_start")
        return say(lang, "query.by_end_past", n=by, produced=produced)
    return say(lang, "query.by_end", n=by)


def _where_revealed(script: Script | None, secret_id: str, character_id: str) -> str:
    """Return the line reference where a character learns a secret on screen, if the script shows it."""
    if script is None:
        return ""
    for scene in script.scenes:
        for line in scene.lines:
            if secret_id in line.reveals and character_id in scene.character_ids:
                return f"ep{script.episode:03d}/{line.id}"
    return f"ep{script.episode:03d}"


def character_knowledge(bible: StoryBible, character: str, episode: int | None) -> Found:
    """List the secrets a character knows by the end of an episode, citing where each was learned."""
    canon = bible.base_canon()
    lang = canon.language
    origin = say(lang, "query.base")
    _, who = resolve(canon, character, ("character",))
    by = _now(bible, episode)
    known = bible.knowledge(who.id, by) if by else [s for s in canon.secrets if who.id in s.known_by]
    when = _when(bible, by, lang)
    if not known:
        return Found(say(lang, "query.knows_none", name=who.name, when=when), [origin])
    lines, sources = [say(lang, "query.knows", name=who.name, count=len(known), when=when)], []
    for secret in known:
        base = next((s for s in canon.secrets if s.id == secret.id), None)
        if base is not None and who.id in base.known_by:
            source = origin
        else:
            learned = [n for n, c in bible.history(secret.id) if c.field == "knows" and c.value == who.id and n <= by]
            source = _where_revealed(bible.script(learned[0]), secret.id, who.id) if learned else origin
        lines.append(say(lang, "query.item", text=secret.description, source=source))
        sources.append(source)
    return Found("\n".join(lines), sorted(set(sources)))


def prop_holder(bible: StoryBible, prop: str, episode: int | None) -> Found:
    """Say who holds a prop and in what state by an episode, citing the change that put it there."""
    canon = bible.base_canon()
    lang = canon.language
    _, item = resolve(canon, prop, ("prop",))
    by = _now(bible, episode)
    now = bible.canon_at(by + 1).prop(item.id) if by else item
    assert isinstance(now, Prop)
    holder = canon.character(now.holder_id) if now.holder_id else None
    moves = [(n, c) for n, c in bible.history(item.id) if c.entity_id == item.id and n <= by]
    held = [(n, c) for n, c in moves if c.field == "holder_id"]
    note = (held[-1][1].note or say(lang, "query.holder_changed")) if held else ""
    source = f"ep{held[-1][0]:03d} ({note})" if held else say(lang, "query.base")
    when = _when(bible, by, lang)
    who = holder.name if holder else say(lang, "query.nobody")
    state = term(lang, "state_of_prop", now.state.value)
    text = say(lang, "query.holds", who=who, prop=item.name, when=when, state=state, source=source)
    if held and len(held) > 1:
        moves_text = say(lang, "sep.clause").join(
            say(lang, "query.move", n=n, holder=_holder_name(canon, c.value)) for n, c in held[:-1]
        )
        text += say(lang, "query.earlier", moves=moves_text)
    sources = [source]
    damaged = [(n, c) for n, c in moves if c.field == "prop_state"]
    if damaged:
        damage = term(lang, "state_of_prop", damaged[-1][1].value)
        sources.append(say(lang, "query.state_source", n=damaged[-1][0], state=damage))
    return Found(text, sources)


def _holder_name(canon: Canon, value: str) -> str:
    if value.lower() in NO_HOLDER:
        return say(canon.language, "query.nobody")
    person = canon.character(value)
    return person.name if person else value


def scenes_at(bible: StoryBible, location: str) -> Found:
    """List every produced scene at a location, in story order."""
    canon = bible.base_canon()
    lang = canon.language
    _, place = resolve(canon, location, ("location",))
    scenes = bible.scenes_at(place.id)
    if not scenes:
        return Found(say(lang, "query.no_scenes", place=place.name), [say(lang, "query.base")])
    lines = [say(lang, "query.scenes", count=len(scenes), place=place.name)]
    lines += [say(lang, "query.scene_item", ref=r.ref, text=r.text.splitlines()[0]) for r in scenes]
    return Found("\n".join(lines), [r.ref for r in scenes])


def describe(bible: StoryBible, entity: str) -> Found:
    """Describe a character, location or prop as canon has it now, with its produced history."""
    base = bible.base_canon()
    lang = base.language
    kind, found = resolve(base, entity, ("character", "location", "prop"))
    by = _now(bible, None)
    now = bible.canon_at(by + 1) if by else base
    sources = [say(lang, "query.base")]
    if kind == "character":
        person = now.character(found.id)
        assert person is not None
        text = _describe_character(person, lang)
    elif kind == "location":
        assert isinstance(found, Location)
        where = term(lang, "interior", str(found.interior))
        text = say(lang, "query.location", name=found.name, id=found.id, kind=where, description=found.description)
    else:
        item = now.prop(found.id)
        assert item is not None
        holder = _holder_name(now, item.holder_id or "none")
        state = term(lang, "state_of_prop", item.state.value)
        text = say(
            lang, "query.prop", name=item.name, id=item.id, description=item.description, holder=holder, state=state
        )
    history = [(n, c) for n, c in bible.history(found.id) if c.entity_id == found.id]
    if history:
        changes = say(lang, "sep.clause").join(
            say(lang, "query.change", n=n, field=c.field, value=c.value)
            + (say(lang, "query.change_note", note=c.note) if c.note else "")
            for n, c in history
        )
        text += say(lang, "query.changes", changes=changes)
        sources += [f"ep{n:03d}" for n, _ in history]
    return Found(text, sorted(set(sources)))


def _describe_character(person: Character, lang: str) -> str:
    look = person.appearance
    eyes = look.eyes
    if eyes and lang == "en" and "eye" not in eyes.lower() and "眼" not in eyes:
        eyes = say(lang, "query.eyes", eyes=eyes)
    looks = [look.hair, *([eyes] if eyes else []), look.build, *([look.features] if look.features else [])]
    return say(
        lang,
        "query.character",
        name=person.name,
        id=person.id,
        age=person.age,
        gender=term(lang, "gender", person.gender),
        role=person.role,
        occupation=say(lang, "query.occupation", occupation=person.occupation) if person.occupation else "",
        status=term(lang, "status", person.status.value),
        looks=say(lang, "sep.comma").join(looks),
        traits=say(lang, "sep.comma").join(person.traits) or say(lang, "query.no_traits"),
        wardrobe=say(lang, "sep.clause").join(
            say(lang, "query.wardrobe_item", id=w.id, description=w.description) for w in person.wardrobe
        ),
    )


def ask(bible: StoryBible, question: str, k: int = 5) -> Found:
    """Answer an open question with the closest canon and episode documents."""
    lang = bible.base_canon().language
    hits = bible.recall(question, k=k)
    if not hits:
        return Found(say(lang, "query.nothing"), [])
    lines = [say(lang, "query.closest")]
    lines += [
        say(lang, "query.scene_item", ref=_cite(r.ref, r.episode, lang), text=r.text.splitlines()[0]) for r in hits
    ]
    return Found("\n".join(lines), [_cite(r.ref, r.episode, lang) for r in hits])


def _cite(ref: str, episode: int, lang: str) -> str:
    return f"{say(lang, 'query.base')}: {ref.removeprefix('canon/')}" if episode == 0 else ref


@dataclass(frozen=True)
class Retcon:
    """A standing canon change that set a character's status in base canon (from canon_changes.json)."""

    number: int
    at: str
    character_id: str
    status: str


def character_status(
    bible: StoryBible, character: str, episode: int | None, asked: str = "alive", retcons: Sequence[Retcon] = ()
) -> Found:
    """Answer "is X alive?" (or dead, absent) directly: yes or no, since when, and from which source."""
    base = bible.base_canon()
    lang = base.language
    _, found = resolve(base, character, ("character",))
    by = _now(bible, episode)
    now = bible.canon_at(by + 1) if by else base
    person = now.character(found.id)
    assert person is not None
    status = person.status.value
    changes = [
        (n, c) for n, c in bible.history(found.id) if c.field == "status" and c.entity_id == found.id and n <= by
    ]
    if changes and changes[-1][1].value == status:
        n, change = changes[-1]
        since = say(lang, "query.status_since", n=n)
        source = f"ep{n:03d}" + (f": {change.note}" if change.note else "")
    else:
        mine = [r for r in retcons if r.character_id == found.id and r.status == status]
        since = say(lang, "query.status_from_start")
        source = say(lang, "query.status_retcon", number=mine[-1].number, at=mine[-1].at) if mine else ""
        source = source or say(lang, "query.base")
    wanted = "alive" if asked.strip().lower() in ("alive", "living", "still alive") else asked.strip().lower()
    key = "query.status_yes" if status == wanted else "query.status_no"
    text = say(
        lang,
        key,
        name=person.name,
        status=term(lang, "status", status),
        since=since,
        source=source,
        when=_when(bible, by, lang),
    )
    return Found(text, [source])
