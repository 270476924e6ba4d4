"""End to end through the real CLI in subprocesses: demo seasons, manual gates, hand edits, kill and resume."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dramaroom.workspace import Workspace
from memory.bible import StoryBible

pytestmark = pytest.mark.slow

PREMISE_EN = "A delivery rider is secretly the heir to the logistics empire that fired her father."
PREMISE_ZH = "外卖员林晚其实是物流集团的真正继承人，她要查清父亲被开除的真相。"
EPISODE_FILES = ["script.json", "script.fountain", "review.json", "shotlist.json", "shotlist.csv"]


def offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAMAROOM_"))}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def dramaroom(*args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "dramaroom", *args],
        capture_output=True,
        text=True,
        env=env or offline_env(),
        timeout=600,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"dramaroom {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def new_series(path: Path, premise: str, language: str, episodes: int = 6) -> None:
    dramaroom(
        "new", str(path), "--premise", premise, "--episodes", str(episodes), "--language", language, "--seed", "7"
    )


def produced_series(factory: pytest.TempPathFactory, name: str, premise: str, language: str = "en") -> Path:
    """Create a 6-episode series in a fresh temporary folder and produce it through the CLI."""
    path = factory.mktemp(name) / "series"
    new_series(path, premise, language)
    dramaroom("produce", str(path))
    return path


@pytest.fixture(scope="module")
def season_en(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return produced_series(tmp_path_factory, "en", PREMISE_EN)


def artifacts(path: Path) -> dict[str, str]:
    """Every episode artifact's text, keyed by relative path (drafts included)."""
    return {
        str(p.relative_to(path)): p.read_text(encoding="utf-8")
        for p in sorted((path / "episodes").rglob("*"))
        if p.is_file()
    }


def test_demo_season_has_every_file_offline_and_labelled(season_en: Path) -> None:
    for name in ["dramaroom.toml", "season_plan.json", "canon.json", "state/checkpoints.sqlite", "state/traces.sqlite"]:
        assert (season_en / name).exists(), name
    assert any((season_en / "bible").iterdir())
    for n in range(1, 7):
        folder = season_en / "episodes" / f"ep{n:03d}"
        for name in EPISODE_FILES:
            assert (folder / name).stat().st_size > 0, f"{folder / name}"
        script = json.loads((folder / "script.json").read_text())
        assert script["meta"]["offline"] is True
        assert "offline" in script["meta"]["generated_by"]
        review = json.loads((folder / "review.json").read_text())
        assert review["outcome"]["status"] == "committed"
        assert {"continuity", "ethics", "shots", "history", "decisions"} <= set(review)
        shots = json.loads((folder / "shotlist.json").read_text())
        total = sum(s["duration_s"] for s in shots["shots"])
        assert abs(total - shots["target_seconds"]) <= 0.1 * shots["target_seconds"]
        assert "Author: dramaroom-offline-writer (offline)" in (folder / "script.fountain").read_text()
        assert (folder / "shotlist.csv").read_text().splitlines()[0].startswith("shot_id,scene_id,start_s")
    status = dramaroom("status", str(season_en)).stdout
    assert status.count("committed") == 6
    bible = StoryBible(season_en / "bible")
    try:
        assert bible.committed_episodes() == [1, 2, 3, 4, 5, 6]
    finally:
        bible.close()


def test_fountain_export_parses_with_screenplain(season_en: Path) -> None:
    from screenplain.parsers import fountain

    text = (season_en / "episodes" / "ep001" / "script.fountain").read_text()
    script = json.loads((season_en / "episodes" / "ep001" / "script.json").read_text())
    parsed = fountain.parse(io.StringIO(text))
    kinds = [type(p).__name__ for p in parsed.paragraphs]
    dialogue = [line for scene in script["scenes"] for line in scene["lines"] if line["kind"] == "dialogue"]
    assert kinds.count("Slug") == len(script["scenes"])
    assert kinds.count("Dialog") == len(dialogue)


