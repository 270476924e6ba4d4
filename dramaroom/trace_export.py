"""Send recorded runs to an OpenTelemetry collector: after produce/approve when configured, or on demand."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer

from dramaroom.errors import UserError
from dramaroom.settings import Settings
from dramaroom.trace_history import open_store, open_traces, resolve_run
from dramaroom.workspace import Workspace
from evals.pricing import call_cost, price_table
from graphs.otel_export import TraceExportError, display_url, export_runs, otlp_traces_url
from graphs.tracing import RunRecord, TraceStore

log = logging.getLogger(__name__)
ENV_ENDPOINT = "the OTEL_EXPORTER_OTLP_ENDPOINT collector"


def configured_endpoint(ws: Workspace) -> tuple[bool, str | None]:
    """Return whether dramaroom.toml turns export on, and its URL (None: the standard OTEL_* environment)."""
    tracing = ws.config.tracing
    if tracing.otlp_endpoint:
        return True, tracing.otlp_endpoint
    # OTEL_EXPORTER_OTLP_ENDPOINT is honoured only on request: a shell set up for another
    # service must not start shipping this series' runs anywhere.
    return tracing.otel, None


def _version() -> str:
    try:
        return version("dramaroom")
    except PackageNotFoundError:
        return ""


def send(ws: Workspace, store: TraceStore, runs: list[RunRecord], endpoint: str | None, content: bool) -> int:
    """Export runs with the series' prices; return the number of spans sent."""
    prices = price_table(ws.config.prices)
    try:
        return export_runs(
            store,
            runs,
            endpoint=endpoint,
            series=ws.root.name,
            cost=lambda model, tokens_in, tokens_out: call_cost(model, tokens_in, tokens_out, prices),
            content=content,
            version=_version(),
        )
    except TraceExportError as exc:
        raise UserError(str(exc)) from exc


def export_finished_run(ws: Workspace, store: TraceStore, run_id: str) -> None:
    """Export a run that just ended when dramaroom.toml asks for it; a failed export warns and never fails the run."""
    enabled, endpoint = configured_endpoint(ws)
    if not enabled:
        return
    runs = [r for r in store.runs() if r.run_id == run_id]
    try:
        send(ws, store, runs, endpoint, ws.config.tracing.content)
    except UserError as exc:
        log.warning("warning: the run is recorded locally, but %s", exc)


def _open_redacting(ws: Workspace) -> TraceStore:
    open_store(ws).close()  # fails with one clear line when nothing was recorded yet
    # The key configured now is scrubbed again on the way out, on top of what was scrubbed on the way in.
    return open_traces(ws, Settings())


def export(
    ctx: typer.Context,
    otlp: Annotated[
        str | None,
        typer.Option(
            "--otlp",
            help="OTLP/HTTP collector, e.g. http://127.0.0.1:4318 (/v1/traces is added). "
            "Default: \\[tracing] in dramaroom.toml.",
            show_default=False,
        ),
    ] = None,
    run: Annotated[str, typer.Option(help="A run id (or unique prefix) from `traces list`, `last` or `all`.")] = "last",
    content: Annotated[
        bool | None,
        typer.Option(
            "--content/--no-content",
            help="Include prompts and outputs (redacted). Default: \\[tracing] content.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Send recorded runs to an OpenTelemetry collector as run → episode → node → model call spans."""
    ws = Workspace.open(Path(ctx.obj))
    if otlp is not None:
        try:
            endpoint: str | None = otlp_traces_url(otlp)
        except TraceExportError as exc:
            raise UserError(f"--otlp {exc}") from exc
    else:
        enabled, endpoint = configured_endpoint(ws)
        if not enabled:
            raise UserError(
                "no collector to export to: pass --otlp http://HOST:4318, or set otlp_endpoint "
                "(or otel = true) in the tracing section of dramaroom.toml"
            )
    store = _open_redacting(ws)
    try:
        recorded = store.runs()
        runs = recorded if run == "all" and recorded else [resolve_run(recorded, run)]
        spans = send(ws, store, runs, endpoint, ws.config.tracing.content if content is None else content)
    finally:
        store.close()
    where = display_url(otlp_traces_url(endpoint)) if endpoint else ENV_ENDPOINT
    typer.echo(f"exported {len(runs)} run(s), {spans} spans, to {where}")
