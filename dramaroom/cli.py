"""The dramaroom command line."""

from __future__ import annotations

import signal
import sys
import unicodedata
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Literal, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from typer._click import exceptions as click_errors

from agents.messages import say
from agents.premise_reader import language_mismatch, read_premise
from agents.structured import describe_error
from dramaroom import canon_cli, chat_cli, eval_cli, reports, rereview, season_cli, traces_cli
from dramaroom.config import (
    GENRE_NAMES,
    MAX_EPISODES,
    MAX_PREMISE_CHARS,
    SeriesConfig,
    SeriesSection,
    genre_choices,
    genre_key,
)
from dramaroom.errors import UserError
from dramaroom.rendering import export_episode, render_with_progress
from dramaroom.reopening import committed_episodes
from dramaroom.run_cli import produce_run
from dramaroom.usage import usage_line
from dramaroom.workspace import Workspace
from graphs.state import Decision
from memory.schema import GENRES

app = typer.Typer(
    name="dramaroom",
    help="A writers' room and production line for AI micro-dramas.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = Console()
err = Console(stderr=True)
STATE = {"debug": False}

SeriesArg = Annotated[Path, typer.Argument(help="The series workspace folder.", show_default=False)]
# Seeds feed random.Random and the per-call seed hashes; a 10**28 seed is a typo, not a story.
MAX_SEED = 2**31 - 1


def _show_version(value: bool) -> None:
    if value:
        out.print(f"dramaroom {version('dramaroom')}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    show_version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_show_version, is_eager=True)
    ] = False,
) -> None:
    STATE["debug"] = debug


