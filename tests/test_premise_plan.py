"""Premise facts become canon and drive the offline plan; the plan review re-plans (bounded) when one is dropped."""

from __future__ import annotations

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver

from agents.llm import RoleModel
from agents.offline import OfflineWriter
from agents.offline.compose_plan import plan_season
from agents.premise_coverage import premise_coverage, series_texts
from agents.premise_reader import read_premise
from agents.room import RoomLimits
from agents.scripted import ScriptedModel
from graphs.season import build_season_graph
from graphs.state import SeasonInput
from memory.bible import StoryBible
from memory.plan_parts import split
from memory.schema import BriefBatch, Canon, CharacterStatus, Review, SeriesBible
from tests.conftest import MemorySink, make_context

LIGHTHOUSE = "A lighthouse keeper named Elias Crane hears his drowned brother's voice on the radio every night at 3:07"
SUXIU = "苏绣传人沈若兰重生回到非遗大赛前一个月，这一次她要揭穿偷走她绣稿的师姐周婉。"


def _plan(premise: str, language: str = "en", episodes: int = 6, seed: int = 3) -> SeriesBible:
    return plan_season(
        {"premise": premise, "language": language, "episodes": episodes, "seed": seed, "paywall_episode": 2}
    )


def test_every_premise_fact_becomes_canon() -> None:
    series = _plan(LIGHTHOUSE)
    canon = series.canon
    elias = canon.characters[0]
    assert (elias.name, elias.occupation, elias.gender) == ("Elias Crane", "lighthouse keeper", "male")
    assert "Elias" in elias.aliases and "Crane" in elias.aliases
    brother = next(c for c in canon.characters if c.status == CharacterStatus.DEAD)
    assert any(r.other_id == brother.id and r.kind == "brother" for r in elias.relationships)
    assert brother.name.endswith("Crane")  # kin share the lead's surname
    lighthouse = canon.location("place_lighthouse")
    assert lighthouse is not None and lighthouse.name == "Lighthouse"
    radio = canon.prop("object_radio")
    assert radio is not None and radio.holder_id == elias.id
    assert "3:07" in canon.world.rules[0] and "radio" in canon.world.rules[0]
    device = canon.secret("premise_device")
    assert device is not None and device.known_by == [elias.id] and "radio" in device.description
    assert device.reveal_episode == 2 == series.plan.paywall_episode  # the paywall turn is the premise's own
    assert premise_coverage(read_premise(LIGHTHOUSE, "en"), series_texts(series)).ratio == 1.0


def test_the_plan_is_built_around_the_premise() -> None:
    series = _plan(LIGHTHOUSE)
    plan = series.plan
    first = plan.episodes[0]
    assert "radio" in first.opening_hook and "brother" in first.opening_hook  # the device opens episode 1
    assert first.location_ids[0] == "place_lighthouse"
    assert any("radio" in arc and "Elias" in arc for arc in plan.arcs)
    paywall = plan.episodes[1]
    assert paywall.is_paywall and "truth" in paywall.key_beats[2] and "radio" in paywall.key_beats[2]
    dead = {c.id for c in series.canon.characters if c.status == CharacterStatus.DEAD}
    assert dead and all(not dead & set(b.character_ids) for b in plan.episodes)  # the dead brother never appears
    # The device recurs through the season, not only in the opening.
    assert sum("radio" in " ".join([b.opening_hook, *b.key_beats]) for b in plan.episodes) >= 3


def test_chinese_premise_becomes_canon_with_its_own_job_and_relation() -> None:
    series = _plan(SUXIU, "zh")
    canon = series.canon
    lead = canon.characters[0]
    assert (lead.name, lead.occupation, lead.gender) == ("沈若兰", "苏绣传人", "female")
    assert "前世被师" not in {c.occupation for c in canon.characters}
    zhou = next(c for c in canon.characters if c.name == "周婉")
    assert any(r.other_id == zhou.id and r.kind == "师姐" for r in lead.relationships)
    assert any(p.name == "绣稿" and p.holder_id == lead.id for p in canon.props)
    assert series.plan.episodes[0].opening_hook.startswith("苏绣传人沈若兰重生")
    assert {lead.id, zhou.id} <= {c for b in series.plan.episodes[:2] for c in b.character_ids}


