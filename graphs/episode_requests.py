"""Edit requests through the episode graph: reading the producer's note, verifying each revision, saying so.

After every revision each actionable request the revision was asked to meet is checked deterministically
(agents/edit_verify.py): the requests of the notes that caused it, and every request of the producer's last
note (a later reviewer-driven revision must not undo what the producer asked). An unmet request becomes a
finding of the note's origin that the next revision acts on; the graph's existing limits bound the loop.
What of a note could not become a request is reported as such, never as applied.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, cast

from pydantic import BaseModel, Field

from agents.edit_text import requirement
from agents.edit_verify import verify, verify_shots
from agents.messages import say
from agents.room import RoomContext
from graphs.state import EpisodeState, TrackedRequest
from memory.edits import EditRequest, Rename, RequestOutcome, RequestStatus, is_shot_request
from memory.schema import Canon, EpisodeBrief, Finding, Review, Script, ShotList

UNMET_CHECK = "edit_request_unmet"
Origin = Literal["continuity", "ethics", "human"]


class NoteRead(BaseModel):
    """What the room made of a producer's note: typed requests, and the parts that became none."""

    requests: list[EditRequest] = Field(default_factory=list)
    unparsed: list[str] = Field(default_factory=list, description="Parts of the note that became no request.")
    warnings: list[str] = Field(default_factory=list, description="What the parser could not resolve, in words.")
    mode: Literal["offline", "model"] = "offline"


Interpreter = Callable[..., Awaitable[Any]]


def _interpreter() -> Interpreter | None:
    # The note parser (agents/notes.py) is written alongside this module; until it exists a note is read as
    # one unparsed part, which the room reports as "could not act on" rather than pretending to apply it.
    try:
        module = importlib.import_module("agents.notes")
    except ImportError:
        return None
    found = getattr(module, "interpret_note", None)
    return cast(Interpreter, found) if callable(found) else None


async def read_note(
    ctx: RoomContext, note: str, *, script: Script, canon: Canon, brief: EpisodeBrief, shots: ShotList | None
) -> NoteRead:
    """Turn a producer's note into typed requests with the note parser, or report it all as unparsed."""
    parser = _interpreter()
    if parser is None:
        return NoteRead(unparsed=[note] if note.strip() else [])
    reading = await parser(ctx, note, script=script, canon=canon, brief=brief, shots=shots)
    return NoteRead(
        requests=list(reading.requests),
        unparsed=list(reading.unparsed),
        warnings=[str(w) for w in getattr(reading, "warnings", [])],
        mode=reading.mode,
    )


def unparsed_outcomes(reading: NoteRead, note: str, *, model_writes: bool) -> list[RequestOutcome]:
    """Outcomes for the parts of a note that became no request: free text for a model, else not actionable."""
    parts = reading.unparsed if reading.requests or reading.unparsed else [note]
    status: Literal["free_text", "not_actionable"] = "free_text" if model_writes else "not_actionable"
    detail = "passed to the model as free text" if model_writes else "the offline writer could not act on it"
    return [RequestOutcome(status=status, note=part[:2000], detail=detail) for part in parts if part.strip()]


def _where(request: EditRequest) -> str:
    for field in ("line_id", "shot_id", "scene_id"):
        value = getattr(request, field, None)
        if isinstance(value, str) and value:
            return value
    return "episode"


def unmet_finding(request: EditRequest, origin: Origin, note: str, detail: str, canon: Canon, n: int) -> Finding:
    """A request the revision did not meet, as a finding of the note's origin the next revision acts on."""
    where = _where(request)
    return Finding(
        id=f"{UNMET_CHECK}:{where}:{n}",
        reviewer=origin,
        check=UNMET_CHECK,
        category="producer" if origin == "human" else "edit_request",
        severity="revise",
        message=say(
            canon.language, "finding.still_unmet", what=requirement(request, canon.language, canon), detail=detail
        ),
        quote=note[:200],
        location=where,
        requests=[request],
    )


