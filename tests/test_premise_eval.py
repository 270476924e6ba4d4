"""The premise dataset is versioned and varied, and `python -m evals.premise_eval` scores it against its targets."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from evals import premise_eval
from evals.premise_eval import PremiseDataset, default_dataset, extraction_recall, main, run
from memory.premise import PremiseFacts

ROOT = Path(__file__).resolve().parents[1]


def test_the_dataset_matches_its_manifest_and_covers_both_languages_and_every_genre() -> None:
    path = default_dataset()
    manifest = json.loads((path.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"] == {"premises.json": hashlib.sha256(path.read_bytes()).hexdigest()}
    dataset = PremiseDataset.model_validate_json(path.read_bytes())
    assert dataset.version == manifest["version"] and dataset.dataset == manifest["dataset"]
    languages = [p.language for p in dataset.premises]
    assert languages.count("en") >= 10 and languages.count("zh") >= 10
    assert manifest["counts"] == {"premises": len(languages), "en": languages.count("en"), "zh": languages.count("zh")}
    from memory.schema import GENRES

    assert {p.genre for p in dataset.premises} == set(GENRES)
    demos = re.findall(r'--premise "([^"]+)"', (ROOT / "Makefile").read_text(encoding="utf-8"))
    assert demos and not {p.premise for p in dataset.premises} & set(demos)
    assert len({p.id for p in dataset.premises}) == len(dataset.premises)


def _small(tmp_path: Path) -> Path:
    dataset = PremiseDataset.model_validate_json(default_dataset().read_bytes())
    picked = [p for p in dataset.premises if p.id in ("en-08", "zh-03")]
    path = tmp_path / "premises.json"
    path.write_text(dataset.model_copy(update={"premises": picked}).model_dump_json(), encoding="utf-8")
    return path


def test_the_eval_reports_recall_and_coverage_per_premise(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = run(_small(tmp_path))
    assert [s.id for s in report.scores] == ["en-08", "zh-03"]
    lighthouse = report.scores[0]
    assert lighthouse.recall == 1.0 and lighthouse.plan == 1.0 and lighthouse.scripts >= 0.75
    assert report.plan >= premise_eval.PLAN_TARGET and report.scripts >= premise_eval.SCRIPT_TARGET and report.passed
    progress = capsys.readouterr().err
    assert "[1/2] en-08: recall 100%" in progress and "[2/2] zh-03" in progress
    table = premise_eval.table(report)
    assert "total" in table and "pass" in table


def test_the_eval_exits_non_zero_under_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _small(tmp_path)
    assert main(["--dataset", str(path)]) == 0
    monkeypatch.setattr(premise_eval, "SCRIPT_TARGET", 1.01)  # no season keeps more than everything
    assert main(["--dataset", str(path)]) == 1
    assert main(["--dataset", str(tmp_path / "missing.json")]) == 2


def test_recall_names_what_the_reader_missed() -> None:
    dataset = PremiseDataset.model_validate_json(default_dataset().read_bytes())
    case = next(p for p in dataset.premises if p.id == "en-08")
    expected = case.expected.model_copy(update={"objects": ["radio", "harpoon"]})
    facts = PremiseFacts.model_validate(
        {"language": "en", "premise": case.premise, "people": [], "places": [], "objects": []}
    )
    recall, missed = extraction_recall(facts, expected)
    assert recall == 0.0 and "object harpoon" in missed and "person elias crane" in missed
