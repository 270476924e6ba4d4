"""Season plans from the offline writer are valid, varied and reproducible."""

from __future__ import annotations

import json
import re

import pytest

from agents.offline import OfflineWriter
from tests.fixtures_offline import plan_season, season
from tests.offline_rules import MODERN_EN, MODERN_ZH, has_term

_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


_PREMISES = [
    ("A delivery rider is secretly heir to a shipping empire", "en", "identity_reveal"),
    ("外卖员其实是海港集团失散多年的继承人", "zh", "identity_reveal"),
    ("A former CFO framed for fraud plans her revenge", "en", "revenge"),
    ("被最信任的人背叛后，她回来复仇", "zh", "revenge"),
    ("A pastry chef is reborn five years before her wedding", "en", "rebirth"),
    ("糕点师重生回到五年前", "zh", "rebirth"),
    ("Two rival chefs fall in love across one street", "en", "romance"),
    ("An engineer comes home to save the family house", "en", "family"),
    ("A junior engineer fights her boss over a stolen design at the office", "en", "workplace"),
    ("A court physician uncovers a plot against the emperor", "en", "period"),
    ("王朝末年，一名太医院医官卷入宫廷阴谋", "zh", "period"),
]


@pytest.mark.parametrize(("premise", "language", "genre"), _PREMISES)
def test_plan_is_valid(premise: str, language: str, genre: str) -> None:
    bible = plan_season(premise, language)
    canon, plan = bible.canon, bible.plan
    assert plan.genre == genre == canon.genre and canon.language == language
    ids = [c.id for c in canon.characters]
    assert 5 <= len(ids) <= 7 and len(set(ids)) == len(ids) and all(_ID.match(i) for i in ids)
    assert len({c.name for c in canon.characters}) == len(ids)
    assert all(2 <= len(c.wardrobe) <= 3 and c.appearance.hair and c.appearance.palette for c in canon.characters)
    assert len({(c.voice.gender, c.voice.pitch, c.voice.rate) for c in canon.characters}) == len(ids)
    genders = [c.gender for c in canon.characters]
    assert genders.count("female") >= 2 and genders.count("male") >= 2
    minors = [c for c in canon.characters if c.age < 18]
    assert len(minors) <= 1 and all(c.role == "family" and canon.genre == "family" for c in minors)
    assert 4 <= len(canon.locations) <= 6 and 2 <= len(canon.props) <= 3 and 2 <= len(canon.secrets) <= 3
    assert all(p.holder_id in ids for p in canon.props)
    assert all(s.keywords and set(s.known_by) <= set(ids) and s.reveal_episode for s in canon.secrets)
    assert len(plan.episodes) == 12 and [b.number for b in plan.episodes] == list(range(1, 13))
    assert [b.number for b in plan.episodes if b.is_paywall] == [4] == [plan.paywall_episode]
    assert 3 <= len(plan.arcs) <= 4
    location_ids = {loc.id for loc in canon.locations}
    days = [b.story_day for b in plan.episodes]
    assert days == sorted(days) and days[-1] > days[0]
    gone: set[str] = set()
    for brief in plan.episodes:
        assert 2 <= len(brief.character_ids) <= 4 and set(brief.character_ids) <= set(ids)
        assert not set(brief.character_ids) & gone, f"absent character back in episode {brief.number}"
        assert 1 <= len(brief.location_ids) <= 3 and set(brief.location_ids) <= location_ids
        curve = brief.emotional_curve
        assert all(1 <= v <= 10 for v in curve) and curve[2] == max(curve) and len(set(curve)) > 1
        if minors and minors[0].id in brief.character_ids:
            assert not brief.planned_changes
        gone |= {c.entity_id for c in brief.planned_changes if c.field == "status"}
    changes = [c for b in plan.episodes for c in b.planned_changes]
    assert sorted(c.entity_id for c in changes if c.field == "knows") == sorted(s.id for s in canon.secrets)
    assert any(c.field == "holder_id" for c in changes)
    if genre in ("revenge", "period", "family"):
        assert any(c.field == "status" and c.value == "absent" for c in changes)
    hooks = [b.opening_hook for b in plan.episodes]
    cliffs = [b.cliffhanger for b in plan.episodes]
    assert len(set(hooks)) == len(hooks) and len(set(cliffs)) == len(cliffs)
    text = json.dumps(bible.model_dump(mode="json"), ensure_ascii=False)
    assert "{" not in text.replace('{"', "").replace("{}", "")
    for banned in ("霸总", "霸道总裁", "Elara", "lighthouse", "Ignore"):
        assert banned not in text


