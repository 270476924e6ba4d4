"""The trace store: every run, node run and model call, with secrets scrubbed before writing."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, command TEXT NOT NULL, started_at TEXT NOT NULL,
    ended_at TEXT, status TEXT NOT NULL, models TEXT NOT NULL DEFAULT '{}', note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, ts TEXT NOT NULL, kind TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '', episode INTEGER, node TEXT NOT NULL DEFAULT '', model TEXT NOT NULL DEFAULT '',
    prompt TEXT NOT NULL DEFAULT '', output TEXT NOT NULL DEFAULT '', input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0, latency_ms REAL NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'ok',
    detail TEXT NOT NULL DEFAULT '{}', call_id TEXT NOT NULL DEFAULT '', parent_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_run ON events(run_id, episode);
"""

_KEY_PATTERNS = [
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9_\-\.=]{8,}"),
    re.compile(r"(?i)(api[_-]?key[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]{6,}"),
]


class Redactor:
    """Remove API keys and bearer tokens from any text before it is stored."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        for pattern in _KEY_PATTERNS:
            text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[redacted]", text)
        return text


@dataclass(frozen=True)
class TraceEvent:
    """One row of the trace store, as read back."""

    id: int
    run_id: str
    ts: str
    kind: str
    role: str
    episode: int | None
    node: str
    model: str
    prompt: str
    output: str
    input_tokens: int
    output_tokens: int
    latency_ms: float
    status: str
    detail: dict[str, object]

    @property
    def notes(self) -> list[str]:
        """Return the ids of the review findings a room event names (behind a revision or verdict)."""
        notes = self.detail.get("notes", [])
        return [str(n) for n in notes] if isinstance(notes, list) else []


CONTAINER_NODE = "episode"  # the season graph's node that runs a whole episode subgraph


@dataclass(frozen=True)
class NodeRun:
    """One node run of a recorded run and the model calls and room events made inside it.

    ``end`` is the node's own event, or None when the run stopped inside a node
    that never ended. ``episode`` is the episode the node worked on.
    """

    end: TraceEvent | None
    inside: list[TraceEvent]
    episode: int | None

    @property
    def container(self) -> bool:
        """True for the season graph's node that ran a whole episode subgraph (it holds no calls itself)."""
        return self.end is not None and self.end.node == CONTAINER_NODE


def node_runs(events: Sequence[TraceEvent]) -> list[NodeRun]:
    """Group a run's events by the node that made them, in order.

    Nodes are logged when they end, so each node event closes the calls and
    room events recorded since the previous one.
    """
    runs: list[NodeRun] = []
    pending: list[TraceEvent] = []
    for event in events:
        if event.kind != "node":
            pending.append(event)
        elif event.node == CONTAINER_NODE:
            runs.append(NodeRun(event, [], event.episode))
        else:
            episode = next((p.episode for p in pending if p.episode is not None), event.episode)
            runs.append(NodeRun(event, pending, episode))
            pending = []
    if pending:
        runs.append(NodeRun(None, pending, next((p.episode for p in pending if p.episode is not None), None)))
    return runs


@dataclass(frozen=True)
class RunRecord:
    """One row of the runs table."""

    run_id: str
    thread_id: str
    command: str
    started_at: str
    ended_at: str | None
    status: str
    models: dict[str, str]
    note: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class TraceStore:
    """SQLite-backed store of runs and events in the workspace."""

    def __init__(self, path: Path, redactor: Redactor | None = None) -> None:
        self.path = path
        self.redact = redactor or Redactor()
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def start_run(self, thread_id: str, command: str, models: dict[str, str]) -> str:
        """Open a run row and return its id."""
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        with self._lock:
            self._db.execute(
                "INSERT INTO runs (run_id, thread_id, command, started_at, status, models) VALUES (?,?,?,?,?,?)",
                (run_id, thread_id, self.redact(command), _now(), "running", json.dumps(models)),
            )
        return run_id

    def end_run(self, run_id: str, status: str, note: str = "") -> None:
        """Close a run with its final status."""
        with self._lock:
            self._db.execute(
                "UPDATE runs SET ended_at=?, status=?, note=? WHERE run_id=?",
                (_now(), status, self.redact(note), run_id),
            )

    def add(self, run_id: str, kind: str, **fields: object) -> None:
        """Append one event; text fields are redacted first."""
        row: dict[str, object] = {"run_id": run_id, "ts": _now(), "kind": kind}
        for key, value in fields.items():
            if key == "detail":
                row[key] = self.redact(json.dumps(value, ensure_ascii=False, default=str))
            elif isinstance(value, str):
                row[key] = self.redact(value)
            else:
                row[key] = value
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with self._lock:
            self._db.execute(f"INSERT INTO events ({columns}) VALUES ({marks})", tuple(row.values()))

    def runs(self) -> list[RunRecord]:
        """Return all runs, oldest first."""
        rows = self._db.execute(
            "SELECT run_id, thread_id, command, started_at, ended_at, status, models, note"
            " FROM runs ORDER BY started_at"
        ).fetchall()
        return [RunRecord(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7]) for r in rows]

    def events(
        self, run_id: str | None = None, *, episode: int | None = None, kinds: Sequence[str] = ()
    ) -> list[TraceEvent]:
        """Return events, optionally for one run, one episode and some kinds, in order."""
        query = (
            "SELECT id, run_id, ts, kind, role, episode, node, model, prompt, output, input_tokens, output_tokens,"
            " latency_ms, status, detail FROM events WHERE 1=1"
        )
        args: list[object] = []
        if run_id is not None:
            query += " AND run_id = ?"
            args.append(run_id)
        if episode is not None:
            query += " AND episode = ?"
            args.append(episode)
        if kinds:
            query += f" AND kind IN ({', '.join('?' for _ in kinds)})"
            args.extend(kinds)
        rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        names = [f.name for f in fields(TraceEvent)]
        return [TraceEvent(**{**dict(zip(names, r, strict=True)), "detail": json.loads(r[14])}) for r in rows]


