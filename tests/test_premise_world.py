"""The canon stays inside the premise's own world: its people keep their status, roles and relations, its places and
props are kept, its device is a world rule said as canon, and the genre's fill-ins never bring a foreign setting."""

from __future__ import annotations

import re

import pytest

from agents.offline.compose_plan import plan_season
from agents.offline.premise_setting import fits, foreign_words
from agents.premise_reader import read_premise
from memory.schema import CharacterStatus, SeriesBible

PARAMEDIC = "Tomas Reyes, a night-shift paramedic, finds his missing sister's phone in the back of his ambulance."
SUXIU = "苏绣传人沈念重生回到非遗大赛前一个月，这一次她要揭穿抄袭她作品的师姐林若雪。"
LIGHTHOUSE = "A lighthouse keeper named Elias Crane hears his drowned brother's voice on the radio every night at 3:07"
LIGHTHOUSE_ZH = "灯塔看守人陈默每天夜里三点零七分都会在收音机里听到溺亡哥哥的声音。"


def _plan(premise: str, language: str, seed: int = 3) -> SeriesBible:
    return plan_season({"premise": premise, "language": language, "episodes": 6, "seed": seed, "paywall_episode": 2})


def _canon_text(series: SeriesBible) -> str:
    canon = series.canon
    parts = [c.occupation for c in canon.characters] + [f"{loc.name} {loc.description}" for loc in canon.locations]
    parts += [f"{p.name} {p.description}" for p in canon.props] + [s.description for s in canon.secrets]
    return "\n".join([*parts, *canon.world.rules, *series.plan.arcs])


def test_a_missing_relative_is_absent_off_screen_and_her_fate_is_the_mystery() -> None:
    facts = read_premise(PARAMEDIC, "en")
    sister = next(p for p in facts.people if p.relation == "sister")
    assert sister.missing and not sister.dead
    assert any(p.id == "place_ambulance" for p in facts.places)  # the ambulance is kept
    series = _plan(PARAMEDIC, "en")
    tomas = series.canon.characters[0]
    kin = next(r.other_id for r in tomas.relationships if r.kind == "sister")
    her = next(c for c in series.canon.characters if c.id == kin)
    assert her.status == CharacterStatus.ABSENT
    assert her.id not in series.plan.episodes[0].character_ids  # not on screen as an ordinary character
    assert her.occupation != tomas.occupation == "paramedic"  # the hero's job is not copied onto her
    assert series.canon.location("place_ambulance") is not None
    assert any("sister" in arc and "comes back" in arc for arc in series.plan.arcs)


def test_a_missing_relative_in_chinese_is_absent_too() -> None:
    facts = read_premise("护士周晴在医院的储物柜里找到了失踪妹妹的日记。", "zh")
    sister = next(p for p in facts.people if p.relation == "妹妹")
    assert sister.missing and not sister.dead
    series = _plan("护士周晴在医院的储物柜里找到了失踪妹妹的日记。", "zh")
    assert any(c.status == CharacterStatus.ABSENT for c in series.canon.characters)
    assert any("回来" in arc for arc in series.plan.arcs)


def test_an_appositive_role_gives_role_relation_and_wrongdoing() -> None:
    facts = read_premise(SUXIU, "zh")
    lin = next(p for p in facts.people if p.name == "林若雪")
    assert (lin.relation, lin.antagonist) == ("师姐", True)
    assert "苏绣" in lin.role  # a 师姐 of a 苏绣传人 works the same craft
    assert [o.label for o in facts.objects] == ["绣品"] and "作品" in facts.objects[0].terms
    assert any("非遗大赛" in p.terms for p in facts.places)
    people = read_premise("Mia Chen returns to Macau to expose the hotel's owner, Victor Lam.", "en").people
    owner = next(p for p in people if p.name == "Victor Lam")
    assert owner.role == "hotel owner"


def test_the_suxiu_canon_keeps_her_craft_and_drops_the_bakery() -> None:
    for seed in (1, 3, 7):
        series = _plan(SUXIU, "zh", seed)
        canon = series.canon
        lin = next(c for c in canon.characters if c.name == "林若雪")
        assert "苏绣" in lin.occupation and "婚礼" not in lin.occupation
        shen = canon.characters[0]
        assert any(r.other_id == lin.id and r.kind == "师姐" for r in shen.relationships)
        assert any(r.other_id == shen.id and r.kind == "师妹" for r in lin.relationships)
        names = [loc.name for loc in canon.locations]
        assert "非遗大赛会场" in names
        assert not any(w in "".join(names) for w in ("面包", "防波堤", "订婚"))
        assert any(p.name == "绣品" for p in canon.props)
        assert "面包" not in _canon_text(series)
        assert not re.search("面包|防波堤|订婚|海滨", series.model_dump_json())  # the era and every brief too


@pytest.mark.parametrize(
    ("premise", "language", "rule"),
    [
        (LIGHTHOUSE, "en", "Every night at 3:07, Elias hears his drowned brother's voice on the radio."),
        (LIGHTHOUSE_ZH, "zh", "每天夜里三点零七分，陈默会在收音机里听到溺亡哥哥的声音。"),
    ],
)
def test_the_device_is_a_world_rule_said_as_canon(premise: str, language: str, rule: str) -> None:
    series = _plan(premise, language)
    assert series.canon.world.rules[0] == rule
    assert not any(r.startswith(("The premise holds", "前提设定")) for r in series.canon.world.rules)
    assert premise not in series.canon.world.rules


def test_a_lighthouse_town_gets_no_tea_terraces() -> None:
    for seed in (0, 3, 11):
        series = _plan(LIGHTHOUSE, "en", seed)
        text = _canon_text(series).lower()
        assert "tea" not in text.replace("teacher", "") and "harvest" not in text
        whole = series.model_dump_json().lower()  # briefs, hooks, beats and cliffs as well as canon
        assert not re.search(r"\btea\b|harvest|terraces", whole)
        brother = next(c for c in series.canon.characters if c.status == CharacterStatus.DEAD)
        assert any("died" in arc and brother.name.split()[0] in arc for arc in series.plan.arcs)
    zh = _plan(LIGHTHOUSE_ZH, "zh")
    assert zh.canon.location("place_1") is not None and zh.canon.locations[0].name == "灯塔"
    assert not any(w in _canon_text(zh) for w in ("茶山", "茶园", "茶叶"))


def test_setting_words_follow_the_premise() -> None:
    tea = read_premise("Ana Silva, a tea picker, inherits her grandmother's tea terraces.", "en")
    assert fits("Green tea terraces stepping down the hill", tea)  # a tea story keeps its tea
    lighthouse = read_premise(LIGHTHOUSE, "en")
    assert not fits("Green tea terraces stepping down the hill", lighthouse)
    assert fits("Long concrete seawall, grey waves", lighthouse)  # a lighthouse is by the sea
    assert foreign_words(read_premise("", "en")) == []  # nothing said: the genre's setting stands


def test_the_season_is_the_same_for_the_same_seed() -> None:
    assert _plan(SUXIU, "zh", 5) == _plan(SUXIU, "zh", 5)
    assert _plan(PARAMEDIC, "en", 5) == _plan(PARAMEDIC, "en", 5)
