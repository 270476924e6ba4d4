"""`dramaroom eval` sees what the room lost: each new measure on a real offline season with one planted failure.

Every test copies one produced Chinese season, plants a failure by editing its
files, and checks that the failure shows in eval.json and in report.md, against
the same figures of the untouched season.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evals.metrics_premise import NO_FACTS
from evals.pricing import call_cost
from memory.edits import CutCharacter, RequestOutcome, RequestStatus
from memory.premise import PremiseFacts, PremisePerson, PremiseThing
from tests.test_cli import cli
from tests.test_eval_report import OFFLINE_ENV, PREMISE_ZH, produce_season, run_cli

PLANT = "这句台词是测试种下的重复，绝不会在别处自然出现。"
VARIANT = "这句台词是测试种下的重复，绝不会在别处自然出现了。"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OFFLINE_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        for name in OFFLINE_ENV:
            mp.delenv(name, raising=False)
        return produce_season(tmp_path_factory.mktemp("metrics") / "zh", PREMISE_ZH, "zh", 3, 0.25)


@pytest.fixture(scope="module")
def control(season: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as mp:
        for name in OFFLINE_ENV:
            mp.delenv(name, raising=False)
        yield evaluate(_copy(season, tmp_path_factory.mktemp("control")))[0]


def _copy(season: Path, into: Path) -> Path:
    target = into / "series"
    shutil.copytree(season, target, ignore=shutil.ignore_patterns("eval"))  # copy2 keeps file times
    return target


def evaluate(root: Path) -> tuple[dict[str, Any], str]:
    """Run `dramaroom eval --json`; return eval.json's figures (as printed) and report.md."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        run_cli("eval", str(root), "--json")
    data = json.loads(buffer.getvalue())
    assert data == _load(root / "eval" / "eval.json"), "stdout carries exactly eval.json"
    return data, (root / "eval" / "report.md").read_text(encoding="utf-8")


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _save(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _section(report: str, title: str) -> str:
    start = report.index(f"## {title}")
    end = report.find("\n## ", start + 1)
    return report[start : end if end > 0 else None]


def _dialogue(script: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for scene in script["scenes"] for line in scene["lines"] if line["kind"] == "dialogue"]


def test_planted_repeats_show_as_verbatim_near_verbatim_and_stock_lines(
    season: Path, control: dict[str, Any], tmp_path: Path
) -> None:
    root = _copy(season, tmp_path)
    for n, texts in ((1, [PLANT]), (2, [PLANT]), (3, [PLANT, VARIANT])):
        path = root / "episodes" / f"ep{n:03d}" / "script.json"
        script = _load(path)
        for line, text in zip(_dialogue(script), texts, strict=False):
            line["text"] = text
        _save(path, script)
    data, report = evaluate(root)
    rep = data["season"]["repeats"]
    planted = [r for r in rep["top"] if r["text"] == PLANT]
    assert planted == [{"text": PLANT, "count": 3, "episodes": [1, 2, 3], "variants": []}]
    near = [g for g in rep["top_near"] if PLANT in [g["text"], *g["variants"]]]
    assert len(near) == 1 and VARIANT in [near[0]["text"], *near[0]["variants"]] and near[0]["count"] == 4
    assert not any(PLANT in r["text"] for r in control["season"]["repeats"]["top"])
    assert rep["stock_lines"] >= 1 and rep["repeated"] >= 1
    assert data["episodes"][1]["repeats"]["said_before"] >= 1, "episode 2 repeats what episode 1 said"
    # The lexicon knows no such line; the stock-line count makes the clichés figure see it.
    lex = data["season"]["homogenisation"]["cliches"]
    assert lex["by_category"]["stock_lines"] >= 4 and dict(map(tuple, lex["top_terms"])).get(PLANT, 0) >= 4
    assert lex["template_hits"] > 0
    section = _section(report, "Repeated dialogue")
    assert f"| {PLANT} | 3 | 1, 2, 3 |" in section and VARIANT in section
    assert "distinct dialogue sentences" in report and "(plots/repeats.png)" in report
    assert (root / "eval" / "plots" / "repeats.png").read_bytes().startswith(b"\x89PNG")


def test_a_dropped_premise_fact_is_missing_from_plan_canon_and_scripts(
    season: Path, control: dict[str, Any], tmp_path: Path
) -> None:
    root = _copy(season, tmp_path)
    canon = _load(root / "canon.json")
    lead = next(c for c in canon["characters"] if c["role"] == "protagonist")
    facts = PremiseFacts(
        language="zh",
        premise=PREMISE_ZH + "她总在深夜用一台灯塔收音机收听父亲的声音。",
        people=[PremisePerson(id="lead", label=lead["name"], terms=[lead["name"]], name=lead["name"])],
        objects=[PremiseThing(id="object_radio", label="灯塔收音机", terms=["灯塔收音机"])],
    )
    _save(root / "premise.json", facts.model_dump(mode="json"))
    data, report = evaluate(root)
    pre = data["season"]["premise"]
    assert pre["status"] == "measured"
    rows = {f["id"]: f for f in pre["facts"]}
    assert rows["lead"]["canon"] and rows["lead"]["episodes"], "the lead's name is in canon and on screen"
    assert rows["object_radio"] == {
        "id": "object_radio",
        "kind": "object",
        "label": "灯塔收音机",
        "plan": False,
        "canon": False,
        "episodes": [],
    }
    assert pre["missing_plan_canon"] == ["灯塔收音机"] and pre["plan_or_canon_ratio"] == 0.5
    assert pre["first_scripts_ratio"] == 0.5
    assert all("object_radio" in e["premise"]["missing"] for e in data["episodes"])
    assert "Dropped from plan and canon: 灯塔收音机." in _section(report, "Premise coverage")
    # `dramaroom new` keeps the premise's own facts, and the untouched season is measured against them.
    assert control["season"]["premise"]["status"] == "measured" and control["season"]["premise"]["facts"]
    # A series made before premise facts says so, never 0 %.
    (root / "premise.json").unlink()
    data, report = evaluate(root)
    assert data["season"]["premise"]["status"] == NO_FACTS and data["episodes"][0]["premise"] is None
    assert "No premise facts recorded" in _section(report, "Premise coverage")


def _outcome(status: RequestStatus, note: str, character: str | None, detail: str = "") -> dict[str, Any]:
    request = CutCharacter(character_id=character) if character else None
    return RequestOutcome(request=request, status=status, note=note, detail=detail).model_dump(mode="json")


def test_an_ignored_note_shows_as_unmet_and_an_unchecked_revision_as_unverified(
    season: Path, control: dict[str, Any], tmp_path: Path
) -> None:
    root = _copy(season, tmp_path)
    ids = [c["id"] for c in _load(root / "canon.json")["characters"]]
    path = root / "episodes" / "ep002" / "review.json"
    review = _load(path)
    revision = 1 + max((h["revision"] for h in review["history"] if h["artifact"] == "script"), default=0)
    note = f"Cut {ids[1]} and {ids[2]} from this episode; make it sing"
    review["decisions"].append({"approved": False, "note": note, "by": "human"})
    outcomes = [
        _outcome("verified", note, ids[1]),
        _outcome("unmet", note, ids[2], f"{ids[2]} still speaks 3 lines"),
        _outcome("not_actionable", "make it sing", None, "the offline writer could not act on it"),
    ]
    review["history"].append(
        {"artifact": "script", "revision": revision, "caused_by": [], "reviewer": "human", "outcomes": outcomes}
    )
    _save(path, review)
    # Episode 3: the producer's note led to a revision that recorded no typed request: reported, never checked.
    path3 = root / "episodes" / "ep003" / "review.json"
    review3 = _load(path3)
    review3["decisions"].append({"approved": False, "note": "Make her angrier here", "by": "human"})
    review3["history"].append({"artifact": "script", "revision": 9, "caused_by": [], "reviewer": "human"})
    _save(path3, review3)
    data, report = evaluate(root)
    before, after = control["episodes"][1]["notes"], data["episodes"][1]["notes"]
    assert after["requests"] == before["requests"] + 3 and after["status"] == "measured"
    assert (after["verified"], after["unmet"], after["not_actionable"]) == (
        before["verified"] + 1,
        before["unmet"] + 1,
        before["not_actionable"] + 1,
    )
    assert after["producer_notes"] == before["producer_notes"] + 1
    assert {"status": "unmet", "kind": "cut_character", "note": note, "detail": f"{ids[2]} still speaks 3 lines"} in (
        after["open"]
    )
    assert after["by_kind"]["cut_character"]["unmet"] >= 1
    ep3 = data["episodes"][2]["notes"]
    assert ep3["unverified_revisions"] == control["episodes"][2]["notes"]["unverified_revisions"] + 1
    season_notes = data["season"]["notes"]
    assert season_notes["unmet"] == control["season"]["notes"]["unmet"] + 1
    assert season_notes["verified_rate"] is not None and season_notes["verified_rate"] < 1
    section = _section(report, "Note adherence")
    assert "Not verified:" in section and f"{ids[2]} still speaks 3 lines" in section
    assert "producer revision(s) unverified" in section


def test_a_cast_member_never_on_screen_is_named(season: Path, control: dict[str, Any], tmp_path: Path) -> None:
    root = _copy(season, tmp_path)
    canon = _load(root / "canon.json")
    ghost = {**canon["characters"][1], "id": "ghost_cast", "name": "测试幽灵", "aliases": [], "relationships": []}
    ghost["status"] = "dead"  # dead at season start still counts: a flashback or a voice puts them on screen
    canon["characters"].append(ghost)
    _save(root / "canon.json", canon)
    data, report = evaluate(root)
    cast = data["season"]["cast"]
    assert cast["missing"] == [*control["season"]["cast"]["missing"], "ghost_cast"]
    assert cast["planned"] == control["season"]["cast"]["planned"] + 1 and cast["coverage"] < 1
    assert {"id": "ghost_cast", "name": "测试幽灵", "episodes": [], "lines": 0, "status": "dead"} in cast["members"]
    section = _section(report, "Cast coverage")
    assert "Never on screen: " in section and "测试幽灵 (ghost_cast, dead at season start)" in section
    assert "| 测试幽灵 | ghost_cast | dead | never | 0 |" in section
    headline = next(line for line in report.splitlines() if line.startswith("| cast on screen |"))
    assert "测试幽灵" in headline


def _plant_cliffhanger(root: Path, carried: bool) -> str:
    """Put a non-lead in episode 1's last shot; in episode 2's opening only when `carried`."""
    canon = _load(root / "canon.json")
    lead = next(c for c in canon["characters"] if c["role"] == "protagonist")
    other = next(c for c in canon["characters"] if c["role"] != "protagonist")
    path1 = root / "episodes" / "ep001" / "shotlist.json"
    shots = _load(path1)
    shots["shots"][-1]["characters"] = [{"character_id": other["id"], "wardrobe_id": other["wardrobe"][0]["id"]}]
    _save(path1, shots)
    path2 = root / "episodes" / "ep002" / "script.json"
    script = _load(path2)
    first = script["scenes"][0]
    first["character_ids"] = [lead["id"], other["id"]] if carried else [lead["id"]]
    first["props"] = []
    for line in [line for scene in script["scenes"] for line in scene["lines"]][:6]:
        line.update(text="……嗯。", reveals=[])
        if line["kind"] == "dialogue":
            line.update(speaker_id=lead["id"], cue=lead["name"])
    _save(path2, script)
    return str(other["id"])


def test_a_cliffhanger_the_next_episode_ignores_is_not_picked_up(season: Path, tmp_path: Path) -> None:
    carried = _copy(season, tmp_path / "carried")
    other = _plant_cliffhanger(carried, carried=True)
    data, _ = evaluate(carried)
    first = data["episodes"][0]["payoff"]
    assert first["status"] == "picked_up" and f"character:{other}" in first["shared"]
    dropped = _copy(season, tmp_path / "dropped")
    _plant_cliffhanger(dropped, carried=False)
    data, report = evaluate(dropped)
    first = data["episodes"][0]["payoff"]
    assert first["status"] in ("dropped", "place_only") and f"character:{other}" in first["raised"]
    assert not [s for s in first["shared"] if not s.startswith("location:")]
    pay = data["season"]["payoff"]
    assert 1 in pay["not_picked_up"] and pay["pairs"] == 2 and data["episodes"][2]["payoff"] is None
    assert f"| 1 → 2 | {first['status']} |" in _section(report, "Cliffhanger payoff")


def test_a_review_older_than_a_canon_change_is_stale_and_left_out_of_the_rates(
    season: Path, control: dict[str, Any], tmp_path: Path
) -> None:
    root = _copy(season, tmp_path)
    path2 = root / "episodes" / "ep002" / "review.json"
    review = _load(path2)
    review["continuity"]["findings"].append(
        {
            "id": "planted",
            "reviewer": "continuity",
            "check": "canon_name",
            "category": "characterization",
            "severity": "revise",
            "message": "Uses the old name.",
        }
    )
    _save(path2, review)
    log = root / "canon_changes.json"
    _save(log, {"changes": [{"description": "rename A to B", "reason": "test", "affected_episodes": [2, 3]}]})
    now = 1_900_000_000.0
    os.utime(path2, (now - 100, now - 100))
    os.utime(log, (now, now))
    os.utime(root / "episodes" / "ep003" / "review.json", (now + 100, now + 100))  # re-reviewed after the change
    data, report = evaluate(root)
    stale = data["season"]["stale"]
    assert (stale["stale"], stale["re_reviewed"], stale["excluded"], stale["changes"]) == ([2], [3], [2, 3], 1)
    ep2 = next(e for e in stale["episodes"] if e["episode"] == 2)
    assert ep2["changes"] == ["rename A to B"]
    assert ep2["remaining_errors"] == sum(data["episodes"][1]["continuity"]["remaining"].values()) >= 1
    assert [e["stale"] for e in data["episodes"]] == ["current", "stale", "re_reviewed"]
    co = data["season"]["continuity"]
    ep1 = data["episodes"][0]["continuity"]
    assert co["episodes"] == 1 and control["season"]["continuity"]["episodes"] == 3
    assert co["remaining_total"] == sum(ep1["remaining"].values()), "the stale episode's planted error is left out"
    assert co["first_draft_total"] == sum(ep1["first_draft"].values())
    section = _section(report, "Stale reviews")
    assert "| 2 | stale |" in section and "| 3 | re_reviewed |" in section and "rename A to B" in section
    assert "stale reviews of episodes 2, 3 left out" in report


def test_chat_calls_are_reported_apart_from_production_cost(
    season: Path, control: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy(season, tmp_path)
    with sqlite3.connect(root / "state" / "traces.sqlite") as db:
        db.execute(
            "INSERT INTO runs (run_id, thread_id, command, started_at, ended_at, status) VALUES (?,?,?,?,?,?)",
            ("chat-run", "chat-1", "chat", "2026-01-01T00:00:00+00:00", "2026-01-01T00:30:00+00:00", "done"),
        )
        db.execute(
            "INSERT INTO events (run_id, ts, kind, role, episode, node, model, input_tokens, output_tokens, "
            "latency_ms) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                "chat-run",
                "2026-01-01T00:01:00+00:00",
                "llm",
                "showrunner",
                None,
                "chat",
                "gpt-4o-mini",
                2000,
                1000,
                900,
            ),
        )
    code, out, err = cli(["eval", str(root), "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    cost, before = data["season"]["cost"], control["season"]["cost"]
    assert cost["season"]["calls"] == before["season"]["calls"] and cost["season"]["cost"] == "offline: $0"
    assert cost["offline"] and cost["season"]["wall_s"] == before["season"]["wall_s"], "a 30-min chat is not room time"
    assert cost["planning"]["calls"] == before["planning"]["calls"]
    chat = cost["chat"]
    assert chat["calls"] == 1 and chat["models"] == ["gpt-4o-mini"] and chat["wall_s"] == 1800
    assert chat["cost_usd"] == pytest.approx(call_cost("gpt-4o-mini", 2000, 1000), abs=1e-6) and chat["cost_usd"] > 0
    assert before["chat"]["calls"] == 0
    report = (root / "eval" / "report.md").read_text(encoding="utf-8")
    assert "| chat | 1 |" in _section(report, "Cost") and "chat (not production)" in report
    # The eval says what it is doing on stderr, stage by stage, while stdout carries only the JSON.
    for stage in ("evaluating 3 episode(s)", "episode 1: structure", "repeated dialogue", "premise coverage", "cost"):
        assert stage in err
