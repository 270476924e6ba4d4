"""Change canon on request, and let the continuity editor say which produced episodes it contradicts.

A change is made to base canon (season start), so it is a retcon for every
produced episode. Before it is applied, every committed script is checked
against canon as it would then stand, with the continuity editor's rules, and
only findings the change introduces count: those episodes are "affected".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import get_args

from pydantic import ValidationError

from agents.canon_queries import QueryError, resolve
from agents.continuity_checks import check_script
from agents.messages import say
from agents.showrunner_chat import ChangeCanon, EditAction
from agents.wardrobe_edits import WardrobeError, revise_set
from memory.bible import StoryBible
from memory.canon_fold import NO_HOLDER, carryover_from, fold_episodes
from memory.schema import (
    Appearance,
    Canon,
    Character,
    CharacterStatus,
    Finding,
    Location,
    Prop,
    PropState,
    Script,
    Voice,
    WardrobeSet,
)

ACTIONS: tuple[str, ...] = get_args(EditAction)
# How a stale mark left by a reopening begins; the episode's recommit clears the marks that begin so.
REOPEN_MARK = "episode {episode} reopened for rewrite"
_CHARACTER_FIELDS = {"name", "aliases", "age", "gender", "role", "occupation", "status", "traits"}
_LOOK_FIELDS = {"hair", "eyes", "build", "features"}
_LOCATION_FIELDS = {"name", "aliases", "description", "interior"}
_PROP_FIELDS = {"name", "aliases", "description", "holder", "state"}


class EditError(ValueError):
    """A canon change cannot be made as asked; the message says what to ask instead."""


@dataclass(frozen=True)
class Affected:
    """One produced episode a change contradicts, and the continuity findings that show it."""

    episode: int
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class Assessment:
    """A proposed canon change: what it does, the canon it makes, and what it contradicts."""

    edit: ChangeCanon
    description: str
    canon: Canon
    affected: list[Affected] = field(default_factory=list)


def _slug(name: str, taken: set[str], prefix: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or prefix
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}_{n}", n + 1
    return slug


def _words(value: str) -> list[str]:
    return [w.strip() for w in re.split(r"[,，、;；]", value) if w.strip()]


def _character_update(person: Character, changes: dict[str, str]) -> Character:
    for key, value in changes.items():
        if key.startswith("wardrobe."):
            try:
                person = revise_set(person, key.removeprefix("wardrobe."), value)
            except WardrobeError as exc:
                raise EditError(str(exc)) from exc
    data = person.model_dump()
    for key, value in changes.items():
        if key.startswith("wardrobe."):
            continue
        if key in _LOOK_FIELDS:
            data["appearance"][key] = value
        elif key in ("aliases", "traits"):
            data[key] = _words(value)
        elif key == "status":
            if value not in {s.value for s in CharacterStatus}:
                raise EditError(f"status must be alive, absent or dead, not '{value}'")
            data[key] = value
        elif key in _CHARACTER_FIELDS:
            data[key] = value
        else:
            allowed = ", ".join([*sorted(_CHARACTER_FIELDS | _LOOK_FIELDS), "wardrobe.SET"])
            raise EditError(f"a character has no field '{key}' to change; fields: {allowed}")
    return Character.model_validate(data)


def _location_update(place: Location, changes: dict[str, str]) -> Location:
    data = place.model_dump()
    for key, value in changes.items():
        if key not in _LOCATION_FIELDS:
            raise EditError(f"a location has no field '{key}'; fields: {', '.join(sorted(_LOCATION_FIELDS))}")
        data[key] = (
            _words(value)
            if key == "aliases"
            else (value.lower() in ("true", "yes", "int") if key == "interior" else value)
        )
    return Location.model_validate(data)


def _prop_update(canon: Canon, item: Prop, changes: dict[str, str]) -> Prop:
    data = item.model_dump()
    for key, value in changes.items():
        if key == "holder":
            if value.strip().lower() in NO_HOLDER:
                data["holder_id"] = None
            else:
                _, who = resolve(canon, value, ("character",))
                data["holder_id"] = who.id
        elif key == "state":
            if value not in {s.value for s in PropState}:
                raise EditError(f"a prop's state must be intact, damaged, destroyed or lost, not '{value}'")
            data[key] = value
        elif key in _PROP_FIELDS:
            data[key] = _words(value) if key == "aliases" else value
        else:
            raise EditError(f"a prop has no field '{key}'; fields: {', '.join(sorted(_PROP_FIELDS))}")
    return Prop.model_validate(data)


def _new_character(canon: Canon, changes: dict[str, str]) -> Character:
    name = changes.get("name", "").strip()
    gender = changes.get("gender", "female")
    if gender not in ("female", "male", "nonbinary"):
        raise EditError(f"gender must be female, male or nonbinary, not '{gender}'")
    person = Character(
        id=_slug(name, {c.id for c in canon.characters}, "character"),
        name=name,
        age=int(changes.get("age", "30")) if changes.get("age", "30").isdigit() else 30,
        gender=gender,
        role=changes.get("role", "ally"),
        occupation=changes.get("occupation", ""),
        appearance=Appearance(hair=changes.get("hair", "dark hair"), build=changes.get("build", "average build")),
        wardrobe=[WardrobeSet(id="default", description=changes.get("wardrobe", "everyday clothes"))],
        voice=Voice(gender="neutral" if gender == "nonbinary" else gender),
    )
    rest = {k: v for k, v in changes.items() if k not in ("name", "gender", "age", "role", "occupation", "wardrobe")}
    return _character_update(person, rest) if rest else person


def apply_edit(canon: Canon, edit: ChangeCanon) -> tuple[Canon, str]:
    """Return base canon with the change made, and a one-line description of it.

    Raises:
        EditError: The change is malformed or names something canon lacks.
    """
    changes = {k.strip().lower(): v.strip() for k, v in edit.changes.items() if v.strip()}
    data = canon.model_copy(deep=True)
    try:
        if edit.action == "add_rule":
            if not edit.rule.strip():
                raise EditError("add_rule needs the rule's text")
            data.world.rules.append(edit.rule.strip())
            return data, say(data.language, "edit.rule_added", rule=edit.rule.strip())
        if edit.action.startswith("add_") and not changes.get("name"):
            raise EditError(f"{edit.action} needs at least a name")
        if edit.action == "add_character":
            person = _new_character(data, changes)
            data.characters.append(person)
            return data, say(data.language, "edit.character_added", name=person.name, id=person.id)
        if edit.action == "add_location":
            taken = {loc.id for loc in data.locations}
            place = Location(
                id=_slug(changes["name"], taken, "place"),
                name=changes["name"],
                description=changes.get("description", changes["name"]),
                interior=changes.get("interior", "true").lower() in ("true", "yes", "int"),
            )
            data.locations.append(place)
            return data, say(data.language, "edit.location_added", name=place.name, id=place.id)
        if edit.action == "add_prop":
            item = Prop(
                id=_slug(changes["name"], {p.id for p in data.props}, "prop"),
                name=changes["name"],
                description=changes.get("description", changes["name"]),
            )
            data.props.append(_prop_update(data, item, {k: v for k, v in changes.items() if k != "name"}))
            return data, say(data.language, "edit.prop_added", name=item.name, id=item.id)
        return _revise(data, edit, changes)
    except (ValidationError, QueryError) as exc:
        raise EditError(str(exc).splitlines()[0]) from exc


def _revise(data: Canon, edit: ChangeCanon, changes: dict[str, str]) -> tuple[Canon, str]:
    if not changes:
        raise EditError(f"{edit.action} needs at least one field to change")
    what = say(data.language, "sep.list").join(f"{k} → {v}" for k, v in changes.items())
    if edit.action == "revise_character":
        _, found = resolve(data, edit.target, ("character",))
        data.characters = [_character_update(c, changes) if c.id == found.id else c for c in data.characters]
        return data, say(data.language, "edit.revised", name=found.name, what=what)
    if edit.action == "revise_location":
        _, found = resolve(data, edit.target, ("location",))
        data.locations = [_location_update(loc, changes) if loc.id == found.id else loc for loc in data.locations]
        return data, say(data.language, "edit.revised", name=found.name, what=what)
    _, found = resolve(data, edit.target, ("prop",))
    data.props = [_prop_update(data, p, changes) if p.id == found.id else p for p in data.props]
    return data, say(data.language, "edit.revised", name=found.name, what=what)


def _key(finding: Finding) -> tuple[str, str, str]:
    return finding.check, finding.location, finding.quote


def _check_in(script: Script, scripts: list[Script], canon: Canon) -> list[Finding]:
    """Check a script against canon folded through the given season's episodes before it."""
    earlier = [s for s in scripts if s.episode < script.episode]
    folded = fold_episodes(canon, [(s.episode, s.state_changes) for s in earlier])
    return check_script(script, folded, carryover_from(earlier))


