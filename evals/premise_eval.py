"""Score how much of each premise the offline room keeps: extraction, plan + canon, and the first two scripts.

Run: `python -m evals.premise_eval [--json] [--dataset FILE] [--episodes N]`

For every premise of the dataset (evals/datasets/premises/premises.json): read it into
premise facts and score extraction recall against the hand-written expected facts;
plan a six-episode season with the offline writer exactly as the showrunner asks
(the premise facts in the context block), then write episodes 1 and 2, and measure
premise coverage (agents.premise_coverage) in plan + canon and in the two scripts.
Exits 1 when plan + canon coverage is under 90 % or script coverage under 75 %.
No render, no bible, no reviews: the numbers are about what the writer keeps.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agents.offline.writer import OfflineWriter
from agents.premise_coverage import premise_coverage, script_texts, series_texts
from agents.premise_reader import read_premise
from agents.showrunner import paywall_for
from memory.canon_fold import carryover_from, fold_changes
from memory.premise import PremiseFacts
from memory.schema import Language, Script, SeriesBible

PLAN_TARGET = 0.90
SCRIPT_TARGET = 0.75
SEED = 3


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExpectedPerson(_Model):
    terms: list[str] = Field(description="Name forms or the relation/job word that identify the person.")
    role: str = Field(default="", description="The job the premise gives, if any.")
    relation: str = Field(default="", description="What the person is to another premise person, e.g. '师姐'.")
    status: Literal["", "alive", "absent", "dead"] = Field(
        default="", description="The status at season start the premise implies: absent for missing, dead for dead."
    )
    antagonist: bool = Field(default=False, description="True when the premise makes this person a wrongdoer.")


class ExpectedFacts(_Model):
    people: list[ExpectedPerson] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)
    objects: list[str] = Field(default_factory=list)
    device: list[str] = Field(default_factory=list, description="Key words of the central device.")
    times: list[str] = Field(default_factory=list)


class PremiseCase(_Model):
    id: str
    language: Language
    genre: str = ""
    premise: str
    expected: ExpectedFacts


class PremiseDataset(_Model):
    dataset: str
    version: str
    description: str = ""
    premises: list[PremiseCase]


class PremiseScore(_Model):
    id: str
    language: Language
    recall: float = Field(description="Expected facts the reader found.")
    plan: float = Field(description="Premise facts in plan + canon.")
    scripts: float = Field(description="Premise facts in the scripts of episodes 1-2.")
    missing_plan: list[str] = Field(default_factory=list)
    missing_scripts: list[str] = Field(default_factory=list)
    missed_expected: list[str] = Field(default_factory=list)


class PremiseReport(_Model):
    dataset: str
    version: str
    sha256: str
    scores: list[PremiseScore]
    recall: float
    plan: float
    scripts: float
    passed: bool


def default_dataset() -> Path:
    """Return the shipped premise dataset's path."""
    return Path(str(resources.files("evals").joinpath("datasets/premises/premises.json")))


def _found(item: str, haystack: Sequence[str]) -> bool:
    needle = item.lower()
    return any(needle in h.lower() or (len(h) >= 2 and h.lower() in needle) for h in haystack if h)


def extraction_recall(facts: PremiseFacts, expected: ExpectedFacts) -> tuple[float, list[str]]:
    """Return the share of expected facts the reader found, and the ones it missed."""
    missed: list[str] = []
    total = 0
    for person in expected.people:
        total += 1
        match = next(
            (p for p in facts.people if any(_found(t, [p.name, p.label, *p.terms]) for t in person.terms)), None
        )
        if match is None:
            missed.append(f"person {person.terms[0]}")
        if person.role:
            total += 1
            if match is None or not _found(person.role, [match.role, match.label]):
                missed.append(f"role {person.role}")
        if person.relation:
            total += 1
            if match is None or match.relation != person.relation:
                missed.append(f"relation {person.relation}")
        if person.status:
            total += 1
            found = "" if match is None else "dead" if match.dead else "absent" if match.missing else "alive"
            if found != person.status:
                missed.append(f"status {person.status} of {person.terms[0]}")
        if person.antagonist:
            total += 1
            if match is None or not match.antagonist:
                missed.append(f"antagonist {person.terms[0]}")
    groups = (
        ("place", expected.places, [t for p in facts.places for t in (p.label, *p.terms)]),
        ("object", expected.objects, [t for o in facts.objects for t in (o.label, *o.terms)]),
        ("device", expected.device, [facts.device.label, *facts.device.terms] if facts.device else []),
        ("time", expected.times, [t for f in facts.time_frames for t in (f.label, *f.terms)]),
    )
    for kind, items, haystack in groups:
        for item in items:
            total += 1
            if not _found(item, haystack):
                missed.append(f"{kind} {item}")
    return (1.0 - len(missed) / total if total else 1.0), missed


