"""What a season has already said: the dialogue sentences of earlier committed episodes, for the offline writer.

A viewer notices a sentence said twice in a season, so the writer refuses any
sentence said before and, among fresh candidates, prefers the one sharing the
fewest word 4-grams (English) or character 4-grams (Chinese) with what was
said. It is built from committed scripts only, which a crash cannot lose, so a
resumed season writes exactly what an uninterrupted one would.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from memory.schema import Script

GRAM = 4
_SPLIT: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"(?<=[.!?\u2026])[\"'\u201d\u2019)]*\s+"),
    "zh": re.compile(r"(?<=[。！？!?；;\u2026])[」』”’）)]*"),
}


def normalise(sentence: str, language: str) -> str:
    """Fold a sentence for comparison: punctuation and spacing removed, English lower-cased with single spaces."""
    folded = unicodedata.normalize("NFKC", sentence).casefold().replace("\u2019", "'")
    kept = "".join(ch if not unicodedata.category(ch).startswith(("P", "S")) else " " for ch in folded)
    if language == "zh":
        return "".join(kept.split())
    return " ".join(kept.replace("'", "").split())


def sentences(text: str, language: str) -> list[str]:
    """Split one dialogue line into its sentences, as written."""
    pattern = _SPLIT["zh" if language == "zh" else "en"]
    return [piece.strip() for piece in pattern.split(text) if piece.strip()]


def _grams(key: str, language: str) -> list[tuple[str, ...]]:
    units: Sequence[str] = key.replace(" ", "") if language == "zh" else key.split()
    if len(units) < GRAM:
        return [tuple(units)] if units else []
    return [tuple(units[i : i + GRAM]) for i in range(len(units) - GRAM + 1)]


class SaidSoFar:
    """The season's spoken sentences so far, and the n-grams they used.

    A sentence said to someone else ("Don't look now, Mara" / "Don't look now, Tomas") is the same line to a
    viewer, so sentences are also compared with the cast's names masked.
    """

    def __init__(
        self,
        language: str,
        earlier: Iterable[Script] = (),
        names: Iterable[str] = (),
        kind: str = "dialogue",
        fold: Callable[[str], str] | None = None,
    ) -> None:
        self.language = language
        # Folds interchangeable wordings ("i am" / "im") together, so a reworded line is still the same line.
        self._fold = fold or (lambda key: key)
        self.keys: set[str] = set()
        self.masked: set[str] = set()
        self.grams: Counter[tuple[str, ...]] = Counter()
        earlier = list(earlier)
        # Earlier episodes may name people this episode's canon slice leaves out; their cues still name them.
        names = [*names, *(line.cue for script in earlier for line in script.lines() if line.cue)]
        folded = sorted({k for n in names if len(k := normalise(n, language)) >= 2}, key=len, reverse=True)
        body = "|".join(re.escape(n) for n in folded)
        self._names = re.compile(body if language == "zh" else rf"\b(?:{body})\b") if folded else None
        for script in earlier:
            for line in script.lines():
                if line.kind == kind:
                    self.add(line.text)

    def fresh(self, text: str) -> bool:
        """True when no sentence of the text was said before (and the text repeats none of its own)."""
        keys = [normalise(s, self.language) for s in sentences(text, self.language)]
        keys = [k for k in keys if k]
        if not keys or len(set(keys)) != len(keys):
            return False
        return not any(k in self.keys or self._mask(k) in self.masked for k in keys)

    def _mask(self, key: str) -> str:
        return self._fold(self._names.sub("@", key) if self._names is not None else key)

    def staleness(self, text: str) -> float:
        """Share of the text's 4-grams already said this season (0 is entirely new wording)."""
        grams = [g for s in sentences(text, self.language) for g in _grams(normalise(s, self.language), self.language)]
        if not grams:
            return 1.0
        return sum(1 for g in grams if self.grams[g]) / len(grams)

    def add(self, text: str) -> None:
        """Record a spoken line."""
        for sentence in sentences(text, self.language):
            key = normalise(sentence, self.language)
            if key:
                self.keys.add(key)
                self.masked.add(self._mask(key))
                self.grams.update(_grams(key, self.language))

    def pick(self, candidates: Iterable[str], sample: int = 80) -> str:
        """Return the least stale fresh candidate among the first `sample` fresh ones (in the given order), or ''."""
        fresh: list[str] = []
        for text in candidates:
            if self.fresh(text):
                fresh.append(text)
                if len(fresh) >= sample:
                    break
        if not fresh:
            return ""
        best = min(fresh, key=self.staleness)
        self.add(best)
        return best
