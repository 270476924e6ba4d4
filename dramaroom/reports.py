"""Read-mostly commands: where a season stands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agents.messages import say, term
from dramaroom.settings import Settings
from dramaroom.status_json import season_status
from dramaroom.trace_history import open_traces
from dramaroom.workspace import Workspace
from graphs.state import EpisodeReview
from memory.schema import SeasonPlan, ShotList

out = Console()
SeriesArg = Annotated[Path, typer.Argument(help="The series workspace folder.", show_default=False)]


def _episode_row(ws: Workspace, number: int, title: str) -> list[str]:
    """Return one row of the status table; the status column holds the state's key ('awaiting approval')."""
    folder = ws.episode_dir(number)
    if not (folder / "review.json").exists():
        return [f"{number:03d}", title, "planned", "", "", "", ""]
    review = ws.load_artifact(folder / "review.json", EpisodeReview)
    drafts = [h for h in review.history if h.artifact == "script"]
    status: str
    if review.outcome is not None:
        status = review.outcome.status
    elif review.shots is not None and _back_at_gate(review):
        status = "awaiting approval"
    else:
        status = "in progress"
    open_count = sum(
        1 for r in (review.continuity, review.ethics, review.shots) if r for f in r.findings if f.severity != "info"
    )
    shots = ""
    runtime = ""
    if (folder / "shotlist.json").exists():
        shot_list = ws.load_artifact(folder / "shotlist.json", ShotList)
        shots = str(len(shot_list.shots))
        runtime = say(
            ws.config.series.language,
            "status.runtime",
            seconds=f"{shot_list.total_seconds:.0f}",
            target=shot_list.target_seconds,
        )
    return [f"{number:03d}", title, status, str(max(0, len(drafts) - 1)), str(open_count), shots, runtime]


def _back_at_gate(review: EpisodeReview) -> bool:
    """Tell whether an episode with a shot list waits at the gate: never decided, or redrafted after each rejection.

    An episode rejected after it was committed (reopened) has an approval behind it; what counts is that
    its last decision is a rejection the room has redrafted for. Hand-edit records are the writer's, not
    redrafts.
    """
    if not review.decisions:
        return True
    if review.decisions[-1].approved:
        return False
    rejections = sum(1 for d in review.decisions if not d.approved)
    redrafts = [
        h
        for h in review.history
        if h.artifact == "script" and h.reviewer == "human" and not h.model.startswith("hand edit")
    ]
    return len(redrafts) >= rejections


def _rows(ws: Workspace) -> list[list[str]] | None:
    plan_path = ws.root / "season_plan.json"
    if not plan_path.exists():
        return None
    plan = ws.load_artifact(plan_path, SeasonPlan)
    return [_episode_row(ws, brief.number, brief.title) for brief in plan.episodes]


def awaiting_approval(ws: Workspace) -> list[int]:
    """Return the episodes waiting at the approval gate."""
    return [int(row[0]) for row in _rows(ws) or [] if row[2] == "awaiting approval"]


def season_lines(ws: Workspace) -> list[str]:
    """Say where the season stands in a few lines: counts by status, what waits, what is next."""
    cfg = ws.config.series
    lang = cfg.language
    rows = _rows(ws)
    if rows is None:
        return [say(lang, "status.nothing_written", episodes=cfg.episodes, language=term(lang, "language", lang))]
    plan = ws.load_artifact(ws.root / "season_plan.json", SeasonPlan)
    by_status: dict[str, list[str]] = {}
    for row in rows:
        by_status.setdefault(row[2], []).append(str(int(row[0])))
    lines = [say(lang, "status.season", title=plan.title, episodes=cfg.episodes, paywall=plan.paywall_episode)]
    for state in ("committed", "awaiting approval", "in progress", "blocked", "planned"):
        numbers = by_status.get(state, [])
        if numbers:
            shown = say(lang, "sep.list").join(numbers) if len(numbers) <= 12 else f"{numbers[0]}-{numbers[-1]}"
            lines.append(
                say(lang, "status.state_count", state=term(lang, "state", state), count=len(numbers), shown=shown)
            )
    waiting = by_status.get("awaiting approval", [])
    if waiting:
        lines.append(say(lang, "status.next_approve", n=waiting[0]))
    elif by_status.get("planned"):
        lines.append(say(lang, "status.next_produce", n=by_status["planned"][0]))
    return lines


def status(
    series: SeriesArg,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object: the season and one entry per episode.")
    ] = False,
) -> None:
    """Show the season: plan, each episode's state, revisions, open findings and runtime."""
    ws = Workspace.open(series)
    if as_json:
        print(season_status(ws, _rows(ws)).model_dump_json(indent=2))
        return
    for line in status_lines(ws):
        out.print(line)


def status_lines(ws: Workspace) -> list[str | Table]:
    """Return the status report in the series' language: heading lines, the episode table, run and cost lines."""
    cfg = ws.config.series
    lang = cfg.language
    language = term(lang, "language", lang)
    plan_path = ws.root / "season_plan.json"
    traces = open_traces(ws, Settings())
    runs = traces.runs()
    events = traces.events(kinds=("llm",))
    traces.close()
    if not plan_path.exists():
        return [escape(say(lang, "status.not_planned", root=ws.root, episodes=cfg.episodes, language=language))]
    plan = ws.load_artifact(plan_path, SeasonPlan)
    lines: list[str | Table] = [
        say(lang, "status.title", title=f"[bold]{escape(plan.title)}[/]", logline=escape(plan.logline)),
        escape(
            say(
                lang,
                "status.meta",
                language=language,
                episodes=cfg.episodes,
                seconds=cfg.target_seconds,
                genre=plan.genre,
                paywall=plan.paywall_episode,
            )
        ),
    ]
    columns = ("ep", "title", "status", "revisions", "open", "shots", "runtime")
    table = Table(*(say(lang, f"status.col.{c}") for c in columns))
    for brief in plan.episodes:
        row = _episode_row(ws, brief.number, brief.title)
        row[2] = term(lang, "state", row[2])
        table.add_row(*(escape(cell) for cell in row))
    lines.append(table)
    tokens_in = sum(e.input_tokens for e in events)
    tokens_out = sum(e.output_tokens for e in events)
    last = runs[-1] if runs else None
    if last is not None:
        models = say(lang, "sep.list").join(sorted(set(last.models.values())))
        lines.append(
            escape(
                say(
                    lang,
                    "status.last_run",
                    command=last.command,
                    status=term(lang, "run", last.status),
                    started=last.started_at,
                    models=models,
                )
            )
        )
    lines.append(say(lang, "status.calls", calls=len(events), tokens_in=f"{tokens_in:,}", tokens_out=f"{tokens_out:,}"))
    return lines
