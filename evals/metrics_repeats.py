"""Repeated dialogue across a season: verbatim and near-verbatim sentences, the distinct-sentence ratio, stock lines.

A viewer notices a sentence said twice in a season long before any n-gram
statistic moves, so this counts sentences, not tokens. Dialogue lines are
split into sentences at end punctuation; each sentence is normalised
(English: case, punctuation and whitespace folded; Chinese: punctuation and
whitespace removed) and sentences shorter than `MIN_UNITS` (interjections
such as "What?" or 「什么？」) are left out. Two distinct sentences are
near-verbatim when the Jaccard similarity of their character 3-gram sets is
at least `NEAR_JACCARD` once character names are masked (so 「林晚，道歉就省了吧」
and 「温佳音，道歉就省了吧」 are one line said to two people); near-verbatim
sentences are grouped transitively.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence

from pydantic import BaseModel, Field

from memory.schema import Language, Script

NEAR_JACCARD = 0.8
CHAR_NGRAM = 3
STOCK_EPISODES = 3  # a sentence said in this many episodes is a stock line, whatever the lexicon says
TOP_N = 15
MIN_UNITS: dict[str, int] = {"en": 3, "zh": 4}  # words (en) or characters (zh) a sentence needs to count
_SPLIT: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"(?<=[.!?\u2026])[\"'\u201d\u2019)]*\s+"),
    "zh": re.compile(r"(?<=[。！？!?；;\u2026])[」』”’）)]*"),
}


def normalise(sentence: str, language: Language) -> str:
    """Fold a sentence for comparison: punctuation and spacing removed, English lower-cased with single spaces."""
    # An apostrophe joins its word ("don't" -> "dont"); every other mark separates words.
    folded = unicodedata.normalize("NFKC", sentence).casefold().replace("\u2019", "").replace("'", "")
    kept = "".join(ch if not unicodedata.category(ch).startswith(("P", "S")) else " " for ch in folded)
    if language == "zh":
        return "".join(kept.split())
    return " ".join(kept.split())


def _units(normalised: str, language: Language) -> int:
    return len(normalised.replace(" ", "")) if language == "zh" else len(normalised.split())


def sentences(text: str, language: Language) -> list[str]:
    """Split one dialogue line into its sentences, as written (empty pieces dropped)."""
    return [piece.strip() for piece in _SPLIT[language].split(text) if piece.strip()]


def dialogue_sentences(script: Script, language: Language) -> list[tuple[str, str]]:
    """Return (as written, normalised) for every dialogue sentence of a script long enough to count."""
    out: list[tuple[str, str]] = []
    for line in script.lines():
        if line.kind != "dialogue":
            continue
        for sentence in sentences(line.text, language):
            key = normalise(sentence, language)
            if _units(key, language) >= MIN_UNITS[language]:
                out.append((sentence, key))
    return out


def masker(names: Sequence[str], language: Language) -> re.Pattern[str] | None:
    """Return a pattern matching any of the cast's names in a normalised sentence (longest first)."""
    # A one-character alias (晚 for 林晚) would mask 今晚 too.
    folded = sorted({k for n in names if len(k := normalise(n, language)) >= 2}, key=len, reverse=True)
    if not folded:
        return None
    body = "|".join(re.escape(n) for n in folded)
    return re.compile(body if language == "zh" else rf"\b(?:{body})\b")


def _mask(key: str, pattern: re.Pattern[str] | None) -> str:
    return pattern.sub("@", key) if pattern is not None else key


def _grams(key: str) -> frozenset[str]:
    padded = key if len(key) >= CHAR_NGRAM else key.ljust(CHAR_NGRAM)
    return frozenset(padded[i : i + CHAR_NGRAM] for i in range(len(padded) - CHAR_NGRAM + 1))


def jaccard(a: str, b: str) -> float:
    """Return the Jaccard similarity of two normalised sentences' character 3-gram sets."""
    ga, gb = _grams(a), _grams(b)
    union = len(ga | gb)
    return len(ga & gb) / union if union else 1.0


def near_groups(keys: Sequence[str], threshold: float = NEAR_JACCARD) -> list[list[str]]:
    """Group distinct normalised sentences whose 3-gram Jaccard is at least `threshold` (transitively)."""
    grams = [_grams(k) for k in keys]
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Only pairs that share a 3-gram and whose sizes allow the threshold can reach it.
    index: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(grams):
        for gram in g:
            index[gram].append(i)
    for i, g in enumerate(grams):
        seen: set[int] = set()
        for gram in g:
            for j in index[gram]:
                if j <= i or j in seen:
                    continue
                seen.add(j)
                small, large = sorted((len(g), len(grams[j])))
                if small < threshold * large:
                    continue
                if len(g & grams[j]) / len(g | grams[j]) >= threshold:
                    parent[root(j)] = root(i)
    groups: dict[int, list[str]] = defaultdict(list)
    for i, key in enumerate(keys):
        groups[root(i)].append(key)
    return [sorted(members) for members in groups.values() if len(members) > 1]


def _near(keys: Sequence[str], pattern: re.Pattern[str] | None) -> list[list[str]]:
    """Group distinct sentences that are near-verbatim once names are masked (same masked text included)."""
    by_mask: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        by_mask[_mask(key, pattern)].append(key)
    grouped = near_groups(list(by_mask))
    alone = [[m] for m, members in by_mask.items() if len(members) > 1 and not any(m in g for g in grouped)]
    return [sorted(k for m in group for k in by_mask[m]) for group in [*grouped, *alone]]


class RepeatedSentence(BaseModel):
    """One sentence said more than once in the season."""

    text: str = Field(description="The sentence as first written.")
    count: int = Field(description="Times it is said over the season.")
    episodes: list[int] = Field(description="Episodes it is said in.")
    variants: list[str] = Field(default_factory=list, description="Near-verbatim: the other wordings in the group.")


