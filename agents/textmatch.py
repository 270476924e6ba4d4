"""Text matching shared by the continuity checks and the ethics guards.

Latin terms match on word boundaries (with an optional plural, or any ending
for a term written with a trailing ``*``); terms holding CJK characters match
as substrings, because Chinese has no spaces to mark word boundaries. Matching
runs on a folded copy of the text (casefolded, accents and full-width forms
removed, zero-width characters dropped) that maps back to the original, so a
quote is always the verbatim source text.

Lexicons are written compactly, as ``"term, two words, 词"`` lists read by
``term_list`` and ``"term=substitute, ..."`` tables read by ``term_table``.
The recognisers built on this matching live next to it: ``name_lookalikes``,
``appearance_text`` and ``era_terms``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from memory.schema import Character

# Invisible or decorative characters that would split a name or a term.
_DROP = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad·・•")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_CLOCK = re.compile(r"^\s*(\d{1,2})\s*[:：]\s*(\d{2})\s*$")


@dataclass(frozen=True)
class Folded:
    """A folded copy of a text that remembers where each character came from."""

    text: str
    source: str
    index: tuple[int, ...]

    def quote(self, start: int, end: int) -> str:
        """Return the verbatim source text behind the folded span [start, end)."""
        if start >= end or not self.index:
            return ""
        return self.source[self.index[start] : self.index[end - 1] + 1]


@dataclass(frozen=True)
class Hit:
    """One occurrence of a lexicon term in a text."""

    term: str
    start: int
    end: int
    quote: str


def fold(text: str) -> Folded:
    """Fold a text for matching: casefold, strip accents and width, drop invisible characters."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch in _DROP:
            continue
        decomposed = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in decomposed if not unicodedata.combining(c)) or ch
        for c in base.casefold():
            out.append(c)
            index.append(i)
    return Folded("".join(out), text, tuple(index))


def has_cjk(text: str) -> bool:
    """Return True when the text holds at least one CJK ideograph."""
    return _CJK.search(text) is not None


def is_cjk_char(ch: str) -> bool:
    """Return True for a single CJK ideograph."""
    return len(ch) == 1 and _CJK.match(ch) is not None


@lru_cache(maxsize=4096)
def term_pattern(term: str) -> re.Pattern[str]:
    """Compile the pattern that finds a lexicon term in folded text."""
    wildcard = term.endswith("*")
    body = fold(term.rstrip("*")).text.strip()
    if has_cjk(body):
        return re.compile(re.escape(body))
    parts: list[str] = []
    for token in re.split(r"(\s+|-)", body):
        if not token:
            continue
        if token.isspace():
            parts.append(r"[\s\-]+")
        elif token == "-":
            parts.append(r"[\s\-]*")
        else:
            parts.append(re.escape(token))
    tail = r"[a-z]*" if wildcard else r"(?:s|es)?"
    return re.compile(r"(?<![a-z0-9])" + "".join(parts) + tail + r"(?![a-z0-9])")


def find_terms(
    folded: Folded, terms: Iterable[str], exclusions: Mapping[str, Iterable[str]] | None = None
) -> list[Hit]:
    """Find every occurrence of the terms, skipping those inside an excluded phrase."""
    hits: list[Hit] = []
    for term in terms:
        blocked = _excluded_spans(folded, (exclusions or {}).get(term, ()))
        for m in term_pattern(term).finditer(folded.text):
            if any(s <= m.start() and m.end() <= e for s, e in blocked):
                continue
            hits.append(Hit(term, m.start(), m.end(), folded.quote(m.start(), m.end())))
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


def _excluded_spans(folded: Folded, phrases: Iterable[str]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for p in phrases for m in term_pattern(p).finditer(folded.text)]


def regex_hits(folded: Folded, patterns: Iterable[re.Pattern[str]]) -> list[Hit]:
    """Find every match of precompiled patterns (written for folded text)."""
    hits = [
        Hit(p.pattern, m.start(), m.end(), folded.quote(m.start(), m.end()))
        for p in patterns
        for m in p.finditer(folded.text)
    ]
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


def latin_words(text: str) -> list[tuple[str, int]]:
    """Return the Latin words of a text with their offsets."""
    return [(m.group().strip("'’-"), m.start()) for m in _LATIN_WORD.finditer(text)]


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Return the Levenshtein distance between two strings, capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)


def clock_minutes(clock: str) -> int | None:
    """Parse a 24h 'HH:MM' clock into minutes after midnight, or None when malformed."""
    m = _CLOCK.match(clock)
    if not m:
        return None
    hours, minutes = int(m.group(1)), int(m.group(2))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        return None
    return (hours % 24) * 60 + minutes


def format_clock(minutes: int) -> str:
    """Format minutes after midnight as a 24h 'HH:MM' clock."""
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def names_of(character: Character) -> list[str]:
    """Return a character's canon name followed by its aliases."""
    return [character.name, *character.aliases]


def term_list(text: str) -> tuple[str, ...]:
    """Split a compact lexicon written as ``"term, two words, 词"`` into its terms, in order."""
    return tuple(t.strip() for t in text.split(",") if t.strip())


def term_table(text: str) -> dict[str, str]:
    """Read a compact table written as ``"term=value, other term=value"`` into a dict, in order."""
    return {term.strip(): value.strip() for term, _, value in (p.partition("=") for p in term_list(text))}
