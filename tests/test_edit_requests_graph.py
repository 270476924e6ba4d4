"""Edit requests through the episode graph: verified revisions, unmet requests looping to the gate, honest lines."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from agents.room import RoomContext, RoomEvent, RoomLimits
from graphs import episode_requests
from graphs.episode_requests import NoteRead
from graphs.season import build_season_graph
from graphs.state import GatePayload, RevisionRecord, SeasonInput
from memory import edits as E
from memory.bible import StoryBible
from memory.schema import Script
from tests.conftest import MemorySink, make_context

PREMISE = "A hospital cleaner is secretly the daughter of the surgeon who let her mother die on the table."
CONFIG = RunnableConfig(configurable={"thread_id": "t1"}, recursion_limit=500)


def _season(approval: str = "manual") -> SeasonInput:
    return SeasonInput(
        premise=PREMISE,
        episodes=1,
        approval="manual" if approval == "manual" else "auto",
        paywall_episode=1,
        genre=None,
    )


def _context(bible: StoryBible, sink: MemorySink, events: list[RoomEvent], **kw: Any) -> RoomContext:
    return dataclasses.replace(make_context(bible, sink=sink, **kw), on_event=events.append)


def _fake_reader(reading: NoteRead, seen: list[str]) -> Any:
    async def read(ctx: RoomContext, note: str, **_: Any) -> NoteRead:
        seen.append(note)
        return reading

    return lambda: read


async def _to_gate(ctx: RoomContext) -> Any:
    graph = build_season_graph().compile(checkpointer=InMemorySaver())
    await graph.ainvoke(_season(), CONFIG, context=ctx, durability="sync")
    return graph


async def _pending(graph: Any) -> GatePayload:
    state = await graph.aget_state(CONFIG, subgraphs=True)
    values = [i.value for t in state.tasks for i in t.interrupts]
    assert values and isinstance(values[0], GatePayload), "the episode should be waiting at the gate"
    return values[0]


async def _reject(graph: Any, ctx: RoomContext, note: str) -> None:
    resume = Command(resume={"approved": False, "note": note, "by": "human"})
    await graph.ainvoke(resume, CONFIG, context=ctx, durability="sync")


def _human_records(sink: MemorySink) -> list[RevisionRecord]:
    review = sink.episode[(1, "review")]
    history: list[RevisionRecord] = review.history  # type: ignore[attr-defined]
    return [h for h in history if h.artifact == "script" and h.reviewer == "human"]


def _busiest(script: Script) -> str:
    spoken = [ln.speaker_id or "" for ln in script.lines() if ln.kind == "dialogue"]
    return max(set(spoken), key=spoken.count)


async def test_a_cut_note_is_applied_verified_and_reported_so(bible: StoryBible) -> None:
    """The producer's own words, read by the note parser: the character is gone and the line says verified."""
    sink, events = MemorySink(), []
    ctx = _context(bible, sink, events)
    graph = await _to_gate(ctx)
    before = sink.episode[(1, "script")]
    assert isinstance(before, Script)
    victim = _busiest(before)
    name = bible.canon_at(1).character(victim)
    assert name is not None and sum(ln.speaker_id == victim for ln in before.lines()) >= 3
    await _reject(graph, ctx, f"Cut {name.name} from this episode.")
    after = sink.episode[(1, "script")]
    assert isinstance(after, Script)
    assert [ln.id for ln in after.lines() if ln.speaker_id == victim] == []
    assert all(victim not in s.character_ids for s in after.scenes)
    record = _human_records(sink)[0]
    assert record.outcomes is not None
    assert [(o.request.kind if o.request else None, o.status) for o in record.outcomes] == [
        ("cut_character", "verified")
    ]
    assert (record.requests_verified, record.requests_total) == (1, 1)
    lines = [str(e) for e in events]
    assert "ep001 draft: script revised (r1): 1 of 1 request applied and verified" in lines
    assert any("note read: 1 request (cut_character)" in line for line in lines)
    pending = await _pending(graph)
    assert pending.unmet_requests == []


async def test_an_unmet_request_loops_then_stops_at_the_gate_naming_it(
    bible: StoryBible, monkeypatch: pytest.MonkeyPatch
) -> None:
    impossible = E.ChangeLine(line_id="s01-l77", text="The line that is not there.")
    seen: list[str] = []
    monkeypatch.setattr(episode_requests, "_interpreter", _fake_reader(NoteRead(requests=[impossible]), seen))
    sink, events = MemorySink(), []
    ctx = _context(bible, sink, events, limits=RoomLimits(script_revisions=1, shot_revisions=0))
    graph = await _to_gate(ctx)
    await _reject(graph, ctx, "Change line s01-l77 to: The line that is not there.")
    assert seen == ["Change line s01-l77 to: The line that is not there."]
    pending = await _pending(graph)
    named = '[change_line] line s01-l77 must say "The line that is not there."'
    assert pending.unmet_requests == [named]
    assert any(f.startswith("edit_request_unmet@s01-l77: Still unmet") for f in pending.open_findings)
    review = sink.episode[(1, "review")]
    drafts = [h for h in review.history if h.artifact == "script"]  # type: ignore[attr-defined]
    after_note = [h for h in drafts if h.revision > 0]
    # The producer's revision, then the loop within its limit (one more), then the gate.
    assert [h.revision for h in after_note] == [1, 2]
    assert all(o.status == "unmet" for h in after_note for o in h.outcomes or [] if o.request == impossible)
    assert after_note[-1].requests_verified == 0
    lines = [str(e) for e in events]
    assert any(
        line.startswith("ep001 draft: script revised (r1): 0 of 1 request verified; still unmet") for line in lines
    )
    assert f"ep001 gate: waiting for approval; still unmet: {named}" in lines
    assert not any("applied and verified" in line for line in lines)


