"""The tree `traces show` draws: node runs with their model calls and room events, and the revisions they made."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from dramaroom.trace_history import Artifact, Change, call_cost, diff, load_drafts, load_review
from dramaroom.workspace import Workspace
from evals.pricing import Price
from graphs.tracing import TraceEvent, node_runs
from memory.schema import Finding

Prices = Mapping[str, Price] | None


@dataclass
class RevisionView:
    """A revision a node produced, with the notes behind it and what it changed."""

    artifact: Artifact
    revision: int
    reviewer: str
    model: str
    caused_by: list[Finding]
    changes: list[Change] | None  # None when the draft files are missing

    def to_json(self) -> dict[str, object]:
        """Return the revision as plain JSON data."""
        return {
            "artifact": self.artifact,
            "revision": self.revision,
            "reviewer": self.reviewer,
            "model": self.model,
            "caused_by": [{"check": f.check, "location": f.location, "message": f.message} for f in self.caused_by],
            "changes": None if self.changes is None else [c.__dict__ for c in self.changes],
        }


@dataclass
class NodeView:
    """One node run with the model calls and room events inside it."""

    node: str
    episode: int | None
    latency_ms: float
    status: str
    calls: list[TraceEvent] = field(default_factory=list)
    room: list[TraceEvent] = field(default_factory=list)
    revision: RevisionView | None = None

    def to_json(self, prices: Prices = None) -> dict[str, object]:
        """Return the node run as plain JSON data."""
        return {
            "node": self.node,
            "latency_ms": self.latency_ms,
            "status": self.status,
            "calls": [
                {
                    "role": c.role,
                    "model": c.model,
                    "tokens_in": c.input_tokens,
                    "tokens_out": c.output_tokens,
                    "latency_ms": c.latency_ms,
                    "status": c.status,
                    "cost_usd": round(call_cost(c.model, c.input_tokens, c.output_tokens, prices), 6),
                }
                for c in self.calls
            ],
            "events": [{"kind": e.detail.get("kind", e.kind), "message": e.output} for e in self.room],
            "revision": self.revision.to_json() if self.revision else None,
        }


def group_nodes(events: list[TraceEvent]) -> tuple[list[NodeView], dict[int | None, float]]:
    """Put each model call and room event under the node run that made it; return them and episode totals."""
    nodes: list[NodeView] = []
    totals: dict[int | None, float] = {}
    for run in node_runs(events):
        calls = [p for p in run.inside if p.kind == "llm"]
        room = [p for p in run.inside if p.kind != "llm"]
        if run.end is None:
            nodes.append(NodeView("(unfinished)", run.episode, 0.0, "open", calls, room))
        elif run.container:
            totals[run.end.episode] = run.end.latency_ms
        else:
            nodes.append(NodeView(run.end.node, run.episode, run.end.latency_ms, run.end.status, calls, room))
    return nodes, totals


def attach_revisions(ws: Workspace, episode: int, nodes: list[NodeView]) -> None:
    """Mark the draft and shot-list node runs that were revisions, with their notes and changes."""
    review = load_review(ws, episode)
    records = [(i, h) for i, h in enumerate(review.history if review else []) if h.revision >= 1]
    used: set[int] = set()
    shot_notes: list[str] = []
    for view in nodes:
        artifact: Artifact | None = None
        notes: list[str] = []
        number: int | None = None
        for event in view.room:
            kind = event.detail.get("kind")
            if kind == "revision" and view.node == "draft":
                artifact, notes = "script", event.notes
                found = re.search(r"\(r(\d+)", event.output)
                number = int(found.group(1)) if found else None
            elif kind == "verdict" and view.node == "review_shots":
                shot_notes = event.notes
        if view.node == "shot_list" and shot_notes:
            artifact, notes, shot_notes = "shotlist", shot_notes, []
        if artifact is None:
            continue
        candidates = [(i, h) for i, h in records if h.artifact == artifact and i not in used]
        chosen = (
            [c for c in candidates if c[1].revision == number]
            or [c for c in candidates if {f.id for f in c[1].caused_by} == set(notes)]
            or [c for c in candidates if {f.id for f in c[1].caused_by} & set(notes)]
        )
        if not chosen:
            continue
        index, record = chosen[-1] if number is not None else chosen[0]
        used.add(index)
        drafts = {d.revision: d for d in load_drafts(ws, episode, artifact)}
        old, new = drafts.get(record.revision - 1), drafts.get(record.revision)
        changes = diff(old.body, new.body) if old and new else None
        view.revision = RevisionView(
            artifact, record.revision, record.reviewer, record.model, record.caused_by, changes
        )