def score_case(case: PremiseCase, episodes: int = 6) -> PremiseScore:
    """Read, plan and write episodes 1-2 of one premise, and score what was kept."""
    facts = read_premise(case.premise, case.language)
    recall, missed = extraction_recall(facts, case.expected)
    writer = OfflineWriter(seed=SEED, slip_rate=0.0)
    payload: dict[str, object] = {
        "task": "plan_season",
        "premise": case.premise,
        "language": case.language,
        "episodes": episodes,
        "target_seconds": 90,
        "seed": SEED,
        "paywall_episode": paywall_for(episodes, 0.12),
        "genre": case.genre or None,
        "tone": None,
        "premise_facts": facts.model_dump(mode="json"),
    }
    series = writer.compose(payload)
    if not isinstance(series, SeriesBible):
        raise ValueError(f"{case.id}: the offline writer gave no season plan")
    plan = premise_coverage(facts, series_texts(series))
    scripts: list[Script] = []
    canon = series.canon
    for brief in series.plan.episodes[:2]:
        script = writer.compose(
            {
                "task": "write_script",
                "brief": brief.model_dump(mode="json"),
                "canon": canon.model_dump(mode="json"),
                "carryover": carryover_from(scripts).model_dump(mode="json"),
                "target_seconds": 90,
                "seed": SEED,
                "revision": 0,
            }
        )
        if not isinstance(script, Script):
            raise ValueError(f"{case.id}: the offline writer gave no script for episode {brief.number}")
        scripts.append(script)
        canon = fold_changes(canon, script.state_changes)
    texts = [t for s in scripts for t in script_texts(s, series.canon)]
    on_screen = premise_coverage(facts, texts)
    return PremiseScore(
        id=case.id,
        language=case.language,
        recall=round(recall, 4),
        plan=plan.ratio,
        scripts=on_screen.ratio,
        missing_plan=plan.missing_labels,
        missing_scripts=on_screen.missing_labels,
        missed_expected=missed,
    )


def run(path: Path, progress: bool = True) -> PremiseReport:
    """Score every premise of a dataset file."""
    data = path.read_bytes()
    dataset = PremiseDataset.model_validate_json(data)
    scores: list[PremiseScore] = []
    for index, case in enumerate(dataset.premises, start=1):
        started = time.perf_counter()
        score = score_case(case)
        scores.append(score)
        if progress:
            print(
                f"[{index}/{len(dataset.premises)}] {case.id}: recall {score.recall:.0%}, plan {score.plan:.0%}, "
                f"scripts {score.scripts:.0%} ({time.perf_counter() - started:.1f} s)",
                file=sys.stderr,
                flush=True,
            )

    def mean(values: list[float]) -> float:
        return round(sum(values) / len(values), 4) if values else 0.0

    plan = mean([s.plan for s in scores])
    scripts = mean([s.scripts for s in scores])
    return PremiseReport(
        dataset=dataset.dataset,
        version=dataset.version,
        sha256=hashlib.sha256(data).hexdigest(),
        scores=scores,
        recall=mean([s.recall for s in scores]),
        plan=plan,
        scripts=scripts,
        passed=plan >= PLAN_TARGET and scripts >= SCRIPT_TARGET,
    )


def table(report: PremiseReport) -> str:
    """Render the report as a plain-text table with totals."""
    lines = [
        f"{report.dataset} {report.version} (sha256 {report.sha256[:12]})",
        f"{'premise':<8} {'recall':>7} {'plan+canon':>11} {'scripts 1-2':>12}  lost on screen",
    ]
    for s in report.scores:
        lost = "; ".join(s.missing_scripts)[:70]
        lines.append(f"{s.id:<8} {s.recall:>7.0%} {s.plan:>11.0%} {s.scripts:>12.0%}  {lost}")
    lines.append(
        f"{'total':<8} {report.recall:>7.0%} {report.plan:>11.0%} {report.scripts:>12.0%}  "
        f"targets: plan+canon >= {PLAN_TARGET:.0%}, scripts >= {SCRIPT_TARGET:.0%} -> "
        + ("pass" if report.passed else "FAIL")
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the premise eval from the command line."""
    parser = argparse.ArgumentParser(prog="python -m evals.premise_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=None, help="A premises JSON file (default: the shipped one).")
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
    args = parser.parse_args(argv)
    path = args.dataset or default_dataset()
    if not path.is_file():
        print(f"error: no premise dataset at {path}: pass --dataset FILE", file=sys.stderr)
        return 2
    try:
        report = run(path)
    except ValueError as exc:
        print(f"error: {path}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    print(report.model_dump_json(indent=2) if args.json else table(report))
    return 0 if report.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
