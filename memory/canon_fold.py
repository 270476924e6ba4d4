"""Fold episode state changes into canon and derive carryover and timeline from scripts.

Pure functions over the domain types: no storage, no embeddings. The story
bible uses them to answer "what is true at the start of episode N", and
continuity checks can use them directly on uncommitted scripts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from memory.schema import Canon, Carryover, CharacterStatus, KeptWardrobe, PropState, Script, StateChange, TimelineEvent

__all__ = [
    "FoldError",
    "apply_change",
    "carryover_from",
    "change_problem",
    "fold_changes",
    "fold_episodes",
    "timeline_events",
]

NO_HOLDER = frozenset({"", "none", "null", "nobody"})


class FoldError(ValueError):
    """A state change cannot be applied to canon."""


def change_problem(canon: Canon, change: StateChange) -> str | None:
    """Return why a change cannot apply to canon, or None when it can.

    Args:
        canon: Canon the change would apply to.
        change: The change to check.

    Returns:
        A one-sentence problem, or None.
    """
    field, entity, value = change.field, change.entity_id, change.value.strip()
    if field in ("status", "wardrobe"):
        character = canon.character(entity)
        if character is None:
            return f"{field} change names unknown character {entity!r}"
        if field == "status" and value not in set(CharacterStatus):
            return f"status {value!r} is not one of {', '.join(CharacterStatus)}"
        if field == "wardrobe" and value not in {w.id for w in character.wardrobe}:
            return f"{character.id} has no wardrobe set {value!r}"
        return None
    if field in ("holder_id", "prop_state"):
        if canon.prop(entity) is None:
            return f"{field} change names unknown prop {entity!r}"
        if field == "holder_id" and value.lower() not in NO_HOLDER and canon.character(value) is None:
            return f"prop holder {value!r} is not a canon character"
        if field == "prop_state" and value not in set(PropState):
            return f"prop state {value!r} is not one of {', '.join(PropState)}"
        return None
    # field == "knows": entity is the secret, value the character who learns it
    if canon.secret(entity) is None:
        return f"knows change names unknown secret {entity!r}"
    if canon.character(value) is None:
        return f"knows change names unknown character {value!r}"
    return None


def apply_change(canon: Canon, change: StateChange) -> None:
    """Apply one change to canon in place.

    Wardrobe changes are validated but leave canon as is: canon has no
    "currently worn" field; carryover tracks what is worn.

    Raises:
        FoldError: The change does not fit canon (see ``change_problem``).
    """
    problem = change_problem(canon, change)
    if problem is not None:
        raise FoldError(problem)
    value = change.value.strip()
    if change.field == "status":
        character = canon.character(change.entity_id)
        assert character is not None  # checked by change_problem
        character.status = CharacterStatus(value)
    elif change.field == "holder_id":
        prop = canon.prop(change.entity_id)
        assert prop is not None
        prop.holder_id = None if value.lower() in NO_HOLDER else value
    elif change.field == "prop_state":
        prop = canon.prop(change.entity_id)
        assert prop is not None
        prop.state = PropState(value)
    elif change.field == "knows":
        secret = canon.secret(change.entity_id)
        assert secret is not None
        if value not in secret.known_by:
            secret.known_by.append(value)


def fold_changes(canon: Canon, changes: Iterable[StateChange], *, strict: bool = False) -> Canon:
    """Return a copy of canon with changes applied in order; canon itself is untouched.

    Args:
        canon: The starting canon.
        changes: Changes in the order they happen.
        strict: Raise on a change that does not fit; by default such changes
            are skipped, because committed history must stay readable even if
            one episode made a bad change.

    Raises:
        FoldError: ``strict`` and a change does not fit.
    """
    folded = canon.model_copy(deep=True)
    for change in changes:
        try:
            apply_change(folded, change)
        except FoldError:
            if strict:
                raise
    return folded


def fold_episodes(
    canon: Canon, episodes: Iterable[tuple[int, Sequence[StateChange]]], *, strict: bool = False
) -> Canon:
    """Return canon after each episode's changes, folded in episode order.

    Args:
        canon: The base canon (season start).
        episodes: (episode number, its changes) pairs in any order.
        strict: See ``fold_changes``.
    """
    ordered = sorted(episodes, key=lambda pair: pair[0])
    return fold_changes(canon, (change for _, changes in ordered for change in changes), strict=strict)


def carryover_from(scripts: Iterable[Script]) -> Carryover:
    """Return where the story stands after the given scripts, taken in episode order.

    The last non-flashback scene sets the story day and clock (a flashback
    does not move the present). Wardrobe follows each scene's wardrobe, then
    the episode's wardrobe state changes, which describe its end state; such a
    change lasts (`kept_wardrobe`) until a later episode changes it again.
    """
    carry = Carryover()
    for script in sorted(scripts, key=lambda s: s.episode):
        for scene in script.scenes:
            if scene.flashback:
                continue
            carry.last_story_day = scene.story_day
            carry.last_clock = scene.clock
            carry.wardrobe.update(scene.wardrobe)
        for change in script.state_changes:
            if change.field == "wardrobe":
                carry.wardrobe[change.entity_id] = change.value.strip()
                carry.kept_wardrobe[change.entity_id] = KeptWardrobe(
                    wardrobe_id=change.value.strip(), since_episode=script.episode
                )
    return carry


def timeline_events(script: Script, canon: Canon | None = None) -> list[TimelineEvent]:
    """Return one timeline event per scene of a script.

    Args:
        script: The episode script.
        canon: Used for location and character names; ids are used without it.
    """
    events: list[TimelineEvent] = []
    for scene in script.scenes:
        location = canon.location(scene.location_id) if canon else None
        place = location.name if location else scene.location_id
        names = [_name(canon, cid) for cid in scene.character_ids]
        action = next((line.text for line in scene.lines if line.kind == "action"), scene.lines[0].text)
        flashback = " (flashback)" if scene.flashback else ""
        description = f"{scene.clock} {place}{flashback}: {', '.join(names)}. {_clip(action, 160)}"
        events.append(
            TimelineEvent(
                episode=script.episode,
                story_day=scene.story_day,
                description=description,
                character_ids=list(scene.character_ids),
            )
        )
    return events


def _name(canon: Canon | None, character_id: str) -> str:
    """Return a character's name, or the id when canon lacks it."""
    character = canon.character(character_id) if canon else None
    return character.name if character else character_id


def _clip(text: str, limit: int) -> str:
    """Shorten text to at most limit characters, marking the cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
