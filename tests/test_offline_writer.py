"""Drive the offline writer the way agents do and check that its scripts and shot lists obey the story rules."""

from __future__ import annotations

import asyncio
import json
import random
import re
from importlib import resources

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from agents.offline import OfflineWriter, estimate_tokens
from agents.prompting import context_block
from evals.cliches import scan
from memory.edits import AddShotForLine, DropProp, EditRequest, SetCue, SetPropHolder, SetShotField, SetWardrobe
from memory.schema import Canon, Carryover, Finding, LlmFindings, Script, SeriesBible, ShotList
from tests.fixtures_offline import ask, plan_season, season, write_script
from tests.offline_rules import problems, slips

# ------------------------------------------------------------------------ scripts


@pytest.mark.parametrize(
    ("premise", "language"),
    [
        ("A former CFO framed for fraud plans her revenge", "en"),
        ("王朝末年，一名太医院医官卷入宫廷阴谋", "zh"),
        ("An engineer comes home to save the family house", "en"),
        ("外卖员其实是海港集团失散多年的继承人", "zh"),
    ],
)
def test_every_script_of_a_season_obeys_the_rules(premise: str, language: str) -> None:
    bible = plan_season(premise, language, seed=7)
    writer = OfflineWriter(seed=7, slip_rate=0.0)
    realised = 0
    for brief, canon, carry, script in season(bible, writer):
        assert problems(canon, brief, carry, script) == [], brief.number
        assert slips(canon, carry, script) == [], brief.number
        realised += len(script.state_changes)
    assert realised == sum(len(b.planned_changes) for b in bible.plan.episodes)
    again = write_script(writer, bible, bible.plan.episodes[0], bible.canon, Carryover())
    assert again == write_script(
        OfflineWriter(seed=7, slip_rate=0.0), bible, bible.plan.episodes[0], bible.canon, Carryover()
    )


def _fixes(canon: Canon, carry: Carryover, script: Script) -> list[Finding]:
    notes = []
    for index, slip in enumerate(slips(canon, carry, script)):
        kind, where, *rest = slip.split(":")
        fix: EditRequest
        if kind == "cue":
            fix = SetCue(line_id=where, value=rest[0])
        elif kind == "wardrobe":
            fix = SetWardrobe(scene_id=where, character_id=rest[0], wardrobe_id=rest[1])
        else:
            scene = next(s for s in script.scenes if s.id == where)
            holder = rest[1] if rest[1] != "None" else ""
            fix = (
                SetPropHolder(scene_id=where, prop_id=rest[0], holder_id=holder)
                if holder in scene.character_ids
                else DropProp(prop_id=rest[0], scene_id=where)
            )
        notes.append(
            Finding(
                id=f"f{index}",
                reviewer="continuity",
                check=kind,
                category="factual_detail",
                message=slip,
                location=where,
                requests=[fix],
            )
        )
    return notes


@pytest.mark.parametrize("language", ["en", "zh"])
def test_first_drafts_carry_one_slip_and_revisions_remove_it(language: str) -> None:
    premise = "A delivery rider is secretly heir to a shipping empire" if language == "en" else "被背叛后她回来复仇"
    bible = plan_season(premise, language, seed=3)
    sloppy = OfflineWriter(seed=3, slip_rate=1.0)
    kinds: set[str] = set()
    for brief, canon, carry, script in season(bible, sloppy, 8):
        found = slips(canon, carry, script)
        assert len(found) == 1, (brief.number, found)
        assert problems(canon, brief, carry, script) == []
        kinds.add(found[0].split(":")[0])
        fixed = write_script(
            sloppy, bible, brief, canon, carry, revision=1, previous=script, notes=_fixes(canon, carry, script)
        )
        assert slips(canon, carry, fixed) == [] and problems(canon, brief, carry, fixed) == []
    assert len(kinds) >= 2


def test_revision_rewrites_located_lines_and_regenerates_unlocated_notes() -> None:
    bible = plan_season("A junior engineer fights her boss over a stolen design at the office", seed=9)
    writer = OfflineWriter(seed=9, slip_rate=0.0)
    brief, canon = bible.plan.episodes[0], bible.canon
    draft = write_script(writer, bible, brief, canon, Carryover())
    target = next(line for line in draft.lines()[1:-1] if line.kind == "dialogue" and not line.reveals)
    note = Finding(
        id="n1",
        reviewer="continuity",
        check="llm_review",
        category="narrative_style",
        message="Flat line.",
        location=target.id,
    )
    rewritten = write_script(writer, bible, brief, canon, Carryover(), revision=1, previous=draft, notes=[note])
    changed = [a.id for a, b in zip(draft.lines(), rewritten.lines(), strict=True) if a.text != b.text]
    assert changed == [target.id]
    vague = Finding(
        id="n2", reviewer="continuity", check="llm_review", category="timeline_plot", message="The episode drags."
    )
    fresh = write_script(writer, bible, brief, canon, Carryover(), revision=1, previous=draft, notes=[vague])
    assert fresh != draft and problems(canon, brief, Carryover(), fresh) == []
    assert slips(canon, Carryover(), fresh) == []


def test_thirty_episodes_open_differently() -> None:
    bible = plan_season("A pastry chef is reborn five years before her wedding", episodes=30, paywall=8, seed=21)
    writer = OfflineWriter(seed=21, slip_rate=0.0)
    openings = [script.lines()[0].text for *_, script in season(bible, writer)]
    assert len(openings) == 30 and len(set(openings)) >= 25
    for texts in ([b.opening_hook for b in bible.plan.episodes], [b.cliffhanger for b in bible.plan.episodes]):
        assert len(set(texts)) == 30


# -------------------------------------------------------------------------- shots


