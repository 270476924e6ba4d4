"""Measure story-bible recall latency (p50/p95) at 1k and 10k memory entries, with build time.

Run from the repo root: `python -m benchmarks.bible_recall [--sizes 1000,10000] [--queries 200]`

Each store is built once in a temporary folder with the offline MiniLM embeddings: synthetic scene,
event and change documents spread over committed episodes, about as many per episode as a real commit
writes. Queries look like the screenwriter's (a brief's hook and beats) and recall k=4 memories before
an episode drawn across the season, as drafting does.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.season_throughput import warm_embedder
from memory.bible import StoryBible
from memory.bible_text import Doc

Row = tuple[str, str, str]

DOCS_PER_EPISODE = 12
BATCH = 1000
PEOPLE = ("Maya Chen", "Victor Lam", "Lin Wan", "Grace Ho", "Daniel Wu", "Aunt Mei", "Officer Tan", "Sofia Reyes")
PLACES = ("the harbour warehouse", "the glass boardroom", "the night market", "the hospital rooftop", "her flat")
PROPS = ("the forged ledger", "a brass key", "the wedding ring", "a burner phone", "the red envelope")
ACTS = (
    "confronts {b} about {p}",
    "hides {p} from {b}",
    "overhears {b} confessing",
    "slaps {b} and storms out",
    "finds {p} in the wrong hands",
    "lies to {b} about the night of the fire",
    "signs the contract {b} forged",
    "learns {b} knew the secret all along",
)
KINDS = ("scene", "event", "change", "summary")


@dataclass(frozen=True)
class Recall:
    """Build time and recall latencies of one store size."""

    entries: int
    episodes: int
    build_s: float
    latencies_ms: tuple[float, ...]

    @property
    def p50_ms(self) -> float:
        """Return the median recall latency."""
        return statistics.median(self.latencies_ms)

    @property
    def p95_ms(self) -> float:
        """Return the 95th-percentile recall latency."""
        return statistics.quantiles(self.latencies_ms, n=20, method="inclusive")[-1]


def _sentence(rng: random.Random) -> str:
    a, b = rng.sample(PEOPLE, 2)
    act = rng.choice(ACTS).format(b=b, p=rng.choice(PROPS))
    return f"{a} {act} at {rng.choice(PLACES)}."


def _docs(entries: int, rng: random.Random) -> list[Doc]:
    docs = []
    for i in range(entries):
        episode, seq = i // DOCS_PER_EPISODE + 1, i % DOCS_PER_EPISODE
        kind = KINDS[seq % len(KINDS)]
        text = " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
        meta: dict[str, str | int | float | bool] = {
            "episode": episode,
            "kind": kind,
            "ref": f"ep{episode:03d}-{kind}-{seq:02d}",
            "seq": seq,
        }
        people = {p.split()[0].lower() for p in PEOPLE if p in text}
        docs.append(Doc(id=f"bench:{i}", text=text, meta=meta, entities=people))
    return docs


def _query(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(3))


def build(path: Path, entries: int, seed: int = 7) -> tuple[StoryBible, int, float]:
    """Fill a new story bible with `entries` memories over committed episodes; return it, episodes and seconds."""
    rng = random.Random(seed)
    docs = _docs(entries, rng)
    episodes = docs[-1].meta["episode"] if docs else 0
    bible = StoryBible(path)
    started = time.perf_counter()
    # Bulk load through the bible's own writers: committing a synthetic Script per episode would time
    # script folding and marker bookkeeping (measured by engine_overhead's `commit`), not recall.
    for at in range(0, len(docs), BATCH):
        bible._add_docs(docs[at : at + BATCH])
    for episode in range(1, int(episodes) + 1):
        bible._write_marker(episode, hashlib.sha256(str(episode).encode()).hexdigest()[:32])
    return bible, int(episodes), time.perf_counter() - started


def measure(sizes: Sequence[int], workdir: Path, queries: int = 200, k: int = 4, seed: int = 7) -> list[Recall]:
    """Build one store per size, then time `queries` recalls per store, the stores taking turns.

    Taking turns puts the sizes side by side: other work on a shared machine slows both alike.
    """
    warm_embedder()
    build(workdir / "warm", 10, seed)[0].close()  # chromadb's first client start is not build time
    stores = [build(workdir / f"bible-{n}", n, seed) for n in sizes]
    streams = [random.Random(seed + 1) for _ in sizes]
    latencies: list[list[float]] = [[] for _ in sizes]
    try:
        for i in range(queries + 5):
            for (bible, episodes, _), rng, out, n in zip(stores, streams, latencies, sizes, strict=True):
                query, before = _query(rng), rng.randint(2, episodes + 1)
                started = time.perf_counter()
                found = bible.recall(query, before_episode=before, k=k)
                elapsed = (time.perf_counter() - started) * 1000
                if not found:
                    raise RuntimeError(f"recall before episode {before} found nothing in a store of {n}")
                if i >= 5:  # the first few warm chromadb's caches
                    out.append(elapsed)
    finally:
        for bible, _, _ in stores:
            bible.close()
    return [
        Recall(entries=n, episodes=episodes, build_s=build_s, latencies_ms=tuple(out))
        for n, (_, episodes, build_s), out in zip(sizes, stores, latencies, strict=True)
    ]


def rows(results: Sequence[Recall]) -> list[Row]:
    """Return the benchmark's rows for the one results table."""
    name = "story bible: `StoryBible.recall` (hybrid vector + keyword, k=4), offline MiniLM, chromadb"
    out: list[Row] = []
    for r in results:
        size = f"{r.entries:,} entries ({r.episodes} committed episodes)"
        out.append((name, f"{size}: build (embed + store)", f"{r.build_s:.1f} s"))
        queries = f"{size}: recall p50 / p95 ({len(r.latencies_ms)} queries, sizes taking turns)"
        out.append((name, queries, f"{r.p50_ms:.0f} / {r.p95_ms:.0f} ms"))
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """Print build times and recall latencies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated entry counts")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dramaroom-bench-") as tmp:
        results = measure([int(n) for n in args.sizes.split(",")], Path(tmp), args.queries)
    for _, figure, value in rows(results):
        print(f"{figure:<55} {value}")


if __name__ == "__main__":
    main()
