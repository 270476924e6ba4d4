"""The season bible is planned in parts, so no single call carries the whole schema; a part that names people
the cast lacks is re-asked with the ids to use, like any validation failure.

Against the simulated endpoint behaving like llama.cpp's server (JSON-schema grammar, one slot).
"""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from agents import showrunner
from agents.llm import ModelSpec, endpoint_model
from agents.structured import bounded_schema, output_cap
from evals.simulated_endpoint import SimulatedEndpoint, chat_completion
from memory.bible import StoryBible
from memory.plan_parts import CastPart, SettingPart, WorldPart, assemble, split
from memory.schema import BriefBatch, SeriesBible
from tests.conftest import make_context

PREMISE = "A night-shift pharmacist finds her late father's ledger in the shop's safe and the landlord wants it back"


def _sent(request: dict[str, object]) -> tuple[str, dict[str, object]]:
    form = request["response_format"]["json_schema"]  # type: ignore[index]
    return form["name"], form["schema"]  # type: ignore[index]


async def test_a_season_is_planned_cast_setting_world_then_briefs_each_call_a_part(bible: StoryBible) -> None:
    with SimulatedEndpoint(seed=4) as server:
        spec = ModelSpec(
            model="smollm2", base_url=server.base_url, method="json_schema", max_retries=0, max_tokens=8192
        )
        ctx = make_context(bible, models={"showrunner": endpoint_model(spec)})
        series = await showrunner.plan_series(ctx, premise=PREMISE, episodes=2, paywall_episode=2, genre=None, notes=[])
        requests = list(server.requests)
    names = [_sent(r)[0] for r in requests]
    assert names == ["CastPart", "SettingPart", "WorldPart", "BriefBatch"]
    whole = len(json.dumps(bounded_schema(SeriesBible)))
    for request in requests:
        name, schema = _sent(request)
        assert len(json.dumps(schema)) < 0.7 * whole, f"{name} carries most of the whole bible's schema"
        assert request["max_completion_tokens"] < output_cap(SeriesBible, 10**8)
    _, briefs = _sent(requests[3])
    assert briefs["properties"]["episodes"]["maxItems"] == 2, "a range's answer holds no more briefs than asked"  # type: ignore[index]
    # Each part sees the parts before it: the setting's prompt holds the cast the first call wrote.
    lead = series.canon.characters[0]
    assert lead.id in requests[1]["messages"][-1]["content"]  # type: ignore[index]
    assert [b.number for b in series.plan.episodes] == [1, 2]
    assert {c for b in series.plan.episodes for c in b.character_ids} <= {c.id for c in series.canon.characters}


async def test_a_setting_naming_people_the_cast_lacks_is_re_asked_with_the_cast_ids(bible: StoryBible) -> None:
    with SimulatedEndpoint(seed=4) as server:
        spec = ModelSpec(model="smollm2", base_url=server.base_url, method="json_schema", max_retries=0, max_reasks=1)
        ctx = make_context(bible, models={"showrunner": endpoint_model(spec)})
        good = await showrunner.plan_series(ctx, premise=PREMISE, episodes=1, paywall_episode=1, genre=None, notes=[])
        cast, setting, _ = split(good)
        assert setting.props, "the premise's ledger is a prop"
        stranger = setting.props[0].model_copy(update={"holder_id": "the landlord"})  # a name, not an id
        bad = setting.model_copy(update={"props": [stranger, *setting.props[1:]]})
        before = len(server.requests)
        server.enqueue(200, chat_completion(content=cast.model_dump_json()))
        server.enqueue(200, chat_completion(content=bad.model_dump_json()))
        again = await showrunner.plan_series(ctx, premise=PREMISE, episodes=1, paywall_episode=1, genre=None, notes=[])
        asked = server.requests[before:]
        reask = asked[2]["messages"][-1]["content"]  # type: ignore[index]
    assert [_sent(r)[0] for r in asked] == ["CastPart", "SettingPart", "SettingPart", "WorldPart", "BriefBatch"]
    # The cast's ids are the schema's enum, so the answer fails validation and the re-ask names the ids to use.
    assert "props.0.holder_id" in reask and '(got "the landlord")' in reask and cast.characters[0].id in reask
    assert all(p.holder_id in (None, *(c.id for c in again.canon.characters)) for p in again.canon.props)


def test_repeated_ids_are_numbered_apart_and_a_relation_to_nobody_is_dropped() -> None:
    cast, setting, _ = split(_offline_bible())
    first = cast.characters[0]
    twin = cast.characters[1].model_copy(update={"id": first.id})
    assert cast.numbered_apart() == cast, "a well-made cast is kept as it is"
    apart = cast.model_copy(update={"characters": [first, twin, *cast.characters[2:]]}).numbered_apart()
    assert [c.id for c in apart.characters[:2]] == [first.id, f"{first.id}_2"]
    assert [c.name for c in apart.characters] == [c.name for c in cast.characters], "every character is kept"
    place = setting.locations[0]
    doubled = setting.model_copy(update={"locations": [place, place, place]}).numbered_apart()
    assert [p.id for p in doubled.locations] == [place.id, f"{place.id}_2", f"{place.id}_3"]
    real = first.relationships[0]
    ghost, itself = real.model_copy(update={"other_id": ".001-1"}), real.model_copy(update={"other_id": first.id})
    lonely = first.model_copy(update={"relationships": [ghost, real, itself]})
    tidied = cast.model_copy(update={"characters": [lonely, *cast.characters[1:]]}).numbered_apart()
    assert tidied.characters[0].relationships == [real], "only relations between the cast's own people stay"


