"""The rules both languages share, in the order they are tried, parameterised by each language's patterns.

A clause is read by the first rule that recognises it: the story-shape rules of each language first
(hook, beats, renames), then shots, lines, replaced words, props, wardrobe, people, length, scene moves
and tone, here. The order matters: "make her angry when she says '…'" is a line edit, not a tone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from agents.note_parser_build import (
    Clause,
    Reading,
    add_characters,
    change_lines,
    character_emotion,
    cut_characters,
    cut_phrases,
    drop_reveals,
    move_scene,
    prop_edit,
    resize,
    rewrite_lines,
    unknown_name,
    wardrobe,
)
from agents.note_parser_scope import lookup
from memory.edits import AddShotForLine, ChangeTone, CutShotCharacter, EditRequest, SetShotField, SetShotWardrobe

Rule = Callable[[Clause], Reading | None]


@dataclass(frozen=True)
class Words:
    """One language's patterns for the shared rules."""

    cut: re.Pattern[str]
    add: re.Pattern[str]
    hold: re.Pattern[str]
    nobody: re.Pattern[str]
    drop_thing: re.Pattern[str]
    wear: re.Pattern[str]
    more: re.Pattern[str]
    shot_for: re.Pattern[str]
    seconds: re.Pattern[str]
    reveal: re.Pattern[str]
    speaker: re.Pattern[str]
    new_words: re.Pattern[str]
    rewrite: re.Pattern[str]
    move: re.Pattern[str]
    unknown: tuple[re.Pattern[str], ...]
    not_a_name: Callable[[str], bool]
    clock: Callable[[Clause], str | None]


def rules(words: Words, story: Sequence[Rule], replace: Rule, last: Sequence[Rule] = ()) -> tuple[Rule, ...]:
    """Return every rule for a language, in the order they are tried; `last` only when nothing else reads."""
    shared: list[Callable[[Words, Clause], Reading | None]] = [_props, _wardrobe, _people, _length, _move, _tone]
    return (
        *story,
        partial(_shots, words),
        partial(_line_edit, words),
        replace,
        *(partial(rule, words) for rule in shared),
        *last,
    )


def _shots(w: Words, c: Clause) -> Reading | None:
    shot_ids = c.scope.shot_ids_in(c.bare)
    if not shot_ids:
        if c.scope.shots is not None and c.lines and w.shot_for.search(c.bare):
            return Reading([AddShotForLine(line_id=r.line.id) for r in c.lines])
        return None
    requests: list[EditRequest] = []
    for shot_id in shot_ids:
        if c.chars and w.cut.search(c.bare):
            requests += [CutShotCharacter(shot_id=shot_id, character_id=cid) for cid in c.chars]
            continue
        if c.chars and w.wear.search(c.bare):
            for cid in c.chars:
                set_id = c.scope.wardrobe_for(cid, c.bare, c.lang)
                if set_id is not None:
                    requests.append(SetShotWardrobe(shot_id=shot_id, character_id=cid, wardrobe_id=set_id))
            continue
        seconds = w.seconds.search(c.bare)
        if seconds:
            requests.append(SetShotField(shot_id=shot_id, field="duration", value=seconds.group(1)))
        times = c.times()
        if times:
            requests.append(SetShotField(shot_id=shot_id, field="time_of_day", value=times[-1]))
        places = c.place_targets()
        if places:
            requests.append(SetShotField(shot_id=shot_id, field="location_id", value=places[0]))
    return Reading(requests) if requests else None


def _line_edit(w: Words, c: Clause) -> Reading | None:
    if not c.lines:
        return None
    if w.reveal.search(c.bare):
        return drop_reveals(c)
    speaker = w.speaker.search(c.bare)
    speaker_id = None
    if speaker:
        name = next(g for g in speaker.groups() if g)
        named = c.scope.character_mentions(name)
        if not named:
            return unknown_name(c, name)
        speaker_id = named[0].id
    new_text = c.new_quotes[-1] if c.new_quotes and w.new_words.search(c.bare) else None
    if new_text is None and not speaker_id and w.drop_thing.search(c.bare) and not c.emotions():
        return cut_phrases(c)
    emotions = c.emotions()
    if speaker_id or new_text or emotions:
        return change_lines(c, text=new_text, speaker=speaker_id, emotion=emotions[-1] if emotions else None)
    if w.rewrite.search(c.bare):
        return rewrite_lines(c, c.text.strip())
    return None


def _move(w: Words, c: Clause) -> Reading | None:
    clock = w.clock(c)
    if not (w.move.search(c.bare) or c.scene is not None or clock):
        return None
    if c.chars and (w.cut.search(c.bare) or w.add.search(c.bare)) and not c.times():
        return None  # "bring Lin into the office scene" names a place to put a person, not a scene move
    return move_scene(c, clock)


def _props(w: Words, c: Clause) -> Reading | None:
    props = c.scope.prop_mentions(c.bare)
    if not props:
        return None
    prop_id = props[0].id
    if w.nobody.search(c.bare):
        return prop_edit(c, prop_id, drop=False, holder=None)
    if c.chars and w.hold.search(c.bare):
        return prop_edit(c, prop_id, drop=False, holder=c.chars[-1])
    if w.drop_thing.search(c.bare):
        return prop_edit(c, prop_id, drop=True, holder=None)
    return None


def _wardrobe(w: Words, c: Clause) -> Reading | None:
    return wardrobe(c) if c.chars and w.wear.search(c.bare) else None


def _people(w: Words, c: Clause) -> Reading | None:
    if not c.chars:
        return _unknown(w, c)
    emotions = c.emotions()
    if emotions and w.more.search(c.bare):
        return character_emotion(c, emotions[-1])
    if w.cut.search(c.bare):
        return cut_characters(c)
    if w.add.search(c.bare):
        return add_characters(c)
    return None


def _unknown(w: Words, c: Clause) -> Reading | None:
    """Warn about a name in the place of a character that is nobody in canon ("Cut Zed")."""
    for pattern in w.unknown:
        m = pattern.search(c.bare)
        if not m or w.not_a_name(m.group(1)):
            continue
        if not c.scope.location_mentions(m.group(1)) and not c.scope.prop_mentions(m.group(1)):
            return unknown_name(c, m.group(1))
    return None


def _length(w: Words, c: Clause) -> Reading | None:
    found = lookup(c.bare, "lengths", c.lang)
    return resize(c, found[0][2]) if found else None


def _tone(w: Words, c: Clause) -> Reading | None:
    found = lookup(c.bare, "tones", c.lang)
    return Reading([ChangeTone(tone=found[0][2])]) if found else None
