"""Running the room from the command line: a progress bar per season, a line per room event, the ending.

`produce`, `approve`, `reopen` and `extend` all run the season graph through `produce_run`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agents.messages import say, term
from agents.room import RoomEvent
from dramaroom.errors import UserError
from dramaroom.production import RunResult, run_season
from dramaroom.settings import Settings
from dramaroom.workspace import Workspace
from graphs.state import EpisodeReview
from memory.schema import Language

out = Console()
err = Console(stderr=True)


class _Display:
    """Rich progress for a season run: a bar per season and a line per room event."""

    def __init__(self, total: int, done: int, language: Language = "en") -> None:
        self.language = language
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        self.task = self.progress.add_task(term(language, "stage", "season"), total=total, completed=done)

    def __call__(self, event: RoomEvent) -> None:
        style = {"blocked": "red", "commit": "green", "gate": "yellow", "revision": "magenta"}.get(event.kind, "dim")
        self.progress.console.print(f"[{style}]{escape(event.line(self.language))}[/]")
        if event.kind == "commit":
            self.progress.advance(self.task)


@contextmanager
def _season_display(ws: Workspace) -> Iterator[Callable[[RoomEvent], None]]:
    reviews = [ws.load_artifact(p, EpisodeReview) for p in (ws.root / "episodes").glob("ep*/review.json")]
    done = sum(1 for r in reviews if r.outcome is not None and r.outcome.status == "committed")
    series = ws.config.series
    display = _Display(series.episodes, min(done, series.episodes), series.language)
    with display.progress:
        yield display


def _report(ws: Workspace, result: RunResult, started: float) -> None:
    """Say how the run ended, in the series' language; commands and flags stay as typed."""
    elapsed = time.perf_counter() - started
    lang = ws.config.series.language
    if result.status == "paused" and result.pending:
        n = result.pending.episode
        out.print(f"[yellow]{escape(say(lang, 'cli.waiting', n=n, title=result.pending.title))}[/]")
        for finding in result.pending.open_findings:
            out.print(say(lang, "cli.open", finding=finding), markup=False)
        out.print(say(lang, "cli.approve_hint", root=ws.root, n=n), markup=False)
        out.print(say(lang, "cli.reject_hint", root=ws.root, n=n), markup=False)
        return
    if result.status == "blocked":
        where = say(lang, "cli.where_premise" if "premise or plan" in result.reason else "cli.where_plan")
        raise UserError(say(lang, "cli.stopped", reason=result.reason, where=where), code=4)
    committed = [o.episode for o in result.outcomes if o.status == "committed"]
    done = f"[green]{say(lang, 'cli.done_word')}[/]"
    folder = escape(str(ws.root / "episodes"))
    out.print(say(lang, "cli.done", done=done, count=len(committed), seconds=f"{elapsed:.1f}", folder=folder))


def produce_run(ws: Workspace, approval: Literal["auto", "manual"], command: str, **kwargs: object) -> None:
    """Run the season graph with a progress display and report how it ended (UserError when it stopped)."""
    settings = Settings()
    lang = ws.config.series.language
    mode = (
        say(lang, "cli.mode_endpoint", url=settings.openai_base_url or "api.openai.com")
        if settings.endpoint_configured
        else say(lang, "cli.mode_offline")
    )
    err.print(mode, markup=False)
    started = time.perf_counter()
    with ws.writing(), _season_display(ws) as display:
        result = asyncio.run(run_season(ws, settings, approval=approval, command=command, on_event=display, **kwargs))  # type: ignore[arg-type]
    _report(ws, result, started)