def test_chinese_season_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "zh"
    new_series(path, PREMISE_ZH, "zh")
    started = time.perf_counter()
    produced = dramaroom("produce", str(path))
    assert time.perf_counter() - started < 180
    assert "整季" in produced.stderr and "season" not in produced.stderr
    for n in range(1, 7):
        folder = path / "episodes" / f"ep{n:03d}"
        assert all((folder / name).exists() for name in EPISODE_FILES)
        fountain = (folder / "script.fountain").read_text()
        assert "\n@" in fountain, "CJK cues are forced with @"
        script = json.loads((folder / "script.json").read_text())
        text = "".join(line["text"] for scene in script["scenes"] for line in scene["lines"])
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) > 0.6 * len(text.replace(" ", ""))
    rendered = dramaroom("render", str(path), "--episode", "1")
    assert "个镜头，缓存复用" in rendered.stdout and "shots" not in rendered.stdout, rendered.stdout
    assert "分集" in rendered.stdout and "合成" in rendered.stdout
    exported = dramaroom("export", str(path), "--episode", "1")
    assert "已导出第1集" in exported.stdout


def test_manual_approval_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "manual"
    new_series(path, PREMISE_EN, "en", episodes=2)
    first = dramaroom("produce", str(path), "--approve", "manual")
    assert "episode 1" in first.stdout and "waiting for approval" in first.stdout
    again = dramaroom("produce", str(path))
    assert "episode 1" in again.stdout and "waiting for approval" in again.stdout
    wrong = dramaroom("approve", str(path), "--episode", "2", check=False)
    assert wrong.returncode != 0 and "episode 2 is not waiting for approval; episode 1 is" in wrong.stderr
    fountain = path / "episodes" / "ep001" / "script.fountain"
    original = fountain.read_text(encoding="utf-8")
    fountain.write_text(original.replace("\n\n", "\n\nIdris pockets the keys.\n\n", 1), encoding="utf-8")
    edited_at_gate = dramaroom("approve", str(path), "--episode", "1", check=False)
    assert (
        edited_at_gate.returncode == 2 and "edited by hand while episode 1 waits at the gate" in edited_at_gate.stderr
    )
    assert "Idris pockets the keys." in fountain.read_text(encoding="utf-8")
    assert "waiting for approval" in dramaroom("produce", str(path)).stdout  # nothing was decided
    fountain.write_text(original, encoding="utf-8")
    dramaroom("approve", str(path), "--episode", "1", "--reject", "--note", "Give Idris a reason to stay.")
    review = json.loads((path / "episodes" / "ep001" / "review.json").read_text())
    assert review["decisions"][0] == {"approved": False, "note": "Give Idris a reason to stay.", "by": "human"}
    assert any(h["reviewer"] == "human" for h in review["history"])
    dramaroom("approve", str(path), "--episode", "1")
    done = dramaroom("approve", str(path), "--episode", "2")
    assert "done" in done.stdout
    assert "committed" in dramaroom("status", str(path)).stdout


