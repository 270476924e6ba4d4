"""Withdrawing a committed episode and marking one stale, against real chromadb and MiniLM."""

from __future__ import annotations

from pathlib import Path

from memory.bible import StoryBible
from tests.test_bible import _scripts_en, _series


def test_withdrawn_episode_is_no_longer_recalled_and_its_stale_mark_goes(tmp_path: Path) -> None:
    bible = StoryBible(tmp_path / "bible")
    bible.initialise(_series())
    scripts = _scripts_en()
    for n in sorted(scripts):
        bible.commit_episode(scripts[n])
    before = [r.ref for r in bible.recall("hospital ward", k=20)]
    assert any(ref.startswith("ep001/") for ref in before)
    bible.mark_stale(1, '{"change": "rename"}')
    assert bible.stale_episodes() == {1: '{"change": "rename"}'}
    assert bible.withdraw_episode(1) is True
    assert 1 not in bible.committed_episodes() and bible.script(1) is None
    after = [r.ref for r in bible.recall("hospital ward", k=20)]
    assert after and not any(ref.startswith("ep001/") for ref in after)
    assert bible.stale_episodes() == {}
    assert bible.withdraw_episode(1) is False
    bible.commit_episode(scripts[1])
    assert 1 in bible.committed_episodes()
    assert any(r.ref.startswith("ep001/") for r in bible.recall("hospital ward", k=20))


def test_recommit_clears_a_stale_mark(tmp_path: Path) -> None:
    bible = StoryBible(tmp_path / "bible")
    bible.initialise(_series())
    ep1 = _scripts_en()[1]
    bible.commit_episode(ep1)
    bible.mark_stale(1, "renamed")
    bible.mark_stale(7, "never committed")
    assert bible.stale_episodes() == {1: "renamed"}
    bible.clear_stale(1)
    assert bible.stale_episodes() == {}
    bible.mark_stale(1, "renamed")
    bible.commit_episode(ep1.model_copy(update={"summary": "Rewritten."}))
    assert bible.stale_episodes() == {}


def test_the_canon_documents_of_a_chinese_series_read_in_chinese() -> None:
    from memory.bible_text import entity_docs
    from tests.fixtures_canon import canon_zh

    canon = canon_zh()
    docs = {d.id: d.text for d in entity_docs(canon)}
    first = canon.characters[0]
    text = docs[f"canon:character:{first.id}"]
    assert text.startswith(f"角色{first.name}（") and "外貌：" in text and "Character" not in text
    assert docs["canon:rule:world"].startswith("世界：")
    english = " ".join(docs.values())
    for word in ("Character ", "Location ", "Prop ", "Secret:", "World:", "Looks:", "Traits:"):
        assert word not in english


def test_the_episode_summary_and_timeline_documents_follow_the_series_language() -> None:
    from agents.offline import OfflineWriter
    from memory.bible_text import episode_docs
    from memory.schema import Carryover
    from tests.fixtures_offline import plan_season, write_script

    for language, premise in (
        ("zh", "重生回到订婚宴前一天，她决定当众揭穿继母和未婚夫的阴谋。"),
        ("en", "A ferry pilot hides a stolen map."),
    ):
        bible = plan_season(premise, language, episodes=2, seed=3)
        brief = bible.plan.episodes[0]
        script = write_script(OfflineWriter(seed=3, slip_rate=0.0), bible, brief, bible.canon, Carryover(), seed=3)
        docs = episode_docs(script, bible.canon)
        summary = next(d.text for d in docs if d.meta["kind"] == "summary")
        events = [d.text for d in docs if d.meta["kind"] == "event"]
        assert events
        if language == "zh":
            assert summary == f"第1集《{script.title}》：{script.summary}"
            assert all(t.startswith("第") and "，第1集：" in t and "Day" not in t for t in events)
        else:
            assert summary == f"Episode 1 — {script.title}: {script.summary}"
            assert all(t.startswith("Day ") and ", episode 1: " in t for t in events)
