"""`dramaroom eval`: measure a produced season and write SERIES/eval/ (Markdown, PNG plots, eval.json)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dramaroom.errors import UserError
from dramaroom.production import build_models
from dramaroom.settings import Settings
from dramaroom.workspace import Workspace, write_atomic, write_atomic_bytes
from evals.judge import SKIPPED_OFFLINE, JudgeItem, JudgeReport, judge_season, skipped
from evals.metrics_notes import ReviewOutcomes
from evals.metrics_stale import CanonChange, ChangeLog
from evals.metrics_text import Embedder
from evals.pricing import price_table
from evals.report import EpisodeInputs, EvalReport, SeasonInputs, build_report
from evals.report_markdown import episode_markdown, season_markdown, season_table
from evals.report_plots import plots
from graphs.state import EpisodeReview
from graphs.tracing import TraceStore
from memory.embeddings import embedding_function, model_fingerprint
from memory.premise import PremiseFacts
from memory.schema import Review, Script, SeasonPlan, ShotList

out = Console()
err = Console(stderr=True)
SeriesArg = Annotated[Path, typer.Argument(help="The series workspace folder.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the figures as JSON on stdout, and nothing else.")]
NoJudgeOpt = Annotated[bool, typer.Option("--no-judge", help="Skip the LLM judge even with an endpoint configured.")]
EVAL_DIR = "eval"


def _episode(ws: Workspace, brief_number: int, plan: SeasonPlan) -> EpisodeInputs | None:
    folder = ws.episode_dir(brief_number)
    needed = [folder / name for name in ("script.json", "shotlist.json", "review.json")]
    if not all(p.exists() for p in needed):
        return None
    script = ws.load_artifact(needed[0], Script)
    review = ws.load_artifact(needed[2], EpisodeReview)
    first = folder / "drafts" / "script.r0.json"
    revised = any(h.artifact == "script" and h.revision > 0 for h in review.history)
    return EpisodeInputs(
        brief=next(b for b in plan.episodes if b.number == brief_number),
        script=script,
        shot_list=ws.load_artifact(needed[1], ShotList),
        review=review,
        first_draft=ws.load_artifact(first, Script) if revised and first.exists() else None,
        reviewed_at=needed[2].stat().st_mtime,
        outcomes=ws.load_artifact(needed[2], ReviewOutcomes),
    )


def _premise(ws: Workspace) -> PremiseFacts | None:
    path = ws.root / "premise.json"
    # None: a series made before premise facts were kept, reported as such.
    return ws.load_artifact(path, PremiseFacts) if path.exists() else None


def _canon_changes(ws: Workspace) -> tuple[list[CanonChange], float | None]:
    path = ws.root / "canon_changes.json"
    if not path.exists():
        return [], None
    # An undone change left canon as it was: it makes no review stale.
    standing = [c for c in ws.load_artifact(path, ChangeLog).changes if c.undone_at is None]
    return standing, path.stat().st_mtime


def gather(ws: Workspace) -> SeasonInputs:
    """Read what a season consists of from its workspace, failing clearly when nothing is produced yet."""
    plan_path = ws.root / "season_plan.json"
    if not plan_path.exists():
        raise UserError(f"{ws.root} has nothing to evaluate yet: run `dramaroom produce {ws.root}` first")
    plan = ws.load_artifact(plan_path, SeasonPlan)
    episodes = [e for b in plan.episodes if (e := _episode(ws, b.number, plan)) is not None]
    if not episodes:
        raise UserError(
            f"no episode of {ws.root} has a script, shot list and review yet: run `dramaroom produce {ws.root}` first"
        )
    done = {e.script.episode for e in episodes}
    unfinished = [
        ws.load_artifact(path, EpisodeReview)
        for b in plan.episodes
        if b.number not in done and (path := ws.episode_dir(b.number) / "review.json").exists()
    ]
    review_path = ws.root / "plan_review.json"
    events, runs = [], []
    if ws.traces_path.exists():
        store = TraceStore(ws.traces_path)
        try:
            events, runs = store.events(), store.runs()
        finally:
            store.close()
    premise = _premise(ws)
    changes, changes_at = _canon_changes(ws)
    canon = ws.canon()
    return SeasonInputs(
        title=plan.title,
        language=ws.config.series.language,
        genre=plan.genre,
        planned=len(plan.episodes),
        writer=ws.generated_by(ws.episode_dir(episodes[0].script.episode) / "script.json") or "unknown",
        names={c.id: c.name for c in canon.characters},
        episodes=episodes,
        canon=canon,
        plan=plan,
        plan_review=ws.load_artifact(review_path, Review) if review_path.exists() else None,
        unfinished=unfinished,
        events=events,
        runs=runs,
        prices=price_table(ws.config.prices),
        premise=premise,
        canon_changes=changes,
        changes_written_at=changes_at,
    )


def _judge(ws: Workspace, settings: Settings, inputs: SeasonInputs, enabled: bool) -> JudgeReport:
    if not enabled:
        return skipped("skipped: --no-judge was given")
    if not settings.endpoint_configured:
        return skipped(SKIPPED_OFFLINE)
    # The continuity editor's model judges: it is the role configured to read scripts critically.
    model = build_models(settings, ws)["continuity"]
    err.print(f"judging {len(inputs.episodes)} episode(s) with {model.label}")
    items = [
        JudgeItem(
            brief=e.brief,
            final=e.script,
            first_draft=e.first_draft if e.first_draft is not None and e.first_draft != e.script else None,
        )
        for e in inputs.episodes
    ]
    return asyncio.run(judge_season(model, items, names=inputs.names, language=inputs.language))


def _embedder(ws: Workspace) -> tuple[Embedder | None, str, str]:
    config = ws.config.embeddings
    label = model_fingerprint(config)
    try:
        function = embedding_function(config)
    except (ValueError, RuntimeError) as exc:
        return None, label, f"skipped: {exc}"

    def embed(texts: list[str]) -> Sequence[Sequence[float]]:
        return [list(map(float, vector)) for vector in function(texts)]

    return embed, label, ""


def write_report(folder: Path, report: EvalReport) -> list[Path]:
    """Write report.md, one page per episode, the plots and eval.json into a folder; return what was written."""
    images = plots(report)
    plot_dir = folder / "plots"
    # A plot from an earlier run (the judge's, say) must not outlive the figures it showed.
    for stale in plot_dir.glob("*.png") if plot_dir.is_dir() else []:
        if stale.name not in images:
            stale.unlink()
    written: list[Path] = []
    for name, data in images.items():
        write_atomic_bytes(plot_dir / name, data)
        written.append(plot_dir / name)
    for episode in report.episodes:
        page = folder / "episodes" / f"ep{episode.episode:03d}.md"
        write_atomic(page, episode_markdown(report, episode))
        written.append(page)
    write_atomic(folder / "report.md", season_markdown(report, images))
    write_atomic(folder / "eval.json", json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n")
    return [folder / "report.md", folder / "eval.json", *written]


def _say(line: str) -> None:
    """Print a progress line to stderr, so --json keeps stdout for the figures."""
    err.print(line, markup=False, highlight=False, soft_wrap=True)


def evaluate(series: SeriesArg, json_out: JsonOpt = False, no_judge: NoJudgeOpt = False) -> None:
    """Measure a season into SERIES/eval/: structure, continuity, ethics, repetition, cast, cliffhanger payoff,
    premise coverage, note adherence, stale reviews, LLM judge, cost."""
    ws = Workspace.open(series)
    settings = Settings()
    inputs = gather(ws)
    _say(f"evaluating {len(inputs.episodes)} episode(s) of {ws.root}")
    judge = _judge(ws, settings, inputs, enabled=not no_judge)
    _say("loading the embedding model")
    embed, embed_model, embed_skip = _embedder(ws)
    report = build_report(
        inputs,
        judge=judge,
        embed=embed,
        embed_model=embed_model,
        embed_skip=embed_skip,
        progress=lambda stage: _say(f"  {stage}"),
    )
    folder = ws.root / EVAL_DIR
    _say(f"writing {folder}")
    written = write_report(folder, report)
    if json_out:
        typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    table = Table("measure", "value", title=f"{report.meta.title}: season evaluation")
    for measure, value in season_table(report):
        table.add_row(measure, value)
    out.print(table)
    pages = len(report.episodes)
    out.print(f"wrote {folder / 'report.md'}, eval.json, {pages} episode page(s) and plots ({len(written)} files)")
