"""Each role agent on its own: what it sends, what it keeps, what it fixes up deterministically."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest

from agents import continuity, director, ethics, screenwriter, showrunner
from agents.llm import RoleModel
from agents.offline import OfflineWriter
from agents.scripted import ScriptedModel
from memory.bible import StoryBible
from memory.schema import EpisodeBrief, LlmFinding, LlmFindings, Script, SeriesBible, ShotList
from tests.conftest import make_context
from tests.fixtures_canon import canon_en

PREMISE = "A delivery rider is secretly the heir to the logistics empire that fired her father."


def scripted_role(model: ScriptedModel) -> RoleModel:
    return RoleModel(model, label="scripted (test)", offline=True, method="function_calling")


async def planned(bible: StoryBible, episodes: int = 3) -> SeriesBible:
    ctx = make_context(bible)
    series = await showrunner.plan_series(
        ctx, premise=PREMISE, episodes=episodes, paywall_episode=2, genre=None, notes=[]
    )
    bible.initialise(series)
    return series


async def first_script(bible: StoryBible, series: SeriesBible) -> Script:
    ctx = make_context(bible)
    return await screenwriter.write_script(
        ctx,
        brief=series.plan.episodes[0],
        canon=bible.canon_at(1),
        carryover=bible.carryover_at(1),
        previous_summary="",
        recall=[],
        revision=0,
        previous_draft=None,
        notes=[],
    )


async def test_showrunner_plans_long_seasons_in_ranges(bible: StoryBible, monkeypatch: pytest.MonkeyPatch) -> None:
    model = ScriptedModel(fallback=OfflineWriter(seed=7, slip_rate=0))
    ctx = make_context(bible, models={"showrunner": scripted_role(model)})
    chunked = await showrunner.plan_series(ctx, premise=PREMISE, episodes=30, paywall_episode=4, genre=None, notes=[])
    assert model.calls == ["CastPart", "SettingPart", "WorldPart", "BriefBatch", "BriefBatch", "BriefBatch"]
    assert [b.number for b in chunked.plan.episodes] == list(range(1, 31))
    assert [b.number for b in chunked.plan.episodes if b.is_paywall] == [4]
    monkeypatch.setattr(showrunner, "PLAN_CHUNK", 100)
    whole = await showrunner.plan_series(ctx, premise=PREMISE, episodes=30, paywall_episode=4, genre=None, notes=[])
    assert whole == chunked, "planning in ranges gives the same season as one call"


class _Slow(OfflineWriter):
    """The offline writer with latency, counting how many calls are in flight at once."""

    in_flight: ClassVar[int] = 0
    peak: ClassVar[int] = 0

    async def _agenerate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        _Slow.in_flight += 1
        _Slow.peak = max(_Slow.peak, _Slow.in_flight)
        try:
            await asyncio.sleep(0.05)
            return self._generate(messages, stop=stop, **kwargs)
        finally:
            _Slow.in_flight -= 1


async def test_showrunner_asks_for_brief_ranges_concurrently(
    bible: StoryBible, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = RoleModel(_Slow(seed=7, slip_rate=0), label="slow offline", offline=True, method="function_calling")
    ctx = make_context(bible, models={"showrunner": slow})
    _Slow.peak = 0
    ranged = await showrunner.plan_series(ctx, premise=PREMISE, episodes=80, paywall_episode=9, genre=None, notes=[])
    assert 2 <= _Slow.peak <= showrunner.PLAN_CONCURRENCY, "the six ranges after the opening call overlap, bounded"
    monkeypatch.setattr(showrunner, "PLAN_CHUNK", 100)
    whole = await showrunner.plan_series(ctx, premise=PREMISE, episodes=80, paywall_episode=9, genre=None, notes=[])
    assert ranged == whole, "concurrent ranges come back in order: the same season as one call"


async def test_showrunner_rejects_briefs_naming_unknown_ids(bible: StoryBible) -> None:
    series = await planned(bible)
    broken = series.model_copy(deep=True)
    broken.plan.episodes[1].character_ids.append("nobody_at_all")
    with pytest.raises(showrunner.PlanError, match="episode 2's brief names ids not in canon: nobody_at_all"):
        showrunner.normalise_plan(broken, episodes=3, paywall_episode=2)
    with pytest.raises(showrunner.PlanError, match="the plan has 3 episode briefs, 4 were asked for"):
        showrunner.normalise_plan(series, episodes=3 + 1, paywall_episode=2)


def test_canon_slice_keeps_the_brief_s_world_and_drops_the_rest() -> None:
    canon = canon_en()
    brief = EpisodeBrief(
        number=2,
        title="The Ledger",
        opening_hook="Lin finds the red ledger under the desk.",
        key_beats=["Lin reads it.", "Chen Hao walks in.", "She hides it.", "He sees the corner of it."],
        emotional_curve=[2, 5, 9, 3],
        cliffhanger="He holds out his hand.",
        core_conflict="Lin wants the truth; Chen Hao wants it buried.",
        character_ids=["lin_wan", "chen_hao"],
        location_ids=["office"],
        story_day=2,
    )
    sliced = screenwriter.canon_slice(canon, brief)
    # Outsiders, their secrets and other places stay out; the cast's own props and a prop the beats name come in.
    assert {c.id for c in sliced.characters} == {"lin_wan", "chen_hao"}
    assert {loc.id for loc in sliced.locations} == {"office"}
    assert {p.id for p in sliced.props} == {"pendant", "ledger"}
    assert sliced.secrets == []
    # The twin secret is about Marcus: once he is in the brief, it travels with him.
    with_marcus = screenwriter.canon_slice(canon, brief.model_copy(update={"character_ids": ["lin_wan", "marcus"]}))
    assert [s.id for s in with_marcus.secrets] == ["twin"]
    assert {p.id for p in with_marcus.props} == {"pendant", "ledger"}
    unnamed = brief.model_copy(update={"opening_hook": "Lin waits.", "character_ids": ["chen_hao", "mei"]})
    assert {p.id for p in screenwriter.canon_slice(canon, unnamed).props} == set()


async def test_screenwriter_sees_only_the_canon_its_brief_needs(bible: StoryBible) -> None:
    series = await planned(bible)
    brief = series.plan.episodes[0]
    sliced = screenwriter.canon_slice(bible.canon_at(1), brief)
    assert {loc.id for loc in sliced.locations} == set(brief.location_ids)
    model = ScriptedModel(fallback=OfflineWriter(seed=7, slip_rate=0))
    ctx = make_context(bible, models={"screenwriter": scripted_role(model)})
    script = await screenwriter.write_script(
        ctx,
        brief=brief,
        canon=bible.canon_at(1),
        carryover=bible.carryover_at(1),
        previous_summary="",
        recall=[],
        revision=0,
        previous_draft=None,
        notes=[],
    )
    assert script.episode == 1 and script.target_seconds == 90


async def test_continuity_keeps_rules_and_adds_model_findings(bible: StoryBible) -> None:
    series = await planned(bible)
    script = await first_script(bible, series)
    bad = script.model_copy(deep=True)
    dialogue = next(line for line in bad.lines() if line.kind == "dialogue")
    dialogue.cue = dialogue.cue + "x"
    judge = ScriptedModel(fallback=OfflineWriter(seed=7))
    judge.enqueue(
        LlmFindings(
            findings=[LlmFinding(category="characterization", message="Acts against motive.", location=dialogue.id)]
        )
    )
    ctx = make_context(bible, models={"continuity": scripted_role(judge)})
    review = await continuity.review_script(ctx, bad, bible.canon_at(1), bible.carryover_at(1))
    assert review.verdict == "revise"
    assert {(f.check, f.source) for f in review.findings} == {("name_drift", "rule"), ("llm_review", "llm")}
    assert review.model == "scripted (test)"


async def test_ethics_model_cannot_clear_a_rule_finding(bible: StoryBible) -> None:
    series = await planned(bible)
    script = await first_script(bible, series)
    bad = script.model_copy(deep=True)
    bad.scenes[0].lines[-1].text = "We clone Taylor Swift's voice for the ad."
    lenient = ScriptedModel(fallback=OfflineWriter(seed=7))
    lenient.enqueue(LlmFindings(findings=[]))
    ctx = make_context(bible, models={"ethics": scripted_role(lenient)})
    review = await ethics.review_script(ctx, bad, bible.canon_at(1))
    assert review.verdict == "block"
    assert [f.category for f in review.findings] == ["real_person"]


async def test_a_revised_shot_list_keeps_the_ids_its_shots_have(bible: StoryBible) -> None:
    series = await planned(bible)
    script = await first_script(bible, series)
    canon = bible.canon_at(1)
    shots = (
        await director.make_shot_list(
            make_context(bible), script=script, canon=canon, revision=0, notes=[], previous=None
        )
    ).shots
    # A shot made long by an edit is split: on a revision the shots keep their ids and the piece gets a new one.
    long = [shots[0].model_copy(update={"duration_s": 6.0}), *shots[1:]]
    revised = director.finalise(
        ShotList(episode=1, target_seconds=90, shots=long), script, canon, "en", 90, revised=True
    )
    ids = [s.id for s in revised.shots]
    assert {s.id for s in shots} <= set(ids) and len(set(ids)) == len(ids) and len(ids) > len(shots)
    renumbered = director.finalise(
        ShotList(episode=1, target_seconds=90, shots=long), script, canon, "en", 90, revised=False
    )
    scene = renumbered.shots[0].scene_id
    ordered = [s.id for s in renumbered.shots if s.scene_id == scene]
    assert ordered == [f"{scene}-sh{i:02d}" for i in range(1, len(ordered) + 1)]


async def test_director_fits_runtime_and_describes_people_from_canon(bible: StoryBible) -> None:
    series = await planned(bible)
    script = await first_script(bible, series)
    ctx = make_context(bible)
    shots = await director.make_shot_list(
        ctx, script=script, canon=bible.canon_at(1), revision=0, notes=[], previous=None
    )
    assert abs(shots.total_seconds - 90) <= 9
    # Micro-drama pacing: no shot outstays 3.5 s, the episode still ends on its cliffhanger line.
    assert max(s.duration_s for s in shots.shots) <= 3.5
    assert shots.total_seconds / len(shots.shots) <= 3.0
    assert shots.shots[-1].line_id == script.lines()[-1].id
    assert len({s.id for s in shots.shots}) == len(shots.shots)
    lines = {line.id: line for line in script.lines()}
    covered: dict[str, float] = {}
    for shot in shots.shots:
        if shot.line_id in lines and lines[shot.line_id].kind == "dialogue":
            covered[shot.line_id] = covered.get(shot.line_id, 0) + shot.duration_s
    for line_id, seconds in covered.items():
        assert seconds >= director.speaking_seconds(lines[line_id].text, "en"), line_id
    canon = bible.canon_at(1)
    seen: dict[tuple[str, str], str] = {}
    for shot in shots.shots:
        scene = next(s for s in script.scenes if s.id == shot.scene_id)
        for person in shot.characters:
            assert person.wardrobe_id == scene.wardrobe[person.character_id]
            character = canon.character(person.character_id)
            assert character is not None
            description = director.describe_character(character, person.wardrobe_id)
            assert description in shot.visual_prompt
            seen.setdefault((person.character_id, person.wardrobe_id), description)
            assert seen[(person.character_id, person.wardrobe_id)] == description


def test_fit_durations_stretches_and_squeezes_to_target() -> None:
    from memory.schema import Line, Scene, Shot

    scene = Scene(
        id="s01",
        location_id="x",
        time_of_day="night",
        story_day=1,
        clock="21:00",
        character_ids=["a"],
        lines=[Line(id="s01-l01", kind="dialogue", speaker_id="a", cue="A", text="word " * 13)],
    )
    script = Script(episode=1, title="t", target_seconds=30, scenes=[scene], summary="s")
    shots = [
        Shot(
            id=f"s01-sh{i:02d}",
            scene_id="s01",
            duration_s=1.0,
            framing="CU",
            location_id="x",
            time_of_day="night",
            description="d",
            line_id="s01-l01" if i == 1 else None,
        )
        for i in range(1, 9)
    ]
    for target in (30.0, 12.0):
        fitted = director.fit_durations(shots, script, "en", target)
        assert abs(sum(s.duration_s for s in fitted) - target) <= 0.1 * target
        assert fitted[0].duration_s >= 13 / 2.6 + director.SPEECH_PAD_S - 0.01
        assert all(s.duration_s >= director.MIN_SHOT_S for s in fitted)
