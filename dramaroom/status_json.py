"""`dramaroom status --json`: one typed object per episode, with what the story bible says about it.

The bible decides whether an episode is committed and whether a canon change made
since has left it stale; review.json supplies the rest (revisions, open findings).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from dramaroom.workspace import Workspace
from memory.bible import StoryBible
from memory.schema import Language, SeasonPlan, ShotList

EpisodeState = str
"""One of: planned, in progress, awaiting approval, committed, blocked."""


class EpisodeStatus(BaseModel):
    """Where one planned episode stands."""

    episode: int
    title: str
    state: EpisodeState
    committed: bool = Field(description="The story bible holds this episode as committed canon.")
    stale: str | None = Field(
        default=None, description="Committed, but a later canon change contradicts it: the bible's record of which."
    )
    revisions: int = 0
    open_findings: int = 0
    shots: int | None = None
    seconds: float | None = None


class SeasonStatus(BaseModel):
    """Where a season stands, episode by episode."""

    series: str
    language: Language
    planned_episodes: int
    paywall_episode: int | None = None
    episodes: list[EpisodeStatus] = Field(default_factory=list)


def season_status(ws: Workspace, rows: list[list[str]] | None) -> SeasonStatus:
    """Combine the status table's rows with the bible's committed episodes and stale marks."""
    cfg = ws.config.series
    report = SeasonStatus(series=str(ws.root), language=cfg.language, planned_episodes=cfg.episodes)
    if rows is None:
        return report
    report.paywall_episode = ws.load_artifact(ws.root / "season_plan.json", SeasonPlan).paywall_episode
    committed: set[int] = set()
    stale: dict[int, str] = {}
    bible = StoryBible(ws.bible_dir, ws.config.embeddings)
    try:
        if bible.has_series():
            committed = set(bible.committed_episodes())
            stale = bible.stale_episodes()
    finally:
        bible.close()
    for number, title, state, revisions, open_count, shots, _runtime in rows:
        n = int(number)
        if n in committed:
            state = "committed"
        elif state == "committed":
            state = "in progress"  # review.json is a copy; the bible no longer holds it (reopened)
        shot_list = ws.episode_dir(n) / "shotlist.json"
        seconds = round(ws.load_artifact(shot_list, ShotList).total_seconds, 1) if shots else None
        report.episodes.append(
            EpisodeStatus(
                episode=n,
                title=title,
                state=state,
                committed=n in committed,
                stale=stale.get(n),
                revisions=int(revisions or 0),
                open_findings=int(open_count or 0),
                shots=int(shots) if shots else None,
                seconds=seconds,
            )
        )
    return report
