"""Text measures of a season: tokens, distinct-n, self-BLEU, gzip compression ratio and embedding similarity.

Chinese is measured in characters (each Han character is one token), English
in lower-cased words, so every figure is comparable within a language. None
of this touches a workspace: callers pass scripts or plain texts.
"""

from __future__ import annotations

import gzip
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

from pydantic import BaseModel, Field

from memory.schema import Language, Script

# A list of texts in, one vector per text out (memory.embeddings' chromadb functions have this shape).
Embedder = Callable[[list[str]], Sequence[Sequence[float]]]

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ZH_TOKEN = re.compile(rf"[{_HAN}]|[a-z0-9]+(?:'[a-z]+)?")
_EN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
BLEU_MAX_N = 4
BLEU_EPSILON = 0.1  # Chen & Cherry's smoothing 1: an n-gram order with no match counts 0.1 matches
# MiniLM reads at most 256 word pieces, so an episode is embedded in pieces of about this many tokens and averaged.
EMBED_CHUNK_TOKENS = 120


def tokens(text: str, language: Language) -> list[str]:
    """Split text into the season's measuring units: words for English, characters for Chinese."""
    folded = text.casefold().replace("\u2019", "'")
    return (_ZH_TOKEN if language == "zh" else _EN_TOKEN).findall(folded)


def unit_name(language: Language) -> str:
    """Return the unit text is counted in: words for English, characters for Chinese."""
    return "characters" if language == "zh" else "words"


def script_texts(script: Script) -> list[str]:
    """Return the spoken and action text of a script, one entry per line."""
    return [line.text for line in script.lines()]


