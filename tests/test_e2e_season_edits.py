"""Season edits through the real CLI: reopen a committed episode, reject after commit, extend, move the paywall."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dramaroom.reopening import reopen
from dramaroom.workspace import Workspace
from memory.bible import StoryBible
from tests.test_e2e import dramaroom, new_series, produced_series

pytestmark = pytest.mark.slow

PREMISE = "A night-shift nurse, Ada Stone, finds her missing brother's watch on a patient at St Jude's hospital."


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return produced_series(tmp_path_factory, "edits", PREMISE)


def _copy(season: Path, tmp_path: Path) -> Path:
    series = tmp_path / "copy"
    shutil.copytree(season, series)
    return series


def _texts(series: Path, episode: int) -> list[str]:
    script = json.loads((series / "episodes" / f"ep{episode:03d}" / "script.json").read_text(encoding="utf-8"))
    return [line["text"] for scene in script["scenes"] for line in scene["lines"]]


def _refs(series: Path, query: str) -> list[str]:
    ws = Workspace.open(series)
    with StoryBible(ws.bible_dir, ws.config.embeddings) as bible:
        return [r.ref for r in bible.recall(query, k=40)]


def test_a_reopened_episode_leaves_the_bible_is_rewritten_with_the_note_and_commits_again(
    season: Path, tmp_path: Path
) -> None:
    series = _copy(season, tmp_path)
    old = _texts(series, 2)
    assert any(ref.startswith("ep002/") for ref in _refs(series, old[0]))
    ws = Workspace.open(series)
    with ws.writing():
        reopen(ws, 2, "Ada's last line should be 'I am done pretending.'", "reopen")
    assert not any(ref.startswith("ep002/") for ref in _refs(series, old[0])), "recall no longer returns it"
    report = json.loads(dramaroom("status", str(series), "--json").stdout)
    assert [e["episode"] for e in report["episodes"] if not e["committed"]] == [2]
    ran = dramaroom("produce", str(series), "--approve", "manual")
    assert "reopened for rewrite (reopen)" in ran.stderr and "1 of 1 request applied and verified" in ran.stderr
    assert 'episode 2 "' in ran.stdout and "is waiting for approval" in ran.stdout
    assert "awaiting" in dramaroom("status", str(series)).stdout
    dramaroom("approve", str(series), "--episode", "2")
    new = _texts(series, 2)
    assert new != old and "I am done pretending." in new
    report = json.loads(dramaroom("status", str(series), "--json").stdout)
    assert all(e["committed"] for e in report["episodes"])
    assert any(ref.startswith("ep002/") for ref in _refs(series, "I am done pretending."))
    review = json.loads((series / "episodes" / "ep002" / "review.json").read_text(encoding="utf-8"))
    notes = [d["note"] for d in review["decisions"]]
    assert notes[-2:] == ["Ada's last line should be 'I am done pretending.'", ""], "the record runs on"
    assert review["history"][0]["revision"] == 0, "the drafts before the reopening are kept"


def test_rejecting_a_committed_episode_reopens_it_with_the_note(season: Path, tmp_path: Path) -> None:
    series = _copy(season, tmp_path)
    ran = dramaroom(
        "approve", str(series), "--episode", "3", "--reject", "--note", "Ada's last line should be 'Not tonight.'"
    )
    assert "episode 3 reopened for rewrite" in ran.stdout and "reopened for rewrite (reject)" in ran.stderr
    assert "episode 3" in ran.stdout and "is waiting for approval" in ran.stdout
    dramaroom("approve", str(series), "--episode", "3")
    assert "Not tonight." in _texts(series, 3)


def test_reopening_what_cannot_be_reopened_says_why_and_changes_nothing(season: Path, tmp_path: Path) -> None:
    series = _copy(season, tmp_path)
    before = {p: p.read_bytes() for p in sorted(series.rglob("*.json"))}
    no_note = dramaroom("reopen", str(series), "--episode", "2", check=False)
    assert no_note.returncode == 2 and "needs a note" in no_note.stderr and "Traceback" not in no_note.stderr
    missing = dramaroom("reopen", str(series), "--episode", "9", "--note", "x", check=False)
    assert missing.returncode == 2 and "episode 9 is not committed" in missing.stderr
    fountain = series / "episodes" / "ep002" / "script.fountain"
    fountain.write_text(fountain.read_text(encoding="utf-8").replace("\n\n", "\n\nA hand-written action line.\n\n", 1))
    edited = dramaroom("reopen", str(series), "--episode", "2", "--note", "x", check=False)
    assert edited.returncode == 2 and "edited by hand" in edited.stderr and "dramaroom review" in edited.stderr
    assert {p: p.read_bytes() for p in before} == before


def _names_in_briefs(plan: dict[str, object], first: int) -> str:
    briefs = [b for b in plan["episodes"] if isinstance(b, dict) and b["number"] >= first]  # type: ignore[union-attr]
    fields = ("title", "opening_hook", "cliffhanger", "core_conflict")
    return " ".join(" ".join([*(str(b[f]) for f in fields), *b["key_beats"]]) for b in briefs)


def test_extend_from_six_to_nine_plans_against_canon_so_far_and_produces_them(season: Path, tmp_path: Path) -> None:
    series = _copy(season, tmp_path)
    dramaroom("canon", str(series), "rename", PREMISE.split(",")[1].strip(), "Ada Okafor", "--yes")
    before = (series / "episodes" / "ep003" / "script.json").read_bytes()
    ran = dramaroom("extend", str(series), "--episodes", "9")
    assert "season extended from 6 to 9 episodes" in ran.stdout and ran.stdout.count("  ep ") == 3
    plan = json.loads((series / "season_plan.json").read_text(encoding="utf-8"))
    canon = json.loads((series / "canon.json").read_text(encoding="utf-8"))
    assert [b["number"] for b in plan["episodes"]] == list(range(1, 10))
    ids = {c["id"] for c in canon["characters"]}
    assert all(set(b["character_ids"]) <= ids for b in plan["episodes"])
    text = _names_in_briefs(plan, 7)
    assert "Ada Okafor" in text or "Ada" in text
    assert "Ada Stone" not in text, "the new briefs use canon as it stands (after the rename)"
    days = [b["story_day"] for b in plan["episodes"]]
    assert days[6] >= days[5], "the new episodes follow the story so far"
    assert "episodes = 9" in (series / "dramaroom.toml").read_text(encoding="utf-8")
    produced = dramaroom("produce", str(series))
    assert "3 episode(s) written this run" in produced.stdout
    report = json.loads(dramaroom("status", str(series), "--json").stdout)
    assert [e["episode"] for e in report["episodes"] if e["committed"]] == list(range(1, 10))
    assert (series / "episodes" / "ep003" / "script.json").read_bytes() == before, "produced episodes are kept"
    bad = dramaroom("extend", str(series), "--episodes", "9", check=False)
    assert bad.returncode == 2 and "must be more than that" in bad.stderr


def test_the_paywall_moves_to_an_unproduced_episode_only(tmp_path: Path) -> None:
    series = tmp_path / "short"
    new_series(series, PREMISE, "en", episodes=4)
    dramaroom("produce", str(series))
    dramaroom("extend", str(series), "--add", "2")
    moved = dramaroom("plan", str(series), "paywall", "5")
    assert "paywall moved from episode" in moved.stdout and "to episode 5" in moved.stdout
    plan = json.loads((series / "season_plan.json").read_text(encoding="utf-8"))
    assert plan["paywall_episode"] == 5 and [b["number"] for b in plan["episodes"] if b["is_paywall"]] == [5]
    assert json.loads(dramaroom("status", str(series), "--json").stdout)["paywall_episode"] == 5
    refused = dramaroom("plan", str(series), "paywall", "2", check=False)
    assert refused.returncode == 2 and "already produced" in refused.stderr and "nothing was changed" in refused.stderr
    hook = "Ada finds the watch ticking in an empty ward."
    dramaroom("plan", str(series), "brief", "6", "opening_hook", hook)
    dramaroom("produce", str(series))
    script = json.loads((series / "episodes" / "ep006" / "script.json").read_text(encoding="utf-8"))
    assert json.loads((series / "season_plan.json").read_text(encoding="utf-8"))["episodes"][5]["opening_hook"] == hook
    assert script["episode"] == 6
