"""`dramaroom canon`: change canon after planning without the chat — rename, retcon, revise, add, undo.

Each change is previewed first: every contradiction it causes in a produced episode (committed or at the
gate), all of them. It is applied on confirmation (`--yes` for scripts; off a terminal it is required),
through the same path as the chat's (dramaroom/canon_changes.py), and logged in canon_changes.json.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from agents.canon_edits import EditError, assess
from agents.canon_fixes import renamed
from agents.canon_queries import EntityKind, QueryError, resolve
from agents.messages import say
from agents.showrunner_chat import ChangeCanon, EditAction
from dramaroom import reports
from dramaroom.canon_changes import apply_change, load_log, prompt_updates, standing, undo_last, waiting_scripts
from dramaroom.errors import UserError
from dramaroom.reopening import reopen
from dramaroom.workspace import Workspace
from memory.bible import StoryBible

app = typer.Typer(
    help="Change canon after planning (rename, retcon, revise, add, undo); every produced episode is re-checked.",
    no_args_is_help=True,
)
out = Console(soft_wrap=True)
SeriesArg = Annotated[Path, typer.Argument(help="The series workspace folder.", show_default=False)]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking (needed off a terminal).")]
ReasonOpt = Annotated[str, typer.Option(help="Why, in a few words; kept in canon_changes.json.")]
FieldsArg = Annotated[
    list[str],
    typer.Argument(
        help="field=value pairs, e.g. status=dead, hair='grey bob', holder=none (fields as `dramaroom chat` knows).",
        show_default=False,
    ),
]
_KINDS: tuple[EntityKind, ...] = ("character", "location", "prop")
_REVISE: dict[str, EditAction] = {"character": "revise_character", "location": "revise_location", "prop": "revise_prop"}
_ADD: dict[str, EditAction] = {"character": "add_character", "location": "add_location", "prop": "add_prop"}


@app.callback()
def canon(ctx: typer.Context, series: SeriesArg) -> None:
    """Change a series' canon: `dramaroom canon SERIES rename|retcon|revise|add|undo|log …`."""
    ctx.obj = series


def _workspace(ctx: typer.Context) -> Workspace:
    if not isinstance(ctx.obj, Path):
        raise UserError("name the series first: `dramaroom canon SERIES rename|retcon|revise|add|undo|log`")
    return Workspace.open(ctx.obj)


@contextmanager
def _bible(ws: Workspace) -> Iterator[StoryBible]:
    bible = StoryBible(ws.bible_dir, ws.config.embeddings)
    try:
        if not bible.has_series():
            raise UserError(f"{ws.root} has no season plan yet: run `dramaroom produce {ws.root}` first")
        yield bible
    finally:
        bible.close()


def _pairs(fields: list[str]) -> dict[str, str]:
    """Read field=value arguments, failing with one line on one without '='."""
    pairs: dict[str, str] = {}
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"'{item}' is not field=value: write e.g. status=dead or name='Mia Chen'")
        pairs[key.strip().lower()] = value.strip()
    if not pairs:
        raise UserError("say what to change as field=value, e.g. status=dead")
    return pairs


