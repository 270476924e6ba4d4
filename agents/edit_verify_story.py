"""Did the revision play the story as asked? Checks of the hook, ending and cliffhanger, the beats and the tone.

Part of the edit-request verifier (agents/edit_verify.py); each check returns (met, why not), the reason in
the series' language.
"""

from __future__ import annotations

from agents.edit_match import beat_text, coverage, first_playing, first_playing_beat, plays, tone_emotions, tone_share
from agents.messages import say, term
from memory.edits import AddBeat, ChangeMoment, ChangeTone, DropBeat, ReorderBeats
from memory.schema import EpisodeBrief, Line, Script

Check = tuple[bool, str]
OK: Check = (True, "")


def moment_lines(script: Script, moment: str) -> list[Line]:
    """Return the lines that carry a moment: the first two (hook), the last (cliffhanger), the last two (ending)."""
    lines = script.lines()
    if moment == "hook":
        return lines[:2]
    return lines[-1:] if moment == "cliffhanger" else lines[-2:]


def moment(r: ChangeMoment, before: Script, after: Script, lang: str) -> Check:
    """Do the lines that carry the hook, ending or cliffhanger now play what was asked?"""
    now = moment_lines(after, r.moment)
    if not any(plays(ln.text, r.text) for ln in now):
        best = max((coverage(ln.text, r.text) for ln in now), default=0.0)
        return False, say(lang, f"verify.{r.moment}_misses", share=f"{best:.0%}")
    if [ln.text for ln in now] == [ln.text for ln in moment_lines(before, r.moment)] and not any(
        plays(ln.text, r.text) for ln in moment_lines(before, r.moment)
    ):
        return False, say(lang, f"verify.{r.moment}_unchanged")
    return OK


def add_beat(r: AddBeat, before: Script, after: Script, brief: EpisodeBrief | None, lang: str) -> Check:
    """Is the new beat played, newly, and before the beat it was to precede?"""
    lines = after.lines()
    at = first_playing(lines, r.text)
    if at is None:
        return False, say(lang, "verify.beat_unplayed")
    if sum(plays(ln.text, r.text) for ln in lines) <= sum(plays(ln.text, r.text) for ln in before.lines()):
        return False, say(lang, "verify.beat_already")
    if brief is not None and r.position is not None and r.position < len(brief.key_beats):
        later = first_playing_beat(lines, r.position, brief.key_beats[r.position])
        if later is not None and later < at:
            return False, say(lang, "verify.beat_late", position=r.position)
    return OK


def drop_beat(r: DropBeat, before: Script, after: Script, brief: EpisodeBrief | None, lang: str) -> Check:
    """Is the beat no longer played (and was it shown to be played before)?"""
    text = beat_text(brief, r.index, r.text)
    if not text:
        return False, say(lang, "verify.no_beat", index=r.index)
    at = first_playing_beat(after.lines(), r.index, text)
    if at is not None:
        return False, say(lang, "verify.beat_still_played", line=after.lines()[at].id)
    if first_playing_beat(before.lines(), r.index, text) is None:
        # Nothing showed the beat before either: its absence proves nothing, so it is not claimed as done.
        return False, say(lang, "verify.beat_unprovable")
    return OK


def reorder(r: ReorderBeats, after: Script, brief: EpisodeBrief | None, lang: str) -> Check:
    """Are the brief's beats played in the asked order?"""
    if brief is None:
        return False, say(lang, "verify.no_brief")
    if len(set(r.order)) != len(r.order) or any(not 0 <= i < len(brief.key_beats) for i in r.order):
        return False, say(lang, "verify.bad_order", order=r.order, n=len(brief.key_beats))
    lines = after.lines()
    positions = [first_playing_beat(lines, i, brief.key_beats[i]) for i in r.order]
    played = [p for p in positions if p is not None]
    if len(played) < len(positions):
        return False, say(lang, "verify.beat_missing", index=r.order[positions.index(None)])
    if played != sorted(played) or len(set(played)) != len(played):
        return False, say(lang, "verify.other_order")
    return OK


def tone(r: ChangeTone, before: Script, after: Script, lang: str) -> Check:
    """Is the dialogue played in the asked tone, more than before (or reworked when already steeped in it)?"""
    emotions = tone_emotions(r.tone)
    if not emotions:
        return False, say(lang, "verify.unknown_tone", tone=r.tone)
    share, was = tone_share(after, emotions), tone_share(before, emotions)
    said = [(ln.text, ln.emotion) for ln in after.lines() if ln.kind == "dialogue"]
    moved = said != [(ln.text, ln.emotion) for ln in before.lines() if ln.kind == "dialogue"]
    # Never the draft as it was.
    if share < 0.6 or share < was or not (share > was or moved):
        return False, say(
            lang,
            "verify.tone_share",
            share=f"{share:.0%}",
            emotions="/".join(term(lang, "emotion", e) for e in emotions),
            was=f"{was:.0%}",
        )
    return OK
