"""A whole offline season reads as one story: no line said twice, cold opens pick up cliffhangers, the cast shows up."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from agents.offline import OfflineWriter
from agents.offline.compose_lines import mentions
from agents.offline.writer import cover_cast
from dramaroom.config import SeriesConfig, load_config
from memory.canon_fold import carryover_from, fold_changes
from memory.schema import Canon, Carryover, EpisodeBrief, Script, SeriesBible
from tests.fixtures_offline import plan_season, write_script
from tests.offline_rules import problems, slips

SEASONS = [
    ("A night-shift paramedic finds out her late father's partner framed him, and goes after the truth", "en", None),
    ("A shy violinist falls for the conductor who is secretly buying her family's music school", "en", "romance"),
    ("被继母赶出家门的千金，隐姓埋名进入父亲的公司，从实习生做起", "zh", None),
    ("宫中绣娘被诬陷偷盗凤袍，她要在三个月内查出真凶", "zh", "period"),
]


def _key(sentence: str) -> str:
    folded = unicodedata.normalize("NFKC", sentence).casefold()
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith(("P", "S", "Z")))


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?。！？])\s*", text) if _key(s)]


def _write_season(bible: SeriesBible, seed: int, episodes: int) -> list[tuple[EpisodeBrief, Canon, Carryover, Script]]:
    """Write a season as production does: each call sees the committed scripts before it and the last cut."""
    committed: list[Script] = []
    writer = OfflineWriter(seed=seed, slip_rate=0.0, history=lambda n: [s for s in committed if s.episode < n])
    canon, carry = bible.canon, Carryover()
    out = []
    for brief in bible.plan.episodes[:episodes]:
        carry = carry.with_cliffhanger(committed[-1] if committed else None)
        script = write_script(writer, bible, brief, canon, carry)
        out.append((brief, canon, carry, script))
        committed.append(script)
        canon, carry = fold_changes(canon, script.state_changes), carryover_from(committed)
    return out


@pytest.fixture(scope="module", params=SEASONS, ids=["en-revenge", "en-romance", "zh-workplace", "zh-period"])
def written(request: pytest.FixtureRequest) -> tuple[SeriesBible, list[tuple[EpisodeBrief, Canon, Carryover, Script]]]:
    premise, language, genre = request.param
    bible = plan_season(premise, language, episodes=14, seed=5, genre=genre)
    return bible, _write_season(bible, 5, 14)


def test_no_dialogue_sentence_is_said_twice_in_a_season(written: tuple[SeriesBible, list]) -> None:
    bible, episodes = written
    said: Counter[str] = Counter()
    masked: Counter[str] = Counter()
    names = sorted({n for c in bible.canon.characters for n in (c.name, *c.aliases) if len(n) >= 2}, key=len)
    for _, _, _, script in episodes:
        for line in script.lines():
            if line.kind != "dialogue":
                continue
            for sentence in _sentences(line.text):
                key = _key(sentence)
                if len(key) < (4 if bible.canon.language == "zh" else 10):
                    continue  # "What?" / 「什么？」 are not lines a viewer counts
                said[key] += 1
                for name in reversed(names):
                    key = key.replace(_key(name), "@")
                masked[key] += 1
    assert len(said) > 14 * 8, "a season of 14 episodes says well over a hundred sentences"
    assert [k for k, n in said.items() if n > 1] == []
    # The same line said to two different people is a near-duplicate; a few may happen, not a pattern.
    near = sum(n - 1 for n in masked.values() if n > 1)
    assert near <= 0.03 * sum(masked.values())


def test_each_cold_open_picks_up_the_previous_cliffhanger(written: tuple[SeriesBible, list]) -> None:
    bible, episodes = written
    lead = next(c.id for c in bible.canon.characters if c.role == "protagonist")
    picked = 0
    for (_, canon, _, before), (_, _, _, after) in itertools.pairwise(episodes):
        last_scene, last_line = before.scenes[-1], before.scenes[-1].lines[-1]
        raised = {last_line.speaker_id} if last_line.speaker_id else set()
        raised |= {c.id for c in canon.characters if mentions(last_line.text, c, canon.language)}
        raised = (raised or set(last_scene.character_ids)) - {lead}
        opening = after.scenes[0]
        shared = raised & set(opening.character_ids)
        assert raised, f"episode {before.episode} cuts on nobody but the lead"
        if shared and opening.location_id == last_scene.location_id:
            picked += 1
            # The people at the cut are named in the cold open's first lines, not just listed as present.
            opening_text = " ".join(line.text for line in opening.lines[:3])
            assert any(
                mentions(opening_text, person, canon.language)
                for person in (canon.character(c) for c in set(last_scene.character_ids))
                if person is not None
            ), after.episode
    assert picked >= 0.9 * (len(episodes) - 1)


def test_every_script_obeys_the_story_rules_with_cold_opens_and_flashbacks(written: tuple[SeriesBible, list]) -> None:
    _, episodes = written
    for brief, canon, carry, script in episodes:
        assert problems(canon, brief, carry, script) == [], brief.number
        assert slips(canon, carry, script) == [], brief.number


def test_speakers_address_only_people_in_the_scene(written: tuple[SeriesBible, list]) -> None:
    _bible, episodes = written
    for _, canon, _, script in episodes:
        for scene in script.scenes:
            for line in scene.lines:
                if line.kind != "dialogue":
                    continue
                assert line.speaker_id in scene.character_ids, (script.episode, line.id)
                if line.reveals:
                    continue  # a reveal is about someone, who may well be elsewhere
                named = [c.id for c in canon.characters if mentions(line.text, c, canon.language)]
                absent = [c for c in named if c not in scene.character_ids]
                assert absent == [], (script.episode, line.id, line.text)


def test_every_planned_cast_member_is_on_screen(written: tuple[SeriesBible, list]) -> None:
    bible, episodes = written
    seen: set[str] = set()
    for brief, _, _, script in episodes:
        present = {c for scene in script.scenes for c in scene.character_ids}
        assert set(brief.character_ids) - present == set(), brief.number
        seen |= present
    planned = {c.id for c in bible.canon.characters if any(c.id in b.character_ids for b in bible.plan.episodes)}
    assert planned <= seen


def test_the_same_seed_writes_the_same_season_and_another_seed_does_not() -> None:
    bible = plan_season(
        "A courier learns the parcel she carries every Friday holds her missing sister's letters", seed=3
    )
    first = [s for *_, s in _write_season(bible, 3, 4)]
    again = [s for *_, s in _write_season(bible, 3, 4)]
    other = [s for *_, s in _write_season(bible, 4, 4)]
    assert first == again
    assert first != other


def test_a_resumed_episode_is_written_exactly_as_before() -> None:
    # After a crash the writer is rebuilt and re-reads the committed scripts: the episode must not change.
    bible = plan_season("A disgraced chef cooks for the critic who ruined her", seed=8, episodes=5)
    season = _write_season(bible, 8, 4)
    committed = [s for *_, s in season[:3]]
    brief, canon, _, original = season[3]
    fresh = OfflineWriter(seed=8, slip_rate=0.0, history=lambda n: [s for s in committed if s.episode < n])
    carry = carryover_from(committed)
    assert write_script(fresh, bible, brief, canon, carry.with_cliffhanger(committed[-1])) == original


def test_the_seed_is_not_part_of_the_prompt() -> None:
    # Two payloads that differ only in a "seed" key get the same script: the writer derives its own seeds.
    bible = plan_season("A locksmith is hired to open the safe of the man who ruined her family", seed=2)
    writer = OfflineWriter(seed=2, slip_rate=0.0)
    brief = bible.plan.episodes[0]
    one = write_script(writer, bible, brief, bible.canon, Carryover(), seed=1)
    two = write_script(writer, bible, brief, bible.canon, Carryover(), seed=99)
    assert one == two
    assert write_script(OfflineWriter(seed=3, slip_rate=0.0), bible, brief, bible.canon, Carryover()) != one


def test_slip_rate_lives_in_the_offline_section_and_the_old_key_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "dramaroom.toml"
    path.write_text('[series]\npremise = "p"\n\n[offline]\nslip_rate = 0.5\n', encoding="utf-8")
    assert load_config(path).slip_rate == 0.5
    path.write_text('[series]\npremise = "p"\n\n[room]\nslip_rate = 0.1\n', encoding="utf-8")
    assert load_config(path).slip_rate == 0.1
    fresh = SeriesConfig.model_validate({"series": {"premise": "p"}})
    assert fresh.slip_rate == 0.25


def test_a_character_the_plan_never_casts_gets_an_episode() -> None:
    bible = plan_season("A night-market cook hides her stolen recipe book from the rival who wants it", seed=6)
    dropped = [c.id for c in bible.canon.characters[-2:]]
    briefs = [
        b.model_copy(
            update={"character_ids": [c for c in b.character_ids if c not in dropped] or [bible.canon.characters[0].id]}
        )
        for b in bible.plan.episodes
    ]
    stripped = bible.model_copy(update={"plan": bible.plan.model_copy(update={"episodes": briefs})})
    covered = cover_cast(stripped)
    cast = [c for b in covered.plan.episodes for c in b.character_ids]
    assert all(cast.count(c) == 1 for c in dropped), "each one joins exactly one episode"
    hosts = [b.number for b in covered.plan.episodes if set(dropped) & set(b.character_ids)]
    assert len(set(hosts)) == len(dropped) and 1 not in hosts, "spread out, and never crowding the pilot"
    assert max(len(b.character_ids) for b in covered.plan.episodes) <= 4
    assert cover_cast(covered) == covered
