"""Keep the story bible: canon, plan, committed scripts, and recallable story memory.

This is the only module that talks to chromadb. One ``PersistentClient``
directory holds two collections:

* ``records`` — the structured truth that must round-trip exactly: base canon,
  season plan, the embedding config, each committed script, and one commit
  marker per episode. Each record's JSON is its *document*, added with an
  explicit one-dimensional ``[0.0]`` embedding into a collection created
  without an embedding function, so nothing is ever sent to the embedder
  (records are only fetched by id or metadata, never searched by vector).
* ``memory`` — short prose documents that are embedded and recalled by
  meaning: one per canon entity and world rule (episode 0), and per committed
  episode a summary, one per scene, one timeline event per scene and one per
  state change (its entity_id / field / value kept as metadata). Every entity
  a document concerns gets a metadata key ``e:<entity_id>: True`` so entity
  lookups are plain where-filters with no embedding, in any language.

Commits are idempotent and crash-safe: a commit deletes the episode's marker
first, then its old documents, writes the script and documents under
deterministic ids, and writes the marker last. Readers only trust episodes
with a marker, so a commit interrupted midway is invisible and is redone by
committing again. Folded canon and parsed scripts are cached in-process, keyed
by the markers' content hashes, so a commit made through another instance in
the same process is never served stale. The directory is not safe for several
processes at once (a chromadb limitation).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from memory.bible_marks import EpisodeMarks, Reopening
from memory.bible_text import Doc, entity_docs, episode_docs
from memory.canon_fold import carryover_from, fold_episodes, timeline_events
from memory.embeddings import EmbeddingConfig, configure_offline, embedding_function, model_fingerprint
from memory.recall import Recollection, hybrid_recall, order_key, to_recollection
from memory.schema import Canon, Carryover, Script, SeasonPlan, Secret, SeriesBible, StateChange, TimelineEvent

__all__ = ["Recollection", "Reopening", "StoryBible"]

_RECORDS, _MEMORY = "records", "memory"
_CANON_ID, _PLAN_ID, _EMBEDDING_ID = "series:canon", "series:plan", "meta:embedding"

Where = dict[str, Any]


def _hash(text: str) -> str:
    """Return a short content hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _and(*clauses: Where) -> Where:
    """Combine where clauses; chromadb wants $and only for two or more."""
    return clauses[0] if len(clauses) == 1 else {"$and": list(clauses)}