async def test_a_note_with_no_request_is_never_reported_as_applied(
    bible: StoryBible, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(episode_requests, "_interpreter", _fake_reader(NoteRead(unparsed=["make it sing"]), []))
    sink, events = MemorySink(), []
    ctx = _context(bible, sink, events)
    graph = await _to_gate(ctx)
    before = sink.episode[(1, "script")]
    await _reject(graph, ctx, "make it sing")
    assert sink.episode[(1, "script")] == before
    record = _human_records(sink)[0]
    assert record.outcomes is not None and [o.status for o in record.outcomes] == ["not_actionable"]
    assert record.outcomes[0].note == "make it sing" and record.requests_total == 0
    lines = [str(e) for e in events]
    assert "ep001 draft: script revised (r1): could not act on: 'make it sing'; redrafted unchanged" in lines
    assert not any("verified" in line for line in lines if "r1" in line)
    # review.json as saved: the revision says what it did with the note.
    saved = sink.episode[(1, "review")].model_dump(mode="json")
    human = [h for h in saved["history"] if h["reviewer"] == "human"]
    assert human[0]["outcomes"][0]["status"] == "not_actionable" and human[0]["requests_verified"] == 0


async def test_auto_mode_outcome_names_a_request_the_writer_never_met(bible: StoryBible) -> None:
    from agents.llm import RoleModel
    from agents.offline import OfflineWriter
    from agents.scripted import ScriptedModel

    plan_ctx = make_context(bible)
    from agents import showrunner

    series = await showrunner.plan_series(
        plan_ctx, premise=PREMISE, episodes=1, paywall_episode=1, genre=None, notes=[]
    )
    from tests.fixtures_offline import write_script

    brief = series.plan.episodes[0]
    draft = write_script(OfflineWriter(seed=7, slip_rate=0.0), series, brief, series.canon, bible.carryover_at(1))
    line = next(ln for ln in draft.lines() if ln.kind == "dialogue")
    stuck = draft.model_copy(deep=True)
    stuck.scenes[0].lines[[ln.id for ln in stuck.scenes[0].lines].index(line.id)].cue = "Mystery Voice"
    writer = ScriptedModel(fallback=OfflineWriter(seed=7, slip_rate=0.0))
    writer.enqueue(stuck, always=True)  # a screenwriter that never fixes the cue it is asked to fix
    role = RoleModel(writer, label="stubborn (test)", offline=True, method="function_calling")
    sink, events = MemorySink(), []
    ctx = _context(bible, sink, events, models={"screenwriter": role}, limits=RoomLimits(script_revisions=1))
    graph = build_season_graph().compile(checkpointer=InMemorySaver())
    result = await graph.ainvoke(_season("auto"), CONFIG, context=ctx, durability="sync")
    outcome = result["outcomes"][0]
    assert outcome.status == "committed"
    assert outcome.unmet_requests and any(line.id in u for u in outcome.unmet_requests), outcome.unmet_requests
    assert "still unmet" in outcome.reason
    assert any("still unmet" in str(e) for e in events if e.kind == "commit")


def test_an_unmet_request_and_a_kept_name_are_worded_in_the_series_language() -> None:
    from graphs.state import TrackedRequest
    from memory.schema import Finding
    from tests.fixtures_canon import canon_zh

    canon = canon_zh()
    who = canon.characters[0]
    request = E.CutCharacter(character_id=who.id)
    unmet = episode_requests.unmet_finding(request, "human", "删掉这个人", "还有2句台词", canon, 1)
    assert unmet.message.startswith("仍未满足：") and "还有2句台词" in unmet.message

    drift = Finding(
        id="d1",
        reviewer="continuity",
        check="name_drift",
        category="continuity",
        severity="revise",
        message="名字不一致。",
        quote="阿晚",
        location="s01-l01",
    )
    tracked = [TrackedRequest(request=E.Rename(old=who.name, new="阿晚"), note="改名", finding_id="h1")]
    kept = episode_requests.respecting_producer([drift], tracked, "zh")
    assert kept[0].severity == "info" and kept[0].message == "名字不一致。已保留：这个名字是制片人要求的。"
    english = episode_requests.respecting_producer([drift], tracked, "en")
    assert english[0].message.endswith(" Kept: the producer asked for this name.")
