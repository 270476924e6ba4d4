"""Optional trace export: OpenTelemetry (OTLP/HTTP) and LangSmith, each to a local server, never with the key."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from evals.pricing import call_cost
from evals.simulated_endpoint import EndpointBehaviour, SimulatedEndpoint
from graphs.tracing import Redactor, TraceStore
from tests.test_cli import assert_one_line_error, cli

pytestmark = pytest.mark.slow

# Not shaped like an OpenAI key, so only the configured-key redaction can catch it, not the sk-… patterns.
SECRET = "tk-OTEL-Zq81xR2mP0vW"
LANGSMITH_KEY = "lsv2-local-test-key-31337"
PREMISE = "A night-shift nurse discovers the hospital's new owner is the brother she lost at sea."
# A whole batch_ingest_config as LangSmith sends it: the client's ingest thread reads every field.
INGEST_CONFIG = {
    "use_multipart_endpoint": True,
    "size_limit": 100,
    "size_limit_bytes": 20_971_520,
    "scale_up_nthreads_limit": 16,
    "scale_up_qsize_trigger": 1000,
    "scale_down_nempty_trigger": 4,
}
EPISODE_NODES = {"draft", "review_continuity", "review_ethics", "shot_list", "review_shots", "gate", "commit"}


@pytest.fixture(autouse=True)
def _no_otel_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's OTEL_* settings (endpoint, compression, headers) out of these exports."""
    for name in [k for k in os.environ if k.startswith("OTEL_")]:
        monkeypatch.delenv(name)


@dataclass
class Received:
    """What a local server was sent: (method, path, headers, body) per request."""

    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def raw(self) -> bytes:
        """Every byte received, headers included."""
        with self.lock:
            return b"".join(json.dumps(h).encode() + body for _, _, h, body in self.requests)