def _confirm(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UserError(f"{question} — not asked off a terminal: run again with --yes to apply it; nothing was changed")
    return typer.confirm(question, default=False)


def _change(ws: Workspace, edit: ChangeCanon, yes: bool, fix: bool = True, reopen_stale: bool = False) -> None:
    """Preview a change (every contradiction and the fix on offer), confirm it, apply and log it."""
    lang = ws.config.series.language
    sep = say(lang, "sep.list")
    with _bible(ws) as bible:
        try:
            found = assess(bible, edit, waiting_scripts(ws))
        except EditError as exc:
            raise UserError(f"{exc}; nothing was changed") from exc
        out.print(say(lang, "chat.proposed", description=found.description), markup=False)
        committed = set(bible.committed_episodes())
        checked = sorted({*committed, *reports.awaiting_approval(ws)})
        contradicted = [a.episode for a in found.affected if a.episode in committed]
        if found.affected:
            out.print(say(lang, "chat.contradicts", count=len(found.affected)), markup=False)
            for item in found.affected:
                for finding in item.findings:
                    line = say(
                        lang,
                        "chat.contradiction",
                        episode=item.episode,
                        location=finding.location,
                        message=finding.message,
                    )
                    out.print(line, markup=False)
        else:
            out.print(say(lang, "canon.nothing", count=len(checked)), markup=False)
        fixable = bool(renamed(bible.base_canon(), found.canon))
        if contradicted:
            offer = ("canon.fix_offer" if fix else "canon.fix_declined") if fixable else "canon.no_fix"
            out.print(say(lang, offer, episodes=sep.join(map(str, contradicted))), markup=False)
        prompts = prompt_updates(ws, bible, bible.base_canon(), found.canon, contradicted if fix and fixable else ())
        if prompts:
            episodes = sep.join(str(u.episode) for u in prompts)
            shots = sum(u.changed for u in prompts)
            offer = "canon.prompt_offer" if fix else "canon.prompt_declined"
            out.print(say(lang, offer, episodes=episodes, shots=shots), markup=False)
        if not _confirm(say(lang, "canon.ask_apply"), yes):
            out.print(say(lang, "canon.not_applied"), markup=False)
            return
        with ws.writing():
            entry = apply_change(ws, bible, found, "cli", fix=fix)
    out.print(say(lang, "canon.applied", number=entry.number, description=entry.description), markup=False)
    if entry.fixed_episodes:
        episodes = sep.join(map(str, entry.fixed_episodes))
        out.print(say(lang, "canon.fixed", episodes=episodes, lines=entry.fixed_lines), markup=False)
    if entry.reprompted_episodes:
        episodes = sep.join(map(str, entry.reprompted_episodes))
        out.print(say(lang, "canon.reprompted", episodes=episodes, shots=entry.reprompted_shots), markup=False)
    stale = entry.marked_stale
    if not stale:
        return
    ask = reopen_stale or (not yes and sys.stdin.isatty())
    if ask and _confirm(say(lang, "canon.ask_reopen", episodes=sep.join(map(str, stale))), yes or reopen_stale):
        _reopen_all(ws, entry.number, entry.description, stale)
        return
    out.print(say(lang, "canon.stale_now", episodes=sep.join(map(str, stale)), root=ws.root), markup=False)


def _reopen_all(ws: Workspace, number: int, description: str, episodes: list[int]) -> None:
    """Reopen each stale episode with the change as its note; one edited by hand stays stale for `review`."""
    lang = ws.config.series.language
    sep = say(lang, "sep.list")
    done: list[int] = []
    kept: list[int] = []
    with ws.writing():
        for n in episodes:
            try:
                reopen(ws, n, f"canon change #{number}: {description}", "reopen")
                done.append(n)
            except UserError:
                kept.append(n)
    if done:
        out.print(say(lang, "canon.reopened", episodes=sep.join(map(str, done)), root=ws.root), markup=False)
    if kept:
        out.print(say(lang, "canon.stale_kept", episodes=sep.join(map(str, kept)), root=ws.root), markup=False)


FixOpt = Annotated[
    bool,
    typer.Option(
        "--fix/--no-fix",
        help="Carry a rename into the scripts and a changed look or costume into the shot prompts (default), "
        "or only mark the episodes stale.",
    ),
]
ReopenOpt = Annotated[
    bool, typer.Option("--reopen", help="Reopen every episode the change leaves stale, with the change as its note.")
]


@app.command()
def rename(
    ctx: typer.Context,
    old: str,
    new: str,
    yes: YesOpt = False,
    reason: ReasonOpt = "",
    fix: FixOpt = True,
    reopen_stale: ReopenOpt = False,
) -> None:
    """Rename a character, place or prop: `dramaroom canon S rename "Maya Chen" "Mia Chen"`."""
    ws = _workspace(ctx)
    if not new.strip():
        raise UserError('the new name is empty: give the name to use, e.g. rename "Maya Chen" "Mia Chen"')
    _revise_entity(ws, old, {"name": new.strip()}, yes, reason or "rename", fix, reopen_stale)


@app.command()
def retcon(
    ctx: typer.Context,
    target: str,
    fields: FieldsArg,
    yes: YesOpt = False,
    reason: ReasonOpt = "",
    reopen_stale: ReopenOpt = False,
) -> None:
    """Change an established fact: `dramaroom canon S retcon "Hana" status=dead` (or holder=…, state=lost)."""
    _revise_entity(_workspace(ctx), target, _pairs(fields), yes, reason or "retcon", True, reopen_stale)


@app.command()
def revise(
    ctx: typer.Context,
    target: str,
    fields: FieldsArg,
    yes: YesOpt = False,
    reason: ReasonOpt = "",
    fix: FixOpt = True,
    reopen_stale: ReopenOpt = False,
) -> None:
    """Revise a character, place or prop: `dramaroom canon S revise "Maya Chen" hair="silver bob" age=34`."""
    _revise_entity(_workspace(ctx), target, _pairs(fields), yes, reason or "revise", fix, reopen_stale)


def _revise_entity(
    ws: Workspace, target: str, changes: dict[str, str], yes: bool, reason: str, fix: bool, reopen_stale: bool
) -> None:
    """Resolve a name to the character, place or prop it means, then preview, confirm and apply the revision."""
    with _bible(ws) as bible:
        try:
            kind, found = resolve(bible.base_canon(), target, _KINDS)
        except QueryError as exc:
            raise UserError(str(exc)) from exc
    edit = ChangeCanon(action=_REVISE[kind], target=found.id, changes=changes, reason=reason)
    _change(ws, edit, yes, fix, reopen_stale)


@app.command()
def add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="character, location, prop or rule.", show_default=False)],
    fields: FieldsArg,
    yes: YesOpt = False,
    reason: ReasonOpt = "",
) -> None:
    """Add to canon: `add character name="Ada Stone" age=30 occupation=nurse`, `add rule "Nobody lies on the pier"`."""
    ws = _workspace(ctx)
    if kind == "rule":
        edit = ChangeCanon(action="add_rule", rule=" ".join(fields).strip(), reason=reason or "add")
    elif kind in _KINDS:
        edit = ChangeCanon(action=_ADD[kind], changes=_pairs(fields), reason=reason or "add")
    else:
        raise UserError(f"cannot add a '{kind}': add a character, location, prop or rule")
    _change(ws, edit, yes)