def validate_premise(premise: str) -> str:
    """Return a cleaned premise or raise a one-line error saying what to change."""
    text = premise.strip()
    if not text:
        raise UserError("the premise is empty: describe the story in a sentence or two with --premise")
    if len(text) > MAX_PREMISE_CHARS:
        raise UserError(
            f"the premise is {len(text):,} characters, over the {MAX_PREMISE_CHARS:,} limit: "
            "give a pitch of a paragraph or two; the writers' room builds the rest"
        )
    junk = [
        ch
        for ch in text
        if (unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"} and ch not in "\n\t") or ch == "\ufffd"
    ]
    if junk:
        raise UserError(
            f"the premise contains {len(junk)} control or undecodable characters (binary data?): pass plain text"
        )
    return text


def read_premise_file(path: Path) -> str:
    """Read a premise file, refusing huge or non-text files before reading them whole."""
    try:
        size = path.stat().st_size
        if size > 64 * MAX_PREMISE_CHARS:
            raise UserError(
                f"{path} is {size:,} bytes: a premise is a paragraph or two (under {MAX_PREMISE_CHARS:,} characters)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}; check the path") from exc
    if b"\x00" in data:
        raise UserError(f"{path} contains NUL bytes (binary data?): pass a plain UTF-8 text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}): save it as UTF-8") from exc


@app.command()
def new(
    series: SeriesArg,
    premise: Annotated[str, typer.Option(help="The story in a sentence or two.")] = "",
    premise_file: Annotated[Path | None, typer.Option(help="Read the premise from a UTF-8 text file.")] = None,
    episodes: Annotated[int, typer.Option(help="Episodes in the season.", min=1, max=MAX_EPISODES)] = 6,
    language: Annotated[str, typer.Option(help="en (English) or zh (Simplified Chinese).")] = "en",
    seed: Annotated[
        int, typer.Option(help="Seed for the offline writer; same seed, same season.", min=0, max=MAX_SEED)
    ] = 0,
    target_seconds: Annotated[int, typer.Option(help="Target runtime of an episode in seconds.", min=20, max=300)] = 90,
    genre: Annotated[str, typer.Option(help="Optional genre: " + genre_choices() + ".")] = "",
    tone: Annotated[str, typer.Option(help="Optional tone, e.g. 'tense, bittersweet'.")] = "",
) -> None:
    """Create a series workspace from a premise."""
    if premise_file is not None:
        premise = read_premise_file(premise_file)
    elif not premise:
        raise UserError('no premise: pass --premise "..." or --premise-file PATH')
    if language not in ("en", "zh"):
        raise UserError(f"unknown language {language!r}: use --language en or --language zh")
    key = genre_key(genre) if genre else ""
    if key is None:
        chinese = "、".join(n for n in GENRE_NAMES if not n.isascii())
        raise UserError(f"unknown genre {genre!r}: use one of {', '.join(GENRES)} (or {chinese}), or leave it out")
    genre = key
    lang: Literal["en", "zh"] = "zh" if language == "zh" else "en"
    section = SeriesSection(
        premise=validate_premise(premise),
        language=lang,
        episodes=episodes,
        target_seconds=target_seconds,
        genre=genre,
        tone=tone,
        seed=seed,
    )
    mismatch = language_mismatch(section.premise, lang)
    ws = Workspace.create(series, SeriesConfig(series=section))
    facts = read_premise(section.premise, lang)
    ws.save_series("premise", facts)
    out.print(say(lang, "cli.created", root=escape(str(ws.root)), episodes=episodes, language=lang, seed=seed))
    if mismatch:
        err.print(f"[yellow]note: {escape(mismatch)}[/]", soft_wrap=True)
    out.print(escape(facts.summary_line()), soft_wrap=True)
    out.print(say(lang, "cli.next_produce", root=escape(str(ws.root))))


@app.command()
def produce(
    series: SeriesArg,
    approve: Annotated[
        str, typer.Option("--approve", help="auto: approve every episode; manual: pause at each gate.")
    ] = "auto",
    render_too: Annotated[bool, typer.Option("--render", help="Render every committed episode afterwards.")] = False,
) -> None:
    """Plan, write, review and shot-list every episode; continues where a previous run stopped."""
    if approve not in ("auto", "manual"):
        raise UserError(f"--approve must be auto or manual, got {approve!r}")
    ws = Workspace.open(series)
    produce_run(ws, "manual" if approve == "manual" else "auto", f"produce --approve {approve}")
    if render_too:
        render(series, episode=None, image=None, voice=None, model_path=None)


@app.command()
def render(
    series: SeriesArg,
    episode: Annotated[
        int | None, typer.Option(help="Render one episode (default: every committed one).", min=1)
    ] = None,
    image: Annotated[str | None, typer.Option(help="Image backend for this run: storyboard, diffusers, …")] = None,
    voice: Annotated[str | None, typer.Option(help="Voice backend for this run: espeak, edge-tts, …")] = None,
    model_path: Annotated[str | None, typer.Option(help="diffusers: a local model folder for this run.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Render a stale episode (contradicted by a later canon change) anyway.")
    ] = False,
) -> None:
    """Render committed episodes to labelled 1080x1920 MP4s with subtitles, timeline and screenplay exports."""
    ws = Workspace.open(series)
    overrides = {k: v for k, v in {"image": image, "voice": voice, "model_path": model_path}.items() if v is not None}
    if overrides:
        # Flags win over dramaroom.toml for this run only; the file is left as the user wrote it.
        ws.config = ws.config.model_copy(update={"render": ws.config.render.model_copy(update=overrides)})
    with ws.writing():
        results = render_with_progress(ws, [episode] if episode else None, force=force)
    lang = ws.config.series.language
    for item in results:
        r = item.result
        line = say(
            lang,
            "cli.rendered",
            ep=f"{item.episode:03d}",
            video=r.video,
            runtime=f"{r.runtime_s:.1f}",
            target=r.target_s,
            share=f"{r.runtime_s / r.target_s:.0%}",
            shots=len(r.timeline),
            hits=r.cache_hits,
            made=r.cache_misses,
        )
        out.print(
            line + (say(lang, "cli.rendered_stale", flag="--force", stale=item.stale) if item.stale else ""),
            markup=False,
        )


@app.command()
def export(
    series: SeriesArg,
    episode: Annotated[int, typer.Option(help="The rendered episode to bundle.", min=1)],
    zip_it: Annotated[bool, typer.Option("--zip", help="Write one zip instead of a folder.")] = False,
) -> None:
    """Bundle an episode's MP4, subtitles, timeline, screenplay and shot list for an editor."""
    ws = Workspace.open(series)
    with ws.writing():
        path = export_episode(ws, episode, zip_it=zip_it)
    out.print(say(ws.config.series.language, "cli.exported", n=episode, path=path), markup=False)


@app.command()
def approve(
    series: SeriesArg,
    episode: Annotated[int, typer.Option(help="The episode waiting at the approval gate.", min=1)],
    reject: Annotated[bool, typer.Option("--reject", help="Send it back to the screenwriter.")] = False,
    note: Annotated[str, typer.Option(help="What to change (with --reject) or a remark.")] = "",
) -> None:
    """Approve or reject the episode waiting at the gate, then carry on producing.

    Rejecting an episode already committed reopens it for rewrite with the note (as `dramaroom reopen`).
    """
    if reject and not note.strip():
        raise UserError('a rejection needs a note saying what to change: add --note "..."')
    ws = Workspace.open(series)
    if reject and episode not in reports.awaiting_approval(ws) and episode in committed_episodes(ws):
        season_cli.reopen_and_rewrite(ws, episode, note, "reject", "manual")  # rejected after commit: reopened
        return
    rereview.refuse_edits_at_the_gate(ws, episode)
    decision = Decision(approved=not reject, note=note.strip(), by="human")
    verb = "reject" if reject else "approve"
    produce_run(ws, "manual", f"approve --episode {episode} ({verb})", decision=decision, expect_episode=episode)


app.command()(reports.status)
app.command(name="eval")(eval_cli.evaluate)
app.command()(rereview.review)
app.command()(chat_cli.chat)
app.add_typer(traces_cli.app, name="traces")
app.add_typer(canon_cli.app, name="canon")
app.command()(season_cli.reopen)
app.command()(season_cli.extend)
app.add_typer(season_cli.plan_app, name="plan")


_TERMINATED: list[int] = []


def _on_sigterm(signum: int, _frame: object) -> None:
    """Stop on SIGTERM the way Ctrl-C stops: the run is cancelled cleanly, then the exit status says which.

    A process started with SIGINT ignored (a background job, `nohup`) would ignore the raised SIGINT too, so
    SIGTERM then stops it directly with KeyboardInterrupt."""
    _TERMINATED.append(signum)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        raise KeyboardInterrupt
    signal.raise_signal(signal.SIGINT)


def _interrupted() -> NoReturn:
    how = "stopped (SIGTERM)" if _TERMINATED else "interrupted"
    err.print(f"{how}: progress is saved; run the same command again to continue")
    sys.exit(143 if _TERMINATED else 130)


def main() -> None:
    """Run the CLI: user errors print one line and exit non-zero; tracebacks only with --debug.

    Ctrl-C and SIGTERM end a run cleanly (its trace marked interrupted, progress kept) with 130 and 143.
    """
    debug = "--debug" in sys.argv
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        # Without standalone mode click returns a command's exit code (typer.Exit) instead of exiting;
        # typer turns Ctrl-C into exit code 130 on the way.
        code = app(standalone_mode=False, prog_name="dramaroom")
        if code == 130:
            _interrupted()
        if isinstance(code, int) and code:
            sys.exit(code)
    except UserError as exc:
        if debug:
            raise
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(exc.code)
    except (typer.Abort, KeyboardInterrupt):
        _interrupted()
    except click_errors.NoArgsIsHelpError as exc:
        # `dramaroom` (or a group) with no command: its help, not an error.
        out.print(exc.ctx.get_help() if exc.ctx is not None else "see dramaroom --help")
        sys.exit(0)
    except click_errors.ClickException as exc:
        if debug:
            raise
        err.print(f"[red]error:[/] {escape(usage_line(exc, sys.argv[1:]))}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if debug:
            raise
        said = describe_error(exc) if isinstance(exc, ValidationError) else str(exc)
        line = " ".join(said.split())  # one line, whatever the exception's text holds
        err.print(
            f"[red]error:[/] {type(exc).__name__}: {escape(line)} (run again with --debug for the traceback)",
            soft_wrap=True,
        )
        sys.exit(1)