def test_review_after_a_hand_edit(season_en: Path, tmp_path: Path) -> None:
    series = tmp_path / "copy"
    shutil.copytree(season_en, series)
    script_path = series / "episodes" / "ep002" / "script.json"
    original = script_path.read_text()
    data = json.loads(original)
    line = next(ln for s in data["scenes"] for ln in s["lines"] if ln["kind"] == "dialogue")
    line["cue"] = line["cue"][:-1] + ("x" if line["cue"][-1] != "x" else "y")
    script_path.write_text(json.dumps(data))
    try:
        flagged = dramaroom("review", str(series), "--episode", "2", check=False)
        assert flagged.returncode == 1
        assert "name_drift" in flagged.stdout
        script_path.write_text("{ not json")
        broken = dramaroom("review", str(series), "--episode", "2", check=False)
        assert broken.returncode == 2 and "not valid JSON" in broken.stderr and "Traceback" not in broken.stderr
    finally:
        script_path.write_text(original)
    clean = dramaroom("review", str(series), "--episode", "2", check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def _lines(folder: Path) -> dict[str, dict[str, object]]:
    data = json.loads((folder / "script.json").read_text(encoding="utf-8"))
    return {line["id"]: line for scene in data["scenes"] for line in scene["lines"]}


def _after_first_heading(text: str, paragraph: str) -> str:
    """Insert a paragraph into Fountain text right after its first scene heading."""
    paragraphs = text.split("\n\n")
    at = next(i for i, p in enumerate(paragraphs) if p.lstrip(".").startswith(("INT.", "EXT.")))
    return "\n\n".join([*paragraphs[: at + 1], paragraph, *paragraphs[at + 1 :]])


def test_a_fountain_edit_is_read_back_reviewed_and_kept(season_en: Path, tmp_path: Path) -> None:
    series = tmp_path / "copy"
    shutil.copytree(season_en, series)
    folder = series / "episodes" / "ep003"
    fountain = folder / "script.fountain"
    before = _lines(folder)
    spoken = [i for i, ln in before.items() if ln["kind"] == "dialogue"]
    changed, dropped = spoken[1], spoken[-2]
    text = fountain.read_text(encoding="utf-8")
    assert f"[[{changed}]]" in text, "every line carries its id as a Fountain note"
    new_words = "Then we go tonight, and we go together."
    text = text.replace(f"{before[changed]['text']} [[{changed}]]", f"{new_words} [[{changed}]]")
    text = "\n\n".join(p for p in text.split("\n\n") if f"[[{dropped}]]" not in p)  # the writer cuts a line
    fountain.write_text(_after_first_heading(text, "The kettle screams on the stove."), encoding="utf-8")

    taken = dramaroom("review", str(series), "--episode", "3")
    assert "edited by hand" not in taken.stderr and "continuity" in taken.stdout
    after = _lines(folder)
    assert after[changed]["text"] == new_words and after[changed]["speaker_id"] == before[changed]["speaker_id"]
    assert dropped not in after
    added = [ln for i, ln in after.items() if i not in before]
    assert [(ln["kind"], ln["text"]) for ln in added] == [("action", "The kettle screams on the stove.")]
    assert str(added[0]["id"]).startswith("s01-l")
    rewritten = fountain.read_text(encoding="utf-8")
    assert "The kettle screams on the stove." in rewritten and new_words in rewritten
    assert Workspace.open(series).hand_edits(3) == []
    why = dramaroom("traces", str(series), "why", "--episode", "3", "--line", changed)
    assert "edited by hand in script.fountain" in why.stdout, why.stdout


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda t: t.replace(" #s01#", " BACK LOT #s01#", 1), "is not one dramaroom can read back"),
        (lambda t: _after_first_heading(t, "GHOSTLY MCGEE\nBoo."), "the cue 'GHOSTLY MCGEE'"),
    ],
    ids=["unknown-heading", "unknown-cue"],
)
def test_a_fountain_edit_that_cannot_be_read_back_changes_nothing(
    season_en: Path, tmp_path: Path, edit: Callable[[str], str], needle: str
) -> None:
    series = tmp_path / "copy"
    shutil.copytree(season_en, series)
    folder = series / "episodes" / "ep002"
    fountain, script_json = folder / "script.fountain", folder / "script.json"
    edited = edit(fountain.read_text(encoding="utf-8"))
    fountain.write_text(edited, encoding="utf-8")
    json_before = script_json.read_bytes()
    result = dramaroom("review", str(series), "--episode", "2", check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert needle in result.stderr and "nothing was changed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert fountain.read_text(encoding="utf-8") == edited and script_json.read_bytes() == json_before


def test_json_and_fountain_edited_differently_stop_with_one_line(season_en: Path, tmp_path: Path) -> None:
    series = tmp_path / "copy"
    shutil.copytree(season_en, series)
    folder = series / "episodes" / "ep003"
    fountain, script_json = folder / "script.fountain", folder / "script.json"
    edited = _after_first_heading(fountain.read_text(encoding="utf-8"), "The kettle screams on the stove.")
    fountain.write_text(edited, encoding="utf-8")
    data = json.loads(script_json.read_bytes())
    data["title"] = data["title"] + " (director's cut)"
    script_json.write_text(json.dumps(data), encoding="utf-8")
    json_edited = script_json.read_bytes()
    both = dramaroom("review", str(series), "--episode", "3", check=False)
    assert both.returncode == 2 and "were both edited by hand, differently" in both.stderr
    assert "script.json" in both.stderr and "script.fountain" in both.stderr
    assert fountain.read_text(encoding="utf-8") == edited and script_json.read_bytes() == json_edited

    # Once the writer keeps the edit in script.json only, review takes it and rewrites Fountain from it.
    fountain.unlink()
    taken = dramaroom("review", str(series), "--episode", "3", check=False)
    assert "edited by hand" not in taken.stderr, taken.stderr
    assert "(director's cut)" in fountain.read_text(encoding="utf-8")
    ws = Workspace.open(series)
    assert ws.hand_edits(3) == []
    fountain.write_text(fountain.read_text(encoding="utf-8") + "\nA late line.\n", encoding="utf-8")
    assert ws.hand_edits(3) == ["script.fountain"]
    (series / "state" / "written" / "ep003.json").unlink()  # as an older version left it: nothing to compare with
    assert ws.hand_edits(3) == []


def test_status_json_takes_committed_and_stale_from_the_bible(season_en: Path, tmp_path: Path) -> None:
    series = tmp_path / "copy"
    shutil.copytree(season_en, series)
    report = json.loads(dramaroom("status", str(series), "--json").stdout)
    assert [e["episode"] for e in report["episodes"]] == [1, 2, 3, 4, 5, 6]
    assert all(e["state"] == "committed" and e["committed"] and e["stale"] is None for e in report["episodes"])
    assert all(e["shots"] > 0 and e["seconds"] > 0 for e in report["episodes"])
    assert 1 <= report["paywall_episode"] <= 6 and report["language"] == "en"
    bible = StoryBible(series / "bible")
    try:
        bible.mark_stale(4, "rename Maya -> Mia contradicts 3 lines")
        bible.withdraw_episode(6)
    finally:
        bible.close()
    after = {e["episode"]: e for e in json.loads(dramaroom("status", str(series), "--json").stdout)["episodes"]}
    assert after[4]["stale"] == "rename Maya -> Mia contradicts 3 lines" and after[4]["committed"]
    assert after[6]["committed"] is False and after[6]["state"] == "in progress"  # review.json says committed
    assert [n for n, e in after.items() if e["stale"]] == [4]
    # Reviewed against canon as it is now and approved: the mark goes.
    assert dramaroom("review", str(series), "--episode", "4").returncode == 0
    final = {e["episode"]: e for e in json.loads(dramaroom("status", str(series), "--json").stdout)["episodes"]}
    assert final[4]["stale"] is None and final[4]["committed"]


def test_kill_and_resume_matches_an_uninterrupted_run(season_en: Path, tmp_path: Path) -> None:
    path = tmp_path / "killed"
    new_series(path, PREMISE_EN, "en")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dramaroom", "produce", str(path)],
        env=offline_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # Kill mid-season: once episode 3 has a draft but before it is committed.
    target = path / "episodes" / "ep003" / "script.json"
    deadline = time.monotonic() + 240
    while not target.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "produce finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    bible = StoryBible(path / "bible")
    try:
        assert bible.committed_episodes() == [1, 2]
    finally:
        bible.close()

    dramaroom("produce", str(path))
    assert artifacts(path) == artifacts(season_en)
    resumed, reference = StoryBible(path / "bible"), StoryBible(season_en / "bible")
    try:
        assert resumed.committed_episodes() == reference.committed_episodes() == [1, 2, 3, 4, 5, 6]
        assert resumed.stats() == reference.stats()
        assert resumed.canon_at(7) == reference.canon_at(7)
    finally:
        resumed.close()
        reference.close()