@app.command()
def undo(ctx: typer.Context, yes: YesOpt = False) -> None:
    """Revert the latest canon change still standing: canon.json byte for byte, and the stale marks it made."""
    ws = _workspace(ctx)
    left = standing(load_log(ws))
    if not left:
        raise UserError(f"{ws.root} has no canon change to undo")
    last = left[-1]
    lang = ws.config.series.language
    out.print(say(lang, "canon.undo_what", number=last.number, description=last.description), markup=False)
    if not _confirm(say(lang, "canon.ask_undo"), yes):
        out.print(say(lang, "canon.not_undone"), markup=False)
        return
    with _bible(ws) as bible, ws.writing():
        entry = undo_last(ws, bible)
    out.print(say(lang, "canon.undone", number=entry.number, description=entry.description), markup=False)


@app.command("log")
def show_log(ctx: typer.Context) -> None:
    """List the canon changes made after planning, with what each contradicted."""
    ws = _workspace(ctx)
    changes = load_log(ws).changes
    if not changes:
        out.print(f"{ws.root}: no canon changes yet")
    for c in changes:
        when = c.at.strftime("%Y-%m-%d %H:%M") if c.at else "-"
        state = " (undone)" if c.undone_at else ""
        out.print(f"#{c.number} {when} {c.source or '-'}: {c.description}{state} — {c.done or '-'}", markup=False)