def test_the_parts_join_back_into_the_bible_they_came_from() -> None:
    whole = _offline_bible()
    cast, setting, world = split(whole)
    assert isinstance(setting, SettingPart) and isinstance(world, WorldPart) and isinstance(cast, CastPart)
    joined = assemble(
        cast,
        setting,
        world,
        whole.plan.episodes,
        language=whole.canon.language,
        paywall_episode=whole.plan.paywall_episode,
    )
    assert joined == whole
    assert BriefBatch(episodes=whole.plan.episodes).episodes == joined.plan.episodes


def _offline_bible() -> SeriesBible:
    from tests.fixtures_offline import plan_season

    return plan_season(PREMISE, episodes=3, seed=5)


def test_a_brief_range_offers_only_canon_ids_so_a_grammar_cannot_name_others() -> None:
    bible = _offline_bible()
    people = tuple(c.id for c in bible.canon.characters)
    places = tuple(loc.id for loc in bible.canon.locations)
    schema = bounded_schema(showrunner.briefs_of(2, people, places))
    brief = schema["$defs"]["EpisodeBrief"]["properties"]  # type: ignore[index]
    assert brief["character_ids"]["items"]["enum"] == list(people)
    assert brief["location_ids"]["items"]["enum"] == list(places)
    stranger = bible.plan.episodes[0].model_dump() | {"character_ids": [bible.canon.characters[0].name]}
    with pytest.raises(ValidationError, match=r"character_ids\.0"):
        showrunner.briefs_of(2, people, places).model_validate({"episodes": [stranger]})


def test_a_script_with_invented_ids_is_numbered_by_position_and_a_well_numbered_one_kept() -> None:
    from agents.offline import OfflineWriter
    from agents.screenwriter import well_numbered
    from tests.fixtures_offline import season

    script = next(season(_offline_bible(), OfflineWriter(seed=5), count=1))[3]
    assert well_numbered(script) is script, "ids the room reads are kept as they are"
    first = script.scenes[0]
    odd = first.model_copy(
        update={
            "id": "opening",
            "lines": [ln.model_copy(update={"id": f"ad_stone_{i}_sentence_id"}) for i, ln in enumerate(first.lines)],
        }
    )
    fixed = well_numbered(script.model_copy(update={"scenes": [odd, *script.scenes[1:]]}))
    assert [s.id for s in fixed.scenes] == [f"s{n:02d}" for n in range(1, len(script.scenes) + 1)]
    assert [ln.id for ln in fixed.scenes[0].lines][:2] == ["s01-l01", "s01-l02"]
    assert [ln.text for ln in fixed.scenes[0].lines] == [ln.text for ln in first.lines], "only the ids change"


def test_a_setting_offers_only_cast_ids_for_holders_subjects_and_knowers() -> None:
    cast, setting, _ = split(_offline_bible())
    people = tuple(c.id for c in cast.characters)
    defs = bounded_schema(showrunner.setting_of(people))["$defs"]
    holder = defs["Prop"]["properties"]["holder_id"]  # type: ignore[index]
    assert {"enum": list(people), "type": "string"} in holder["anyOf"] or any(
        o.get("enum") == list(people) for o in holder["anyOf"]
    )
    assert defs["Secret"]["properties"]["known_by"]["items"]["enum"] == list(people)  # type: ignore[index]
    read = showrunner.setting_of(people).model_validate(setting.model_dump())
    assert read.model_dump() == setting.model_dump(), "a setting naming only cast ids passes as it is"


def test_a_runaway_id_in_a_script_is_cut_so_the_checks_can_still_name_it() -> None:
    from agents.continuity_checks import check_script
    from agents.offline import OfflineWriter
    from agents.screenwriter import short_ids
    from memory.schema import Carryover
    from tests.fixtures_offline import season

    bible = _offline_bible()
    script = next(season(bible, OfflineWriter(seed=5), count=1))[3]
    scene = script.scenes[0]
    runaway = "ad" * 300
    odd = scene.model_copy(update={"character_ids": [*scene.character_ids, runaway]})
    cut = short_ids(script.model_copy(update={"scenes": [odd, *script.scenes[1:]]}))
    assert cut.scenes[0].character_ids[-1] == runaway[:64]
    findings = check_script(cut, bible.canon, Carryover())
    assert any(runaway[:64] in str(f.model_dump()) for f in findings), "the unknown id is still found and named"
