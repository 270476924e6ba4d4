"""Score the ethics reviewer on the ethics cases: a block/revise/approve confusion matrix, per category.

Run: `python -m evals.ethics_eval [--json] [--dataset FILE]`

Premises go through the premise screen (``agents.ethics.review_series`` with
no plan yet); series cases (a title, a logline and a cast) through the same
review with a minimal plan; scripts through ``agents.ethics.review_script`` on
an offline room. Each case says what the reviewer must answer; benign
look-alikes (a baker named Elon, a child in a family drama) must be approved.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agents import ethics
from agents.llm import offline_model
from agents.room import ROLES, RoomContext
from memory.bible import StoryBible
from memory.schema import (
    Canon,
    Character,
    EthicsCategory,
    Language,
    Line,
    Location,
    Review,
    Scene,
    Script,
    SeasonPlan,
    SeriesBible,
    Verdict,
    WorldRules,
)

DATASET_FILE = Path(__file__).parent / "datasets" / "ethics" / "cases.json"
VERDICTS: tuple[Verdict, ...] = ("block", "revise", "approve")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CastMember(_Model):
    """A character as the ethics guards see one: name, age, role, job and relationships."""

    id: str = Field(description="Character id.")
    name: str = Field(description="Name in the series language.")
    aliases: list[str] = Field(default_factory=list, description="Other names.")
    age: int = Field(ge=0, le=120, description="Age in years.")
    gender: Literal["female", "male", "nonbinary"] = Field(description="Gender.")
    role: str = Field(default="ally", description="Dramatic function.")
    occupation: str = Field(default="", description="Job or station.")
    relationships: dict[str, str] = Field(default_factory=dict, description="Other character id -> relationship.")


class ScriptLine(_Model):
    """One line: spoken by a cast id, or an action line when who is null."""

    who: str | None = Field(default=None, description="Speaker id, or null for an action line.")
    text: str = Field(description="The line.")


class ScriptScene(_Model):
    """One scene: who is present and what is said or done."""

    characters: list[str] = Field(description="Cast ids present.")
    lines: list[ScriptLine] = Field(min_length=1, description="Lines in order.")


class EthicsCase(_Model):
    """One premise, series or script and the verdict the ethics reviewer must give it."""

    id: str = Field(description="Unique case id.")
    language: Language = Field(description="Language of the text.")
    category: EthicsCategory = Field(description="Ethics category the case is about (or looks like, if benign).")
    expected: Verdict = Field(description="The verdict policy requires.")
    benign: bool = Field(default=False, description="A look-alike of the category that must pass.")
    needs_judgement: bool = Field(
        default=False, description="No rule can see it (no telling word): only model review is expected to catch it."
    )
    target: Literal["premise", "series", "script"] = Field(description="What is reviewed.")
    premise: str = Field(default="", description="Premise text (premise and series cases).")
    cast: str = Field(default="", description="Key of the cast in the file's casts (series and script cases).")
    title: str = Field(default="", description="Series or episode title.")
    logline: str = Field(default="", description="Series logline (series cases).")
    scenes: list[ScriptScene] = Field(default_factory=list, description="Script scenes (script cases).")
    note: str = Field(default="", description="Why this verdict.")


class EthicsFile(_Model):
    """The ethics dataset: named casts and the cases that use them."""

    dataset: str = "dramaroom-ethics-cases"
    version: str
    casts: dict[str, list[CastMember]] = Field(description="Cast name -> its characters.")
    cases: list[EthicsCase]


def load(path: Path = DATASET_FILE) -> EthicsFile:
    """Read and validate the ethics dataset; every cast a case names must exist."""
    data = EthicsFile.model_validate_json(path.read_text(encoding="utf-8"))
    for case in data.cases:
        if case.target != "premise" and case.cast not in data.casts:
            raise ValueError(f"case {case.id} names unknown cast {case.cast!r}")
    if len({c.id for c in data.cases}) != len(data.cases):
        raise ValueError("case ids repeat")
    return data


def content_hash(path: Path = DATASET_FILE) -> str:
    """Return the sha256 of the dataset file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_canon(members: Sequence[CastMember], language: Language, title: str) -> Canon:
    """Expand a cast into a canon the reviewers accept; looks and places are neutral placeholders."""
    characters = [
        Character.model_validate(
            {
                **m.model_dump(exclude={"relationships"}),
                "appearance": {"hair": "short hair", "build": "average"},
                "wardrobe": [{"id": "everyday", "description": "everyday clothes"}],
                "voice": {"gender": "neutral" if m.gender == "nonbinary" else m.gender},
                "relationships": [{"other_id": k, "kind": v} for k, v in m.relationships.items()],
            }
        )
        for m in members
    ]
    return Canon(
        title=title or "Untitled",
        language=language,
        genre="family",
        tone="warm",
        world=WorldRules(era="present day", technology="modern"),
        characters=characters,
        locations=[Location(id="home", name="家" if language == "zh" else "home", description="")],
    )


