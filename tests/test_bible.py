"""Test the story bible against real chromadb and real MiniLM embeddings."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from memory.bible import StoryBible
from memory.canon_fold import FoldError, carryover_from, fold_changes
from memory.embeddings import EmbeddingConfig, embedding_function, minilm_path
from memory.schema import (
    Appearance,
    Canon,
    Character,
    EpisodeBrief,
    Line,
    Location,
    Prop,
    PropUse,
    Scene,
    Script,
    SeasonPlan,
    Secret,
    SeriesBible,
    StateChange,
    Voice,
    WardrobeSet,
    WorldRules,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", autouse=True)
def _warm_embedder() -> None:
    """Load MiniLM once for the module; every bible then reuses the cached function."""
    embedding_function(EmbeddingConfig())


# ------------------------------------------------------------------ builders


def _character(cid: str, name: str, gender: str, role: str, sets: tuple[str, ...] = ("work",)) -> Character:
    return Character(
        id=cid,
        name=name,
        age=30,
        gender=gender,
        role=role,
        appearance=Appearance(hair="black hair", build="slim"),
        wardrobe=[WardrobeSet(id=s, description=f"{s} clothes") for s in sets],
        voice=Voice(gender="female" if gender == "female" else "male"),
    )


def _series(language: str = "en") -> SeriesBible:
    zh = language == "zh"
    canon = Canon(
        title="玉佩" if zh else "The Jade Heir",
        language=language,
        genre="identity_reveal",
        tone="tense",
        world=WorldRules(era="present-day Shanghai", technology="modern", rules=["No magic."]),
        characters=[
            _character("lin_wan", "林婉" if zh else "Lin Wan", "female", "protagonist", ("scrubs", "gala")),
            _character("chen_hao", "陈浩" if zh else "Chen Hao", "male", "antagonist"),
            _character("su_mei", "苏梅" if zh else "Su Mei", "female", "family"),
            _character("zhou_qi", "周琪" if zh else "Zhou Qi", "male", "ally"),
        ],
        locations=[
            Location(
                id="hospital_ward",
                name="医院病房" if zh else "Hospital ward",
                description="白色病床，消毒水味" if zh else "white beds, monitors beeping, smell of disinfectant",
            ),
            Location(
                id="chen_office",
                name="陈氏办公室" if zh else "Chen Group office",
                description="玻璃幕墙，俯瞰外滩" if zh else "glass walls over the Bund, cold steel desk",
            ),
        ],
        props=[Prop(id="jade_pendant", name="玉佩" if zh else "jade pendant", description="green", holder_id="su_mei")],
        secrets=[
            Secret(
                id="lin_is_heir",
                description="林婉是陈家失散的继承人" if zh else "Lin Wan is the lost heir of the Chen family",
                about_id="lin_wan",
                known_by=["su_mei"],
            )
        ],
    )
    briefs = [
        EpisodeBrief(
            number=n,
            title=f"Episode {n}",
            opening_hook="hook",
            key_beats=["a", "b", "c", "d"],
            emotional_curve=[2, 5, 9, 3],
            cliffhanger="cliff",
            core_conflict="conflict",
            character_ids=["lin_wan"],
            location_ids=["hospital_ward"],
            story_day=n,
        )
        for n in (1, 2, 3)
    ]
    plan = SeasonPlan(title=canon.title, logline="A nurse finds out who she is.", genre="identity_reveal",
                      tone="tense", paywall_episode=2, episodes=briefs)  # fmt: skip
    return SeriesBible(canon=canon, plan=plan)


def _scene(sid: str, location: str, who: list[str], lines: list[tuple[str | None, str]], **kw: Any) -> Scene:
    built = [
        Line(id=f"{sid}-l{i:02d}", kind="dialogue" if speaker else "action", speaker_id=speaker, text=text)
        for i, (speaker, text) in enumerate(lines, start=1)
    ]
    kw.setdefault("time_of_day", "night")
    kw.setdefault("story_day", 1)
    kw.setdefault("clock", "21:00")
    return Scene(id=sid, location_id=location, character_ids=who, lines=built, **kw)


def _scripts_en() -> dict[int, Script]:
    ep1 = Script(
        episode=1, title="The Pendant", target_seconds=90,
        summary="Su Mei gives Lin Wan a jade pendant at the hospital.",
        scenes=[
            _scene("s01", "hospital_ward", ["lin_wan", "su_mei"], [
                (None, "Lin Wan checks the drip beside the hospital bed while monitors beep."),
                ("su_mei", "Keep this pendant. Never take it off."),
            ], wardrobe={"lin_wan": "scrubs"}, props=[PropUse(prop_id="jade_pendant", holder_id="lin_wan")]),
            _scene("s02", "chen_office", ["chen_hao"], [(None, "Chen Hao signs a contract at his desk.")],
                   clock="22:30", time_of_day="night"),
        ],
        state_changes=[StateChange(entity_id="jade_pendant", field="holder_id", value="lin_wan")],
    )  # fmt: skip
    ep2 = Script(
        episode=2, title="Glass Walls", target_seconds=90, summary="Chen Hao confronts Lin Wan; she learns the truth.",
        scenes=[
            _scene("s01", "chen_office", ["chen_hao", "lin_wan"], [
                ("chen_hao", "Where did you get that pendant?"),
                ("lin_wan", "My mother gave it to me."),
            ], story_day=2, clock="09:00", time_of_day="morning", wardrobe={"lin_wan": "gala"}),
            _scene("s02", "hospital_ward", ["su_mei"], [(None, "Years earlier, Su Mei carries a baby out.")],
                   story_day=1, clock="03:00", flashback=True, wardrobe={"lin_wan": "scrubs"}),
        ],
        state_changes=[
            StateChange(entity_id="lin_is_heir", field="knows", value="lin_wan"),
            StateChange(entity_id="jade_pendant", field="prop_state", value="damaged"),
        ],
    )  # fmt: skip
    ep3 = Script(
        episode=3, title="Goodbye", target_seconds=90, summary="Su Mei dies; Chen Hao learns Lin Wan is the heir.",
        scenes=[
            _scene("s01", "hospital_ward", ["lin_wan", "su_mei", "chen_hao"], [
                (None, "Su Mei's monitor flatlines."),
                ("lin_wan", "Mother!"),
            ], story_day=3, clock="23:00"),
        ],
        state_changes=[
            StateChange(entity_id="su_mei", field="status", value="dead"),
            StateChange(entity_id="lin_is_heir", field="knows", value="chen_hao"),
            StateChange(entity_id="jade_pendant", field="holder_id", value="chen_hao"),
        ],
    )  # fmt: skip
    return {1: ep1, 2: ep2, 3: ep3}


def _counts(bible: StoryBible) -> tuple[int, int]:
    stats = bible.stats()
    return stats["records"], stats["memory"]


# --------------------------------------------------------------------- tests


def test_initialise_and_reopen(tmp_path: Path) -> None:
    series = _series()
    with StoryBible(tmp_path / "bible") as bible:
        assert not bible.has_series()
        bible.initialise(series)
        before = _counts(bible)
        bible.initialise(series)  # idempotent: replaces, never duplicates
        assert _counts(bible) == before
    reopened = StoryBible(tmp_path / "bible")
    assert reopened.has_series()
    assert reopened.base_canon() == series.canon
    assert reopened.plan() == series.plan
    hits = reopened.recall("who is the lost heir", kinds=["secret"], k=1)
    assert [h.ref for h in hits] == ["canon/secret/lin_is_heir"]
    new_plan = series.plan.model_copy(update={"logline": "Changed."})
    reopened.save_plan(new_plan)
    assert reopened.plan().logline == "Changed."
    reopened.close()


def test_reopen_in_subprocess(tmp_path: Path) -> None:
    with StoryBible(tmp_path / "bible") as bible:
        bible.initialise(_series())
        bible.commit_episode(_scripts_en()[1])
    code = (
        "import json, sys; from pathlib import Path; from memory.bible import StoryBible\n"
        "b = StoryBible(Path(sys.argv[1]))\n"
        "hits = b.recall('hospital bed pendant', kinds=['scene'], k=1)\n"
        "print(json.dumps({'title': b.base_canon().title, 'eps': b.committed_episodes(), 'ref': hits[0].ref}))\n"
        "b.close()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "bible")], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "title": "The Jade Heir",
        "eps": [1],
        "ref": "ep001/s01",
    }
    assert "Loading weights" not in done.stderr + done.stdout


def test_canon_at_folds_in_episode_order(tmp_path: Path) -> None:
    bible = StoryBible(tmp_path / "bible")
    bible.initialise(_series())
    scripts = _scripts_en()
    for n in (3, 1, 2):  # commit order must not matter
        assert bible.commit_episode(scripts[n])
    assert bible.committed_episodes() == [1, 2, 3]
    assert bible.canon_at(1) == bible.base_canon()
    at2 = bible.canon_at(2)
    pendant = at2.prop("jade_pendant")
    assert pendant is not None and pendant.holder_id == "lin_wan" and pendant.state == "intact"
    at3 = bible.canon_at(3)
    pendant3, heir3 = at3.prop("jade_pendant"), at3.secret("lin_is_heir")
    assert pendant3 is not None and pendant3.state == "damaged"
    assert heir3 is not None and heir3.known_by == ["su_mei", "lin_wan"]
    su3 = at3.character("su_mei")
    assert su3 is not None and su3.status == "alive"  # episode 3's death not folded into canon_at(3)
    at4 = bible.canon_at(4)
    su4, pendant4 = at4.character("su_mei"), at4.prop("jade_pendant")
    assert su4 is not None and su4.status == "dead"
    assert pendant4 is not None and pendant4.holder_id == "chen_hao"
    at3.characters.clear()  # callers get copies: the cache stays intact
    assert bible.canon_at(3).character("lin_wan") is not None
    assert [(n, c.field) for n, c in bible.history("jade_pendant")] == [
        (1, "holder_id"),
        (2, "prop_state"),
        (3, "holder_id"),
    ]
    assert [n for n, _ in bible.history("chen_hao")] == [3, 3]  # learns the secret, receives the pendant


def test_fold_is_pure_and_strict_mode_raises() -> None:
    canon = _series().canon
    bad = StateChange(entity_id="nobody", field="status", value="dead")
    good = StateChange(entity_id="su_mei", field="status", value="dead")
    folded = fold_changes(canon, [bad, good])
    su_before, su_after = canon.character("su_mei"), folded.character("su_mei")
    assert su_before is not None and su_before.status == "alive"
    assert su_after is not None and su_after.status == "dead"
    with pytest.raises(FoldError):
        fold_changes(canon, [bad], strict=True)


def test_knowledge_by_episode(tmp_path: Path) -> None:
    bible = StoryBible(tmp_path / "bible")
    bible.initialise(_series())
    for script in _scripts_en().values():
        bible.commit_episode(script)
    assert bible.knowledge("lin_wan", by_episode=1) == []
    assert [s.id for s in bible.knowledge("lin_wan", by_episode=2)] == ["lin_is_heir"]
    assert bible.knowledge("chen_hao", by_episode=2) == []
    assert [s.id for s in bible.knowledge("chen_hao", by_episode=3)] == ["lin_is_heir"]
    assert [s.id for s in bible.knowledge("su_mei", by_episode=1)] == ["lin_is_heir"]


def test_carryover_and_summaries(tmp_path: Path) -> None:
    bible = StoryBible(tmp_path / "bible")
    bible.initialise(_series())
    scripts = _scripts_en()
    for script in scripts.values():
        bible.commit_episode(script)
    assert bible.carryover_at(1).last_story_day == 0
    after1 = bible.carryover_at(2)
    assert (after1.last_story_day, after1.last_clock, after1.wardrobe) == (1, "22:30", {"lin_wan": "scrubs"})
    after2 = bible.carryover_at(3)  # episode 2 ends on a flashback: the present stays at day 2
    assert (after2.last_story_day, after2.last_clock, after2.wardrobe) == (2, "09:00", {"lin_wan": "gala"})
    assert carryover_from(scripts.values()) == bible.carryover_at(99)
    assert [n for n, _ in bible.summaries(before_episode=4, last=2)] == [2, 3]
    assert bible.summaries(before_episode=1) == []
    assert [e.story_day for e in bible.timeline(before_episode=3)] == [1, 1, 2, 1]


def test_commit_is_idempotent_and_replaces(tmp_path: Path) -> None:
    bible = StoryBible(tmp_path / "bible")
    bible.initialise(_series())
    ep1 = _scripts_en()[1]
    assert bible.commit_episode(ep1) is True
    counts = _counts(bible)
    assert bible.commit_episode(ep1) is False
    assert _counts(bible) == counts
    assert bible.script(1) == ep1
    changed = ep1.model_copy(update={"scenes": ep1.scenes[:1], "summary": "Only the ward."})
    assert bible.commit_episode(changed) is True
    assert bible.script(1) == changed
    records, memory = _counts(bible)
    assert (records, memory) == (counts[0], counts[1] - 2)  # one scene doc and one event doc fewer
    assert [r.ref for r in bible.recall_entity("chen_office")] == ["canon/location/chen_office"]
    assert bible.summaries(before_episode=2) == [(1, "Only the ward.")]


def test_crash_mid_commit_is_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clean = StoryBible(tmp_path / "clean")
    clean.initialise(_series())
    ep1 = _scripts_en()[1]
    clean.commit_episode(ep1)

    bible = StoryBible(tmp_path / "bible")
    bible.initialise(_series())

    def crash(episode: int, digest: str) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(bible, "_write_marker", crash)
    with pytest.raises(RuntimeError):
        bible.commit_episode(ep1)
    monkeypatch.undo()
    assert bible.committed_episodes() == []
    assert bible.script(1) is None
    assert bible.recall("hospital bed pendant", kinds=["scene"]) == []  # half-written episode stays invisible
    assert bible.canon_at(2) == bible.base_canon()
    assert bible.commit_episode(ep1) is True
    assert bible.committed_episodes() == [1]
    assert _counts(bible) == _counts(clean)


def test_recall_by_meaning_and_filters(tmp_path: Path) -> None:
    bible = StoryBible(tmp_path / "bible")
    bible.initialise(_series())
    for script in _scripts_en().values():
        bible.commit_episode(script)
    hits = bible.recall("scenes in the hospital ward", kinds=["scene"], k=3)
    assert hits[0].kind == "scene" and hits[0].ref.endswith("/s01") and "Hospital ward" in hits[0].text
    assert all(h.distance <= later.distance for h, later in itertools.pairwise(hits))
    early = bible.recall("Su Mei dies, the monitor flatlines", before_episode=3, k=10)
    assert early and all(h.episode < 3 for h in early)
    late = bible.recall("Su Mei dies, the monitor flatlines", k=1)
    assert late[0].episode == 3
    office = [r.ref for r in bible.scenes_at("chen_office")]
    assert office == ["ep001/s02", "ep002/s01"]
    lin = bible.recall_entity("lin_wan", before_episode=2, k=50)
    assert {r.episode for r in lin} == {0, 1}
    assert "canon/character/lin_wan" in [r.ref for r in lin]
    assert len(bible.recall_entity("lin_wan", k=3)) == 3


def test_chinese_recall(tmp_path: Path) -> None:
    bible = StoryBible(tmp_path / "bible")
    bible.initialise(_series("zh"))
    script = Script(
        episode=1, title="玉佩", target_seconds=90, summary="苏梅在医院把玉佩交给林婉。陈浩在办公室签约。",
        scenes=[
            _scene("s01", "hospital_ward", ["lin_wan", "su_mei"], [
                (None, "林婉在病床边换输液瓶，监护仪滴滴作响。"),
                ("su_mei", "这块玉佩你收好，千万别摘下来。"),
            ]),
            _scene("s02", "chen_office", ["chen_hao"], [(None, "陈浩在办公桌前签下合同。")], clock="22:30"),
        ],
        state_changes=[StateChange(entity_id="jade_pendant", field="holder_id", value="lin_wan")],
    )  # fmt: skip
    bible.commit_episode(script)
    ward = bible.recall("医院病房里的戏", kinds=["scene"], k=2)
    assert ward[0].ref == "ep001/s01"
    office = bible.recall("陈浩签合同", kinds=["scene"], k=2)
    assert office[0].ref == "ep001/s02"
    pendant = bible.recall("谁拿着玉佩", kinds=["change"], k=1)
    assert pendant[0].ref == "ep001/change/00" and "林婉" in pendant[0].text
    assert {r.ref for r in bible.recall_entity("su_mei")} >= {"canon/character/su_mei", "ep001/s01"}


def test_refuses_a_different_embedder(tmp_path: Path) -> None:
    with StoryBible(tmp_path / "bible") as bible:
        bible.initialise(_series())
    other = EmbeddingConfig(kind="sentence_transformers", path=str(minilm_path()))
    with pytest.raises(ValueError, match="embedded with"):
        StoryBible(tmp_path / "bible", other).recall("anything")
    assert StoryBible(tmp_path / "bible", EmbeddingConfig()).base_canon().title == "The Jade Heir"
