"""The new eval measures on small hand-written inputs: sentence normalising, near-verbatim grouping, stale reviews."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from evals.cliches import scan
from evals.metrics_repeats import jaccard, near_groups, normalise, repeats, sentences
from evals.metrics_stale import CanonChange, staleness
from memory.schema import Line, Scene, Script


def _script(episode: int, texts: list[str]) -> Script:
    lines = [
        Line(id=f"s01-l{i:02d}", kind="dialogue", speaker_id="maya", cue="MAYA", text=t) for i, t in enumerate(texts)
    ]
    scene = Scene(
        id="s01", location_id="loft", time_of_day="day", story_day=1, clock="09:00", character_ids=["maya"], lines=lines
    )
    return Script(episode=episode, title=f"Ep {episode}", target_seconds=90, scenes=[scene], summary="")


def test_sentences_are_split_and_normalised_per_language() -> None:
    assert sentences("Sit down. Now! Are you sure?", "en") == ["Sit down.", "Now!", "Are you sure?"]
    assert sentences("小声点，隔墙有耳。董事会周五开！", "zh") == ["小声点，隔墙有耳。", "董事会周五开！"]
    assert normalise("  Don't   LIE to me!! ", "en") == "dont lie to me"
    assert normalise("小声点，隔墙 有耳。", "zh") == "小声点隔墙有耳"
    assert jaccard("abcdef", "abcdef") == 1.0 and jaccard("abcdef", "uvwxyz") == 0.0


def test_repeats_count_verbatim_and_near_verbatim_lines_across_episodes() -> None:
    one = _script(1, ["You never listen to me, Leo.", "What?", "The ledger is gone."])
    two = _script(2, ["you never listen to me, leo!", "What?", "Nobody saw the ledger."])
    three = _script(3, ["You never listen to me, Maya.", "We should go home now."])
    season, episodes, stock = repeats([(1, one), (2, two), (3, three)], "en", names=["Leo", "Maya"])
    # "What?" is too short to count; the first line is verbatim in 1 and 2 and, with another name, in 3.
    assert season.sentences == 6 and season.distinct == 5 and season.distinct_ratio == pytest.approx(5 / 6, abs=1e-4)
    assert [(r.text, r.count, r.episodes) for r in season.top] == [("You never listen to me, Leo.", 2, [1, 2])]
    assert season.near_groups == 1 and season.top_near[0].count == 3 and season.top_near[0].episodes == [1, 2, 3]
    assert season.stock_lines == 2, "said in three episodes once names are masked: a stock line"
    assert [e.said_before for e in episodes] == [0, 1, 0] and [e.near_elsewhere for e in episodes] == [1, 1, 1]
    assert set(stock) == {"you never listen to me leo", "you never listen to me maya"}
    lexicon = scan([line.text for line in three.lines()], "en", stock, given="")
    assert lexicon.by_category.get("stock_lines") == 1 and lexicon.template_hits >= 1
    assert lexicon.lines_with_hit == pytest.approx(0.5)
    clean, _, none = repeats([(1, one), (2, _script(2, ["Something else entirely, then."]))], "en")
    assert clean.repeated == 0 and clean.distinct_ratio == 1.0 and not none


def test_near_groups_need_the_threshold() -> None:
    base = "the harbour lights went out at midnight"
    assert near_groups([base, base + " again"]) == [sorted([base, base + " again"])]
    assert near_groups([base, "a completely different sentence here"]) == []


def test_stale_reviews_use_the_change_time_or_the_log_time() -> None:
    changes = [
        CanonChange(description="rename", affected_episodes=[1, 2], at=datetime.fromtimestamp(100.0, UTC)),
        CanonChange(description="retcon", affected_episodes=[3]),
    ]
    st = staleness(changes, 200.0, {1: 50.0, 2: 150.0, 3: 150.0, 4: 10.0}, {1: (2, 1), 2: (0, 3), 3: (1, 0)})
    assert st.stale == [1, 3] and st.re_reviewed == [2] and st.excluded == [1, 2, 3]
    assert [(e.episode, e.first_draft_errors, e.remaining_errors) for e in st.episodes] == [
        (1, 2, 1),
        (2, 0, 3),
        (3, 1, 0),
    ]
    untimed = staleness([CanonChange(description="x", affected_episodes=[4])], None, {4: 10.0}, {})
    assert untimed.stale == [4], "with no time at all a review cannot be shown to be newer"