def build_script(case: EthicsCase, canon: Canon) -> Script:
    """Turn a case's scenes into a script set at home on day 1."""
    scenes = []
    for i, sc in enumerate(case.scenes, start=1):
        lines = [
            Line(
                id=f"s{i:02d}-l{j:02d}",
                kind="dialogue" if ln.who else "action",
                speaker_id=ln.who,
                cue=next((c.name for c in canon.characters if c.id == ln.who), ""),
                text=ln.text,
            )
            for j, ln in enumerate(sc.lines, start=1)
        ]
        scenes.append(
            Scene(
                id=f"s{i:02d}",
                location_id="home",
                time_of_day="day",
                story_day=1,
                clock=f"{11 + i % 3}:00",
                character_ids=sc.characters,
                lines=lines,
            )
        )
    return Script(episode=1, title=case.title or "Episode 1", target_seconds=90, scenes=scenes, summary="")


@dataclass(frozen=True)
class Outcome:
    """One reviewed case and the review it got."""

    case: EthicsCase
    review: Review

    @property
    def actual(self) -> Verdict:
        """The verdict the reviewer gave."""
        return self.review.verdict


class _NullSink:
    def save_episode(self, episode: int, name: str, value: BaseModel) -> None:
        return None

    def save_series(self, name: str, value: BaseModel) -> None:
        return None


async def review_all(path: Path = DATASET_FILE) -> list[Outcome]:
    """Review every case with the ethics reviewer on an offline room."""
    data = load(path)
    writer = offline_model(seed=7, slip_rate=0.0)
    out: list[Outcome] = []
    with tempfile.TemporaryDirectory() as work:
        for case in data.cases:
            if case.target == "premise":
                out.append(Outcome(case, ethics.review_series(case.premise, None)))
                continue
            canon = build_canon(data.casts[case.cast], case.language, case.title)
            if case.target == "series":
                plan = SeasonPlan(
                    title=case.title, logline=case.logline, genre="family", tone="warm", paywall_episode=1, episodes=[]
                )
                series = SeriesBible(canon=canon, plan=plan)
                out.append(Outcome(case, ethics.review_series(case.premise or case.logline, series)))
                continue
            ctx = RoomContext(
                models=dict.fromkeys(ROLES, writer),
                bible=StoryBible(Path(work) / "bible"),  # never opened: the review needs no recall
                artifacts=_NullSink(),
                language=case.language,
                seed=7,
                target_seconds=90,
            )
            out.append(Outcome(case, await ethics.review_script(ctx, build_script(case, canon), canon)))
    return out


def confusion(outcomes: Sequence[Outcome]) -> dict[str, dict[str, int]]:
    """Return counts by expected verdict, then actual verdict."""
    matrix: dict[str, dict[str, int]] = {e: dict.fromkeys(VERDICTS, 0) for e in VERDICTS}
    for o in outcomes:
        matrix[o.case.expected][o.actual] += 1
    return matrix


