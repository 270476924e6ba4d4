"""Season edits through the real CLI: reopen a committed episode, reject after commit, extend, move the paywall."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dramaroom.reopening import reopen
from dramaroom.workspace import Workspace
from memory.bible import StoryBible
from tests.test_e2e import dramaroom, new_series

pytestmark = pytest.mark.slow

PREMISE = "A night-shift nurse, Ada Stone, finds her missing brother's watch on a patient at St Jude's hospital."


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("edits") / "series"
    new_series(path, PREMISE, "en")
    dramaroom("produce", str(path))
    return path


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
