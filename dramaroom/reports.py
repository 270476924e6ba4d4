"""Read-mostly commands: where a season stands, and re-reviewing a hand-edited episode."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from agents import continuity, ethics
from agents.room import RoomContext
from dramaroom.errors import UserError
from dramaroom.production import build_room, describe_models
from dramaroom.settings import Settings
from dramaroom.trace_history import open_traces
from dramaroom.workspace import Workspace
from graphs.episode import EpisodeReview
from graphs.state import RevisionRecord
from memory.schema import Review, Script, SeasonPlan, ShotList

out = Console()
SeriesArg = Annotated[Path, typer.Argument(help="The series workspace folder.", show_default=False)]


def _episode_row(ws: Workspace, number: int, title: str) -> list[str]:
    folder = ws.episode_dir(number)
    if not (folder / "review.json").exists():
        return [f"{number:03d}", title, "planned", "", "", "", ""]
    review = ws.load_artifact(folder / "review.json", EpisodeReview)
    drafts = [h for h in review.history if h.artifact == "script"]
    status: str
    if review.outcome is not None:
        status = review.outcome.status
    elif review.shots is not None and not review.decisions:
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
        runtime = f"{shot_list.total_seconds:.0f}/{shot_list.target_seconds} s"
    return [f"{number:03d}", title, status, str(max(0, len(drafts) - 1)), str(open_count), shots, runtime]


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
    rows = _rows(ws)
    if rows is None:
        return [f"{cfg.episodes} episodes ({cfg.language}) planned from the premise, nothing written yet."]
    plan = ws.load_artifact(ws.root / "season_plan.json", SeasonPlan)
    by_status: dict[str, list[str]] = {}
    for row in rows:
        by_status.setdefault(row[2], []).append(str(int(row[0])))
    lines = [f'"{plan.title}": {cfg.episodes} episodes, paywall at episode {plan.paywall_episode}.']
    for state in ("committed", "awaiting approval", "in progress", "blocked", "planned"):
        numbers = by_status.get(state, [])
        if numbers:
            shown = ", ".join(numbers) if len(numbers) <= 12 else f"{numbers[0]}-{numbers[-1]}"
            lines.append(f"{state}: {len(numbers)} (episodes {shown})")
    waiting = by_status.get("awaiting approval", [])
    if waiting:
        lines.append(f"next: approve or reject episode {waiting[0]}")
    elif by_status.get("planned"):
        lines.append(f"next: produce episode {by_status['planned'][0]}")
    return lines


def status(series: SeriesArg) -> None:
    """Show the season: plan, each episode's state, revisions, open findings and runtime."""
    ws = Workspace.open(series)
    cfg = ws.config.series
    plan_path = ws.root / "season_plan.json"
    traces = open_traces(ws, Settings())
    runs = traces.runs()
    events = traces.events(kinds=("llm",))
    traces.close()
    if not plan_path.exists():
        out.print(
            f"{ws.root}: {cfg.episodes} episodes ({cfg.language}), not planned yet: run `dramaroom produce {ws.root}`"
        )
        return
    plan = ws.load_artifact(plan_path, SeasonPlan)
    out.print(f"[bold]{plan.title}[/] - {plan.logline}")
    out.print(
        f"{cfg.language}, {cfg.episodes} episodes x {cfg.target_seconds} s, genre {plan.genre}, "
        f"paywall at episode {plan.paywall_episode}"
    )
    table = Table("ep", "title", "status", "revisions", "open findings", "shots", "runtime")
    for brief in plan.episodes:
        table.add_row(*_episode_row(ws, brief.number, brief.title))
    out.print(table)
    tokens_in = sum(e.input_tokens for e in events)
    tokens_out = sum(e.output_tokens for e in events)
    last = runs[-1] if runs else None
    if last is not None:
        out.print(
            f"last run: {last.command} -> {last.status} ({last.started_at}); "
            f"models: {', '.join(sorted(set(last.models.values())))}"
        )
    out.print(f"model calls: {len(events)}, tokens in/out: {tokens_in:,}/{tokens_out:,}")


@dataclass(frozen=True)
class ReReview:
    """The outcome of re-reviewing a hand-edited episode."""

    continuity: Review
    ethics: Review
    recommitted: bool
    later: list[int]
    models: str


async def rereview(ws: Workspace, settings: Settings, episode: int) -> ReReview:
    """Re-run continuity and ethics on an episode's script.json; recommit it when both approve.

    The caller holds the workspace lock.
    """
    folder = ws.episode_dir(episode)
    script = ws.load_artifact(folder / "script.json", Script)
    if script.episode != episode:
        raise UserError(
            f"{folder / 'script.json'} says episode {script.episode}, not {episode}: fix its `episode` field"
        )
    ctx = build_room(ws, settings)
    bible = ctx.bible
    try:
        if not bible.has_series():
            raise UserError(f"{ws.root} has no season plan yet: run `dramaroom produce {ws.root}` first")
        cont, eth = await _review_both(ctx, script, episode)
        previous = (
            ws.load_artifact(folder / "review.json", EpisodeReview)
            if (folder / "review.json").exists()
            else EpisodeReview(episode=episode)
        )
        record = RevisionRecord(
            artifact="script",
            revision=len([h for h in previous.history if h.artifact == "script"]),
            reviewer="human",
            model="hand edit",
        )
        updated = previous.model_copy(
            update={"continuity": cont, "ethics": eth, "history": [*previous.history, record]}
        )
        ws.save_episode(episode, "review", updated)
        ws.save_episode(episode, "script", script)
        recommitted = False
        if cont.verdict == "approve" and eth.verdict == "approve" and episode in bible.committed_episodes():
            recommitted = bible.commit_episode(script)
        later = [n for n in bible.committed_episodes() if n > episode]
    finally:
        bible.close()
    return ReReview(cont, eth, recommitted, later, describe_models(dict(ctx.models)))


def review_lines(result: ReReview) -> list[str]:
    """Describe a re-review, one line per verdict and finding."""
    lines: list[str] = []
    for rev in (result.continuity, result.ethics):
        lines.append(f"{rev.reviewer}: {rev.verdict}")
        for f in rev.findings:
            lines.append(
                f"  {f.severity:6} {f.check} @ {f.location}: {f.message}" + (f' "{f.quote}"' if f.quote else "")
            )
    if result.recommitted:
        later = ", ".join(map(str, result.later)) or "none"
        lines.append(f"the edit is now canon; episodes written against the old version: {later}")
    return lines


def review(
    series: SeriesArg, episode: Annotated[int, typer.Option(help="The episode whose script.json you edited.")]
) -> None:
    """Re-run continuity and ethics on an episode's script.json after a hand edit."""
    ws = Workspace.open(series)
    with ws.writing():
        result = asyncio.run(rereview(ws, Settings(), episode))
    out.print(f"reviewed episode {episode} with {result.models}")
    for line in review_lines(result):
        out.print(line, markup=False)
    if result.continuity.verdict != "approve" or result.ethics.verdict != "approve":
        raise typer.Exit(1)


async def _review_both(ctx: RoomContext, script: Script, episode: int) -> tuple[Review, Review]:
    canon = ctx.bible.canon_at(episode)
    cont = await continuity.review_script(ctx, script, canon, ctx.bible.carryover_at(episode))
    eth = await ethics.review_script(ctx, script, canon)
    return cont, eth