def test_a_premise_with_no_names_still_plans_with_an_invented_cast() -> None:
    premise = "When a widowed florist finds a love letter hidden in a second-hand piano, she sets out across Lisbon."
    series = _plan(premise)
    lead = series.canon.characters[0]
    assert lead.occupation == "florist" and lead.name
    assert {"object_love_letter", "object_piano"} <= {p.id for p in series.canon.props}
    assert premise_coverage(read_premise(premise, "en"), series_texts(series)).ratio == 1.0


# ----------------------------------------------------------------- re-plan loop


def _dropping_plan() -> SeriesBible:
    """A plan for another story: none of the lighthouse premise's facts are in it."""
    return plan_season(
        {
            "premise": "A delivery rider is secretly the heir to a logistics empire.",
            "language": "en",
            "episodes": 2,
            "seed": 5,
            "paywall_episode": 2,
            "premise_facts": None,
        }
    )


async def _plan_review(bible: StoryBible, bad_plans: int, limit: int) -> tuple[MemorySink, ScriptedModel, object]:
    model = ScriptedModel(fallback=OfflineWriter(seed=3, slip_rate=0.0))
    for _ in range(bad_plans):  # the showrunner plans in parts: each part of the dropping plan is queued
        bad = _dropping_plan()
        for part in (*split(bad), BriefBatch(episodes=bad.plan.episodes)):
            model.enqueue(part)
    sink = MemorySink()
    showrunner = RoleModel(model, label="scripted (test)", offline=True, method="function_calling")
    ctx = make_context(bible, models={"showrunner": showrunner}, sink=sink, limits=RoomLimits(plan_revisions=limit))
    graph = build_season_graph().compile(checkpointer=InMemorySaver(), interrupt_after=["commit_plan"])
    start = SeasonInput(premise=LIGHTHOUSE, episodes=2, approval="auto", paywall_episode=2, genre=None)
    config = RunnableConfig(configurable={"thread_id": "p1"}, recursion_limit=100)
    state = await graph.ainvoke(start, config, context=ctx, durability="sync")
    return sink, model, state


async def test_a_plan_that_drops_premise_facts_is_replanned(bible: StoryBible) -> None:
    sink, model, _ = await _plan_review(bible, bad_plans=1, limit=1)
    assert model.calls.count("CastPart") == 2  # the dropped plan, then the re-plan
    canon = sink.series["canon"]
    assert isinstance(canon, Canon)
    assert canon.characters[0].name == "Elias Crane" and canon.prop("object_radio") is not None
    review = sink.series["plan_review"]
    assert isinstance(review, Review)
    assert not any(f.check == "premise_coverage" for f in review.findings)  # the re-plan kept everything


async def test_the_replan_loop_stops_at_its_limit_and_says_what_is_missing(bible: StoryBible) -> None:
    sink, model, _ = await _plan_review(bible, bad_plans=3, limit=1)
    assert model.calls.count("CastPart") == 2  # one plan plus exactly one re-plan
    review = sink.series["plan_review"]
    assert isinstance(review, Review)
    finding = next(f for f in review.findings if f.check == "premise_coverage")
    assert finding.severity == "info" and "still missing" in finding.message and "the limit" in finding.message
    assert "the lighthouse" in finding.message and "the radio" in finding.message and "3:07" in finding.message
    assert bible.has_series()  # the season goes ahead, and the record says what it lacks


async def test_no_replan_allowed_means_one_plan_and_a_plain_record(bible: StoryBible) -> None:
    sink, model, _ = await _plan_review(bible, bad_plans=1, limit=0)
    assert model.calls.count("CastPart") == 1
    review = sink.series["plan_review"]
    assert isinstance(review, Review)
    assert any(f.check == "premise_coverage" and "after 0 re-plan(s)" in f.message for f in review.findings)


def test_the_premise_coverage_finding_is_worded_in_the_series_language() -> None:
    from agents.premise_coverage import PremiseCoverage
    from graphs.season import _coverage_finding

    coverage = PremiseCoverage(covered=["a"], missing=["b", "c"], ratio=1 / 3, missing_labels=["灯塔", "收音机"])
    replan = _coverage_finding(coverage, True, 0, "zh")
    assert replan is not None and replan.severity == "revise"
    assert replan.message.startswith("梗概覆盖率33%：策划漏掉了灯塔；收音机") and replan.quote == "灯塔；收音机"
    limit = _coverage_finding(coverage, False, 2, "en")
    assert limit is not None and limit.severity == "info"
    assert limit.message.startswith("premise coverage 33% after 2 re-plan(s), the limit: still missing 灯塔; 收音机")
    assert _coverage_finding(PremiseCoverage(covered=["a"]), True, 0, "zh") is None
