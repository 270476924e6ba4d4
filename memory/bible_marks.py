"""Per-episode marks the story bible keeps beside commits: stale marks and reopenings.

A stale mark says a committed episode contradicts canon as changed since (and by what change). A
reopening says a committed episode was taken back for rewrite: the script it had and the producer's
note, so the room redrafts from that script with the note as its brief. Both are records of the
episode, so committing it again (or withdrawing it) removes them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from memory.schema import Script


class Reopening(BaseModel):
    """A committed episode taken back for rewrite, and why."""

    episode: int
    note: str = Field(description="The producer's note the rewrite answers.")
    script: Script = Field(description="The script the episode had when it was reopened; the rewrite starts here.")
    source: Literal["reopen", "reject"] = Field(
        default="reopen", description="`dramaroom reopen`, or a rejection of an episode already committed."
    )
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    record: str = Field(
        default="", description="The episode's review record as it was (review.json), kept so its history runs on."
    )


class _RecordStore(Protocol):
    """What the marks need of the bible they are mixed into (StoryBible provides it)."""

    def _records(self) -> Any: ...

    def _markers(self) -> dict[int, str]: ...

    def _put_record(self, record_id: str, document: str, *, kind: str, episode: int) -> None: ...

    def withdraw_episode(self, episode: int) -> bool: ...


class EpisodeMarks:
    """Stale marks and reopenings; mixed into StoryBible, whose record store they use."""

    def mark_stale(self: _RecordStore, episode: int, document: str) -> None:
        """Record that a committed episode contradicts canon as changed since; `document` says by what.

        Committing the episode again (or withdrawing it) clears the mark.
        """
        self._put_record(f"ep{episode:03d}:stale", document, kind="stale", episode=episode)

    def clear_stale(self: _RecordStore, episode: int) -> None:
        """Remove an episode's stale mark (the change that caused it was undone)."""
        self._records().delete(ids=[f"ep{episode:03d}:stale"])

    def stale_episodes(self: _RecordStore) -> dict[int, str]:
        """Return stale committed episode -> the document its mark was written with."""
        got = self._records().get(where={"kind": "stale"}, include=["documents", "metadatas"])
        markers = self._markers()
        marks = {int(m["episode"]): str(d) for d, m in zip(got["documents"], got["metadatas"], strict=True)}
        return {n: doc for n, doc in sorted(marks.items()) if n in markers}

    def reopen_episode(self: _RecordStore, reopening: Reopening) -> bool:
        """Withdraw a committed episode and record the reopening; return False when it was not committed."""
        if not self.withdraw_episode(reopening.episode):
            return False
        n = reopening.episode
        self._put_record(f"ep{n:03d}:reopen", reopening.model_dump_json(), kind="reopen", episode=n)
        return True

    def reopening(self: _RecordStore, episode: int) -> Reopening | None:
        """Return the reopening waiting for an episode's rewrite (None once it is committed again)."""
        got = self._records().get(ids=[f"ep{episode:03d}:reopen"], include=["documents"])
        return Reopening.model_validate_json(got["documents"][0]) if got["ids"] else None

    def reopened_episodes(self: _RecordStore) -> list[int]:
        """Return the episodes reopened and not committed again, in order."""
        got = self._records().get(where={"kind": "reopen"}, include=["metadatas"])
        return sorted(int(m["episode"]) for m in got["metadatas"])
