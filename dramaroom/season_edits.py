"""Season edits after planning, shared by the CLI and the chat: extend the season, revise the plan.

Both change only what is not produced yet: an episode written, waiting at the gate or committed keeps
its brief (reopen it to rewrite it). The bible holds the plan; season_plan.json and dramaroom.toml's
episode count are written to match.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.messages import say
from agents.plan_edits import PlanChange, PlanEditError, revise_plan
from agents.premise_reader import read_premise
from agents.season_extend import extend_plan
from agents.showrunner import PlanError
from agents.showrunner_chat import RevisePlan
from dramaroom.canon_changes import log_plan_change
from dramaroom.config import MAX_EPISODES
from dramaroom.errors import UserError
from dramaroom.production import build_room
from dramaroom.settings import Settings
from dramaroom.workspace import Workspace
from memory.bible import StoryBible
from memory.schema import EpisodeBrief


@dataclass(frozen=True)
class Extended:
    """A season extension: the old and new episode counts and the briefs planned."""

    old: int
    new: int
    briefs: list[EpisodeBrief]


def produced_episodes(ws: Workspace, bible: StoryBible) -> set[int]:
    """Return the episodes the room has written anything for: committed, at the gate or in progress."""
    written = {n for n in range(1, len(bible.plan().episodes) + 1) if (ws.episode_dir(n) / "script.json").exists()}
    return written | set(bible.committed_episodes())


async def extend_season(ws: Workspace, settings: Settings, total: int) -> Extended:
    """Plan briefs up to `total` episodes against canon as of the first new one; the caller holds the lock.

    Raises:
        UserError: The new total is not larger than the season, or above the limit, or the plan failed.
    """
    old = ws.config.series.episodes
    lang = ws.config.series.language
    if total <= old or total > MAX_EPISODES:
        raise UserError(say(lang, "extend.bad", count=old, n=total) + f" (at most {MAX_EPISODES})")
    ctx = build_room(ws, settings)
    bible = ctx.bible
    try:
        if not bible.has_series():
            raise UserError(f"{ws.root} has no season plan yet: run `dramaroom produce {ws.root}` first")
        plan = bible.plan()
        first = len(plan.episodes) + 1
        premise = ws.config.series.premise
        try:
            extended = await extend_plan(
                ctx,
                premise=premise,
                plan=plan,
                base=bible.base_canon(),
                canon_now=bible.canon_at(first),
                so_far=bible.summaries(first, last=len(plan.episodes)),
                episodes=total,
                facts=read_premise(premise, lang),
            )
        except PlanError as exc:
            raise UserError(f"the showrunner's new briefs cannot be used ({exc}); nothing was changed") from exc
        bible.save_plan(extended)
        ws.save_series("season_plan", extended)
        section = ws.config.series.model_copy(update={"episodes": total})
        ws.save_config(ws.config.model_copy(update={"series": section}))
    finally:
        bible.close()
    return Extended(old, total, extended.episodes[first - 1 :])


def change_plan(ws: Workspace, bible: StoryBible, edit: RevisePlan, source: str) -> PlanChange:
    """Revise the plan (move the paywall, rewrite a brief, …) for unproduced episodes; the caller holds the lock.

    Raises:
        UserError: The revision touches a produced episode or is malformed; nothing is changed.
    """
    try:
        change = revise_plan(bible.plan(), bible.base_canon(), edit, produced_episodes(ws, bible))
    except PlanEditError as exc:
        raise UserError(f"{exc}; nothing was changed") from exc
    bible.save_plan(change.plan)
    ws.save_series("season_plan", change.plan)
    if change.canon is not None:
        bible.revise_canon(change.canon)
        ws.save_series("canon", change.canon)
        log_plan_change(ws, "; ".join(change.changes[:1]), f"plan revision ({source})")
    if edit.action == "move_paywall":
        section = ws.config.series.model_copy(update={"paywall_episode": change.plan.paywall_episode})
        ws.save_config(ws.config.model_copy(update={"series": section}))
    return change