def per_category(outcomes: Sequence[Outcome]) -> dict[str, dict[str, int]]:
    """Return cases, correct ones, and benign look-alikes passed, per category."""
    rows: dict[str, dict[str, int]] = {}
    for o in outcomes:
        row = rows.setdefault(o.case.category, {"cases": 0, "correct": 0, "benign": 0, "benign_passed": 0})
        row["cases"] += 1
        row["correct"] += o.actual == o.case.expected
        row["benign"] += o.case.benign
        row["benign_passed"] += o.case.benign and o.actual == "approve"
    return dict(sorted(rows.items()))


def _wrong(outcomes: Sequence[Outcome]) -> list[dict[str, object]]:
    return [
        {
            "case": o.case.id,
            "expected": o.case.expected,
            "actual": o.actual,
            "findings": [f"{f.check}/{f.severity} '{f.quote}'" for f in o.review.findings],
            "needs_judgement": o.case.needs_judgement,
            "note": o.case.note,
        }
        for o in outcomes
        if o.actual != o.case.expected
    ]


def as_json(outcomes: Sequence[Outcome], path: Path = DATASET_FILE) -> dict[str, object]:
    """Return the whole report as plain JSON data."""
    data = load(path)
    by_lang = {lang: [o for o in outcomes if o.case.language == lang] for lang in ("en", "zh")}
    ruled = [o for o in outcomes if not o.case.needs_judgement]
    return {
        "dataset": data.dataset,
        "version": data.version,
        "content_hash": content_hash(path),
        "cases": len(outcomes),
        "accuracy": sum(o.actual == o.case.expected for o in outcomes) / max(1, len(outcomes)),
        "rule_cases": len(ruled),
        "rule_accuracy": sum(o.actual == o.case.expected for o in ruled) / max(1, len(ruled)),
        "confusion": confusion(outcomes),
        "confusion_by_language": {lang: confusion(os) for lang, os in by_lang.items()},
        "categories": per_category(outcomes),
        "misclassified": _wrong(outcomes),
    }


def render(report: dict[str, object]) -> str:
    """Render the report as text: the matrix, the categories, the misclassified cases."""
    matrix = report["confusion"]
    assert isinstance(matrix, dict)
    out = [
        f"{report['dataset']} {report['version']} (content hash {str(report['content_hash'])[:16]}), "
        f"{report['cases']} cases, accuracy {100 * float(str(report['accuracy'])):.1f}%; "
        f"{report['rule_cases']} that a rule can see, accuracy {100 * float(str(report['rule_accuracy'])):.1f}%",
        "",
        "expected \\ actual    block  revise approve",
    ]
    out += [f"{e:<18} {matrix[e]['block']:>7} {matrix[e]['revise']:>7} {matrix[e]['approve']:>7}" for e in VERDICTS]
    out += ["", f"{'category':<18} {'cases':>5} {'correct':>7} {'benign':>6} {'passed':>6}"]
    categories = report["categories"]
    assert isinstance(categories, dict)
    for name, row in categories.items():
        out.append(f"{name:<18} {row['cases']:>5} {row['correct']:>7} {row['benign']:>6} {row['benign_passed']:>6}")
    wrong = report["misclassified"]
    assert isinstance(wrong, list)
    out += ["", f"misclassified ({len(wrong)}):"]
    out += [
        f"  {w['case']}: expected {w['expected']}, got {w['actual']} {w['findings']}"
        + (" (needs model judgement)" if w["needs_judgement"] else "")
        for w in wrong
    ]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Review every case and print the report (or JSON)."""
    parser = argparse.ArgumentParser(prog="python -m evals.ethics_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--dataset", type=Path, default=DATASET_FILE, help="ethics cases file")
    args = parser.parse_args(argv)
    try:
        report = as_json(asyncio.run(review_all(args.dataset)), args.dataset)
    except (OSError, ValueError) as exc:  # a missing file or a malformed case: one line, not a traceback
        parser.error(f"cannot read the ethics cases at {args.dataset}: {str(exc).splitlines()[0]}")
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else render(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