class EpisodeRepeats(BaseModel):
    """Repeated dialogue of one episode."""

    episode: int
    sentences: int = Field(description="Dialogue sentences long enough to count.")
    distinct_ratio: float = Field(description="Distinct sentences over sentences, within the episode.")
    said_elsewhere: int = Field(description="Its sentences that are also said, verbatim, in another episode.")
    said_before: int = Field(description="Its sentences already said verbatim earlier in the season.")
    near_elsewhere: int = Field(description="Its sentences with a near-verbatim variant in another episode.")
    stock_lines: int = Field(description=f"Its sentences said (or near-said) in {STOCK_EPISODES} or more episodes.")
    stock: dict[str, int] = Field(
        default_factory=dict, description="Those stock lines (a near-verbatim group by its first wording) -> count."
    )


class SeasonRepeats(BaseModel):
    """Repeated dialogue over the season."""

    unit: str = Field(description="How sentences were normalised and the minimum length counted.")
    sentences: int
    distinct: int = Field(description="Distinct normalised sentences.")
    distinct_ratio: float = Field(description="Distinct sentences over sentences, pooled over the season.")
    repeated: int = Field(description="Distinct sentences said more than once, verbatim after normalising.")
    repeat_occurrences: int = Field(description="Sentences that repeat an earlier one: sentences minus distinct.")
    near_groups: int = Field(description="Groups of distinct sentences that are near-verbatim to each other.")
    near_sentences: int = Field(description="Sentences (occurrences) that fall in a near-verbatim group.")
    stock_lines: int = Field(
        description=f"Distinct sentences said, verbatim or near-verbatim, in {STOCK_EPISODES} or more episodes."
    )
    stock_occurrences: int = Field(description="Occurrences of those stock lines.")
    top: list[RepeatedSentence] = Field(description="The most repeated verbatim sentences, most frequent first.")
    top_near: list[RepeatedSentence] = Field(description="The largest near-verbatim groups.")


def repeats(
    numbered: Sequence[tuple[int, Script]], language: Language, names: Sequence[str] = (), top_n: int = TOP_N
) -> tuple[SeasonRepeats, list[EpisodeRepeats], dict[str, str]]:
    """Find the dialogue sentences a season says more than once, per episode and pooled.

    Args:
        numbered: (episode number, script) pairs.
        language: The series language.
        names: The cast's names and aliases, masked for the near-verbatim comparison.
        top_n: How many repeated sentences and near-verbatim groups to list.

    Returns:
        The season's figures, each episode's, and the stock lines (normalised sentence -> wording to report).
    """
    said = [(n, dialogue_sentences(script, language)) for n, script in numbered]
    written: dict[str, str] = {}
    where: dict[str, list[int]] = defaultdict(list)
    for n, pairs in said:
        for text, key in pairs:
            written.setdefault(key, text)
            where[key].append(n)
    groups = _near(list(written), masker(names, language))
    group_of = {key: i for i, members in enumerate(groups) for key in members}
    group_episodes = [{n for key in members for n in where[key]} for members in groups]
    stock = {key for key, eps in where.items() if len(set(eps)) >= STOCK_EPISODES}
    for members, eps in zip(groups, group_episodes, strict=True):
        if len(eps) >= STOCK_EPISODES:
            stock.update(members)
    # A near-verbatim group is one stock line, named by its first wording.
    canonical = {k: written[k] for k in written} | {k: written[m[0]] for m in groups for k in m}
    per_episode: list[EpisodeRepeats] = []
    before: set[str] = set()
    for n, pairs in said:
        keys = [key for _, key in pairs]
        per_episode.append(
            EpisodeRepeats(
                episode=n,
                sentences=len(keys),
                distinct_ratio=round(len(set(keys)) / len(keys), 4) if keys else 1.0,
                said_elsewhere=sum(1 for k in keys if set(where[k]) - {n}),
                said_before=sum(1 for k in keys if k in before),
                near_elsewhere=sum(1 for k in keys if k in group_of and group_episodes[group_of[k]] - {n}),
                stock_lines=sum(1 for k in keys if k in stock),
                stock=dict(Counter(canonical[k] for k in keys if k in stock)),
            )
        )
        before.update(keys)
    total = sum(len(eps) for eps in where.values())
    verbatim = sorted((k for k, eps in where.items() if len(eps) > 1), key=lambda k: (-len(where[k]), min(where[k]), k))
    near = sorted(range(len(groups)), key=lambda i: (-sum(len(where[k]) for k in groups[i]), min(group_episodes[i])))
    season = SeasonRepeats(
        unit=f"sentences of at least {MIN_UNITS[language]} {'characters' if language == 'zh' else 'words'}",
        sentences=total,
        distinct=len(where),
        distinct_ratio=round(len(where) / total, 4) if total else 1.0,
        repeated=len(verbatim),
        repeat_occurrences=total - len(where),
        near_groups=len(groups),
        near_sentences=sum(len(where[k]) for members in groups for k in members),
        stock_lines=len(stock),
        stock_occurrences=sum(len(where[k]) for k in stock),
        top=[
            RepeatedSentence(text=written[k], count=len(where[k]), episodes=sorted(set(where[k])))
            for k in verbatim[:top_n]
        ],
        top_near=[
            RepeatedSentence(
                text=written[groups[i][0]],
                count=sum(len(where[k]) for k in groups[i]),
                episodes=sorted(group_episodes[i]),
                variants=[written[k] for k in groups[i][1:]],
            )
            for i in near[:top_n]
        ],
    )
    return season, per_episode, {k: canonical[k] for k in stock}