def ngrams(units: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """Return the n-grams of one sequence."""
    return [tuple(units[i : i + n]) for i in range(len(units) - n + 1)]


def distinct_n(sequences: Sequence[Sequence[str]], n: int = 2) -> float:
    """Return distinct-n: unique n-grams over all n-grams, pooled over sequences (n-grams never cross them)."""
    grams = [g for seq in sequences for g in ngrams(seq, n)]
    return len(set(grams)) / len(grams) if grams else 0.0


def _max_counts(sequences: Sequence[Sequence[str]]) -> dict[tuple[str, ...], int]:
    best: dict[tuple[str, ...], int] = {}
    for seq in sequences:
        for n in range(1, BLEU_MAX_N + 1):
            for gram, count in Counter(ngrams(seq, n)).items():
                if count > best.get(gram, 0):
                    best[gram] = count
    return best


def _closest_length(length: int, lengths: Sequence[int]) -> int:
    return min(lengths, key=lambda r: (abs(r - length), r))


def sentence_bleu(
    hypothesis: Sequence[str], max_counts: dict[tuple[str, ...], int], ref_lengths: Sequence[int]
) -> float:
    """Return BLEU-4 of one hypothesis against references given as clipped n-gram ceilings and lengths.

    Modified n-gram precision with clipping, uniform weights, the brevity penalty
    against the closest reference length, and Chen & Cherry's smoothing 1.
    """
    if not hypothesis or not ref_lengths:
        return 0.0
    log_sum = 0.0
    for n in range(1, BLEU_MAX_N + 1):
        grams = Counter(ngrams(hypothesis, n))
        total = sum(grams.values())
        if total == 0:
            # Shorter than n: an order that cannot be measured counts as unmatched (smoothed).
            log_sum += math.log(BLEU_EPSILON / 1)
            continue
        matched = sum(min(count, max_counts.get(gram, 0)) for gram, count in grams.items())
        log_sum += math.log((matched or BLEU_EPSILON) / total)
    closest = _closest_length(len(hypothesis), ref_lengths)
    penalty = 1.0 if len(hypothesis) > closest else math.exp(1 - closest / len(hypothesis))
    return penalty * math.exp(log_sum / BLEU_MAX_N)


def self_bleu(groups: Sequence[Sequence[Sequence[str]]]) -> list[float]:
    """Return, per group (episode), the mean BLEU-4 of its sentences against every sentence of the other groups.

    This is self-BLEU (Zhu et al., Texygen) with episodes as the unit: a line
    is compared with the rest of the season, not with its own episode.
    """
    per_group = [_max_counts(group) for group in groups]
    lengths = [[len(s) for s in group if s] for group in groups]
    scores: list[float] = []
    for i, group in enumerate(groups):
        others: dict[tuple[str, ...], int] = {}
        for j, counts in enumerate(per_group):
            if j == i:
                continue
            for gram, count in counts.items():
                if count > others.get(gram, 0):
                    others[gram] = count
        other_lengths = [n for j, ls in enumerate(lengths) if j != i for n in ls]
        values = [sentence_bleu(s, others, other_lengths) for s in group if s]
        scores.append(sum(values) / len(values) if values else 0.0)
    return scores


def compression_ratio(texts: Sequence[str]) -> float:
    """Return UTF-8 size over gzip size of the texts joined by newlines; higher means more repetitive."""
    raw = "\n".join(texts).encode("utf-8")
    if not raw:
        return 0.0
    return len(raw) / len(gzip.compress(raw, compresslevel=9, mtime=0))


def _chunks(texts: Sequence[str], language: Language) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for text in texts:
        current.append(text)
        size += len(tokens(text, language))
        if size >= EMBED_CHUNK_TOKENS:
            chunks.append(" ".join(current))
            current, size = [], 0
    if current:
        chunks.append(" ".join(current))
    return chunks


def _normalise(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else [0.0 for _ in vector]


def episode_vectors(episodes: Sequence[Sequence[str]], language: Language, embed: Embedder) -> list[list[float]]:
    """Embed each episode as the normalised mean of its chunks' normalised embeddings."""
    vectors: list[list[float]] = []
    for texts in episodes:
        chunks = _chunks(texts, language) or [""]
        embedded = [_normalise([float(v) for v in vec]) for vec in embed(chunks)]
        mean = [sum(col) / len(embedded) for col in zip(*embedded, strict=True)]
        vectors.append(_normalise(mean))
    return vectors


def cosine_matrix(vectors: Sequence[Sequence[float]]) -> list[list[float]]:
    """Return pairwise cosine similarities of normalised vectors."""
    return [[round(sum(a * b for a, b in zip(u, v, strict=True)), 4) for v in vectors] for u in vectors]


class Similarity(BaseModel):
    """How alike the episodes of a season are in embedding space."""

    status: str = Field(description="'done', or 'skipped: why'.")
    model: str = Field(default="", description="Embedding model that produced the vectors.")
    matrix: list[list[float]] = Field(default_factory=list, description="Cosine similarity, episode by episode.")
    mean_pairwise: float | None = Field(default=None, description="Mean similarity over distinct episode pairs.")
    mean_adjacent: float | None = Field(default=None, description="Mean similarity of consecutive episodes.")
    most_similar: tuple[int, int] | None = Field(default=None, description="The closest pair of episode numbers.")
    per_episode: list[float] = Field(default_factory=list, description="Mean similarity of each episode to the rest.")


def similarity(numbers: Sequence[int], matrix: list[list[float]], model: str) -> Similarity:
    """Summarise a cosine matrix over the given episode numbers."""
    n = len(numbers)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    if not pairs:
        return Similarity(status="skipped: one episode has nothing to be compared with", model=model, matrix=matrix)
    best = max(pairs, key=lambda p: matrix[p[0]][p[1]])
    return Similarity(
        status="done",
        model=model,
        matrix=matrix,
        mean_pairwise=round(sum(matrix[i][j] for i, j in pairs) / len(pairs), 4),
        mean_adjacent=round(sum(matrix[i][i + 1] for i in range(n - 1)) / (n - 1), 4),
        most_similar=(numbers[best[0]], numbers[best[1]]),
        per_episode=[round(sum(matrix[i][j] for j in range(n) if j != i) / (n - 1), 4) for i in range(n)],
    )
