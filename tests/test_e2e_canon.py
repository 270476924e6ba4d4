"""Canon changes through the real CLI: a rename previewed, marked stale, fixed in the scripts, undone byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.test_e2e import PREMISE_EN, dramaroom, produced_series

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def season_en(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return produced_series(tmp_path_factory, "canon", PREMISE_EN)


def _every_file(series: Path) -> dict[Path, bytes]:
    """Every file the user reads or the room keeps, except the bible's own store and the traces."""
    skip = ("bible", "traces.sqlite", "checkpoints", "canon_changes")
    return {
        p: p.read_bytes()
        for p in sorted(series.rglob("*"))
        if p.is_file() and not any(part.startswith(skip) for part in p.relative_to(series).parts)
    }


def test_a_canon_rename_without_the_fix_is_previewed_marks_stale_and_undoes_byte_for_byte(
    season_en: Path, tmp_path: Path
) -> None:
    series = tmp_path / "copy"
    shutil.copytree(season_en, series)
    canon = json.loads((series / "canon.json").read_text(encoding="utf-8"))
    old = canon["characters"][0]["name"]
    before = {p: p.read_bytes() for p in [series / "canon.json", *sorted(series.rglob("script.*"))]}
    asked = dramaroom("canon", str(series), "rename", old, "Wren Halloway", check=False)
    assert asked.returncode == 2 and "run again with --yes" in asked.stderr and "nothing was changed" in asked.stderr
    assert (series / "canon.json").read_bytes() == before[series / "canon.json"]
    applied = dramaroom("canon", str(series), "rename", old, "Wren Halloway", "--yes", "--no-fix")
    listed = [ln for ln in applied.stdout.splitlines() if ln.startswith("- episode ")]
    assert listed and "applied as canon change #1" in applied.stdout and "(--no-fix)" in applied.stdout
    episodes = sorted({int(ln.split()[2].rstrip(",")) for ln in listed})
    report = json.loads(dramaroom("status", str(series), "--json").stdout)
    assert [e["episode"] for e in report["episodes"] if e["stale"]] == episodes
    refused = dramaroom("render", str(series), "--episode", str(episodes[0]), check=False)
    assert refused.returncode == 2 and "is stale (canon change #1" in refused.stderr
    log = json.loads((series / "canon_changes.json").read_text(encoding="utf-8"))
    entry = log["changes"][-1]
    assert entry["source"] == "cli" and entry["affected_episodes"] == episodes and entry["at"]
    assert sum(len(c["findings"]) for c in entry["contradicted"]) == len(listed), "every contradiction is listed"
    reviewed = tmp_path / "reviewed"
    shutil.copytree(series, reviewed)
    dramaroom("canon", str(series), "undo", "--yes")
    assert {p: p.read_bytes() for p in before} == before
    report = json.loads(dramaroom("status", str(series), "--json").stdout)
    assert not any(e["stale"] for e in report["episodes"])
    assert "(undone)" in dramaroom("canon", str(series), "log").stdout
    evaluated = json.loads(dramaroom("eval", str(series), "--no-judge", "--json").stdout)
    assert evaluated["season"]["stale"]["changes"] == 0, "an undone change makes no review stale"
    again = dramaroom("canon", str(series), "undo", "--yes", check=False)
    assert again.returncode == 2 and "no canon change to undo" in again.stderr
    # What `review` finds afterwards is what the preview listed, episode by episode.
    for episode in episodes:
        found = dramaroom("review", str(reviewed), "--episode", str(episode), check=False)
        shown = [ln for ln in listed if ln.startswith(f"- episode {episode},")]
        assert found.returncode == 1 and found.stdout.count("name_drift @") == len(shown)


def test_a_canon_rename_with_the_fix_carries_into_the_scripts_and_undoes_byte_for_byte(
    season_en: Path, tmp_path: Path
) -> None:
    series = tmp_path / "copy"
    shutil.copytree(season_en, series)
    old = json.loads((series / "canon.json").read_text(encoding="utf-8"))["characters"][0]["name"]
    before = _every_file(series)
    applied = dramaroom("canon", str(series), "rename", old, "Wren Halloway", "--yes")
    listed = [ln for ln in applied.stdout.splitlines() if ln.startswith("- episode ")]
    episodes = sorted({int(ln.split()[2].rstrip(",")) for ln in listed})
    assert "a mechanical fix exists" in applied.stdout and "fixed: the new name is in episode(s) " in applied.stdout
    report = json.loads(dramaroom("status", str(series), "--json").stdout)
    assert not any(e["stale"] for e in report["episodes"]) and all(e["committed"] for e in report["episodes"])
    for episode in episodes:
        folder = series / "episodes" / f"ep{episode:03d}"
        script = json.loads((folder / "script.json").read_text(encoding="utf-8"))
        cues = {line["cue"] for scene in script["scenes"] for line in scene["lines"] if line["cue"]}
        assert old not in cues and "Wren Halloway" in cues
        assert old not in (folder / "script.fountain").read_text(encoding="utf-8")
        assert old not in (folder / "shotlist.json").read_text(encoding="utf-8")
        checked = dramaroom("review", str(tmp_path / "copy"), "--episode", str(episode), check=False)
        assert "name_drift" not in checked.stdout, "the fix leaves nothing for review to find"
    line = next(ln for ln in listed if ln.startswith(f"- episode {episodes[0]},")).split()[3].rstrip(":")
    why = dramaroom("traces", str(series), "why", "--episode", str(episodes[0]), "--line", line).stdout
    assert "canon change #1 changed it by a mechanical fix (rename)" in " ".join(why.split())
    dramaroom("canon", str(series), "undo", "--yes")
    after = _every_file(series)
    assert [p for p in before if after.get(p) != before[p]] == [], "scripts, shot lists, records: as they were"
    assert set(after) == set(before)
