"""The served season's form against dramaroom.toml, the one record of the season's inputs: an empty field takes
the toml's value, a change before planning is saved there, a change after planning is refused with what to run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langgraph.runtime import Runtime

from dramaroom.config import SeriesConfig, SeriesSection, load_config
from dramaroom.serve import ServeContext, intake, season_form
from dramaroom.workspace import Workspace
from memory.bible import StoryBible
from tests.fixtures_offline import plan_season

PREMISE = "A ferry pilot finds her brother's name on a smuggler's manifest."


def _workspace(root: Path, premise: str = PREMISE) -> Workspace:
    return Workspace.create(root, SeriesConfig(series=SeriesSection(premise=premise, episodes=4)))


def _intake(root: Path, form: dict[str, object]) -> dict[str, object]:
    return asyncio.run(intake(form, Runtime(context=ServeContext(str(root)))))


def test_an_empty_form_takes_the_toml_and_a_filled_one_is_saved_there_before_planning(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "s")
    assert _intake(ws.root, {"approval": "auto"})["premise"] == PREMISE
    chosen = _intake(ws.root, {"premise": "A lighthouse keeper hides a stowaway.", "episodes": 3, "tone": "tense"})
    saved = load_config(ws.root / "dramaroom.toml").series
    assert (saved.premise, saved.episodes, saved.tone) == ("A lighthouse keeper hides a stowaway.", 3, "tense")
    assert chosen["premise"] == saved.premise and chosen["episodes"] == 3 and chosen["approval"] == "manual"


def test_after_planning_the_form_cannot_change_the_season(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "s")
    bible = StoryBible(ws.bible_dir)
    bible.initialise(plan_season(PREMISE, episodes=4))
    bible.close()
    assert _intake(ws.root, {"premise": PREMISE})["episodes"] == 4, "the same values are no change"
    with pytest.raises(ValueError, match=r"already planned, so the form cannot change its episodes .*dramaroom extend"):
        _intake(ws.root, {"episodes": 9})
    assert load_config(ws.root / "dramaroom.toml").series.episodes == 4


def test_no_premise_anywhere_is_said_plainly(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "s", premise="")
    with pytest.raises(ValueError, match="no premise: write one in the form's premise field"):
        _intake(ws.root, {})
    with pytest.raises(ValueError, match="does not exist: create the series with `dramaroom new"):
        _intake(tmp_path / "missing", {"premise": PREMISE})


def test_the_form_shows_the_toml_values_it_defaults_to(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "s")
    fields = season_form(ws.config).model_json_schema()["properties"]
    assert PREMISE in fields["premise"]["description"] and "(4)" in fields["episodes"]["description"]
    assert fields["approval"]["default"] == "manual"
