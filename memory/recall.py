"""Recall from the story memory by meaning and by shared keywords (hybrid), in any language.

Works on a chromadb collection handed in by memory.bible, which stays the only
module that imports chromadb.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from memory.bible_text import contains_variants, keyword_overlap, keyword_terms

KEYWORD_WEIGHT = 0.5
"""How much full keyword overlap lowers a hit's distance in hybrid recall."""
_MISS_DISTANCE = 1.0
"""Distance assumed for a keyword hit the vector search did not return (cosine: unrelated)."""


@dataclass(frozen=True)
class Recollection:
    """One remembered document: which episode, what kind, its text, how close, where from.

    ``episode`` is 0 for base-canon documents. ``distance``: lower is closer;
    cosine distance from vector search, less a keyword bonus that can take it
    below zero; 0.0 for structured lookups.
    """

    episode: int
    kind: str
    text: str
    distance: float
    ref: str


def hybrid_recall(memory: Any, query: str, where: dict[str, Any], k: int) -> list[Recollection]:
    """Return the k documents closest to a query among those `where` admits.

    Vector hits and keyword hits (latin words; CJK character bigrams) are
    merged: distance = cosine distance (1.0 if only a keyword hit) minus
    KEYWORD_WEIGHT x the fraction of query terms the document contains.
    """
    total = memory.count()
    if k <= 0 or total == 0 or not query.strip():
        return []
    found: dict[str, tuple[str, dict[str, Any], float]] = {}
    hits = memory.query(query_texts=[query], n_results=min(total, max(4 * k, 20)), where=where)
    for i, doc_id in enumerate(hits["ids"][0]):
        found[doc_id] = (hits["documents"][0][i], hits["metadatas"][0][i], float(hits["distances"][0][i]))
    terms = keyword_terms(query)
    if terms:
        variants = [{"$contains": v} for v in contains_variants(terms)]
        where_document = variants[0] if len(variants) == 1 else {"$or": variants}
        extra = memory.get(where=where, where_document=where_document, limit=200, include=["documents", "metadatas"])
        for i, doc_id in enumerate(extra["ids"]):
            found.setdefault(doc_id, (extra["documents"][i], extra["metadatas"][i], _MISS_DISTANCE))
    scored = [
        (distance - KEYWORD_WEIGHT * keyword_overlap(terms, text), text, meta)
        for text, meta, distance in found.values()
    ]
    scored.sort(key=lambda item: (item[0], int(item[2]["episode"]), str(item[2]["ref"])))
    return [to_recollection(meta, text, round(d, 4)) for d, text, meta in scored[:k]]


def order_key(row: tuple[str, dict[str, Any]]) -> tuple[int, int, int, str]:
    """Sort key for documents: episode, then scene/summary/event/change, then position."""
    meta = row[1]
    rank = {"summary": 0, "scene": 1, "event": 2, "change": 3}.get(str(meta["kind"]), -1)
    return int(meta["episode"]), rank, int(meta.get("seq", 0)), str(meta["ref"])


def to_recollection(meta: dict[str, Any], text: str, distance: float) -> Recollection:
    """Build a Recollection from a memory document."""
    return Recollection(
        episode=int(meta["episode"]), kind=str(meta["kind"]), text=text, distance=distance, ref=str(meta["ref"])
    )
