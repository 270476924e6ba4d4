"""Read-only views of a workspace's history: run costs, draft-to-draft changes, and who wrote a line and why."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dramaroom.errors import UserError
from dramaroom.settings import Settings
from dramaroom.workspace import Workspace
from evals.pricing import OFFLINE_MARK as OFFLINE_MARK
from evals.pricing import PRICES as PRICES
from evals.pricing import Price
from evals.pricing import call_cost as call_cost
from evals.pricing import cost_label as cost_label
from evals.pricing import price_for as price_for
from graphs.state import EpisodeReview, RevisionRecord
from graphs.tracing import Redactor, RunRecord, TraceEvent, TraceStore
from memory.schema import Finding, Script, ShotList

Artifact = Literal["script", "shotlist"]


@dataclass(frozen=True)
class RunSummary:
    """One run with its model usage totalled."""

    run: RunRecord
    calls: int
    tokens_in: int
    tokens_out: int
    cost_usd: float
    call_models: list[str]
    prices: Mapping[str, Price] | None = None

    @property
    def models(self) -> list[str]:
        """Return the distinct models the run was configured with or called."""
        configured = set(self.run.models.values())
        return sorted(configured | {m for m in self.call_models if not any(c.startswith(m) for c in configured)})

    @property
    def cost(self) -> str:
        """Return the human cost label."""
        return cost_label(self.models, self.cost_usd, self.prices)

    def to_json(self) -> dict[str, object]:
        """Return the summary as plain JSON data."""
        r = self.run
        return {
            "run_id": r.run_id,
            "started_at": r.started_at,
            "ended_at": r.ended_at,
            "command": r.command,
            "status": r.status,
            "models": self.models,
            "call_models": self.call_models,
            "roles": r.models,
            "model_calls": self.calls,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": round(self.cost_usd, 6),
            "cost": self.cost,
        }


def summarize(run: RunRecord, events: list[TraceEvent], prices: Mapping[str, Price] | None = None) -> RunSummary:
    """Total the model calls of one run, priced with the built-in table plus the series' `[prices]`."""
    calls = [e for e in events if e.kind == "llm"]
    return RunSummary(
        run=run,
        calls=len(calls),
        tokens_in=sum(e.input_tokens for e in calls),
        tokens_out=sum(e.output_tokens for e in calls),
        cost_usd=sum(call_cost(e.model, e.input_tokens, e.output_tokens, prices) for e in calls),
        call_models=sorted({e.model for e in calls if e.model}),
        prices=prices,
    )


def open_store(ws: Workspace) -> TraceStore:
    """Open the workspace's trace store for reading, failing clearly if nothing was run yet."""
    if not ws.traces_path.exists():
        raise UserError(f"{ws.root} has no traces yet: run `dramaroom produce {ws.root}` first")
    return TraceStore(ws.traces_path)


def open_traces(ws: Workspace, settings: Settings) -> TraceStore:
    """Open the workspace trace store with the configured key registered for redaction."""
    secret = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    return TraceStore(ws.traces_path, Redactor([secret] if secret else []))


def resolve_run(runs: list[RunRecord], wanted: str) -> RunRecord:
    """Find a run by id, unique id prefix, or "last"."""
    if not runs:
        raise UserError("no runs recorded yet: run `dramaroom produce` first")
    if wanted == "last":
        return runs[-1]
    found = [r for r in runs if r.run_id == wanted] or [r for r in runs if r.run_id.startswith(wanted)]
    if len(found) == 1:
        return found[0]
    recent = ", ".join(r.run_id for r in runs[-3:])
    what = "matches several runs" if found else "is not a run"
    raise UserError(f"{wanted!r} {what}: use `last` or a run id from `dramaroom traces list` (latest: {recent})")


# ------------------------------------------------------------------ drafts and their changes


@dataclass(frozen=True)
class Draft:
    """One saved draft of an episode's script or shot list."""

    revision: int
    generated_by: str
    body: Script | ShotList


@dataclass(frozen=True)
class Change:
    """One field of one line, scene or shot that differs between two drafts."""

    target: str
    field: str
    before: str
    after: str

    def __str__(self) -> str:
        if self.field in {"added", "removed"}:
            return f"{self.target} {self.field}: {self.after or self.before!r}"
        return f"{self.target} {self.field}: {self.before!r} → {self.after!r}"


_DRAFT_NAME = re.compile(r"^(script|shotlist)\.r(\d+)\.json$")


def load_body(ws: Workspace, path: Path, artifact: Artifact) -> Script | ShotList:
    """Read one script or shot-list file."""
    if artifact == "script":
        return ws.load_artifact(path, Script)
    return ws.load_artifact(path, ShotList)