def test_shot_lists_cover_every_line_with_the_scene_wardrobe() -> None:
    bible = plan_season("被最信任的人背叛后，她回来复仇", "zh", seed=4)
    writer = OfflineWriter(seed=4, slip_rate=0.0)
    for brief, canon, _, script in season(bible, writer, 4):
        payload: dict[str, object] = {
            "language": "zh",
            "seed": 4,
            "script": script,
            "canon": canon,
            "target_seconds": 90,
            "revision": 0,
            "notes": [],
            "previous_shots": None,
        }
        shots = ask(writer, "shot_list", payload, ShotList)
        assert isinstance(shots, ShotList)
        assert {s.line_id for s in shots.shots} == {line.id for line in script.lines()}
        assert len({s.id for s in shots.shots}) == len(shots.shots)
        scenes = {s.id: s for s in script.scenes}
        for shot in shots.shots:
            scene = scenes[shot.scene_id]
            assert re.match(rf"^{scene.id}-sh\d\d$", shot.id)
            assert shot.location_id == scene.location_id and shot.time_of_day == scene.time_of_day
            assert all(c.wardrobe_id == scene.wardrobe[c.character_id] for c in shot.characters)
            assert 0.8 <= shot.duration_s <= 6.0 and shot.visual_prompt == ""
        assert shots.shots[0].framing in ("ECU", "CU") and shots.shots[0].movement == "push_in"
        assert shots.shots[-1].movement == "push_in"
        assert all(not s.on_screen_text for s in shots.shots[1:])
        assert bool(shots.shots[0].on_screen_text) == (brief.number == 1)
        line = script.lines()[3]
        notes = [
            Finding(
                id="a",
                reviewer="continuity",
                check="coverage",
                category="factual_detail",
                message="x",
                requests=[AddShotForLine(line_id=line.id)],
            ),
            Finding(
                id="b",
                reviewer="continuity",
                check="runtime",
                category="timeline_plot",
                message="x",
                requests=[SetShotField(shot_id=shots.shots[0].id, field="duration", value="2.0")],
            ),
        ]
        revised = ask(
            writer, "shot_list", {**payload, "revision": 1, "notes": notes, "previous_shots": shots}, ShotList
        )
        assert isinstance(revised, ShotList) and len(revised.shots) == len(shots.shots) + 1
        assert revised.shots[0].duration_s == 2.0
        assert sum(1 for s in revised.shots if s.line_id == line.id) >= 2


# --------------------------------------------------------------- model plumbing


def test_reviews_add_nothing_and_unknown_requests_get_plain_text() -> None:
    writer = OfflineWriter()
    for task in ("review_continuity", "review_ethics"):
        found = ask(writer, task, {"language": "en", "script": {}, "canon": {}, "rule_findings": []}, LlmFindings)
        assert found == LlmFindings(findings=[])
    reply = writer.invoke([HumanMessage("Tell me a joke.")])
    assert isinstance(reply, AIMessage) and not reply.tool_calls and "offline writer" in str(reply.content)
    # The chat task is the offline showrunner: it answers a request it cannot parse honestly, with no tool call.
    reply = writer.invoke([HumanMessage(context_block("chat", {"message": "hi"}))])
    assert not reply.tool_calls and "did not understand" in str(reply.content)


def test_raw_message_carries_tool_call_usage_and_model_name() -> None:
    writer = OfflineWriter(seed=2)
    payload = {
        "premise": "两个厨师隔街相恋",
        "language": "zh",
        "episodes": 3,
        "target_seconds": 60,
        "seed": 2,
        "paywall_episode": 2,
        "genre": None,
    }
    runnable = writer.with_structured_output(SeriesBible, method="function_calling", include_raw=True)
    result = asyncio.run(runnable.ainvoke([HumanMessage(context_block("plan_season", payload))]))
    assert isinstance(result, dict) and result["parsing_error"] is None
    raw = result["raw"]
    assert isinstance(raw, AIMessage) and raw.tool_calls[0]["name"] == "SeriesBible"
    assert raw.response_metadata["model_name"] == "dramaroom-offline-writer"
    usage = raw.usage_metadata
    assert usage is not None and usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0
    assert isinstance(result["parsed"], SeriesBible) and result["parsed"].canon.genre == "romance"


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd" * 10) == 10
    assert estimate_tokens("林婉清") == 3
    assert estimate_tokens("林婉清 said hi") == 3 + 2


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_offline_writer_reaches_for_no_stock_line_name_or_phrase(language: str) -> None:
    """No templated beat, stock name, stock setting or machine-prose phrase in the writer's data.

    Genre tropes (a workplace drama's CEO) are the genre's, chosen by the producer, and stay.
    """

    def strings(value: object) -> list[str]:
        if isinstance(value, str):
            return [value]
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
        return [s for item in items for s in strings(item)]

    folder = resources.files("agents.offline")
    names = [
        n.name for n in folder.iterdir() if re.fullmatch(rf"(grammar|phrases)_{language}(_[a-z_]+)?\.json", n.name)
    ]
    assert len(names) >= 9, names
    texts = [t for name in names for t in strings(json.loads(folder.joinpath(name).read_text("utf-8")))]
    found = scan(texts, language, given="")
    assert set(found.by_category) <= {"genre_tropes"}, found.top_terms


def test_a_negative_contraction_before_its_subject_is_never_opened_up() -> None:
    from agents.offline.compose_wording import vary

    line = "Don't you dare say it. I don't care. Can't you see? Won't they stop?"
    varied = {vary(random.Random(seed), "en", line) for seed in range(40)}
    assert not any(bad in v for v in varied for bad in ("Do not you", "Cannot you", "Will not they"))
    assert any("do not care" in v for v in varied), "a contraction elsewhere still varies"