class LocalServer:
    """A loopback HTTP server in a thread that records requests and answers with `answer`."""

    def __init__(self, answer: type[BaseHTTPRequestHandler]) -> None:
        self.received = Received()
        handler = type("Handler", (answer,), {"received": self.received, "log_message": lambda *a: None})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Recording(BaseHTTPRequestHandler):
    received: Received

    def _record(self) -> bytes:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.received.lock:
            self.received.requests.append((self.command, self.path, dict(self.headers), body))
        return body

    def _reply(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class OtlpCollector(_Recording):
    """Accept OTLP/HTTP protobuf on /v1/traces, as an OpenTelemetry collector does."""

    def do_POST(self) -> None:
        self._record()
        if self.path != "/v1/traces":
            self._reply(404, b"not found", "text/plain")
            return
        self._reply(200, ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf")


class LangSmithApi(_Recording):
    """Accept the langsmith client's /info probe and its batch and multipart run uploads."""

    def do_GET(self) -> None:
        self._record()
        info = {"version": "0.10.0", "batch_ingest_config": INGEST_CONFIG}
        self._reply(200, json.dumps(info).encode() if self.path.startswith("/info") else b"{}", "application/json")

    def do_POST(self) -> None:
        self._record()
        self._reply(202, b"{}", "application/json")

    do_PATCH = do_POST


def spans_in(received: Received) -> list[Span]:
    """Decode every OTLP request the collector accepted."""
    spans: list[Span] = []
    for _, path, headers, body in received.requests:
        if path != "/v1/traces":
            continue
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            names = {kv.key: _value(kv.value) for kv in resource.resource.attributes}
            assert names["service.name"] == "dramaroom"
            for scope in resource.scope_spans:
                spans.extend(scope.spans)
    return spans


def _value(value: AnyValue) -> object:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    return getattr(value, kind) if kind else None


def attrs(items: Span | Span.Event | list[KeyValue]) -> dict[str, object]:
    """Return a span's (or event's) attributes as a dict."""
    pairs = items if isinstance(items, list) else list(items.attributes)
    return {kv.key: _value(kv.value) for kv in pairs}


def by_name(spans: list[Span], name: str) -> Span:
    """Return the one span with this name."""
    (found,) = [s for s in spans if s.name == name]
    return found


def langsmith_runs(received: Received) -> list[dict[str, object]]:
    """Return the run objects the langsmith client posted (multipart or batch)."""
    runs: list[dict[str, object]] = []
    for method, path, headers, body in received.requests:
        if method != "POST":
            continue
        if path.endswith("/runs/batch"):
            runs.extend(json.loads(body).get("post", []))
            continue
        boundary = re.search(r"boundary=(\S+)", headers.get("Content-Type", ""))
        assert boundary and not headers.get("Content-Encoding"), headers
        for part in body.split(b"--" + boundary.group(1).encode()):
            head, _, content = part.partition(b"\r\n\r\n")
            name = re.search(rb'name="post\.[0-9a-f-]+"', head)
            if name:
                runs.append(json.loads(content.strip()))
    return runs


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the dramaroom CLI in a child process with exactly the tracing environment given."""
    ours = ("OPENAI_", "DRAMAROOM_", "LANGSMITH_", "LANGCHAIN_", "OTEL_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return subprocess.run(
        [sys.executable, "-m", "dramaroom", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@dataclass
class Season:
    """A 2-episode season made through the model endpoint with tracing on, and what the servers got."""

    root: Path
    endpoint: SimulatedEndpoint
    collector: LocalServer
    langsmith_off: Received  # the manual produce run: LangSmith configured but not switched on
    langsmith_on: LocalServer  # the approve run: LANGSMITH_TRACING=true
    auto_exported: list[Span]


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Season]:
    root = tmp_path_factory.mktemp("export") / "series"
    with (
        SimulatedEndpoint(EndpointBehaviour(api_key=SECRET), seed=3) as endpoint,
        LocalServer(OtlpCollector) as collector,
        LocalServer(LangSmithApi) as off,
        LocalServer(LangSmithApi) as on,
    ):
        made = run_cli(["new", str(root), "--premise", PREMISE, "--episodes", "2", "--seed", "3"], {})
        assert made.returncode == 0, made.stderr
        config = root / "dramaroom.toml"
        text, count = re.subn(r'(?m)^otlp_endpoint = ""$', f'otlp_endpoint = "{collector.url}"', config.read_text())
        assert count == 1, "dramaroom new writes the [tracing] section, export off"
        config.write_text(text)
        model = {"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": SECRET, "DRAMAROOM_MODEL": "gpt-4o-mini"}
        ls = {"LANGSMITH_ENDPOINT": off.url, "LANGSMITH_API_KEY": LANGSMITH_KEY}
        paused = run_cli(["produce", str(root), "--approve", "manual"], {**model, **ls})
        assert paused.returncode == 0 and "waiting for approval" in paused.stdout, paused.stderr
        ls = {"LANGSMITH_TRACING": "true", "LANGSMITH_ENDPOINT": on.url, "LANGSMITH_API_KEY": LANGSMITH_KEY}
        done = run_cli(["approve", str(root), "--episode", "1"], {**model, **ls})
        assert done.returncode == 0, done.stderr
        # --approve manual pauses again at episode 2's gate; the approve run itself is complete.
        yield Season(root, endpoint, collector, off.received, on, spans_in(collector.received))


def _store_totals(root: Path, run_id: str) -> tuple[int, int, int, float]:
    store = TraceStore(root / "state" / "traces.sqlite")
    try:
        calls = store.events(run_id, kinds=("llm",))
    finally:
        store.close()
    cost = sum(call_cost(c.model, c.input_tokens, c.output_tokens) for c in calls)
    return len(calls), sum(c.input_tokens for c in calls), sum(c.output_tokens for c in calls), cost


def test_langsmith_is_off_unless_the_user_switches_it_on(season: Season) -> None:
    assert season.endpoint.stats.calls > 0, "the model endpoint did the work"
    assert season.langsmith_off.requests == [], "endpoint and key alone do not turn LangSmith tracing on"


def test_langsmith_receives_the_run_and_never_the_model_key(season: Season) -> None:
    received = season.langsmith_on.received
    assert all(h.get("x-api-key") == LANGSMITH_KEY for _, _, h, _ in received.requests), "the langsmith client"
    runs = langsmith_runs(received)
    names = {str(r.get("name")) for r in runs}
    assert {"commit", "draft", "review_continuity", "ChatOpenAI"} <= names, names
    llm = [r for r in runs if r.get("run_type") == "llm"]
    assert llm and all(r.get("name") == "ChatOpenAI" for r in llm)
    assert SECRET.encode() not in received.raw()


def test_produce_and_approve_export_each_run_when_configured(season: Season) -> None:
    roots = [s for s in season.auto_exported if not s.parent_span_id]
    seen = sorted((str(attrs(s)["dramaroom.command"]), str(attrs(s)["dramaroom.status"])) for s in roots)
    assert seen == [("approve --episode 1 (approve)", "paused"), ("produce --approve manual", "paused")]
    assert SECRET.encode() not in season.collector.received.raw()


def test_cli_export_sends_the_span_tree_with_genai_attributes(
    season: Season, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with LocalServer(OtlpCollector) as collector:
        code, out, err = cli(["traces", str(season.root), "export", "--otlp", collector.url, "--run", "last"], capsys)
        assert code == 0, err
        assert "exported 1 run(s)" in out and f"{collector.url}/v1/traces" in out
        spans = spans_in(collector.received)
        raw = collector.received.raw()
    assert SECRET.encode() not in raw
    by_id = {s.span_id: s for s in spans}
    assert len(by_id) == len(spans) and len({s.trace_id for s in spans}) == 1
    (root,) = [s for s in spans if not s.parent_span_id]
    run_id = str(attrs(root)["dramaroom.run_id"])
    assert root.name == "dramaroom approve" and attrs(root)["dramaroom.command"] == "approve --episode 1 (approve)"

    def parent(span: Span) -> Span:
        return by_id[span.parent_span_id]

    episodes = {s.name: s for s in spans if s.name.startswith("episode ")}
    assert set(episodes) == {"episode 1", "episode 2"}
    assert all(parent(e) is root for e in episodes.values())
    assert attrs(episodes["episode 1"])["dramaroom.outcome"] == "committed"
    assert attrs(episodes["episode 2"])["dramaroom.outcome"] == "paused", "waits at its gate"
    nodes = [s for s in spans if s.name in EPISODE_NODES]
    assert {"gate", "commit", "draft", "review_ethics"} <= {n.name for n in nodes}
    assert all(parent(n).name.startswith("episode ") for n in nodes)
    assert {s.name for s in spans if s.parent_span_id == root.span_id} >= {"schedule", "record"}

    calls = [s for s in spans if s.kind == Span.SPAN_KIND_CLIENT]
    count, tokens_in, tokens_out, cost = _store_totals(season.root, run_id)
    assert len(calls) == count > 0
    for call in calls:
        a = attrs(call)
        assert parent(call).name in {"draft", "review_continuity", "review_ethics", "shot_list"}
        assert call.name == "chat gpt-4o-mini" and a["gen_ai.operation.name"] == "chat"
        assert a["gen_ai.request.model"] == a["gen_ai.response.model"] == "gpt-4o-mini"
        assert a["gen_ai.provider.name"] == "openai" and a["server.address"] == "127.0.0.1"
        assert a["gen_ai.agent.name"] == a["dramaroom.role"] and a["dramaroom.episode"] in (1, 2)
        assert call.start_time_unix_nano <= call.end_time_unix_nano
        assert "gen_ai.input.messages" not in a, "prompts are sent only when asked for"
    assert sum(int(attrs(c)["gen_ai.usage.input_tokens"]) for c in calls) == tokens_in
    assert sum(int(attrs(c)["gen_ai.usage.output_tokens"]) for c in calls) == tokens_out
    assert sum(float(attrs(c)["dramaroom.cost_usd"]) for c in calls) == pytest.approx(cost, rel=1e-4)
    assert attrs(root)["dramaroom.cost_usd"] == pytest.approx(cost, rel=1e-6) and cost > 0

    ethics = [n for n in nodes if n.name == "review_ethics"]
    assert ethics and all(attrs(n)["dramaroom.verdict"] in {"approve", "revise", "block"} for n in ethics)
    assert all(any(e.name == "dramaroom.verdict" for e in n.events) for n in ethics)
    assert all(attrs(n)["dramaroom.verdict.reviewer"] == "ethics" for n in ethics)

    # Exporting a run again sends the ids the automatic export at the end of the run sent.
    auto = {(s.trace_id, s.span_id, s.parent_span_id) for s in season.auto_exported}
    assert {(s.trace_id, s.span_id, s.parent_span_id) for s in spans} <= auto


def test_content_is_opt_in_and_redacted_with_the_key_configured_now(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "s"
    assert cli(["new", str(root), "--premise", PREMISE, "--episodes", "1"], capsys)[0] == 0
    (root / "state").mkdir(exist_ok=True)
    # Recorded while a different key was configured: this key went into the store as plain text.
    store = TraceStore(root / "state" / "traces.sqlite", Redactor())
    run_id = store.start_run("season", "produce --approve auto", {"screenwriter": "gpt-4o @ https://api.example/v1"})
    store.add(run_id, "llm", role="screenwriter", episode=1, node="draft", model="gpt-4o-2024-08-06",
              prompt=f"[system]\nWrite.\n\n[human]\nThe vault code is {SECRET}.", output='{"title": "T"}',
              input_tokens=1000, output_tokens=200, latency_ms=12.5, status="ok")  # fmt: skip
    store.add(run_id, "node", episode=1, node="draft", latency_ms=20.0, detail={"updated": ["script"]})
    store.add(run_id, "llm", role="ethics", episode=1, node="review_ethics", model="gpt-4o", status="error",
              output="APITimeoutError: Request timed out.", latency_ms=3.0)  # fmt: skip
    store.end_run(run_id, "failed", "the model endpoint timed out")
    store.close()
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with LocalServer(OtlpCollector) as collector:
        code, _, err = cli(["traces", str(root), "export", "--otlp", collector.url + "/v1/traces", "--content"], capsys)
        assert code == 0, err
        spans = spans_in(collector.received)
        raw = collector.received.raw()
    assert SECRET.encode() not in raw
    (call,) = [s for s in spans if s.name.startswith("chat ") and s.status.code != Status.STATUS_CODE_ERROR]
    messages = json.loads(str(attrs(call)["gen_ai.input.messages"]))
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[1]["parts"][0]["content"] == "The vault code is [redacted]."
    a = attrs(call)
    assert a["gen_ai.request.model"] == "gpt-4o" and a["gen_ai.response.model"] == "gpt-4o-2024-08-06"
    assert a["server.address"] == "api.example" and a["gen_ai.output.messages"]
    (failed,) = [s for s in spans if s.status.code == Status.STATUS_CODE_ERROR and s.name.startswith("chat ")]
    assert attrs(failed)["error.type"] == "APITimeoutError"
    (unfinished,) = [s for s in spans if s.name == "(unfinished)"]
    assert by_name(spans, "episode 1").span_id == unfinished.parent_span_id
    root_span = by_name(spans, "dramaroom produce")
    assert root_span.status.code == Status.STATUS_CODE_ERROR and "timed out" in root_span.status.message


def test_export_failures_are_one_line_and_never_fail_a_run(
    season: Season, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(["traces", str(season.root), "export", "--otlp", "ftp://collector"], capsys)
    assert_one_line_error(code, err, "'ftp://collector' is not an OTLP/HTTP URL")
    with LocalServer(OtlpCollector) as collector:
        code, _, err = cli(["traces", str(season.root), "export", "--otlp", collector.url + "/elsewhere"], capsys)
    assert_one_line_error(code, err, "could not send traces to", "/elsewhere/v1/traces", "404")

    copy = tmp_path / "copy"
    shutil.copytree(season.root, copy)
    config = copy / "dramaroom.toml"
    config.write_text(re.sub(r'(?m)^otlp_endpoint = ".*"$', 'otlp_endpoint = ""', config.read_text()))
    code, _, err = cli(["traces", str(copy), "export"], capsys)
    assert_one_line_error(code, err, "no collector to export to", "--otlp")

    with LocalServer(OtlpCollector) as gone:
        dead = gone.url  # closed when the block ends: nothing listens there any more
    config.write_text(re.sub(r'(?m)^otlp_endpoint = ".*"$', f'otlp_endpoint = "{dead}"', config.read_text()))
    model = {"OPENAI_BASE_URL": season.endpoint.base_url, "OPENAI_API_KEY": SECRET, "DRAMAROOM_MODEL": "gpt-4o-mini"}
    rerun = run_cli(["approve", str(copy), "--episode", "2"], {**model, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "1"})
    assert rerun.returncode == 0, rerun.stderr
    assert "the run is recorded locally, but could not send traces to" in rerun.stderr
    assert "Traceback" not in rerun.stderr and SECRET not in rerun.stderr
