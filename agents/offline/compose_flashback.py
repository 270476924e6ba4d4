"""The lines an episode plans, and flashbacks: a character the story has lost is seen once, in the past."""

from __future__ import annotations

from dataclasses import dataclass, field

from memory.schema import Canon, CharacterStatus, EpisodeBrief


@dataclass
class LineSlot:
    """One line to be written: what kind it is and, once cast, who says it."""

    kind: str
    text: str = ""
    speaker: str | None = None
    needs: set[str] = field(default_factory=set)
    reveals: list[str] = field(default_factory=list)


def line_count(target_seconds: int) -> int:
    """Scale 10-20 lines to the runtime: about 18 at 90 seconds, so talk fills most of the screen time."""
    return min(20, max(10, round(18 * target_seconds / 90)))


# Scenes whose lines are all of these kinds can play in the past: nothing in them changes canon or opens or
# closes the episode.
_PAST_KINDS = frozenset({"filler", "establish", "beat", "beat_reply"})
OPENERS = {"en": "Years earlier. ", "zh": "多年前。"}


def ghosts(canon: Canon, brief: EpisodeBrief) -> list[str]:
    """Return the brief's characters who can only appear in a flashback (not alive at this point)."""
    out = []
    for char_id in brief.character_ids:
        character = canon.character(char_id)
        if character is not None and character.status != CharacterStatus.ALIVE:
            out.append(char_id)
    return out


def flashback_scene(kinds: list[list[str]]) -> int | None:
    """Return the index of a middle scene that can be a flashback (only talk in it), or None."""
    for index in range(1, len(kinds) - 1):
        if all(kind in _PAST_KINDS for kind in kinds[index]):
            return index
    return None


def stage_flashback(slots: list[LineSlot], bounds: list[int], casts: list[list[str]], lost: list[str]) -> int | None:
    """Make a middle scene of talk a flashback with the lost characters in it, each speaking once; its index."""
    ranges = list(zip(bounds, [*bounds[1:], len(slots)], strict=True))
    index = flashback_scene([[s.kind for s in slots[a:b]] for a, b in ranges]) if lost else None
    if index is None:
        return None
    start, end = ranges[index]
    fillers = [i for i in range(start + 1, end) if slots[i].kind == "filler"]
    if len(fillers) < len(lost):
        return None
    casts[index] += [g for g in lost if g not in casts[index]]
    for ghost, i in zip(lost, fillers[::2] + fillers[1::2], strict=False):
        slots[i] = LineSlot("filler", speaker=ghost, needs={ghost})
    return index