def test_premise_occupation_becomes_the_protagonist_job() -> None:
    assert (
        plan_season("A delivery rider is secretly heir to a shipping empire").canon.characters[0].occupation
        == "delivery rider"
    )
    assert plan_season("外卖员其实是豪门继承人", "zh").canon.characters[0].occupation == "外卖员"


def test_period_world_is_pre_industrial() -> None:
    writer = OfflineWriter(seed=5, slip_rate=0.0)
    for language, modern in (("en", MODERN_EN), ("zh", MODERN_ZH)):
        bible = plan_season(
            "A court physician in the emperor's palace" if language == "en" else "王朝宫廷里的医官", language, seed=5
        )
        assert bible.canon.world.technology == "pre_industrial"
        forbidden = set(bible.canon.world.forbidden_terms)
        assert (
            {"phone", "car", "gun", "computer"} if language == "en" else {"手机", "汽车", "枪", "电脑"}
        ) <= forbidden
        # The forbidden-term list itself is the one place modern words may appear.
        dumped = bible.model_dump(mode="json")
        dumped["canon"]["world"]["forbidden_terms"] = []
        texts = [json.dumps(dumped, ensure_ascii=False)]
        texts += [json.dumps(s.model_dump(mode="json"), ensure_ascii=False) for *_, s in season(bible, writer, 6)]
        for text in texts:
            for term in modern:
                assert not has_term(text, term), term


def test_same_seed_same_plan_and_different_seeds_differ() -> None:
    first = plan_season("A delivery rider is secretly heir to a shipping empire", seed=11)
    again = plan_season("A delivery rider is secretly heir to a shipping empire", seed=11)
    assert first.model_dump() == again.model_dump()
    others = [plan_season("A delivery rider is secretly heir to a shipping empire", seed=s) for s in (12, 13, 14)]
    casts = {tuple(c.name for c in b.canon.characters) for b in [first, *others]}
    titles = {b.canon.title for b in [first, *others]}
    assert len(casts) == 4 and len(titles) >= 2
    beats = {tuple(e.key_beats[0] for e in b.plan.episodes) for b in [first, *others]}
    assert len(beats) == 4


@pytest.mark.parametrize(
    ("premise", "language", "name", "job"),
    [
        ("外卖员林晚其实是物流集团的真正继承人，她要查清父亲被开除的真相。", "zh", "林晚", "外卖员"),
        ("名叫苏念的护士发现院长是她失散的哥哥。", "zh", "苏念", "护士"),
        ("A delivery rider named Maya Chen is secretly the heir.", "en", "Maya Chen", "delivery rider"),
        ("Lin, a courier, finds a letter.", "en", "Lin ", "courier"),
    ],
)
def test_the_lead_keeps_the_name_the_premise_gives(premise: str, language: str, name: str, job: str) -> None:
    from agents.offline.compose_plan import plan_season as compose

    series = compose({"premise": premise, "language": language, "episodes": 4, "seed": 3, "paywall_episode": 2})
    lead = series.canon.characters[0]
    assert lead.name.startswith(name) and lead.occupation == job
    assert lead.id.isascii() and lead.id == lead.id.lower()
    others = [c.name for c in series.canon.characters[1:]]
    assert all(not other.startswith(name.strip()) for other in others)