def contradictions(scripts: list[Script], old: Canon, new: Canon) -> list[Affected]:
    """Return the produced episodes whose scripts break continuity under `new` but not under `old`."""
    affected: list[Affected] = []
    for script in scripts:
        before = {_key(f) for f in _check_in(script, scripts, old)}
        fresh = [f for f in _check_in(script, scripts, new) if _key(f) not in before]
        if fresh:
            affected.append(Affected(script.episode, fresh))
    return affected


def later_contradictions(before: list[Script], after: list[Script], canon: Canon, episode: int) -> list[Affected]:
    """Return the episodes after `episode` that break continuity once its script changes (or goes) from the season.

    Args:
        before: The committed scripts as they were, in any order.
        after: The same scripts with the episode rewritten, or without it when it was withdrawn.
        canon: Base canon.
        episode: The episode that changed.
    """
    affected: list[Affected] = []
    for script in sorted(after, key=lambda s: s.episode):
        if script.episode <= episode:
            continue
        had = {_key(f) for f in _check_in(script, before, canon)}
        fresh = [f for f in _check_in(script, after, canon) if _key(f) not in had]
        if fresh:
            affected.append(Affected(script.episode, fresh))
    return affected


def assess(bible: StoryBible, edit: ChangeCanon, waiting: Sequence[Script] = ()) -> Assessment:
    """Make the change on a copy of base canon and check every produced episode against it.

    Args:
        bible: The series' story bible.
        edit: The change asked for.
        waiting: Finished scripts not committed yet (at the approval gate); checked too.
    """
    old = bible.base_canon()
    new, description = apply_edit(old, edit)
    scripts = [s for n in bible.committed_episodes() if (s := bible.script(n)) is not None]
    committed = {s.episode for s in scripts}
    scripts += [s for s in waiting if s.episode not in committed]
    scripts.sort(key=lambda s: s.episode)
    return Assessment(edit, description, new, contradictions(scripts, old, new))


def recheck_after_rewrite(bible: StoryBible, episode: int, old: Script, how: str = "rewritten") -> dict[int, str]:
    """Re-check the later committed episodes once an episode is committed again with a different script.

    Marks left by a reopening (made while the episode was out) are cleared; each later episode the new
    script contradicts, where the old one did not, is marked stale. Returns the new marks.

    Args:
        bible: The story bible, with the new script committed.
        episode: The episode that changed.
        old: Its script before (as committed, or as it was when reopened).
        how: What happened to it, for the mark: "rewritten", "edited by hand".
    """
    prefix = REOPEN_MARK.format(episode=episode)
    for n, mark in bible.stale_episodes().items():
        if mark.startswith(prefix):
            bible.clear_stale(n)
    scripts = [s for n in bible.committed_episodes() if (s := bible.script(n)) is not None]
    before = [old if s.episode == episode else s for s in scripts]
    marks: dict[int, str] = {}
    for item in later_contradictions(before, scripts, bible.base_canon(), episode):
        mark = f"episode {episode} {how}: {len(item.findings)} contradiction(s), e.g. {item.findings[0].message}"
        bible.mark_stale(item.episode, mark)
        marks[item.episode] = mark
    return marks
