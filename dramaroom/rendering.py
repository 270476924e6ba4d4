"""Render committed episodes of a workspace to labelled MP4s and editor exports."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agents.messages import term
from dramaroom.config import RenderSection
from dramaroom.errors import UserError
from dramaroom.workspace import Workspace, inside, write_atomic_bytes
from memory.bible import StoryBible
from memory.schema import Canon, Script, ShotList
from renderers.bundle import bundle
from renderers.cache import RenderCache
from renderers.episode import RenderJob, RenderResult, render_episode, write_manifest
from renderers.fdx import to_fdx_with_ids
from renderers.protocols import LabelSpec, RenderError
from renderers.registry import Backends, RenderSettings, backends_for
from renderers.screenplay import to_pdf
from renderers.timeline_export import export_otio

Progress = Callable[[str, int, int], None]
EXPORT_FILES = [
    "episode.mp4",
    "episode.srt",
    "timeline.otio",
    "script.fountain",
    "script.fdx",
    "script.pdf",
    "shotlist.csv",
    "contact_sheet.png",
    "render.json",
]


@dataclass(frozen=True)
class EpisodeRender:
    """One rendered episode, for the CLI's report."""

    episode: int
    result: RenderResult
    stale: str | None = None


def settings_from(section: RenderSection, root: Path) -> RenderSettings:
    """Turn the [render] config section into backend settings, resolving paths against the workspace."""
    return RenderSettings(
        image=section.image,
        voice=section.voice,
        music=section.music,
        assembly="ffmpeg",
        annotate=section.annotate,
        fps=section.fps,
        music_bed=section.music_bed,
        model_path=_resolve(section.model_path, root),
        device=section.device or None,
        steps=section.steps,
        guidance=section.guidance,
        strength=section.strength,
        width=section.width,
        height=section.height,
        storyboard_guide=section.storyboard_guide,
        references=_resolve(section.references, root),
        edge_timeout_s=section.edge_timeout_s,
    )


def _resolve(value: str, root: Path) -> Path | None:
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


@dataclass(frozen=True)
class BibleView:
    """What the story bible says about the episodes a render asked for."""

    committed: list[int]
    stale: dict[int, str]
    canons: dict[int, Canon]


def bible_view(ws: Workspace, episodes: list[int] | None) -> BibleView:
    """Ask the bible, the one record of what is committed, what a render needs.

    That is: the committed episodes, the stale ones, and canon as of each wanted
    episode (wardrobe, looks and holders after earlier episodes' changes).
    """
    bible = StoryBible(ws.bible_dir, ws.config.embeddings)
    try:
        if not bible.has_series():
            return BibleView([], {}, {})
        done = bible.committed_episodes()
        wanted = [n for n in (episodes or done) if n in done]
        return BibleView(done, bible.stale_episodes(), {n: bible.canon_at(n) for n in wanted})
    finally:
        bible.close()


def committed(ws: Workspace) -> list[int]:
    """Return the committed episodes, as the story bible records them."""
    bible = StoryBible(ws.bible_dir, ws.config.embeddings)
    try:
        return bible.committed_episodes() if bible.has_series() else []
    finally:
        bible.close()


def labels_for(ws: Workspace, episode: int, script: Script) -> LabelSpec:
    """Return the AI-content labels for an episode: visible text, corner mark, implicit metadata ids."""
    zh = ws.config.series.language == "zh"
    digest = hashlib.sha256(script.model_dump_json().encode("utf-8")).hexdigest()[:12]
    return LabelSpec(
        text="AI生成" if zh else "AI-generated · AI生成",
        seconds=max(2.0, ws.config.render.label_seconds),
        corner="AI",
        producer="dramaroom",
        produce_id=f"{ws.root.name}-ep{episode:03d}-{digest}",
        filing_number=ws.config.render.filing_number,
    )