def load_drafts(ws: Workspace, episode: int, artifact: Artifact) -> list[Draft]:
    """Return an episode's saved drafts of one artifact, r0 first."""
    folder = ws.episode_dir(episode) / "drafts"
    found: list[Draft] = []
    for path in sorted(folder.glob(f"{artifact}.r*.json")) if folder.is_dir() else []:
        match = _DRAFT_NAME.match(path.name)
        if match is None:
            continue
        body = load_body(ws, path, artifact)
        found.append(Draft(int(match.group(2)), ws.generated_by(path), body))
    return sorted(found, key=lambda d: d.revision)


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def cells(body: Script | ShotList) -> dict[str, dict[str, str]]:
    """Flatten a draft to target id -> field -> text, the unit that drafts are compared in."""
    flat: dict[str, dict[str, str]] = {}
    if isinstance(body, Script):
        flat["script"] = {
            "title": body.title,
            "summary": body.summary,
            "state_changes": _text([c.model_dump(mode="json") for c in body.state_changes]),
        }
        for scene in body.scenes:
            data = scene.model_dump(mode="json", exclude={"id", "lines", "wardrobe"})
            row = {k: _text(v) for k, v in data.items()}
            row.update({f"wardrobe[{who}]": ward for who, ward in sorted(scene.wardrobe.items())})
            flat[scene.id] = row
            for line in scene.lines:
                flat[line.id] = {k: _text(v) for k, v in line.model_dump(mode="json", exclude={"id"}).items()}
    else:
        for shot in body.shots:
            flat[shot.id] = {k: _text(v) for k, v in shot.model_dump(mode="json", exclude={"id"}).items()}
    return flat


def diff(old: Script | ShotList, new: Script | ShotList, only: set[str] | None = None) -> list[Change]:
    """Return the field-level changes from one draft to the next, optionally for some targets only."""
    before, after = cells(old), cells(new)
    changes: list[Change] = []
    for target in [*before, *(t for t in after if t not in before)]:
        if only is not None and target not in only:
            continue
        a, b = before.get(target), after.get(target)
        if a is None and b is not None:
            changes.append(Change(target, "added", "", b.get("text") or b.get("description") or ""))
        elif b is None and a is not None:
            changes.append(Change(target, "removed", a.get("text") or a.get("description") or "", ""))
        elif a is not None and b is not None:
            for name in [*a, *(k for k in b if k not in a)]:
                if a.get(name) != b.get(name):
                    changes.append(Change(target, name, a.get(name, ""), b.get(name, "")))
    return changes


def load_review(ws: Workspace, episode: int) -> EpisodeReview | None:
    """Return an episode's review record, or None before it was reviewed."""
    path = ws.episode_dir(episode) / "review.json"
    return ws.load_artifact(path, EpisodeReview) if path.exists() else None


def record_for(review: EpisodeReview | None, artifact: Artifact, revision: int) -> RevisionRecord | None:
    """Return the revision record of one draft (the last one, if a draft was rewritten on a later run)."""
    records = [h for h in (review.history if review else []) if h.artifact == artifact and h.revision == revision]
    return records[-1] if records else None


# ------------------------------------------------------------------------- why


@dataclass
class Step:
    """One draft in a line's or shot's history."""

    revision: int
    action: Literal["written", "changed", "added", "removed", "hand edit", "canon fix"]
    model: str
    reviewer: str = ""
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """Return the step as plain JSON data."""
        return {
            "revision": self.revision,
            "action": self.action,
            "model": self.model,
            "reviewer": self.reviewer,
            "changes": [c.__dict__ for c in self.changes],
            "findings": [
                {"id": f.id, "check": f.check, "location": f.location, "message": f.message, "reviewer": f.reviewer}
                for f in self.findings
            ],
        }


@dataclass
class Why:
    """The answer to "who wrote or changed this, and why"."""

    episode: int
    target: str
    artifact: Artifact
    author_role: str
    steps: list[Step]
    current: dict[str, str]
    decisions: list[str]
    context: list[Step] = field(default_factory=list)  # changes to the line's scene
    covers: Why | None = None  # for a shot: the history of the line it covers

    def to_json(self) -> dict[str, object]:
        """Return the answer as plain JSON data."""
        return {
            "episode": self.episode,
            "target": self.target,
            "artifact": self.artifact,
            "author_role": self.author_role,
            "current": self.current,
            "history": [s.to_json() for s in self.steps],
            "scene_changes": [s.to_json() for s in self.context],
            "decisions": self.decisions,
            "line": self.covers.to_json() if self.covers else None,
        }