def _message_text(messages: Sequence[BaseMessage]) -> str:
    return "\n\n".join(
        f"[{m.type}]\n{m.content if isinstance(m.content, str) else json.dumps(m.content)}" for m in messages
    )


class TraceRecorder(BaseCallbackHandler):
    """Record node runs and model calls of one run into the trace store."""

    run_inline = True  # keep events in call order and on one thread

    def __init__(self, store: TraceStore, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self._open: dict[UUID, tuple[float, dict[str, Any], str]] = {}

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Remember when and with what prompt a model call started."""
        self._open[run_id] = (time.perf_counter(), dict(metadata or {}), _message_text(messages[0] if messages else []))

    def on_llm_end(
        self, response: LLMResult, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        """Record a finished model call with its tokens and latency."""
        started, metadata, prompt = self._open.pop(run_id, (time.perf_counter(), {}, ""))
        generation = response.generations[0][0] if response.generations and response.generations[0] else None
        message = getattr(generation, "message", None)
        usage = getattr(message, "usage_metadata", None) or {}
        tool_calls = getattr(message, "tool_calls", None) or []
        output = (
            json.dumps([c["args"] for c in tool_calls], ensure_ascii=False)
            if tool_calls
            else (generation.text if generation else "")
        )
        model = (getattr(message, "response_metadata", None) or {}).get("model_name") or metadata.get(
            "ls_model_name", ""
        )
        self.store.add(
            self.run_id,
            "llm",
            role=str(metadata.get("role", "")),
            episode=metadata.get("episode"),
            node=str(metadata.get("node", "")),
            model=str(model),
            prompt=prompt,
            output=output,
            input_tokens=int(usage.get("input_tokens", 0)),
            output_tokens=int(usage.get("output_tokens", 0)),
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            call_id=str(run_id),
            parent_id=str(parent_run_id or ""),
        )

    def on_llm_error(
        self, error: BaseException, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        """Record a failed model call."""
        started, metadata, prompt = self._open.pop(run_id, (time.perf_counter(), {}, ""))
        self.store.add(
            self.run_id,
            "llm",
            role=str(metadata.get("role", "")),
            episode=metadata.get("episode"),
            node=str(metadata.get("node", "")),
            model=str(metadata.get("ls_model_name", "")),
            prompt=prompt,
            output=f"{type(error).__name__}: {error}",
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            status="error",
            call_id=str(run_id),
        )

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: dict[str, Any] | Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Remember the start of a graph node (not of the many runnables inside it)."""
        meta = metadata or {}
        node = meta.get("langgraph_node")
        if node and kwargs.get("name") == node:
            episode = inputs.get("episode") if isinstance(inputs, dict) else None
            self._open[run_id] = (time.perf_counter(), {"node": node, "episode": episode}, "")

    def on_chain_end(self, outputs: dict[str, Any] | Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Record a finished graph node with what it changed."""
        opened = self._open.pop(run_id, None)
        if opened is None:
            return
        started, meta, _ = opened
        keys = sorted(outputs) if isinstance(outputs, dict) else []
        self.store.add(
            self.run_id,
            "node",
            episode=meta.get("episode"),
            node=str(meta["node"]),
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            detail={"updated": keys},
            call_id=str(run_id),
        )

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Record a node that raised (an interrupt is recorded as a pause, not an error)."""
        opened = self._open.pop(run_id, None)
        if opened is None:
            return
        started, meta, _ = opened
        paused = type(error).__name__ in {"GraphInterrupt", "GraphBubbleUp"}
        self.store.add(
            self.run_id,
            "node",
            episode=meta.get("episode"),
            node=str(meta["node"]),
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            status="paused" if paused else "error",
            output="" if paused else f"{type(error).__name__}: {error}",
            call_id=str(run_id),
        )


class RetryLog(logging.Handler):
    """Record the OpenAI SDK's transport retries (429, 5xx, connection errors) as trace events."""

    def __init__(self, store: TraceStore, run_id: str) -> None:
        super().__init__(level=logging.INFO)
        self.store = store
        self.run_id = run_id

    def emit(self, record: logging.LogRecord) -> None:
        """Store a retry notice; other SDK log lines are ignored."""
        message = record.getMessage()
        if message.startswith("Retrying request"):
            self.store.add(self.run_id, "retry", output=message, status="retry")


@contextmanager
def recording_retries(store: TraceStore, run_id: str) -> Iterator[None]:
    """Attach a RetryLog to the OpenAI SDK's logger for the duration of a run."""
    logger = logging.getLogger("openai._base_client")
    handler = RetryLog(store, run_id)
    previous = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
