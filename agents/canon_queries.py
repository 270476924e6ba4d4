"""Answer questions from canon with sources: who knows what, who holds what, scenes at a place.

Every answer cites where each fact comes from: "base canon" for what was true
at season start, an episode/scene reference for what a produced episode did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from memory.bible import StoryBible
from memory.canon_fold import NO_HOLDER
from memory.schema import Canon, Character, Location, Prop, Script

EntityKind = Literal["character", "location", "prop"]
BASE = "base canon"


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
    wanted = _norm(re.sub(r"^(the|a|an)\s+", "", name.strip(), flags=re.IGNORECASE))
    pools: list[tuple[EntityKind, Character | Location | Prop]] = []
    for kind in kinds:
        items: list[Character | Location | Prop] = [
            *(canon.characters if kind == "character" else canon.locations if kind == "location" else canon.props)
        ]
        pools += [(kind, item) for item in items]
    if not wanted:
        raise QueryError(f"no {' or '.join(kinds)} named")
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
        listed = ", ".join(e.name for _, e in choices)
        raise QueryError(f"'{name}' could be {listed}; say which")
    known = ", ".join(e.name for _, e in pools[:12])
    raise QueryError(f"canon has no {' or '.join(kinds)} called '{name}'; it has: {known}")


def _now(bible: StoryBible, episode: int | None) -> int:
    """Return the episode a question is about: the one named, or the last produced (0 before any)."""
    committed = bible.committed_episodes()
    if episode is None:
        return committed[-1] if committed else 0
    return episode


def _when(bible: StoryBible, by: int) -> str:
    """Say which point of the season an answer describes, and if it runs past what is produced."""
    if not by:
        return "at the start of the season"
    committed = bible.committed_episodes()
    last = committed[-1] if committed else 0
    if by > last:
        produced = f"episode {last}" if last else "the start of the season"
        return f"by the end of episode {by} (only produced up to {produced}, so this is canon as it stands there)"
    return f"by the end of episode {by}"


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
    _, who = resolve(canon, character, ("character",))
    by = _now(bible, episode)
    known = bible.knowledge(who.id, by) if by else [s for s in canon.secrets if who.id in s.known_by]
    when = _when(bible, by)
    if not known:
        return Found(f"{who.name} knows none of the season's secrets {when}.", [BASE])
    lines, sources = [f"{who.name} knows {len(known)} secret(s) {when}:"], []
    for secret in known:
        base = next((s for s in canon.secrets if s.id == secret.id), None)
        if base is not None and who.id in base.known_by:
            source = BASE
        else:
            learned = [n for n, c in bible.history(secret.id) if c.field == "knows" and c.value == who.id and n <= by]
            source = _where_revealed(bible.script(learned[0]), secret.id, who.id) if learned else BASE
        lines.append(f"- {secret.description} [{source}]")
        sources.append(source)
    return Found("\n".join(lines), sorted(set(sources)))


def prop_holder(bible: StoryBible, prop: str, episode: int | None) -> Found:
    """Say who holds a prop and in what state by an episode, citing the change that put it there."""
    canon = bible.base_canon()
    _, item = resolve(canon, prop, ("prop",))
    by = _now(bible, episode)
    now = bible.canon_at(by + 1).prop(item.id) if by else item
    assert isinstance(now, Prop)
    holder = canon.character(now.holder_id) if now.holder_id else None
    moves = [(n, c) for n, c in bible.history(item.id) if c.entity_id == item.id and n <= by]
    held = [(n, c) for n, c in moves if c.field == "holder_id"]
    source = f"ep{held[-1][0]:03d} ({held[-1][1].note or 'holder changed'})" if held else BASE
    when = _when(bible, by)
    who = holder.name if holder else "nobody"
    text = f"{who} holds the {item.name} {when}; it is {now.state.value} [{source}]."
    if held and len(held) > 1:
        text += " Earlier: " + "; ".join(f"ep{n} → {_holder_name(canon, c.value)}" for n, c in held[:-1]) + "."
    sources = [source]
    damaged = [(n, c) for n, c in moves if c.field == "prop_state"]
    if damaged:
        sources.append(f"ep{damaged[-1][0]:03d} (state {damaged[-1][1].value})")
    return Found(text, sources)


def _holder_name(canon: Canon, value: str) -> str:
    if value.lower() in NO_HOLDER:
        return "nobody"
    person = canon.character(value)
    return person.name if person else value


def scenes_at(bible: StoryBible, location: str) -> Found:
    """List every produced scene at a location, in story order."""
    canon = bible.base_canon()
    _, place = resolve(canon, location, ("location",))
    scenes = bible.scenes_at(place.id)
    if not scenes:
        return Found(f"No produced scene is set at {place.name} yet.", [BASE])
    lines = [f"{len(scenes)} scene(s) at {place.name}:"]
    lines += [f"- [{r.ref}] {r.text.splitlines()[0]}" for r in scenes]
    return Found("\n".join(lines), [r.ref for r in scenes])


def describe(bible: StoryBible, entity: str) -> Found:
    """Describe a character, location or prop as canon has it now, with its produced history."""
    base = bible.base_canon()
    kind, found = resolve(base, entity, ("character", "location", "prop"))
    by = _now(bible, None)
    now = bible.canon_at(by + 1) if by else base
    sources = [BASE]
    if kind == "character":
        person = now.character(found.id)
        assert person is not None
        look = person.appearance
        text = (
            f"{person.name} ({person.id}): {person.age}, {person.gender}, {person.role}"
            + (f", {person.occupation}" if person.occupation else "")
            + f"; status {person.status.value}. Looks: {look.hair}"
            + (
                f", {look.eyes}" + ("" if "eye" in look.eyes.lower() or "眼" in look.eyes else " eyes")
                if look.eyes
                else ""
            )
            + f", {look.build}"
            + (f", {look.features}" if look.features else "")
            + f". Traits: {', '.join(person.traits) or 'none listed'}. Wardrobe: "
            + "; ".join(f"{w.id}: {w.description}" for w in person.wardrobe)
            + "."
        )
    elif kind == "location":
        assert isinstance(found, Location)
        text = f"{found.name} ({found.id}, {'interior' if found.interior else 'exterior'}): {found.description}"
    else:
        item = now.prop(found.id)
        assert item is not None
        holder = _holder_name(now, item.holder_id or "none")
        text = f"{item.name} ({item.id}): {item.description}; held by {holder}, {item.state.value}."
    history = [(n, c) for n, c in bible.history(found.id) if c.entity_id == found.id]
    if history:
        text += "\nChanges in produced episodes: " + "; ".join(
            f"ep{n} {c.field} → {c.value}" + (f" ({c.note})" if c.note else "") for n, c in history
        )
        sources += [f"ep{n:03d}" for n, _ in history]
    return Found(text, sorted(set(sources)))


def ask(bible: StoryBible, question: str, k: int = 5) -> Found:
    """Answer an open question with the closest canon and episode documents."""
    hits = bible.recall(question, k=k)
    if not hits:
        return Found("Nothing in canon or the produced episodes matches that.", [])
    lines = ["Closest facts in canon and the produced episodes:"]
    lines += [f"- [{_cite(r.ref, r.episode)}] {r.text.splitlines()[0]}" for r in hits]
    return Found("\n".join(lines), [_cite(r.ref, r.episode) for r in hits])


def _cite(ref: str, episode: int) -> str:
    return f"{BASE}: {ref.removeprefix('canon/')}" if episode == 0 else ref
