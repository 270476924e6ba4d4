"""Season edits from the command line: reopen a committed episode, extend the season, change the plan."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from agents.messages import say
from agents.showrunner_chat import RevisePlan
from dramaroom.errors import UserError
from dramaroom.reopening import reopen as reopen_episode
from dramaroom.reopening import waiting_before
from dramaroom.reports import SeriesArg
from dramaroom.run_cli import produce_run
from dramaroom.season_edits import change_plan, extend_season
from dramaroom.settings import Settings
from dramaroom.workspace import Workspace
from memory.bible import StoryBible

out = Console(soft_wrap=True)
ApproveOpt = Annotated[
    str, typer.Option("--approve", help="manual: pause at the gate when the rewrite is ready; auto: commit it.")
]


def _mode(approve: str) -> Literal["auto", "manual"]:
    if approve not in ("auto", "manual"):
        raise UserError(f"--approve must be auto or manual, got {approve!r}")
    return "manual" if approve == "manual" else "auto"


def reopen_and_rewrite(ws: Workspace, episode: int, note: str, source: Literal["reopen", "reject"], mode: str) -> None:
    """Reopen a committed episode with a note, say what that left stale, and run the room on it."""
    lang = ws.config.series.language
    approval = _mode(mode)
    with ws.writing():
        done = reopen_episode(ws, episode, note, source)
    out.print(say(lang, "reopen.done", n=episode, note=note.strip()), markup=False)
    sep = say(lang, "sep.list")
    if done.stale:
        out.print(say(lang, "reopen.stale", episodes=sep.join(map(str, done.stale)), n=episode), markup=False)
    waiting = waiting_before(ws, episode)
    if waiting:
        out.print(say(lang, "reopen.waiting", episodes=sep.join(map(str, waiting)), n=episode), markup=False)
    produce_run(ws, approval, f"{source} --episode {episode} --approve {approval}")


def reopen(
    series: SeriesArg,
    episode: Annotated[int, typer.Option(help="The committed episode to rewrite.", min=1)],
    note: Annotated[str, typer.Option(help="What to change; the screenwriter answers it first.")] = "",
    approve: ApproveOpt = "manual",
) -> None:
    """Reopen a committed episode for rewrite: withdraw it from the bible, re-check later episodes, rewrite it."""
    reopen_and_rewrite(Workspace.open(series), episode, note, "reopen", approve)


def extend(
    series: SeriesArg,
    episodes: Annotated[int | None, typer.Option(help="The season's new total of episodes.", min=2)] = None,
    add: Annotated[int | None, typer.Option(help="Or: how many episodes to add.", min=1)] = None,
) -> None:
    """Extend the season: the showrunner plans the new episodes' briefs against canon so far."""
    ws = Workspace.open(series)
    lang = ws.config.series.language
    if (episodes is None) == (add is None):
        raise UserError("say how far to extend the season: --episodes N (the new total) or --add N")
    total = episodes if episodes is not None else ws.config.series.episodes + (add or 0)
    old = ws.config.series.episodes
    out.print(say(lang, "extend.planning", first=old + 1, last=total), markup=False)
    with ws.writing():
        done = asyncio.run(extend_season(ws, Settings(), total))
    out.print(say(lang, "extend.done", old=done.old, new=done.new), markup=False)
    for brief in done.briefs:
        out.print(say(lang, "extend.brief", n=brief.number, title=brief.title, hook=brief.opening_hook), markup=False)
    out.print(say(lang, "extend.next", root=ws.root), markup=False)


plan_app = typer.Typer(help="Change the season plan for episodes not produced yet.", no_args_is_help=True)
_BRIEF_FIELDS = "title, opening_hook, cliffhanger, core_conflict, beat1..beat4"


@plan_app.callback()
def plan(ctx: typer.Context, series: SeriesArg) -> None:
    """Change the plan: `dramaroom plan SERIES paywall N`, `dramaroom plan SERIES brief N FIELD "TEXT"`."""
    ctx.obj = series


def _revise(ctx: typer.Context, edit: RevisePlan) -> None:
    if not isinstance(ctx.obj, Path):
        raise UserError("name the series first: `dramaroom plan SERIES paywall N`")
    ws = Workspace.open(ctx.obj)
    lang = ws.config.series.language
    bible = StoryBible(ws.bible_dir, ws.config.embeddings)
    try:
        if not bible.has_series():
            raise UserError(f"{ws.root} has no season plan yet: run `dramaroom produce {ws.root}` first")
        with ws.writing():
            change = change_plan(ws, bible, edit, "cli")
    finally:
        bible.close()
    for line in change.changes:
        out.print(line, markup=False)
    out.print(say(lang, "plan.saved"), markup=False)


@plan_app.command()
def paywall(ctx: typer.Context, episode: Annotated[int, typer.Argument(help="The new first paid episode.")]) -> None:
    """Move the paywall to an episode not produced yet."""
    _revise(ctx, RevisePlan(action="move_paywall", episode=episode))


@plan_app.command()
def brief(
    ctx: typer.Context,
    episode: Annotated[int, typer.Argument(help="An episode not produced yet.")],
    field: Annotated[str, typer.Argument(help=f"One of {_BRIEF_FIELDS}.")],
    text: Annotated[str, typer.Argument(help="The new text.")],
) -> None:
    """Rewrite one field of an unproduced episode's brief: `brief 5 cliffhanger "Mei burns the letter"`."""
    _revise(ctx, RevisePlan(action="revise_brief", episode=episode, field=field, text=text))


@plan_app.command()
def twist(
    ctx: typer.Context,
    episode: Annotated[int, typer.Argument(help="An episode not produced yet.")],
    text: Annotated[str, typer.Argument(help="The twist, in a sentence.")],
) -> None:
    """Put a twist at the turn of an unproduced episode."""
    _revise(ctx, RevisePlan(action="add_twist", episode=episode, text=text))


@plan_app.command()
def wardrobe(
    ctx: typer.Context,
    episode: Annotated[int, typer.Argument(help="An episode not produced yet: the change happens there.")],
    character: Annotated[str, typer.Argument(help="The character's name or id.")],
    costume: Annotated[str, typer.Argument(help="A wardrobe set id, or a description (a new set is added).")],
) -> None:
    """Plan a lasting costume change: `wardrobe 3 "Maya Chen" "red prison jumpsuit"`; later episodes keep it."""
    _revise(ctx, RevisePlan(action="change_wardrobe", episode=episode, character=character, text=costume))
