"""`dramaroom traces`: list runs, show a run as a tree, and say why a line or shot reads as it does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from dramaroom.errors import UserError
from dramaroom.trace_export import export
from dramaroom.trace_history import Step, Why, call_cost, cost_label, explain, open_store, resolve_run, summarize
from dramaroom.trace_tree import NodeView, Prices, attach_revisions, group_nodes
from dramaroom.workspace import Workspace
from graphs.tracing import TraceEvent

app = typer.Typer(
    help="Inspect what the room did: runs, model calls, revisions, and why a line reads as it does.",
    no_args_is_help=True,
)
out = Console()
SeriesArg = Annotated[Path, typer.Argument(help="The series workspace folder.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead.")]
app.command("export")(export)


@app.callback()
def traces(ctx: typer.Context, series: SeriesArg) -> None:
    """Inspect a series' trace store and drafts (read-only): `dramaroom traces SERIES list|show|why|export`."""
    ctx.obj = series


def _series(ctx: typer.Context) -> Path:
    series = ctx.obj
    if not isinstance(series, Path):
        raise UserError("name the series first: `dramaroom traces SERIES list|show|why`")
    return series


def _emit(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command("list")
def list_runs(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List every run with its models, model calls, tokens and estimated cost."""
    ws = Workspace.open(_series(ctx))
    store = open_store(ws)
    try:
        summaries = [summarize(r, store.events(r.run_id, kinds=("llm",)), ws.config.prices) for r in store.runs()]
    finally:
        store.close()
    if as_json:
        _emit([s.to_json() for s in summaries])
        return
    if not summaries:
        out.print(f"{ws.root}: no runs recorded yet")
        return
    table = Table("started", "command", "status", "models", "calls", "tokens in/out", "cost")
    table.add_column("run", no_wrap=True)
    for s in summaries:
        r = s.run
        table.add_row(
            r.started_at[:19].replace("T", " "), escape(r.command), r.status, escape(", ".join(s.models)),
            str(s.calls), f"{s.tokens_in:,}/{s.tokens_out:,}", escape(s.cost), r.run_id,
        )  # fmt: skip
    (out if out.is_terminal else Console(width=160)).print(table)


# ---------------------------------------------------------------------------- show


def _call_label(call: TraceEvent, prices: Prices) -> str:
    cost = call_cost(call.model, call.input_tokens, call.output_tokens, prices)
    price = cost_label([call.model], cost, prices) if call.model else "$0"
    status = "" if call.status == "ok" else f" [red]{call.status}[/]"
    return (
        f"[cyan]{escape(call.role or '?')}[/] · {escape(call.model or '?')} · "
        f"{call.input_tokens:,}/{call.output_tokens:,} tokens · {call.latency_ms:.0f} ms · {escape(price)}{status}"
    )


def _render_node(parent: Tree, view: NodeView, prices: Prices) -> None:
    status = "" if view.status == "ok" else f" [yellow]{view.status}[/]"
    branch = parent.add(f"[bold]{escape(view.node)}[/] [dim]{view.latency_ms:.0f} ms[/]{status}")
    for call in view.calls:
        branch.add(_call_label(call, prices))
    for event in view.room:
        kind = str(event.detail.get("kind", event.kind))
        if kind in {"verdict", "gate", "commit", "blocked", "revision"} or event.kind == "retry":
            style = "magenta" if kind == "verdict" else "dim"
            branch.add(f"[{style}]{escape(kind)}:[/] {escape(event.output)}")
    rev = view.revision
    if rev is None:
        return
    label = f"[green]{rev.artifact} r{rev.revision - 1} → r{rev.revision}[/] (asked by {escape(rev.reviewer or '?')})"
    node = branch.add(label)
    for finding in rev.caused_by:
        node.add(
            f"[magenta]because[/] {escape(finding.check)} @ {escape(finding.location or '-')}: "
            f"{escape(finding.message)}"
        )
    if rev.changes is None:
        node.add("[dim](draft files missing: no diff)[/]")
    for change in rev.changes or []:
        node.add(f"[yellow]~[/] {escape(str(change))}")


@app.command()
def show(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="A run id (or unique prefix) from `traces list`, or `last`.")] = "last",
    episode: Annotated[int | None, typer.Option(help="Only this episode.")] = None,
    role: Annotated[str | None, typer.Option(help="Only node runs with calls by this role, e.g. screenwriter.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one run as a tree: episodes, node runs, model calls, verdicts and each revision's diff and cause."""
    ws = Workspace.open(_series(ctx))
    store = open_store(ws)
    try:
        record = resolve_run(store.runs(), run)
        events = store.events(record.run_id)
    finally:
        store.close()
    summary = summarize(record, events, ws.config.prices)
    nodes, totals = group_nodes(events)
    episodes = list(dict.fromkeys(v.episode for v in nodes))
    if episode is not None and episode not in episodes:
        have = ", ".join(str(e) for e in episodes if e is not None) or "none"
        raise UserError(f"run {record.run_id} did not touch episode {episode}: it touched episodes {have}")
    for number in episodes:
        if number is not None:
            attach_revisions(ws, number, [v for v in nodes if v.episode == number])
    if episode is not None:
        nodes = [v for v in nodes if v.episode == episode]
    if role is not None:
        roles = sorted({c.role for v in nodes for c in v.calls if c.role})
        if role not in roles:
            raise UserError(f"no calls by role {role!r} in this selection: roles seen: {', '.join(roles) or 'none'}")
        nodes = [v for v in nodes if any(c.role == role for c in v.calls)]
        for v in nodes:
            v.calls = [c for c in v.calls if c.role == role]
    order = list(dict.fromkeys(v.episode for v in nodes))
    if as_json:
        _emit(
            {
                "run": summary.to_json(),
                "episodes": [
                    {
                        "episode": n,
                        "latency_ms": totals.get(n),
                        "nodes": [v.to_json(ws.config.prices) for v in nodes if v.episode == n],
                    }
                    for n in order
                ],
            }
        )
        return
    tree = Tree(
        f"[bold]{record.run_id}[/] {escape(record.command)} → {record.status} ({record.started_at[:19]}) · "
        f"{summary.calls} calls, {summary.tokens_in:,}/{summary.tokens_out:,} tokens · {escape(summary.cost)}"
    )
    for n in order:
        took = f" [dim]{totals[n]:.0f} ms[/]" if n in totals else ""
        branch = tree.add(f"[bold blue]{'season' if n is None else f'episode {n}'}[/]{took}")
        for view in (v for v in nodes if v.episode == n):
            _render_node(branch, view, ws.config.prices)
    out.print(tree)


# ----------------------------------------------------------------------------- why


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _because(step: Step) -> str:
    if not step.findings:
        return f"notes from {step.reviewer}" if step.reviewer else "no recorded notes"
    parts = [f"{f.check} @ {f.location or '-'}" for f in step.findings]
    return f"{step.reviewer or step.findings[0].reviewer} flagged {', '.join(parts)}"


def paragraph(why: Why, decisions: bool = True) -> str:
    """Answer in prose who wrote the line or shot, and what changed it and why."""
    cur = why.current
    if why.artifact == "script":
        said = f"{cur.get('cue')}: " if cur.get("cue") else ""
        subject = f'Line {why.target} ({said}"{_quote(cur.get("text", ""))}")'
    else:
        subject = f'Shot {why.target} ("{_quote(cur.get("description", ""))}")'
    steps = list(why.steps)
    first = steps.pop(0) if steps and steps[0].action in {"written", "added"} else None
    text = subject
    if first is not None:
        verb = "written" if first.action == "written" else "added"
        text += f" was {verb} by the {why.author_role} ({first.model or 'unknown model'}) in draft r{first.revision}"
        if first.action == "added":
            text += f" because {_because(first)}"
    if not steps:
        text += " and never changed."
    else:
        parts = []
        for step in steps:
            fields = ", ".join(dict.fromkeys(c.field for c in step.changes))
            if step.action == "hand edit":
                # The model field of a hand edit names the files it was made in: "hand edit (script.fountain)".
                where = step.model.removeprefix("hand edit").strip(" ()")
                parts.append(
                    f"in revision r{step.revision} it was edited by hand{' in ' + where if where else ''} ({fields})"
                )
                continue
            if step.action == "canon fix":
                parts.append(f"in revision r{step.revision} {step.reviewer} changed it by a {step.model} ({fields})")
                continue
            who = f"the {why.author_role} ({step.model})"
            parts.append(f"in revision r{step.revision} {who} {step.action} {fields} because {_because(step)}")
        text += "; then " + "; ".join(parts) + "."
    for step in why.context:
        text += f" Its scene was also changed in r{step.revision} ({_because(step)})."
    if why.covers is not None:
        covered = paragraph(why.covers, decisions=False).replace("Line ", "line ", 1)
        text += " It covers " + covered.replace(") was ", "), which was ", 1)
    if decisions and why.decisions:
        text += f" Approval: {'; '.join(why.decisions)}."
    return text


def _history(why: Why) -> Tree:
    tree = Tree(f"[bold]history of {why.target}[/] (episode {why.episode})")
    for step in why.steps:
        asked = f", asked by {step.reviewer}" if step.reviewer else ""
        node = tree.add(f"r{step.revision} [bold]{step.action}[/] · {escape(step.model or '?')}{escape(asked)}")
        for change in step.changes:
            node.add(f"[yellow]~[/] {escape(str(change))}")
        for finding in step.findings:
            node.add(
                f"[magenta]because[/] {escape(finding.check)} @ {escape(finding.location or '-')}: "
                f"{escape(finding.message)}"
            )
    return tree


@app.command()
def why(
    ctx: typer.Context,
    episode: Annotated[int, typer.Option(help="The episode number.")],
    line: Annotated[str | None, typer.Option(help="A line id like s01-l03.")] = None,
    shot: Annotated[str | None, typer.Option(help="A shot id like s01-sh02.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Say which agent wrote or changed a line (or shot), in which draft, and which review notes caused it."""
    if (line is None) == (shot is None):
        raise UserError("pass exactly one of --line LINE_ID or --shot SHOT_ID")
    ws = Workspace.open(_series(ctx))
    answer = explain(ws, episode, line or shot or "", "script" if line else "shotlist")
    if as_json:
        _emit({**answer.to_json(), "answer": paragraph(answer)})
        return
    out.print(escape(paragraph(answer)), soft_wrap=False)
    out.print(_history(answer))
