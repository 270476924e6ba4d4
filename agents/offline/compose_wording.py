"""Wording: interchangeable words, re-staged beats and reworded planned lines, so a season never repeats itself."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from agents.offline.grammar import fields, fill, phrasebook, registers
from agents.offline.said import normalise, sentences
from memory.schema import Canon

if TYPE_CHECKING:
    from agents.offline.compose_lines import LineWriter


# A negative contraction before its subject (a question or a dare) has no uncontracted form.
_INVERTED = re.compile(r"\s+(?:you|I|we|he|she|they|it)\b", re.IGNORECASE)


def vary(rng: random.Random, language: str, text: str) -> str:
    """Return the text with each interchangeable word replaced by a random one of its group."""
    pattern, groups = _swaps(language)
    if pattern is None:
        return text

    def swap(found: re.Match[str]) -> str:
        word = found.group(0)
        if "n't" in word.casefold() and _INVERTED.match(text, found.end()):
            return word  # "Don't you dare" cannot open up into "Do not you dare"
        choice = rng.choice(groups[word.casefold()])
        return choice[:1].upper() + choice[1:] if word[:1].isupper() and language != "zh" else choice

    return pattern.sub(swap, text)


def stage(writer: LineWriter, beat: str) -> str:
    """Return a planned beat as an action line; one the season has already shown gets a fresh staging."""
    if writer.actions.fresh(beat):
        writer.actions.add(beat)
        return beat
    values = {"place": writer.place}
    stagings = phrasebook(writer.language).stagings
    openings = [fill(t, values) for t in stagings if all(values.get(f) for f in fields(t))]
    writer.rng.shuffle(openings)
    body = beat if writer.language == "zh" or _named_first(beat, writer.canon) else _lower(beat)
    text = writer.actions.pick(f"{o}{body}" for o in openings)
    return text or beat


def freshen(writer: LineWriter, text: str, emotion: str) -> str:
    """Return a planned line (a brief's hook or cliffhanger) with any sentence the season has said reworded.

    A repeated sentence gets a lead of the emotion's register in front, keeping its words (so the line still
    plays the planned beat); one no lead can save is left out when the line has other sentences.
    """
    language = writer.language
    register = next((r for r in registers(language) if emotion in r.emotions), registers(language)[0])
    values = {"other": "", "place": writer.place}
    leads = [fill(t, values) for t in register.leads if all(values.get(f) for f in fields(t))]
    joiner = "" if language == "zh" else " "
    kept: list[str] = []
    parts = sentences(text, language)
    for sentence in parts:
        if writer.said.fresh(sentence):
            kept.append(sentence)
            continue
        body = sentence if language == "zh" or _named_first(sentence, writer.canon) else _lower(sentence)
        writer.rng.shuffle(leads)
        reworded = next((f"{lead}{joiner}{body}" for lead in leads if writer.said.fresh(f"{lead}{joiner}{body}")), "")
        if reworded:
            kept.append(reworded)
        elif len(parts) == 1:
            kept.append(sentence)
    return joiner.join(kept) or text


def capital(text: str, language: str) -> str:
    """Capitalise an English line's first letter (a core clause starts in lower case)."""
    if language == "zh" or not text:
        return text
    return text[0].upper() + text[1:]


@cache
def folder(language: str) -> Callable[[str], str]:
    """Return a fold of normalised sentences that maps every interchangeable word to its group's first word."""
    swaps = phrasebook(language).swaps
    first = {normalise(w, language): normalise(group[0], language) for group in swaps for w in group}
    if not first:
        return lambda key: key
    body = "|".join(re.escape(w) for w in sorted(first, key=len, reverse=True))
    pattern = re.compile(body if language == "zh" else rf"\b(?:{body})\b")
    return lambda key: pattern.sub(lambda m: first[m.group(0)], key)


@cache
def _swaps(language: str) -> tuple[re.Pattern[str] | None, dict[str, tuple[str, ...]]]:
    """Return a pattern matching any interchangeable word of the language, and each word's group."""
    groups = {w.casefold(): group for group in phrasebook(language).swaps for w in group}
    if not groups:
        return None, groups
    body = "|".join(re.escape(w) for w in sorted(groups, key=len, reverse=True))
    if language == "zh":
        return re.compile(body), groups
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])", re.IGNORECASE), groups


def _lower(text: str) -> str:
    """Lower-case an English sentence's first letter, so a lead can go in front of it."""
    return text[:1].lower() + text[1:] if text[:2] != "I " and text[:2] != "I'" else text


def _named_first(text: str, canon: Canon) -> bool:
    """Tell whether an English sentence starts with a character's name (which keeps its capital)."""
    first = text.split(" ", 1)[0].strip(",.!?;:")
    return any(first in (c.name.split(" ")[0], *c.aliases) for c in canon.characters)