def render_workspace(
    ws: Workspace,
    episodes: list[int] | None,
    *,
    progress: Progress,
    on_episode: Callable[[int], None],
    force: bool = False,
) -> list[EpisodeRender]:
    """Render the given (or all committed) episodes with the configured backends.

    A stale episode (committed, then contradicted by a canon change) is refused unless
    `force`; each episode renders against canon as of that episode.
    """
    view = bible_view(ws, episodes)
    wanted = episodes or view.committed
    missing = [n for n in wanted if n not in view.committed]
    if missing:
        raise UserError(f"episode {missing[0]} has no approved shot list yet: run `dramaroom produce {ws.root}` first")
    if not wanted:
        raise UserError(f"no episode is committed yet: run `dramaroom produce {ws.root}` first")
    stale = [n for n in wanted if n in view.stale]
    if stale and not force:
        n = stale[0]
        raise UserError(
            f"episode {n} is stale ({view.stale[n]}): fix it and run `dramaroom review {ws.root} --episode {n}`, "
            f"or render it as it is with --force"
        )
    try:
        backends = backends_for(settings_from(ws.config.render, ws.root))
    except RenderError as exc:
        raise UserError(str(exc)) from exc
    cache = RenderCache(ws.root / "renders" / "cache")
    try:
        cache.root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot write to {cache.root}: {exc.strerror}; make the workspace writable", code=1) from exc
    out: list[EpisodeRender] = []
    for number in wanted:
        on_episode(number)
        folder = inside(ws.root, ws.episode_dir(number) / "media").parent
        _refuse_hand_edits(ws, number)
        script = ws.load_artifact(folder / "script.json", Script)
        shots = ws.load_artifact(folder / "shotlist.json", ShotList)
        job = RenderJob(
            script=script,
            shots=shots,
            canon=view.canons[number],
            folder=folder,
            cache=cache,
            labels=labels_for(ws, number, script),
            seed=ws.config.series.seed,
            fps=ws.config.render.fps,
            references=_resolve(ws.config.render.references, ws.root),
        )
        try:
            result = render_episode(job, backends, progress)
            _exports(ws, folder, result, job, backends)
        except RenderError as exc:
            raise UserError(f"episode {number}: {exc}", code=1) from exc
        except OSError as exc:
            where = exc.filename or ws.root
            raise UserError(f"cannot write to {where}: {exc.strerror}; make the workspace writable", code=1) from exc
        out.append(EpisodeRender(number, result, view.stale.get(number)))
    return out


def _refuse_hand_edits(ws: Workspace, episode: int) -> None:
    """Stop before render would overwrite a Final Draft edit, or export a Fountain edit the video lacks."""
    edited = [name for name in ws.hand_edits(episode) if name != "script.json"]
    if not edited:
        return
    folder = ws.episode_dir(episode)
    if "script.fdx" in edited:
        raise UserError(
            f"{folder / 'script.fdx'} was edited by hand and render would overwrite it: run "
            f"`dramaroom review {ws.root} --episode {episode}` to take the edit in (or move the file aside), then "
            "render again; nothing was rendered"
        )
    raise UserError(
        f"{folder / 'script.fountain'} was edited by hand but the video is made from script.json: run "
        f"`dramaroom review {ws.root} --episode {episode}` to take the edit in first; nothing was rendered"
    )


def _exports(ws: Workspace, folder: Path, result: RenderResult, job: RenderJob, backends: Backends) -> None:
    fountain = (folder / "script.fountain").read_text(encoding="utf-8")
    ws.write_fdx(job.script.episode, to_fdx_with_ids(fountain))
    to_pdf(fountain, folder / "script.pdf")
    export_otio(
        result.timeline, episode=job.script.episode, title=job.script.title, fps=job.fps, out=folder / "timeline.otio"
    )
    write_manifest(result, folder / "render.json", backends, job.labels)


def export_episode(ws: Workspace, episode: int, *, zip_it: bool) -> Path:
    """Bundle an episode's rendered media and exports into exports/epNNN (or a zip)."""
    folder = ws.episode_dir(episode)
    absent = [name for name in EXPORT_FILES if not (folder / name).exists()]
    if absent:
        raise UserError(
            f"episode {episode} is missing {', '.join(absent)}: "
            f"run `dramaroom render {ws.root} --episode {episode}` first"
        )
    target = inside(ws.root, ws.root / "exports" / folder.name)
    for name in EXPORT_FILES:
        write_atomic_bytes(target / name, (folder / name).read_bytes(), root=ws.root)
    return bundle(target, target.with_suffix(".zip") if zip_it else None)


def render_with_progress(ws: Workspace, episodes: list[int] | None, *, force: bool = False) -> list[EpisodeRender]:
    """Render with Rich progress bars: one for episodes, one for the current stage's steps."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("[bold]{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )
    total = len(episodes or committed(ws))
    with bars:
        lang = ws.config.series.language
        season = bars.add_task(term(lang, "stage", "episodes"), total=total)
        stage = bars.add_task("", total=1, visible=False)
        started = [False]

        def on_episode(number: int) -> None:
            if started[0]:
                bars.advance(season)
            started[0] = True
            bars.update(stage, description=f"ep{number:03d}", visible=True)

        def progress(name: str, done: int, count: int) -> None:
            bars.update(stage, description=term(lang, "stage", name), completed=done, total=max(count, 1))

        results = render_workspace(ws, episodes, progress=progress, on_episode=on_episode, force=force)
        bars.update(season, completed=total)
    return results
