"""Story clock and screen-time arithmetic shared by the script and shot composers."""

from __future__ import annotations

import re

from memory.schema import TimeOfDay

# Speaking rates from the brief: English ~2.6 words/s, Chinese ~4.5 characters/s.
EN_WORDS_PER_S = 2.6
ZH_CHARS_PER_S = 4.5
DIALOGUE_PAD_S = 0.4
ACTION_SHOT_S = 1.8
REACTION_SHOT_S = 1.1

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9']+")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def speaking_seconds(text: str) -> float:
    """Estimate how long a line takes to say, from its CJK characters and Latin words."""
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text)))
    return cjk / ZH_CHARS_PER_S + words / EN_WORDS_PER_S


def dialogue_shot_seconds(text: str) -> float:
    """Return a dialogue shot's duration: speaking time plus a beat, clamped to 0.8-6.0 s."""
    return round(min(6.0, max(0.8, speaking_seconds(text) + DIALOGUE_PAD_S)), 2)


def parse_clock(clock: str) -> int | None:
    """Return minutes after midnight for 'HH:MM', or None when malformed."""
    found = _CLOCK.match(clock.strip())
    if not found:
        return None
    return int(found.group(1)) * 60 + int(found.group(2))


def format_clock(minutes: int) -> str:
    """Format minutes after midnight as 'HH:MM' (clamped to the same day)."""
    minutes = max(0, min(23 * 60 + 59, minutes))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def time_of_day(clock: str) -> TimeOfDay:
    """Return the TimeOfDay literal that matches a clock time."""
    minutes = parse_clock(clock)
    if minutes is None:
        return "day"
    hour = minutes // 60
    if 5 <= hour < 7:
        return "dawn"
    if 7 <= hour < 11:
        return "morning"
    if 11 <= hour < 14:
        return "day"
    if 14 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 20:
        return "evening"
    return "night"
