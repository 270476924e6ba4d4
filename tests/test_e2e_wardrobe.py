"""A costume change through the real CLI: planned for episode 3, worn in episodes 3-5, rendered in episode 5;
a canon revision of the set carried into the shot prompts, refused stale without the fix, undone byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from memory.schema import Canon
from renderers.identity import wardrobe_colors
from tests.test_e2e import dramaroom, new_series
from tests.test_e2e_canon import _every_file

pytestmark = pytest.mark.slow

PREMISE = "A night-shift nurse, Ada Stone, finds her missing brother's watch on a patient at St Jude's hospital."
COAT = "a red winter coat over scrubs"


def _episode(series: Path, n: int, name: str) -> dict:
    return json.loads((series / "episodes" / f"ep{n:03d}" / name).read_text(encoding="utf-8"))


def _ada(series: Path) -> str:
    canon = json.loads((series / "canon.json").read_text(encoding="utf-8"))
    return next(c["id"] for c in canon["characters"] if c["name"] == "Ada Stone")


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five episodes; before episode 3 is written, the plan dresses Ada in a new coat from episode 3 on."""
    series = tmp_path_factory.mktemp("wardrobe") / "series"
    new_series(series, PREMISE, "en", episodes=5)
    dramaroom("produce", str(series), "--approve", "manual")  # plans the season, pauses at episode 1
    planned = dramaroom("plan", str(series), "wardrobe", "3", "Ada Stone", COAT)
    assert "new wardrobe set 'red_winter_coat'" in planned.stdout
    assert f"from episode 3 Ada Stone wears 'red_winter_coat' ({COAT})" in planned.stdout
    for n in range(1, 6):
        dramaroom("approve", str(series), "--episode", str(n))
    return series


def test_a_planned_costume_change_is_worn_from_episode_3_on_and_episode_5_renders_it(season: Path) -> None:
    ada = _ada(season)
    for n in (3, 4, 5):
        worn = {s["wardrobe"][ada] for s in _episode(season, n, "script.json")["scenes"] if ada in s["wardrobe"]}
        assert worn == {"red_winter_coat"}, f"episode {n} dresses Ada in {worn}"
    assert {"entity_id": ada, "field": "wardrobe", "value": "red_winter_coat"}.items() <= next(
        c for c in _episode(season, 3, "script.json")["state_changes"] if c["field"] == "wardrobe"
    ).items()
    shots = [
        s
        for s in _episode(season, 5, "shotlist.json")["shots"]
        if any(c["character_id"] == ada for c in s["characters"])
    ]
    assert shots and all(
        "Ada Stone (" in s["visual_prompt"] and f"wearing {COAT})" in s["visual_prompt"] for s in shots
    )

    rendered = dramaroom("render", str(season), "--episode", "5")
    assert "ep005:" in rendered.stdout
    canon = Canon.model_validate(
        {k: v for k, v in json.loads((season / "canon.json").read_text(encoding="utf-8")).items() if k != "meta"}
    )
    person = canon.character(ada)
    assert person is not None
    coat, _ = wardrobe_colors(person, "red_winter_coat")
    everyday, _ = wardrobe_colors(person, person.wardrobe[0].id)
    assert coat != everyday
    alone = next(s for s in shots if [c["character_id"] for c in s["characters"]] == [ada] and s["framing"] == "CU")
    frame = Image.open(season / "episodes" / "ep005" / "media" / "frames" / f"{alone['id']}.png").convert("RGB")
    pixels = list(frame.getdata())
    assert pixels.count(coat) > 0.05 * len(pixels), "the frame dresses her in the coat's colour"
    assert pixels.count(everyday) < pixels.count(coat) / 10


def test_revising_the_set_rebuilds_the_prompts_of_the_episodes_that_wear_it_and_undo_restores_them(
    season: Path, tmp_path: Path
) -> None:
    series = tmp_path / "copy"
    shutil.copytree(season, series)
    before = _every_file(series)
    ran = dramaroom("canon", str(series), "revise", "Ada Stone", "wardrobe.red_winter_coat=a yellow raincoat", "--yes")
    assert "nothing contradicts it" in ran.stdout
    assert "in episode(s) 3, 4, 5 show it as it was: a mechanical fix rebuilds them" in ran.stdout
    assert "fixed: the shot prompts of episode(s) 3, 4, 5 show the change" in ran.stdout
    for n in (3, 4, 5):
        prompts = [s["visual_prompt"] for s in _episode(series, n, "shotlist.json")["shots"]]
        assert any("wearing a yellow raincoat" in p for p in prompts) and not any(COAT in p for p in prompts)
        history = _episode(series, n, "review.json")["history"]
        assert history[-1]["reviewer"] == "canon change #2" and history[-1]["artifact"] == "shotlist"
    assert _episode(series, 2, "shotlist.json") == json.loads(before[series / "episodes/ep002/shotlist.json"])
    log = json.loads((series / "canon_changes.json").read_text(encoding="utf-8"))["changes"][-1]
    assert log["reprompted_episodes"] == [3, 4, 5] and log["reprompted_shots"] > 10 and log["marked_stale"] == []
    dramaroom("canon", str(series), "undo", "--yes")
    after = _every_file(series)
    assert sorted(after) == sorted(before)
    assert [str(p.relative_to(series)) for p in before if before[p] != after[p]] == [], "all back byte for byte"
    log = json.loads((series / "canon_changes.json").read_text(encoding="utf-8"))["changes"][-1]
    assert log["number"] == 2 and log["undone_at"]


def test_without_the_fix_the_episodes_go_stale_render_refuses_and_review_rebuilds_the_prompts(
    season: Path, tmp_path: Path
) -> None:
    series = tmp_path / "copy"
    shutil.copytree(season, series)
    ran = dramaroom("canon", str(series), "revise", "Ada Stone", "hair=a silver bob", "--no-fix", "--yes")
    assert "the shot prompts are left as they are (--no-fix)" in ran.stdout
    report = json.loads(dramaroom("status", str(series), "--json").stdout)
    stale = {e["episode"]: e["stale"] for e in report["episodes"] if e["stale"]}
    assert sorted(stale) == [1, 2, 3, 4, 5] and "shot prompt(s) still show it as it was" in stale[5]
    refused = dramaroom("render", str(series), "--episode", "5", check=False)
    assert refused.returncode != 0 and "episode 5 is stale" in refused.stderr and "--force" in refused.stderr
    assert len([ln for ln in refused.stderr.splitlines() if "error:" in ln]) == 1 and "Traceback" not in refused.stderr
    reviewed = dramaroom("review", str(series), "--episode", "5")
    assert "the shot prompts followed canon:" in reviewed.stdout
    assert all(
        "a silver bob" in s["visual_prompt"]
        for s in _episode(series, 5, "shotlist.json")["shots"]
        if "Ada Stone (" in s["visual_prompt"]
    )
    report = json.loads(dramaroom("status", str(series), "--json").stdout)
    assert [e["episode"] for e in report["episodes"] if e["stale"]] == [1, 2, 3, 4]
