"""The producer-notes dataset: intact, covering every request kind in both languages, and readable by the parser."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from agents.note_parser import parse_note
from evals import notes_eval
from evals.notes_slots import (
    DATASET_FILE,
    MANIFEST,
    VERSION,
    Episode,
    NoteCase,
    NoteSeries,
    NotesFile,
    NotesManifest,
    fill,
    load,
    manifest,
    slots,
)
from graphs.state import RevisionRecord
from memory.edits import EditRequest, RequestOutcome, ResizeScene
from tests.fixtures_canon import canon_en, canon_zh, script_en, script_zh
from tests.test_notes import brief

# The request kinds issue 9 names for notes, plus the line and prop kinds the parser also reads.
NOTE_KINDS = {
    "cut_character", "add_character", "move_scene", "change_line", "change_moment", "add_beat", "drop_beat",
    "reorder_beats", "resize_scene", "change_tone", "rename", "rewrite_line", "replace_text", "drop_prop",
    "set_prop_holder", "set_wardrobe", "drop_reveal",
}  # fmt: skip


def _all_kinds() -> set[str]:
    union = get_args(get_args(EditRequest)[0])
    return {cls.model_fields["kind"].default for cls in union}


def test_the_manifest_matches_the_data() -> None:
    on_disk = NotesManifest.model_validate_json(MANIFEST.read_text(encoding="utf-8"))
    assert on_disk == manifest(DATASET_FILE), "notes.json changed: run python -m evals.notes_eval --write-manifest"
    assert load().version == VERSION == on_disk.version


def test_every_kind_in_both_languages_with_labelled_unactionable_notes() -> None:
    data = load()
    languages = {s.id: s.language for s in data.series}
    assert len(data.cases) >= 40 and len({c.id for c in data.cases}) == len(data.cases)
    assert {c.series for c in data.cases} <= set(languages)
    for case in data.cases:
        assert set(case.expected_kinds) <= _all_kinds(), case.id
        assert case.actionable == bool(case.expected_kinds), case.id
    for language in ("en", "zh"):
        mine = [c for c in data.cases if languages[c.series] == language]
        covered = {k for c in mine for k in c.expected_kinds}
        assert covered >= NOTE_KINDS, f"{language} lacks {NOTE_KINDS - covered}"
        assert sum(len(c.expected_kinds) > 1 for c in mine) >= 3
        assert sum(not c.actionable for c in mine) >= 3
        assert any("other_language" in c.tags for c in mine) and any("unknown_name" in c.tags for c in mine)


def test_notes_fill_and_parse_on_a_hand_built_episode() -> None:
    """Every note whose slots a small fixture episode can fill parses to exactly its expected kinds."""
    data = load()
    languages = {s.id: s.language for s in data.series}
    episodes = {
        "en": Episode(canon=canon_en(), brief=brief("en"), script=script_en()),
        "zh": Episode(canon=canon_zh(), brief=brief("zh"), script=script_zh()),
    }
    checked = 0
    for case in data.cases:
        episode = episodes[languages[case.series]]
        note, missing = fill(case.note, episode)
        if missing:
            assert missing in _slot_names(), f"{case.id} uses an unknown slot {{{missing}}}"
            continue
        parsed = parse_note(note, script=episode.script, canon=episode.canon, brief=episode.brief)
        assert sorted({r.kind for r in parsed.requests}) == sorted(set(case.expected_kinds)), (case.id, note)
        assert bool(parsed.unparsed) == (not case.actionable), (case.id, parsed.unparsed)
        checked += 1
    assert checked >= 40


def _slot_names() -> set[str]:
    """Slots a rich episode fills: the fixture's plus the ones it has nothing for (shots, an absent character)."""
    names = set(slots(Episode(canon=canon_en(), brief=brief("en"), script=script_en())))
    return names | {"absent", "place_other", "secret_line", "shot_c1", "line_no_shot", "c2_other_set", "c1_other_set"}


def test_scoring_counts_only_verified_requests_as_applied() -> None:
    episode = Episode(canon=canon_en(), brief=brief("en"), script=script_en())
    shorter = ResizeScene(scene_id="s01", direction="shorter")
    records = [
        RevisionRecord(artifact="script", revision=0),
        RevisionRecord(
            artifact="script",
            revision=1,
            reviewer="human",
            outcomes=[
                RequestOutcome(request=shorter, status="verified", note="Make scene 1 shorter."),
                RequestOutcome(status="not_actionable", note="Make it pop."),
            ],
        ),
    ]
    base = notes_eval.CaseResult(id="x", series="s", language="en", note="n", expected_kinds=["resize_scene"],
                                 actionable=True, status="not_applicable")  # fmt: skip
    # The "revised" script is the draft itself: the claim of a shorter scene 1 fails the re-check.
    result = notes_eval.score(base.model_copy(deep=True), episode, records, {0: script_en()}, script_en())
    assert result.status == "failed" and result.unchecked_claims and result.verified_kinds == ["resize_scene"]
    shorter_script = script_en()
    shorter_script.scenes[0].lines.pop()
    result = notes_eval.score(base.model_copy(deep=True), episode, records, {0: script_en()}, shorter_script)
    assert result.status == "applied" and result.not_actionable == ["Make it pop."]
    records[1].outcomes = [RequestOutcome(request=shorter, status="unmet", note="n", detail="scene 1 is as long")]
    result = notes_eval.score(base.model_copy(deep=True), episode, records, {0: script_en()}, shorter_script)
    assert result.status == "failed" and result.unmet == ["resize_scene: scene 1 is as long"]
    summary = notes_eval.summarise([result])
    assert summary["per_kind"] == {"resize_scene": {"notes": 1, "verified": 0}} and summary["rate"] == 0.0


def test_a_broken_dataset_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "notes.json"
    broken.write_text('{"dataset": "dramaroom-producer-notes", "version": "1", "series": [], "cases": [{}]}')
    assert notes_eval.main(["--dataset", str(broken)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: cannot read the notes dataset")
    assert notes_eval.main(["--dataset", str(tmp_path / "missing.json")]) == 1


async def test_the_eval_sends_notes_through_the_gate_and_scores_them(tmp_path: Path) -> None:
    """A small run of the real eval: one offline series to episode 1's gate, an actionable note and a vague one."""
    data = NotesFile(
        version=VERSION,
        series=[
            NoteSeries(
                id="s",
                language="en",
                premise="A courier finds a letter addressed to her dead mother.",
                seed=5,
                episodes=1,
            )
        ],
        cases=[
            NoteCase(
                id="cut",
                series="s",
                note="Cut {c2} from this episode and make it darker.",
                expected_kinds=["cut_character", "change_tone"],
                actionable=True,
            ),
            NoteCase(id="vague", series="s", note="Make it pop.", expected_kinds=[], actionable=False),
        ],
    )
    results = await notes_eval.evaluate(data, tmp_path, progress=False)
    by_id = {r.id: r for r in results}
    assert by_id["cut"].status == "applied", by_id["cut"]
    assert sorted(by_id["cut"].verified_kinds) == ["change_tone", "cut_character"]
    assert by_id["vague"].status == "not_actionable" and by_id["vague"].not_actionable == ["Make it pop."]
    summary = notes_eval.summarise(results)
    assert summary["rate"] == 1.0 and summary["reported_applied_not_verified"] == 0