def _items(
    notes: Sequence[Finding], tracked: Sequence[TrackedRequest], shots: bool
) -> list[tuple[EditRequest, Origin, str, bool]]:
    """Every request to check once: (request, origin, note words, made on the producer's base draft)."""
    seen: set[str] = set()
    out: list[tuple[EditRequest, Origin, str, bool]] = []
    candidates: list[tuple[EditRequest, Origin, str, bool]] = [
        (r, n.reviewer, n.quote if n.check == UNMET_CHECK else n.message, n.reviewer == "human")
        for n in notes
        for r in n.requests
    ]
    candidates += [(t.request, "human", t.note, True) for t in tracked]
    for request, origin, note, on_base in candidates:
        key = request.model_dump_json()
        if is_shot_request(request) == shots and key not in seen:
            seen.add(key)
            out.append((request, origin, note, on_base))
    return out


def script_outcomes(
    notes: Sequence[Finding],
    tracked: Sequence[TrackedRequest],
    previous: Script,
    base: Script | None,
    script: Script,
    canon: Canon,
    brief: EpisodeBrief,
) -> tuple[list[RequestOutcome], list[Finding]]:
    """Verify a script revision against every request it had to meet; return outcomes and unmet findings."""
    outcomes: list[RequestOutcome] = []
    unmet: list[Finding] = []
    for request, origin, note, on_base in _items(notes, tracked, shots=False):
        before = base if on_base and base is not None else previous
        met, detail = verify(request, before, script, canon, brief, canon.language)
        _record(outcomes, unmet, request, origin, note, (met, detail), canon)
    return outcomes, unmet


def _record(
    outcomes: list[RequestOutcome],
    unmet: list[Finding],
    request: EditRequest,
    origin: Origin,
    note: str,
    check: tuple[bool, str],
    canon: Canon,
) -> None:
    """Record one verified request's outcome, and an unmet finding when the revision missed it."""
    met, detail = check
    status: RequestStatus = "verified" if met else "unmet"
    outcomes.append(RequestOutcome(request=request, status=status, note=note[:2000], detail=detail))
    if not met:
        unmet.append(unmet_finding(request, origin, note, detail, canon, len(unmet)))


def shot_outcomes(
    notes: Sequence[Finding],
    tracked: Sequence[TrackedRequest],
    previous: ShotList,
    shots: ShotList,
    script: Script,
    canon: Canon,
) -> tuple[list[RequestOutcome], list[Finding]]:
    """Verify a shot-list revision against its shot requests; return outcomes and unmet findings."""
    outcomes: list[RequestOutcome] = []
    unmet: list[Finding] = []
    for request, origin, note, _ in _items(notes, tracked, shots=True):
        met, detail = verify_shots(request, previous, shots, script, canon, canon.language)
        _record(outcomes, unmet, request, origin, note, (met, detail), canon)
    return outcomes, unmet


def human_shot_note(
    tracked: Sequence[TrackedRequest], previous: ShotList, script: Script, canon: Canon
) -> list[Finding]:
    """The producer's shot requests the current shot list does not meet yet, as a note for the director."""
    pending = [
        t
        for t in tracked
        if is_shot_request(t.request)
        and not verify_shots(t.request, previous, previous, script, canon, canon.language)[0]
    ]
    if not pending:
        return []
    return [
        Finding(
            id=pending[0].finding_id or "human:shots",
            reviewer="human",
            check="producer_note",
            category="producer",
            message=pending[0].note or "The producer asked for changes to the shots.",
            requests=[t.request for t in pending],
        )
    ]


def respecting_producer(findings: list[Finding], tracked: Sequence[TrackedRequest], language: str) -> list[Finding]:
    """Keep reviewers from undoing the producer: a name the producer asked for is not name drift.

    Such a finding stays in the review as information, saying why, instead of asking for a revision.
    """
    names = [t.request.new for t in tracked if isinstance(t.request, Rename) and t.request.new.strip()]
    out: list[Finding] = []
    for f in findings:
        if f.check == "name_drift" and f.severity != "info" and any(n in f.quote or f.quote in n for n in names):
            f = f.model_copy(
                update={
                    "severity": "info",
                    "message": f.message + say(language, "finding.kept_producer_name"),
                    "requests": [],
                }
            )
        out.append(f)
    return out


