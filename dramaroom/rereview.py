"""Re-reviewing a hand-edited episode: read back what the writer changed, review it, recommit it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from agents import continuity, ethics
from agents.canon_edits import recheck_after_rewrite
from agents.canon_fixes import refresh_prompts
from agents.messages import say, term
from agents.room import RoomContext
from dramaroom.errors import UserError
from dramaroom.production import build_room, describe_models
from dramaroom.reports import SeriesArg, awaiting_approval, out
from dramaroom.settings import Settings
from dramaroom.workspace import Workspace
from graphs.state import EpisodeReview, RevisionRecord
from memory.schema import Canon, Language, Review, Script, ShotList
from renderers.fdx import fdx_to_fountain
from renderers.fountain_read import FountainEditError, read_back


@dataclass(frozen=True)
class ReReview:
    """The outcome of re-reviewing a hand-edited episode."""

    continuity: Review
    ethics: Review
    recommitted: bool
    later: list[int]
    models: str
    language: Language = "en"
    stale: list[int] = field(default_factory=list)
    reprompted: int = 0


async def rereview(ws: Workspace, settings: Settings, episode: int) -> ReReview:
    """Re-run continuity and ethics on an episode's script, as the writer edited it; recommit it when both approve.

    The script is script.json, or the writer's edit of script.fountain or script.fdx read back into it (several
    edited: they must agree).

    The caller holds the workspace lock.
    """
    folder = ws.episode_dir(episode)
    script = ws.load_artifact(folder / "script.json", Script)
    edited = ws.hand_edits(episode)
    read = list(edited)  # the files this review takes the edit from
    script = _read_edits(ws, folder, script, edited)
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
        # A hand edit is a revision by the writer; re-reviewing an unedited script adds none.
        records = [
            RevisionRecord(
                artifact="script",
                revision=len([h for h in previous.history if h.artifact == "script"]),
                reviewer="human",
                model=f"hand edit ({' + '.join(read)})",
            )
        ]
        history = [*previous.history, *(records if read else [])]
        approved = cont.verdict == "approve" and eth.verdict == "approve" and episode in bible.committed_episodes()
        shots = _refreshed_shots(ws, folder, bible.canon_at(episode)) if approved else None
        if shots is not None:
            history.append(
                RevisionRecord(
                    artifact="shotlist",
                    revision=len([h for h in previous.history if h.artifact == "shotlist"]),
                    reviewer="canon",
                    model=f"shot prompts rebuilt from canon ({shots[1]})",
                )
            )
            ws.save_episode(episode, "shotlist", shots[0])
        updated = previous.model_copy(update={"continuity": cont, "ethics": eth, "history": history})
        ws.save_episode(episode, "review", updated)
        ws.save_episode(episode, "script", script)
        if "script.fdx" in read:
            ws.take_in_fdx(episode)  # its edit is in script.json now: the file is no longer an edit to read
        recommitted = False
        stale: dict[int, str] = {}
        if approved:
            old = bible.script(episode)
            recommitted = bible.commit_episode(script)
            bible.clear_stale(episode)  # reviewed against canon as it is now, and approved
            if recommitted and old is not None:  # what the edit changed may contradict the episodes after it
                stale = recheck_after_rewrite(bible, episode, old, "edited by hand")
        later = [n for n in bible.committed_episodes() if n > episode]
    finally:
        bible.close()
    lang = ws.config.series.language
    reprompted = shots[1] if shots is not None else 0
    return ReReview(cont, eth, recommitted, later, describe_models(dict(ctx.models)), lang, sorted(stale), reprompted)


def _refreshed_shots(ws: Workspace, folder: Path, canon: Canon) -> tuple[ShotList, int] | None:
    """Return the shot list with the prompts canon has moved on from rebuilt (a look or costume changed), or None."""
    path = folder / "shotlist.json"
    if not path.exists():
        return None
    shots, changed = refresh_prompts(ws.load_artifact(path, ShotList), canon)
    return (shots, changed) if changed else None


def _read_edits(ws: Workspace, folder: Path, script: Script, edited: list[str]) -> Script:
    """Read a writer's edit of script.fountain or script.fdx back into the script, or stop with one line.

    Every edited file is read; they must agree (a JSON edit counts as one of them). Nothing is written here.
    """
    versions: dict[str, Script] = {"script.json": script} if "script.json" in edited else {}
    for name in ("script.fountain", "script.fdx"):
        if name in edited:
            versions[name] = _read_screenplay(ws, folder / name, script)
    if not versions:
        return script
    first, *others = versions.items()
    for name, version in others:
        if version != first[1]:
            raise UserError(
                f"{folder / first[0]} and {folder / name} were both edited by hand, differently: "
                "keep your edit in one of them (restore the other from the episode's drafts, or make the same change "
                "in both), then run review again; nothing was changed"
            )
    return first[1]


def _read_screenplay(ws: Workspace, path: Path, script: Script) -> Script:
    """Read one edited screenplay file (Fountain or Final Draft) back into the script it was written from."""
    try:
        text = path.read_text(encoding="utf-8")
        fountain = fdx_to_fountain(text, script) if path.suffix == ".fdx" else text
        return read_back(fountain, script, ws.canon(), ws.config.render.scene_headings)
    except FountainEditError as exc:
        raise UserError(f"{path}: {exc}; nothing was changed") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} cannot be read ({exc}): restore it or remove it; nothing was changed") from exc


def refuse_edits_at_the_gate(ws: Workspace, episode: int) -> None:
    """Stop a decision on a gate episode whose script files were edited by hand.

    The gate commits (or redrafts) the room's own draft, so deciding now would drop the
    writer's edit; nothing is decided, and the line says what to do instead.
    """
    folder = ws.episode_dir(episode)
    if episode not in awaiting_approval(ws):
        return
    edited = ws.hand_edits(episode)
    if edited:
        files = " and ".join(str(folder / name) for name in edited)
        raise UserError(
            f"{files} {'was' if len(edited) == 1 else 'were'} edited by hand while episode {episode} waits at the "
            f"gate, and deciding now would replace the edit with the room's draft: put the change in a note "
            f'(`--reject --note "..."`) and restore the file, then decide again; nothing was decided'
        )


def review_lines(result: ReReview) -> list[str]:
    """Describe a re-review in the series' language, one line per verdict and finding."""
    lang = result.language
    lines: list[str] = []
    for rev in (result.continuity, result.ethics):
        lines.append(
            say(
                lang,
                "review.verdict",
                reviewer=term(lang, "reviewer", rev.reviewer),
                verdict=term(lang, "verdict", rev.verdict),
            )
        )
        for f in rev.findings:
            # English pads the severity to a column; Chinese words are already of one width.
            severity = term(lang, "severity", f.severity)
            finding = say(
                lang,
                "review.finding",
                severity=f"{severity:6}" if lang == "en" else severity,
                check=f.check,
                location=f.location,
                message=f.message,
            )
            lines.append(finding + (say(lang, "review.quote", quote=f.quote) if f.quote else ""))
    if result.recommitted:
        later = say(lang, "sep.list").join(map(str, result.later)) or say(lang, "review.none")
        lines.append(say(lang, "review.now_canon", later=later))
    if result.reprompted:
        lines.append(say(lang, "review.reprompted", shots=result.reprompted))
    if result.stale:
        lines.append(say(lang, "review.stale_later", episodes=say(lang, "sep.list").join(map(str, result.stale))))
    return lines


def review(
    series: SeriesArg, episode: Annotated[int, typer.Option(help="The episode whose script.json you edited.")]
) -> None:
    """Re-run continuity and ethics on an episode's script.json after a hand edit."""
    ws = Workspace.open(series)
    with ws.writing():
        result = asyncio.run(rereview(ws, Settings(), episode))
    out.print(say(result.language, "review.reviewed", episode=episode, models=result.models), markup=False)
    for line in review_lines(result):
        out.print(line, markup=False)
    if result.continuity.verdict != "approve" or result.ethics.verdict != "approve":
        raise typer.Exit(1)


async def _review_both(ctx: RoomContext, script: Script, episode: int) -> tuple[Review, Review]:
    canon = ctx.bible.canon_at(episode)
    cont = await continuity.review_script(ctx, script, canon, ctx.bible.carryover_at(episode))
    eth = await ethics.review_script(ctx, script, canon)
    return cont, eth
