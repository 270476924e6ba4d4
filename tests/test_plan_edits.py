"""Plan edits are checked against canon like canon changes: a twist about someone canon lacks is questioned."""

from __future__ import annotations

import pytest

from agents.plan_edits import PlanEditError, revise_plan, unknown_people
from agents.showrunner_chat import RevisePlan
from tests.fixtures_offline import plan_season

PREMISE_EN = "A night-shift nurse, Ada Stone, finds her missing brother's watch on a patient at St Jude's hospital."
PREMISE_ZH = "外卖员林晚其实是物流集团的真正继承人，她要查清父亲被开除的真相。"


def test_people_canon_has_pass_and_people_it_lacks_are_named() -> None:
    series = plan_season(PREMISE_EN, episodes=6)
    canon = series.canon
    other = canon.characters[1]
    assert unknown_people(f"{other.name} was working for Ada Stone all along", canon) == []
    assert unknown_people(f"{other.name.split()[0]} forged the will", canon) == []
    assert unknown_people("the landlord is her real father", canon) == ["landlord"]
    assert unknown_people("Hector Vane buys the hospital", canon) == ["Hector Vane"]
    assert unknown_people("the will is forged", canon) == []


def test_a_twist_about_someone_canon_lacks_is_questioned_and_changes_nothing() -> None:
    series = plan_season(PREMISE_EN, episodes=6)
    plan, canon = series.plan, series.canon
    edit = RevisePlan(action="add_twist", episode=5, text="the landlord is her real father")
    with pytest.raises(PlanEditError, match=r"canon has no landlord: add the character first .*Ada Stone"):
        revise_plan(plan, canon, edit, produced={1})
    brief = RevisePlan(action="revise_brief", episode=5, field="cliffhanger", text="Hector Vane opens the door.")
    with pytest.raises(PlanEditError, match="canon has no Hector Vane"):
        revise_plan(plan, canon, brief, produced={1})
    fine = revise_plan(plan, canon, RevisePlan(action="add_twist", episode=5, text="the will is forged"), {1})
    assert fine.plan.episodes[4].key_beats[2].endswith("the will is forged")


def test_a_chinese_twist_is_checked_against_chinese_canon() -> None:
    series = plan_season(PREMISE_ZH, language="zh", episodes=6)
    canon = series.canon
    assert unknown_people(f"{canon.characters[0].name}其实早就知道真相", canon) == []
    assert unknown_people("一个律师其实是她的亲生父亲", canon) == ["律师"]
