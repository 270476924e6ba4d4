"""The eval datasets load and validate, the generator is deterministic, and the reviewers meet their targets."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import get_args

import pytest

from evals import continuity_eval, ethics_eval, planted
from evals.planted_schema import (
    DATASET_DIR,
    MANIFEST,
    Manifest,
    PatchOp,
    apply_patch,
    dataset_files,
    diff,
    load_file,
    situation,
)
from memory.schema import EthicsCategory

# Every deterministic continuity check of a script; each must be exercised in both languages.
SCRIPT_CHECKS = {
    "absent_character",
    "unknown_entity",
    "name_drift",
    "wardrobe_drift",
    "appearance_drift",
    "prop_state",
    "prop_holder",
    "timeline_order",
    "secret_knowledge",
    "simultaneity",
    "anachronism",
}

# Hand-written cases that document what the rules cannot see: a three-letter name one letter off, a
# two-character Chinese name with no title or vocative around it, and tone, which only model review judges.
KNOWN_HAND_MISSES = {
    "hand-en-short-name-drift",
    "hand-en-tone-break",
    "hand-zh-two-char-after-verb",
    "hand-zh-two-char-subject",
    "hand-zh-tone-break",
}


def test_patches_round_trip() -> None:
    old = {"a": [1, 2, 3], "b": {"x/y": "v", "gone": 1}, "c": "same"}
    new = {"a": [1, 5], "b": {"x/y": "w", "new": [True]}, "c": "same"}
    ops = diff(old, new)
    assert apply_patch(json.loads(json.dumps(old)), ops) == new
    assert {op.path for op in ops} >= {"/b/x~1y", "/a/1", "/a/2"}
    assert apply_patch([0], [PatchOp(op="add", path="/-", value=1)]) == [0, 1]


def test_continuity_dataset_is_intact_and_consistent() -> None:
    manifest = Manifest.model_validate_json((DATASET_DIR / MANIFEST).read_text(encoding="utf-8"))
    files = dataset_files()
    assert sorted(manifest.files) == sorted(p.relative_to(DATASET_DIR).as_posix() for p in files)
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == manifest.files[path.relative_to(DATASET_DIR).as_posix()]
    series, cases = continuity_eval.load()
    assert len({c.id for c in cases}) == len(cases)
    counts = {"planted": 0, "clean": 0, "decoy": 0, "labels": 0}
    covered: dict[str, set[str]] = {"en": set(), "zh": set()}
    for case in cases:
        record = series[case.series]
        sit = situation(record, case)  # the patch applies and gives a valid script; history folds strictly
        places = {s.id for s in sit.script.scenes} | {ln.id for ln in sit.script.lines()}
        assert all(lab.location in places for lab in case.labels), case.id
        assert bool(case.labels) == (case.kind == "planted"), case.id
        assert case.patch or case.kind == "clean", case.id
        covered[record.language] |= {lab.check for lab in case.labels}
        counts[case.kind] += 1
        counts["labels"] += len(case.labels)
    assert counts == manifest.counts
    for language, checks in covered.items():
        assert checks >= SCRIPT_CHECKS, f"{language} lacks {SCRIPT_CHECKS - checks}"
    hand = [load_file(p) for p in files if p.name.startswith("handwritten")]
    assert {f.series[0].language for f in hand} == {"en", "zh"}
    assert all(f.source == "handwritten" for f in hand)


async def test_generator_is_deterministic_per_seed(tmp_path: Path) -> None:
    specs = [s for s in planted.SERIES if s.id in ("en-period", "zh-family")]
    first = await planted.build(tmp_path / "a", 7, specs)
    again = await planted.build(tmp_path / "b", 7, specs)
    other = await planted.build(tmp_path / "c", 8, specs)
    assert first.files and first.files == again.files and first.content_hash == again.content_hash
    for name in first.files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert other.content_hash != first.content_hash, "the seed chooses where errors are planted"
    data = load_file(tmp_path / "a" / "generated" / "en-period.json")
    kinds = {c.kind for c in data.cases}
    assert kinds == {"clean", "planted", "decoy"}
    assert all(situation(data.series[0], c).script for c in data.cases)


async def test_continuity_editor_meets_recall_and_precision_targets() -> None:
    report = continuity_eval.score(await continuity_eval.review_all())
    for language in ("en", "zh"):
        rows = report.categories[language]
        for category in continuity_eval.DETERMINISTIC:
            tally = rows[category]
            assert tally.labels >= 5, (language, category)
            assert (tally.recall or 0) >= continuity_eval.TARGET, (language, category, tally)
            assert (tally.precision or 0) >= continuity_eval.TARGET, (language, category, tally)
        assert report.meets_target(language)
    # Clean episodes and decoys draw no finding at all.
    assert not [fp for fp in report.false_positives if fp["kind"] != "planted"]
    # Every subtle hand-written case is found, except those written as known limits of the rules.
    hand_misses = {m["case"] for m in report.misses if m["case"].startswith("hand-")}
    assert hand_misses <= KNOWN_HAND_MISSES
    text = continuity_eval.render(report)
    assert "== en ==" in text and "== zh ==" in text and "target" in text


def test_ethics_dataset_covers_every_category_in_both_languages() -> None:
    data = ethics_eval.load()
    for language in ("en", "zh"):
        cases = [c for c in data.cases if c.language == language]
        flagged = {c.category for c in cases if c.expected != "approve"}
        assert set(get_args(EthicsCategory)) <= flagged, language
        assert sum(c.benign for c in cases) >= 8 and all(c.expected == "approve" for c in cases if c.benign)
        assert {c.target for c in cases} == {"premise", "series", "script"}
        assert {c.expected for c in cases} == {"block", "revise", "approve"}


async def test_ethics_reviewer_blocks_what_must_be_blocked_and_passes_look_alikes() -> None:
    outcomes = await ethics_eval.review_all()
    wrong_blocks = [o.case.id for o in outcomes if o.case.expected == "block" and o.actual != "block"]
    wrong_benign = [o.case.id for o in outcomes if o.case.benign and o.actual != "approve"]
    assert wrong_blocks == [] and wrong_benign == []
    ruled = [o for o in outcomes if not o.case.needs_judgement]
    assert [o.case.id for o in ruled if o.actual != o.case.expected] == []
    matrix = ethics_eval.confusion(outcomes)
    assert sum(sum(row.values()) for row in matrix.values()) == len(outcomes)
    report = ethics_eval.as_json(outcomes)
    assert "expected \\ actual" in ethics_eval.render(report)


def test_ethics_cli_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert ethics_eval.main(["--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["confusion"]) == {"block", "revise", "approve"}
    assert report["content_hash"] == hashlib.sha256(ethics_eval.DATASET_FILE.read_bytes()).hexdigest()


def test_evaluators_refuse_a_missing_or_broken_dataset_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "cases.json"
    broken.write_text("{", encoding="utf-8")
    for main, path in ((continuity_eval.main, tmp_path / "nope"), (ethics_eval.main, broken)):
        with pytest.raises(SystemExit) as exit_info:
            main(["--dataset", str(path)])
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and "Traceback" not in err
        assert [line for line in err.splitlines() if "error:" in line] == [
            next(line for line in err.splitlines() if "cannot read" in line and str(path) in line)
        ]