class StoryBible(EpisodeMarks):
    """Persist and recall everything the writers' room must stay consistent with."""

    def __init__(self, path: Path, embedding: EmbeddingConfig | None = None) -> None:
        """Point at a bible directory; nothing is opened until first use.

        Args:
            path: Directory of the chromadb store (created if missing).
            embedding: Embedder to use. None reuses the one the bible was
                created with (MiniLM for a new bible); a config that differs
                from the stored one is refused, since vectors would not match.
        """
        self.path = Path(path)
        self._config = embedding
        self._client: Any = None
        self._records_col: Any = None
        self._memory_col: Any = None
        self._base: tuple[str, Canon] | None = None
        self._scripts: dict[tuple[int, str], Script] = {}
        self._canons: dict[tuple[object, ...], Canon] = {}

    # ------------------------------------------------------------------ opening

    def _records(self) -> Any:
        """Return the records collection, opening the store on first use."""
        if self._records_col is None:
            import chromadb

            self.path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(self.path))
            self._records_col = self._client.get_or_create_collection(_RECORDS, embedding_function=None)
        return self._records_col

    def _memory(self) -> Any:
        """Return the memory collection, loading the embedder on first use."""
        if self._memory_col is None:
            records = self._records()
            stored = records.get(ids=[_EMBEDDING_ID])["documents"]
            stored_config = EmbeddingConfig.model_validate_json(stored[0]) if stored else None
            config = self._config or stored_config or EmbeddingConfig()
            if stored_config and model_fingerprint(stored_config) != model_fingerprint(config):
                raise ValueError(
                    f"story bible at {self.path} was embedded with {model_fingerprint(stored_config)}, "
                    f"not {model_fingerprint(config)}; open it without an embedding config or rebuild it"
                )
            configure_offline()
            function = embedding_function(config)
            try:
                self._memory_col = self._client.get_or_create_collection(_MEMORY, embedding_function=function)
            except ValueError as exc:
                raise ValueError(f"story bible at {self.path}: {exc}") from exc
            if stored_config is None:
                self._put_record(_EMBEDDING_ID, config.model_dump_json(), kind="embedding", episode=0)
        return self._memory_col

    def close(self) -> None:
        """Release the store; the next call reopens it."""
        if self._client is not None:
            self._client.close()
        self._client = self._records_col = self._memory_col = None
        self._base = None
        self._scripts.clear()
        self._canons.clear()

    def stats(self) -> dict[str, int]:
        """Return how many documents each collection holds."""
        return {"records": self._records().count(), "memory": self._memory().count()}

    def __enter__(self) -> StoryBible:
        """Return self for use in a with-block."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the store."""
        self.close()

    # ------------------------------------------------------------------ records

    def _put_record(self, record_id: str, document: str, *, kind: str, episode: int) -> None:
        """Upsert one structured record without embedding it."""
        meta = {"kind": kind, "episode": episode, "hash": _hash(document)}
        self._records().upsert(ids=[record_id], documents=[document], metadatas=[meta], embeddings=[[0.0]])

    def _get_record(self, record_id: str) -> tuple[str, str] | None:
        """Return (document, hash) of a record, or None."""
        got = self._records().get(ids=[record_id], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        return str(got["documents"][0]), str(got["metadatas"][0]["hash"])

    def _markers(self) -> dict[int, str]:
        """Return committed episode -> script hash, from the commit markers."""
        got = self._records().get(where={"kind": "commit"}, include=["metadatas"])
        return {int(m["episode"]): str(m["hash"]) for m in got["metadatas"]}

    # ------------------------------------------------------------------- series

    def initialise(self, series: SeriesBible) -> None:
        """Store base canon and plan and their recallable docs, replacing any earlier ones."""
        self._memory()  # first: an embedder that fails to load must leave nothing half-written
        self._put_record(_PLAN_ID, series.plan.model_dump_json(), kind="plan", episode=0)
        self.revise_canon(series.canon)

    def has_series(self) -> bool:
        """Say whether initialise has stored a series."""
        if self._records_col is None and not (self.path / "chroma.sqlite3").exists():
            return False  # answer without creating a store on disk
        return self._get_record(_CANON_ID) is not None

    def base_canon(self) -> Canon:
        """Return canon at season start.

        Raises:
            LookupError: The bible has no series yet.
        """
        record = self._get_record(_CANON_ID)
        if record is None:
            raise LookupError(f"story bible at {self.path} has no series; call initialise first")
        document, digest = record
        if self._base is None or self._base[0] != digest:
            self._base = (digest, Canon.model_validate_json(document))
        return self._base[1].model_copy(deep=True)

    def plan(self) -> SeasonPlan:
        """Return the season plan.

        Raises:
            LookupError: The bible has no series yet.
        """
        record = self._get_record(_PLAN_ID)
        if record is None:
            raise LookupError(f"story bible at {self.path} has no season plan; call initialise first")
        return SeasonPlan.model_validate_json(record[0])

    def revise_canon(self, canon: Canon) -> None:
        """Replace base canon (a retcon): re-index its entity docs; committed episodes stay as they are."""
        memory = self._memory()
        self._put_record(_CANON_ID, canon.model_dump_json(), kind="canon", episode=0)
        memory.delete(where={"episode": 0})
        self._add_docs(entity_docs(canon))
        self._canons.clear()

    def save_plan(self, plan: SeasonPlan) -> None:
        """Replace the season plan."""
        self._put_record(_PLAN_ID, plan.model_dump_json(), kind="plan", episode=0)

    # ---------------------------------------------------------------- episodes

    def commit_episode(self, script: Script) -> bool:
        """Record a finished episode; return False when this exact script is already committed.

        A different script for the same episode replaces the old one's records.
        """
        n = script.episode
        document = script.model_dump_json()
        digest = _hash(document)
        if self._markers().get(n) == digest:
            return False
        records, memory = self._records(), self._memory()
        # Marker goes first: while the episode is being replaced, readers must
        # see it as uncommitted rather than as a mix of old and new records.
        records.delete(ids=[self._marker_id(n)])
        memory.delete(where={"episode": n})
        records.delete(where={"episode": n})
        self._put_record(f"ep{n:03d}:script", document, kind="script", episode=n)
        self._add_docs(episode_docs(script, self.base_canon() if self.has_series() else None))
        self._write_marker(n, digest)
        self._canons.clear()
        return True

    def withdraw_episode(self, episode: int) -> bool:
        """Take a committed episode out of the bible (reopened for rewrite); return False when it was not committed.

        The marker goes first, so a reader never sees the episode half withdrawn;
        then its recallable documents and its records (script, stale mark) go.
        """
        if episode not in self._markers():
            return False
        records, memory = self._records(), self._memory()
        records.delete(ids=[self._marker_id(episode)])
        memory.delete(where={"episode": episode})
        records.delete(where={"episode": episode})
        self._canons.clear()
        return True

    @staticmethod
    def _marker_id(episode: int) -> str:
        """Return the commit marker id of an episode."""
        return f"ep{episode:03d}:commit"

    def _write_marker(self, episode: int, digest: str) -> None:
        """Write the commit marker that makes an episode visible; always the last write."""
        meta = {"kind": "commit", "episode": episode, "hash": digest}
        self._records().upsert(ids=[self._marker_id(episode)], documents=[digest], metadatas=[meta], embeddings=[[0.0]])

    def _add_docs(self, docs: list[Doc]) -> None:
        """Upsert documents into memory with one e:<id> flag per entity."""
        if not docs:
            return
        metas = [{**doc.meta, **{f"e:{e}": True for e in sorted(doc.entities) if e}} for doc in docs]
        self._memory().upsert(ids=[d.id for d in docs], documents=[d.text for d in docs], metadatas=metas)

    def committed_episodes(self) -> list[int]:
        """Return the committed episode numbers in order."""
        return sorted(self._markers())

    def script(self, episode: int) -> Script | None:
        """Return the committed script of an episode, or None."""
        digest = self._markers().get(episode)
        return None if digest is None else self._script(episode, digest)

    def _script(self, episode: int, digest: str) -> Script:
        """Return a committed script, parsed once per content hash."""
        key = (episode, digest)
        if key not in self._scripts:
            record = self._get_record(f"ep{episode:03d}:script")
            if record is None or record[1] != digest:
                raise LookupError(
                    f"story bible at {self.path}: episode {episode} is marked committed but its script is missing"
                )
            self._scripts[key] = Script.model_validate_json(record[0])
        return self._scripts[key]

    def _scripts_before(self, episode: int | None) -> list[Script]:
        """Return committed scripts of episodes before one (all when None), in order."""
        markers = self._markers()
        return [self._script(n, markers[n]) for n in sorted(markers) if episode is None or n < episode]

    # ---------------------------------------------------------------- derived

    def canon_at(self, episode: int) -> Canon:
        """Return canon at the start of an episode: base canon plus earlier committed changes."""
        base = self.base_canon()
        assert self._base is not None
        markers = self._markers()
        key = (self._base[0], *sorted((n, h) for n, h in markers.items() if n < episode))
        if key not in self._canons:
            scripts = self._scripts_before(episode)
            self._canons[key] = fold_episodes(base, [(s.episode, s.state_changes) for s in scripts])
        return self._canons[key].model_copy(deep=True)

    def carryover_at(self, episode: int) -> Carryover:
        """Return where the story stood when the last committed episode before this one ended."""
        return carryover_from(self._scripts_before(episode))

    def timeline(self, before_episode: int | None = None) -> list[TimelineEvent]:
        """Return the timeline events of committed episodes, in episode and scene order."""
        canon = self.base_canon() if self.has_series() else None
        return [e for s in self._scripts_before(before_episode) for e in timeline_events(s, canon)]

    def summaries(self, before_episode: int, last: int = 3) -> list[tuple[int, str]]:
        """Return (episode, summary) of the last few committed episodes before one."""
        scripts = self._scripts_before(before_episode)
        return [(s.episode, s.summary) for s in scripts[-last:]] if last > 0 else []

    def knowledge(self, character_id: str, by_episode: int) -> list[Secret]:
        """Return the secrets a character knows at the end of an episode."""
        return [s for s in self.canon_at(by_episode + 1).secrets if character_id in s.known_by]

    # ------------------------------------------------------------------ recall

    def _visible(self, before_episode: int | None) -> Where:
        """Return a where clause for base canon and committed episodes before one."""
        episodes = [0, *(n for n in self._markers() if before_episode is None or n < before_episode)]
        return {"episode": {"$in": episodes}}

    def recall(
        self, query: str, *, before_episode: int | None = None, k: int = 5, kinds: Sequence[str] | None = None
    ) -> list[Recollection]:
        """Return the documents closest to a query, by meaning and by shared keywords.

        Vector hits and keyword hits (latin words; CJK character bigrams) are
        merged: distance = cosine distance (1.0 if only a keyword hit) minus
        KEYWORD_WEIGHT x the fraction of query terms the document contains.

        Args:
            query: What to look for, in any language.
            before_episode: Only episodes before this one (base canon always).
            k: How many to return.
            kinds: Only these kinds: summary, scene, event, change, character,
                location, prop, secret, rule.
        """
        clauses = [self._visible(before_episode)]
        if kinds:
            clauses.append({"kind": {"$in": list(kinds)}})
        return hybrid_recall(self._memory(), query, _and(*clauses), k)

    def recall_entity(self, entity_id: str, *, before_episode: int | None = None, k: int = 10) -> list[Recollection]:
        """Return the latest k documents about an entity, oldest first, by metadata alone."""
        got = self._memory().get(
            where=_and({f"e:{entity_id}": True}, self._visible(before_episode)), include=["documents", "metadatas"]
        )
        rows = sorted(zip(got["documents"], got["metadatas"], strict=True), key=order_key)
        return [to_recollection(meta, text, 0.0) for text, meta in rows[-k:]] if k > 0 else []

    def scenes_at(self, location_id: str) -> list[Recollection]:
        """Return every committed scene at a location, in story order."""
        got = self._memory().get(
            where=_and({"kind": "scene"}, {"location_id": location_id}, self._visible(None)),
            include=["documents", "metadatas"],
        )
        rows = sorted(zip(got["documents"], got["metadatas"], strict=True), key=order_key)
        return [to_recollection(meta, text, 0.0) for text, meta in rows]

    def history(self, entity_id: str) -> list[tuple[int, StateChange]]:
        """Return committed changes to an entity, or naming it as their value, in order."""
        got = self._memory().get(
            where=_and(
                {"kind": "change"}, {"$or": [{"entity_id": entity_id}, {"value": entity_id}]}, self._visible(None)
            ),
            include=["metadatas"],
        )
        metas = sorted(got["metadatas"], key=lambda m: (int(m["episode"]), int(m["seq"])))
        return [
            (
                int(m["episode"]),
                StateChange(entity_id=m["entity_id"], field=m["field"], value=m["value"], note=m.get("note", "")),
            )
            for m in metas
        ]
