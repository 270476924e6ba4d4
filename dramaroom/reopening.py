"""Reopening a committed episode for rewrite: `dramaroom reopen`, and a rejection after commit.

The episode's bible entries are withdrawn (recall stops returning them, canon at later episodes no longer
folds its state changes), a reopening record keeps its script and the note, and every later committed
episode is re-checked without it: each one that now contradicts canon is marked stale. The next run of
the room starts the episode from its script with the note as a producer's rejection, so it goes back
through continuity, ethics, the director and the gate, and commits again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from agents.canon_edits import REOPEN_MARK, later_contradictions
from agents.messages import say
from dramaroom.errors import UserError
from dramaroom.reports import awaiting_approval
from dramaroom.workspace import Workspace
from graphs.state import EpisodeReview
from memory.bible import Reopening, StoryBible


@dataclass(frozen=True)
class Reopened:
    """What a reopening did: the episode taken back and the later episodes it left stale."""

    episode: int
    stale: dict[int, str]


def reopen(ws: Workspace, episode: int, note: str, source: Literal["reopen", "reject"]) -> Reopened:
    """Withdraw a committed episode for rewrite with the producer's note; the caller holds the lock.

    Raises:
        UserError: No note, the episode is not committed, or its script files were edited by hand
            since (reopening would drop the edit: `review` takes it in first).
    """
    lang = ws.config.series.language
    if not note.strip():
        raise UserError(say(lang, "reopen.needs_note", root=ws.root, n=episode))
    bible = StoryBible(ws.bible_dir, ws.config.embeddings)
    try:
        if not bible.has_series():
            raise UserError(f"{ws.root} has no season plan yet: run `dramaroom produce {ws.root}` first")
        before = [s for n in bible.committed_episodes() if (s := bible.script(n)) is not None]
        script = bible.script(episode)
        if script is None:
            raise UserError(say(lang, "reopen.not_committed", n=episode, root=ws.root))
        edited = ws.hand_edits(episode)
        if edited:
            files = ", ".join(str(ws.episode_dir(episode) / f) for f in edited)
            raise UserError(say(lang, "reopen.edited", files=files, root=ws.root, n=episode))
        folder = ws.episode_dir(episode)
        record = (folder / "review.json").read_text(encoding="utf-8") if (folder / "review.json").exists() else ""
        review = ws.load_artifact(folder / "review.json", EpisodeReview) if record else EpisodeReview(episode=episode)
        reopening = Reopening(
            episode=episode, note=note.strip(), script=script, source=source, record=review.model_dump_json()
        )
        bible.reopen_episode(reopening)
        after = [s for s in before if s.episode != episode]
        stale: dict[int, str] = {}
        for item in later_contradictions(before, after, bible.base_canon(), episode):
            first = item.findings[0].message
            mark = REOPEN_MARK.format(episode=episode) + f": {len(item.findings)} contradiction(s), e.g. {first}"
            bible.mark_stale(item.episode, mark)
            stale[item.episode] = mark
        # review.json is the written copy: it says the episode is no longer committed.
        ws.save_episode(episode, "review", review.model_copy(update={"outcome": None}))
    finally:
        bible.close()
    return Reopened(episode, stale)


def waiting_before(ws: Workspace, episode: int) -> list[int]:
    """Return the episodes at the gate, which are decided before a reopened episode is rewritten."""
    return [n for n in awaiting_approval(ws) if n != episode]


def committed_episodes(ws: Workspace) -> list[int]:
    """Return the episodes the story bible holds as committed (none before the season is planned)."""
    bible = StoryBible(ws.bible_dir, ws.config.embeddings)
    try:
        return bible.committed_episodes() if bible.has_series() else []
    finally:
        bible.close()
