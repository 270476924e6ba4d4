"""Export recorded runs as OpenTelemetry traces: run → episode → node → model call spans over OTLP/HTTP.

Model calls follow the GenAI semantic conventions (`gen_ai.request.model`, `gen_ai.usage.input_tokens`, ...);
the room's own facts (verdicts, cost estimates) carry a `dramaroom.` prefix. Ids derive from the run and
event ids, so exporting a run again sends the same ids instead of a duplicate trace.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from logging.handlers import BufferingHandler
from urllib.parse import urlsplit

from graphs.tracing import RunRecord, TraceEvent, TraceStore, node_runs

INSTALL_HINT = "OpenTelemetry export needs the otel extra: pip install 'dramaroom[otel]'"
TRACES_PATH = "/v1/traces"
BATCH_SPANS = 512  # spans per OTLP request: well under collectors' usual 4 MiB request limit
SCOPE = "dramaroom.traces"
EXPORTER_LOGGER = "opentelemetry.exporter.otlp.proto.http.trace_exporter"

AttrValue = str | bool | int | float | list[str]
Attributes = dict[str, AttrValue]
CostFn = Callable[[str, int, int], float]
_VERDICT = re.compile(r"^(?P<reviewer>.*?):\s*(?P<decision>approve|revise|block)\b")
_MESSAGE_HEAD = re.compile(r"(?:^|\n\n)\[(\w+)\]\n")
_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


class TraceExportError(Exception):
    """An export the user asked for failed; the message says what to do."""


def otlp_traces_url(endpoint: str) -> str:
    """Return the OTLP/HTTP traces URL for a collector base URL or a full `.../v1/traces` URL."""
    url = endpoint.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise TraceExportError(
            f"{endpoint!r} is not an OTLP/HTTP URL: give http(s)://HOST:PORT of a collector, e.g. http://127.0.0.1:4318"
        )
    return url if url.endswith(TRACES_PATH) else url + TRACES_PATH


@dataclass
class SpanPlan:
    """One span to send: its times, what it says and the spans under it."""

    key: str  # stable within the run; the span id is derived from it
    name: str
    start_ns: int
    end_ns: int
    attributes: Attributes
    client: bool = False  # a model call (SpanKind.CLIENT) rather than work inside the room
    error: str = ""  # non-empty: status ERROR with this description
    events: list[tuple[str, int, Attributes]] = field(default_factory=list)
    children: list[SpanPlan] = field(default_factory=list)

    def walk(self) -> Iterator[SpanPlan]:
        """Yield this span and every span under it, parents first."""
        yield self
        for child in self.children:
            yield from child.walk()


def _ns(ts: str) -> int:
    # Timestamps are stored with millisecond precision; integer arithmetic keeps them exact.
    return int(datetime.fromisoformat(ts).timestamp() * 1000) * 1_000_000


def _span_of(event: TraceEvent) -> tuple[int, int]:
    end = _ns(event.ts)
    return end - int(event.latency_ms * 1_000_000), end


@cache
def _episode_nodes() -> frozenset[str]:
    from graphs.episode import build_episode_graph  # the episode graph is the one source of its node names

    return frozenset(build_episode_graph().nodes)


def _messages(prompt: str) -> str:
    """Turn a recorded prompt ("[system]\\n...\\n\\n[human]\\n...") into GenAI input messages JSON."""
    heads = list(_MESSAGE_HEAD.finditer(prompt))
    if not heads:
        return json.dumps([{"role": "user", "parts": [{"type": "text", "content": prompt}]}], ensure_ascii=False)
    ends = [head.start() for head in heads[1:]] + [len(prompt)]
    messages = [
        {
            "role": _ROLES.get(head.group(1), head.group(1)),
            "parts": [{"type": "text", "content": prompt[head.end() : end]}],
        }
        for head, end in zip(heads, ends, strict=True)
    ]
    return json.dumps(messages, ensure_ascii=False)


class _Planner:
    """Build the span tree of one recorded run."""

    def __init__(self, run: RunRecord, cost: CostFn, redact: Callable[[str], str], content: bool) -> None:
        self.run = run
        self.cost = cost
        self.redact = redact
        self.content = content

    def clean(self, attributes: Attributes) -> Attributes:
        """Redact every text attribute again, with the key configured now."""
        return {
            k: self.redact(v) if isinstance(v, str) else [self.redact(x) for x in v] if isinstance(v, list) else v
            for k, v in attributes.items()
        }

    def llm(self, event: TraceEvent) -> SpanPlan:
        """Return a model call span with GenAI attributes."""
        configured = self.run.models.get(event.role, "")
        # Role labels read "MODEL @ BASE_URL" for an endpoint and "NAME (offline)" for the offline writer.
        endpoint = " @ " in configured
        request_model = configured.split(" @ ", 1)[0] if endpoint else event.model
        attributes: Attributes = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai" if endpoint else "dramaroom",  # the OpenAI-compatible API, or in-process
            "gen_ai.request.model": request_model or event.model,
            "gen_ai.response.model": event.model,
            "gen_ai.usage.input_tokens": event.input_tokens,
            "gen_ai.usage.output_tokens": event.output_tokens,
            "gen_ai.agent.name": event.role,
            "dramaroom.role": event.role,
            "dramaroom.task": event.node,
            "dramaroom.latency_ms": event.latency_ms,
            "dramaroom.cost_usd": round(self.cost(event.model, event.input_tokens, event.output_tokens), 8),
        }
        if endpoint:
            base = urlsplit(configured.split(" @ ", 1)[1])
            # hostname and port only: a base URL's user:password part never leaves the machine
            attributes["server.address"] = base.hostname or ""
            if base.port:
                attributes["server.port"] = base.port
        if event.episode is not None:
            attributes["dramaroom.episode"] = event.episode
        if self.content and event.prompt:
            attributes["gen_ai.input.messages"] = _messages(event.prompt)
            output = [{"role": "assistant", "parts": [{"type": "text", "content": event.output}]}]
            attributes["gen_ai.output.messages"] = json.dumps(output, ensure_ascii=False)
        error = ""
        if event.status != "ok":
            error = event.output
            attributes["error.type"] = event.output.split(":", 1)[0] or "error"
        start, end = _span_of(event)
        name = f"chat {attributes['gen_ai.request.model']}"
        return SpanPlan(f"e{event.id}", name, start, end, self.clean(attributes), client=True, error=error)

    def node(self, event: TraceEvent, pending: list[TraceEvent], inner: bool) -> SpanPlan:
        """Return a node span holding its model calls, with room events as span events and verdicts as attributes."""
        start, end = _span_of(event)
        attributes: Attributes = {"dramaroom.node": event.node, "dramaroom.status": event.status}
        updated = event.detail.get("updated")
        if isinstance(updated, list):
            attributes["dramaroom.updated"] = [str(u) for u in updated]
        if inner and event.episode is not None:
            attributes["dramaroom.episode"] = event.episode
        plan = SpanPlan(f"e{event.id}", event.node, start, end, attributes)
        plan.error = event.output if event.status == "error" else ""
        for item in pending:
            if item.kind == "llm":
                plan.children.append(self.llm(item))
                continue
            kind = str(item.detail.get("kind", item.kind))
            notes = item.notes
            plan.events.append(
                (f"dramaroom.{kind}", _ns(item.ts), {"dramaroom.message": item.output, "dramaroom.notes": notes})
            )
            verdict = _VERDICT.match(item.output) if kind == "verdict" else None
            if verdict:
                attributes["dramaroom.verdict"] = verdict.group("decision")
                attributes["dramaroom.verdict.reviewer"] = verdict.group("reviewer")
                attributes["dramaroom.verdict.message"] = item.output
                attributes["dramaroom.verdict.notes"] = notes
        plan.attributes = self.clean(attributes)
        plan.events = [(name, ts, self.clean(attrs)) for name, ts, attrs in plan.events]
        return plan

    def episode(self, number: int, children: list[SpanPlan], container: TraceEvent | None) -> SpanPlan:
        """Return an episode span over its node spans (spanning them when the run stopped inside it)."""
        if container is not None:
            start, end = _span_of(container)
        else:
            start, end = min(c.start_ns for c in children), max(c.end_ns for c in children)
        status = container.status if container else "open"
        events = {name for c in children for name, _, _ in c.events}
        outcome = (
            "committed" if "dramaroom.commit" in events else "blocked" if "dramaroom.blocked" in events else status
        )
        attributes: Attributes = {"dramaroom.episode": number, "dramaroom.status": status, "dramaroom.outcome": outcome}
        key = f"e{container.id}" if container else f"episode-{number}"
        error = container.output if container and container.status == "error" else ""
        return SpanPlan(key, f"episode {number}", start, end, attributes, error=error, children=children)

    def plan(self, events: list[TraceEvent], series: str) -> SpanPlan:
        """Return the root span of the run with everything under it."""
        run = self.run
        top: list[SpanPlan] = []
        open_episodes: dict[int, list[SpanPlan]] = {}
        for node_run in node_runs(events):
            event = node_run.end
            if event is None:  # the run stopped inside a node: keep what it recorded under a node of its own
                inside, episode = node_run.inside, node_run.episode
                took = (_ns(inside[-1].ts) - _ns(inside[0].ts)) / 1e6
                stand_in = replace(
                    inside[-1], kind="node", node="(unfinished)", latency_ms=took, status="open", detail={}
                )
                span = self.node(stand_in, inside, inner=episode is not None)
                span.key = "unfinished"
                if episode is None:
                    top.append(span)
                else:
                    open_episodes.setdefault(episode, []).append(span)
            elif node_run.container and event.episode is not None:
                top.append(self.episode(event.episode, open_episodes.pop(event.episode, []), event))
            else:
                inner = event.node in _episode_nodes() and event.episode is not None
                span = self.node(event, node_run.inside, inner)
                if inner and event.episode is not None:
                    open_episodes.setdefault(event.episode, []).append(span)
                else:
                    top.append(span)
        top.extend(self.episode(n, spans, None) for n, spans in open_episodes.items())
        calls = [e for e in events if e.kind == "llm"]
        start = _ns(run.started_at)
        end = _ns(run.ended_at) if run.ended_at else max([start, *(s.end_ns for s in top)])
        attributes: Attributes = {
            "dramaroom.run_id": run.run_id,
            "dramaroom.thread_id": run.thread_id,
            "dramaroom.command": run.command,
            "dramaroom.status": run.status,
            "dramaroom.series": series,
            "dramaroom.model_calls": len(calls),
            "dramaroom.usage.input_tokens": sum(e.input_tokens for e in calls),
            "dramaroom.usage.output_tokens": sum(e.output_tokens for e in calls),
            "dramaroom.cost_usd": round(sum(self.cost(e.model, e.input_tokens, e.output_tokens) for e in calls), 8),
            **{f"dramaroom.models.{role}": label for role, label in sorted(run.models.items())},
        }
        if run.note:
            attributes["dramaroom.note"] = run.note
        name = "dramaroom " + (run.command.split(" ", 1)[0] or "run")
        error = (run.note or "failed") if run.status == "failed" else ""
        return SpanPlan("run", name, start, end, self.clean(attributes), error=error, children=top)


def plan_run(
    run: RunRecord,
    events: list[TraceEvent],
    *,
    series: str,
    cost: CostFn,
    redact: Callable[[str], str],
    content: bool = False,
) -> SpanPlan:
    """Return the span tree of one recorded run; prompts and outputs only with `content`."""
    return _Planner(run, cost, redact, content).plan(events, series)


def _id(run_id: str, key: str, size: int) -> int:
    digest = hashlib.sha256(f"{run_id}/{key}".encode()).digest()
    return int.from_bytes(digest[:size], "big") or 1  # zero is OpenTelemetry's "invalid id"


@contextmanager
def _exporter_log() -> Iterator[list[logging.LogRecord]]:
    """Collect the OTLP exporter's log records so a failure is one clear error, not a log dump."""
    logger = logging.getLogger(EXPORTER_LOGGER)
    handler, previous = BufferingHandler(capacity=10_000), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler.buffer
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous


def _reason(records: list[logging.LogRecord]) -> str:
    """Say in a few words why the exporter gave up, from its log records."""
    lines = [r.getMessage() for r in records]
    text = " ".join(lines)
    if status := re.search(r"code: (\d+), reason: ([^,]*)", text):
        return f"HTTP {status.group(1)} {status.group(2)}".strip()
    if errno := re.search(r"\[Errno \d+\] ([^\"')]+)", text):
        return errno.group(1).lower()
    return "no answer in time" if "timeout" in text else (lines[-1] if lines else "no answer")


def display_url(url: str) -> str:
    """Return a URL fit to show: without a user:password part."""
    parts = urlsplit(url)
    # A user:password in the URL is a credential: say where, never with what.
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def export_runs(
    store: TraceStore,
    runs: Sequence[RunRecord],
    *,
    endpoint: str | None,
    series: str,
    cost: CostFn,
    content: bool = False,
    version: str = "",
) -> int:
    """Send recorded runs to an OTLP/HTTP collector and return the number of spans sent.

    `endpoint` None uses the standard OTEL_EXPORTER_OTLP_* environment (default http://localhost:4318).
    """
    try:
        from opentelemetry import trace
        from opentelemetry.context import Context
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        from opentelemetry.sdk.trace.id_generator import IdGenerator
        from opentelemetry.sdk.trace.sampling import ALWAYS_ON
    except ImportError as exc:
        raise TraceExportError(INSTALL_HINT) from exc

    class RecordedIds(IdGenerator):
        """Ids derived from the run and the span's key, set just before each span starts."""

        def __init__(self, run_id: str) -> None:
            self.run_id, self.key = run_id, ""

        def generate_span_id(self) -> int:
            return _id(self.run_id, self.key, 8)

        def generate_trace_id(self) -> int:
            return _id(self.run_id, "trace", 16)

    def emit(tracer: trace.Tracer, ids: RecordedIds, plan: SpanPlan, parent: Context) -> None:
        ids.key = plan.key
        kind = trace.SpanKind.CLIENT if plan.client else trace.SpanKind.INTERNAL
        span = tracer.start_span(plan.name, parent, kind, plan.attributes, start_time=plan.start_ns)
        for name, ts, attributes in plan.events:
            span.add_event(name, attributes, ts)
        if plan.error:
            span.set_status(trace.Status(trace.StatusCode.ERROR, plan.error))
        inside = trace.set_span_in_context(span, parent)
        for child in plan.children:
            emit(tracer, ids, child, inside)
        span.end(plan.end_ns)

    resource = Resource.create({"service.name": "dramaroom", "service.version": version, "dramaroom.series": series})
    spans: list[ReadableSpan] = []
    expected = 0
    for run in runs:
        root = plan_run(run, store.events(run.run_id), series=series, cost=cost, redact=store.redact, content=content)
        expected += sum(1 for _ in root.walk())
        ids = RecordedIds(run.run_id)
        collected = InMemorySpanExporter()
        # A private provider: nothing global is touched, and the recorded run is sent whole (no sampling).
        provider = TracerProvider(sampler=ALWAYS_ON, resource=resource, shutdown_on_exit=False, id_generator=ids)
        provider.add_span_processor(SimpleSpanProcessor(collected))
        emit(provider.get_tracer(SCOPE, version), ids, root, Context())
        spans.extend(collected.get_finished_spans())
    if len(spans) != expected:
        raise TraceExportError(
            f"the OpenTelemetry SDK recorded {len(spans)} of {expected} spans: unset OTEL_SDK_DISABLED and try again"
        )
    url = otlp_traces_url(endpoint) if endpoint is not None else None
    exporter = OTLPSpanExporter(endpoint=url)
    where = display_url(url) if url else "the OTEL_EXPORTER_OTLP_ENDPOINT collector (default http://localhost:4318)"
    try:
        with _exporter_log() as log:
            for first in range(0, len(spans), BATCH_SPANS):
                if exporter.export(spans[first : first + BATCH_SPANS]) is not SpanExportResult.SUCCESS:
                    raise TraceExportError(
                        f"could not send traces to {where} ({_reason(log)}): check that an OTLP/HTTP collector "
                        "is listening there (usually port 4318), then run `dramaroom traces SERIES export` again"
                    )
    finally:
        exporter.shutdown()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated
    return len(spans)
