"""Season edits from the command line: reopen a committed episode, extend the season, change the plan."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.console import Console

from agents.messages import say
from dramaroom.errors import UserError
from dramaroom.reopening import reopen as reopen_episode
from dramaroom.reopening import waiting_before
from dramaroom.reports import SeriesArg
from dramaroom.run_cli import produce_run
from dramaroom.workspace import Workspace

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