def _existing(ws: Workspace) -> list[int]:
    root = ws.root / "episodes"
    names = sorted(p.name for p in root.glob("ep[0-9][0-9][0-9]") if (p / "drafts").is_dir()) if root.is_dir() else []
    return [int(n[2:]) for n in names]


def _id_ranges(ids: list[str]) -> str:
    groups: dict[str, list[str]] = {}
    for item in ids:
        groups.setdefault(item.split("-")[0], []).append(item)
    return ", ".join(g[0] if len(g) == 1 else f"{g[0]}..{g[-1]}" for g in groups.values())


def _steps(
    drafts: list[Draft], review: EpisodeReview | None, artifact: Artifact, targets: set[str], anchor: str
) -> list[Step]:
    steps: list[Step] = []
    previous: Draft | None = None
    for draft in drafts:
        record = record_for(review, artifact, draft.revision)
        model = draft.generated_by or (record.model if record else "")
        present = any(t in cells(draft.body) for t in targets)
        if previous is None:
            if present:
                steps.append(Step(draft.revision, "written", model))
        else:
            changes = diff(previous.body, draft.body, targets)
            if changes:
                caused = list(record.caused_by) if record else []
                mine = [
                    f
                    for f in caused
                    if f.location == anchor or any(getattr(r, "line_id", None) == anchor for r in f.requests)
                ]
                action: Literal["written", "changed", "added", "removed"] = "changed"
                if any(c.field == "added" for c in changes):
                    action = "added"
                elif any(c.field == "removed" for c in changes):
                    action = "removed"
                steps.append(
                    Step(draft.revision, action, model, record.reviewer if record else "", changes, mine or caused)
                )
        previous = draft
    return steps


def explain(ws: Workspace, episode: int, target: str, artifact: Artifact) -> Why:
    """Walk an episode's drafts and say who wrote a line (or shot) and which notes changed it."""
    drafts = load_drafts(ws, episode, artifact)
    if not drafts:
        have = ", ".join(map(str, _existing(ws))) or "none yet"
        raise UserError(f"episode {episode} has no {artifact} drafts in {ws.root}: episodes with drafts: {have}")
    known = [t for d in drafts for t in cells(d.body) if t != "script" and (t.count("-") == 1)]
    known = list(dict.fromkeys(known))
    if target not in known:
        what = "line" if artifact == "script" else "shot"
        raise UserError(
            f"{what} {target!r} is not in episode {episode}'s {artifact} drafts: it has {_id_ranges(known)}"
        )
    review = load_review(ws, episode)
    steps = _steps(drafts, review, artifact, {target}, target)
    final_path = ws.episode_dir(episode) / f"{artifact}.json"
    final: Script | ShotList | None = None
    if final_path.exists():
        final = load_body(ws, final_path, artifact)
        edits = diff(drafts[-1].body, final, {target})
        if edits:
            records = [h for h in (review.history if review else []) if h.artifact == artifact]
            hand = [h for h in records if h.reviewer == "human"]
            fixes = [h for h in records if h.reviewer.startswith("canon change")]
            if fixes and not any(h.model.startswith("hand edit") for h in hand):
                # Changed since the last draft by a canon change's mechanical fix (a rename), not by a writer.
                steps.append(Step(fixes[-1].revision, "canon fix", fixes[-1].model, fixes[-1].reviewer, edits))
            else:
                edits_by_hand = [h for h in hand if h.model.startswith("hand edit")]
                revision = edits_by_hand[-1].revision if edits_by_hand else drafts[-1].revision + 1
                model = edits_by_hand[-1].model if edits_by_hand else "hand edit"
                steps.append(Step(revision, "hand edit", model, "human", edits))
    current = cells(final or drafts[-1].body).get(target) or cells(drafts[-1].body).get(target, {})
    decisions = [
        ("approved" if d.approved else "rejected") + f" by {d.by}" + (f": {d.note}" if d.note else "")
        for d in (review.decisions if review else [])
    ]
    context: list[Step] = []
    covers: Why | None = None
    if artifact == "script":
        scene = target.split("-")[0]
        context = [s for s in _steps(drafts, review, artifact, {scene}, scene) if s.action != "written"]
    elif current.get("line_id"):
        try:
            covers = explain(ws, episode, current["line_id"], "script")
        except UserError:
            covers = None
    role = "screenwriter" if artifact == "script" else "director"
    return Why(episode, target, artifact, role, steps, current, decisions, context, covers)