def still_raised(unmet: Sequence[Finding], review: Review) -> list[Finding]:
    """Keep the unmet requests that still stand after a fresh review.

    A reviewer's own request stands only while that reviewer still flags the same place: the re-review is the
    authority on its checks (a regenerated shot list renumbers shots, so an id-level request can miss while the
    problem is gone). The producer's requests always stand until they are met or the producer decides.
    """
    flagged = {f.location for f in review.findings if f.severity != "info"}
    return [u for u in unmet if u.reviewer != review.reviewer or u.location in flagged]


def _quoted(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"'{text[:limit]}…'" if len(text) > limit else f"'{text}'"


def revision_line(revision: int, outcomes: Sequence[RequestOutcome], notes: Sequence[Finding], unchanged: bool) -> str:
    """Say what a revision really did, e.g. 'script revised (r1): 2 of 2 requests applied and verified'."""
    return f"script revised (r{revision}): " + outcome_summary(outcomes, notes, unchanged)


def outcome_summary(outcomes: Sequence[RequestOutcome], notes: Sequence[Finding], unchanged: bool) -> str:
    """Summarise request outcomes in one clause list; notes without any request are counted as such."""
    checked = [o for o in outcomes if o.request is not None]
    verified = [o for o in checked if o.status == "verified"]
    unmet = [o for o in checked if o.status == "unmet"]
    parts: list[str] = []
    if checked:
        noun = "request" if len(checked) == 1 else "requests"
        if unmet:
            parts.append(f"{len(verified)} of {len(checked)} {noun} verified")
            shown = "; ".join(f"[{o.request.kind}] {o.detail}" for o in unmet[:2] if o.request is not None)
            parts.append(f"still unmet: {shown}" + (f" (+{len(unmet) - 2} more)" if len(unmet) > 2 else ""))
        else:
            parts.append(f"{len(verified)} of {len(checked)} {noun} applied and verified")
    untyped = [n for n in notes if not n.requests and n.reviewer != "human"]
    if untyped:
        parts.append(f"{len(untyped)} review note{'s' if len(untyped) > 1 else ''} with no typed request acted on")
    free = [o for o in outcomes if o.status == "free_text"]
    if free:
        parts.append(f"{len(free)} note{'s' if len(free) > 1 else ''} passed to the model as free text")
    lost = [o for o in outcomes if o.status == "not_actionable"]
    if lost:
        parts.append("could not act on: " + ", ".join(_quoted(o.note) for o in lost[:3]))
    for_director = [r for n in notes for r in n.requests if is_shot_request(r)]
    if for_director and not any(o.request is not None and is_shot_request(o.request) for o in outcomes):
        parts.append(f"{len(for_director)} shot request{'s' if len(for_director) > 1 else ''} left for the director")
    if any(n.check == "producer_rejection" for n in notes):
        parts.append("rewritten afresh: the rejection carried no note")
    if unchanged:
        parts.append("redrafted unchanged")
    return "; ".join(parts) or "no requests to check"


def unmet_of(state: EpisodeState) -> list[Finding]:
    """The episode's requests still unmet, script and shot ones, as findings."""
    return [*state.get("unmet", []), *state.get("shot_unmet", [])]


def unmet_lines(state: EpisodeState, ctx: RoomContext) -> list[str]:
    """The unmet requests as readable lines in the series' language, e.g. '[cut_character] Tomas (tomas) …'."""
    canon = ctx.bible.canon_at(state["episode"])
    return [f"[{r.kind}] {requirement(r, ctx.language, canon)}" for f in unmet_of(state) for r in f.requests]
