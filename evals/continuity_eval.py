"""Score the continuity editor on the planted-continuity dataset: recall and precision per category and check.

Run: `python -m evals.continuity_eval [--json] [--dataset DIR]`

Every case (clean episode, planted error, decoy) is reviewed by
``agents.continuity.review_script`` on an offline room. A finding matches a
label when it names the same location and ConStory category (and, for the
per-check table, the same check). Recall counts labels matched; precision
counts findings that match a label, so every finding on a clean episode or a
decoy is a false positive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pydantic import BaseModel

from agents import continuity
from agents.llm import offline_model
from agents.room import ROLES, RoomContext
from evals.planted_schema import (
    DATASET_DIR,
    MANIFEST,
    ContinuityCase,
    Manifest,
    PlantedLabel,
    SeriesRecord,
    dataset_files,
    load_file,
    situation,
)
from memory.bible import StoryBible
from memory.schema import Finding, Language

# Categories some deterministic check covers; narrative_style is left to model review.
DETERMINISTIC: tuple[str, ...] = ("characterization", "factual_detail", "timeline_plot", "world_building")
TARGET = 0.9
LANGUAGES: tuple[Language, ...] = ("en", "zh")


@dataclass
class Tally:
    """Labels and findings counted for one row of a table."""

    labels: int = 0
    found: int = 0
    findings: int = 0
    correct: int = 0

    @property
    def recall(self) -> float | None:
        """Share of labels some finding matched, or None without labels."""
        return self.found / self.labels if self.labels else None

    @property
    def precision(self) -> float | None:
        """Share of findings that matched a label, or None without findings."""
        return self.correct / self.findings if self.findings else None


@dataclass(frozen=True)
class CaseResult:
    """One reviewed case: its labels, the findings, and which matched."""

    case: ContinuityCase
    language: Language
    findings: list[Finding]

    def hit(self, lab: PlantedLabel, *, by_check: bool = False) -> bool:
        """Return True when some finding matches the label."""
        return any(_match(f, lab, by_check) for f in self.findings)

    def correct(self, f: Finding, *, by_check: bool = False) -> bool:
        """Return True when the finding matches some label."""
        return any(_match(f, lab, by_check) for lab in self.case.labels)


def _match(f: Finding, lab: PlantedLabel, by_check: bool) -> bool:
    return f.location == lab.location and f.category == lab.category and (not by_check or f.check == lab.check)


@dataclass
class Report:
    """Tables by language, plus every miss and false positive."""

    dataset: str
    version: str
    content_hash: str
    cases: dict[str, int]
    categories: dict[str, dict[str, Tally]] = field(default_factory=dict)
    checks: dict[str, dict[str, Tally]] = field(default_factory=dict)
    subtypes: dict[str, dict[str, Tally]] = field(default_factory=dict)
    misses: list[dict[str, str]] = field(default_factory=list)
    false_positives: list[dict[str, str]] = field(default_factory=list)

    def meets_target(self, language: str = "all") -> bool:
        """Return True when every deterministic category reaches the recall and precision target."""
        rows = self.categories.get(language, {})
        tallies = [rows.get(c, Tally()) for c in DETERMINISTIC]
        return all(
            (t.recall is None or t.recall >= TARGET) and (t.precision is None or t.precision >= TARGET) for t in tallies
        )


class _NullSink:
    def save_episode(self, episode: int, name: str, value: BaseModel) -> None:
        return None

    def save_series(self, name: str, value: BaseModel) -> None:
        return None


def load(root: Path = DATASET_DIR) -> tuple[dict[str, SeriesRecord], list[ContinuityCase]]:
    """Return every series record by id and every case of the dataset."""
    series: dict[str, SeriesRecord] = {}
    cases: list[ContinuityCase] = []
    for path in dataset_files(root):
        data = load_file(path)
        for record in data.series:
            if record.id in series:
                raise ValueError(f"{path.name}: series id {record.id!r} is used twice in the dataset")
            series[record.id] = record
        cases += data.cases
    return series, cases


async def review_all(root: Path = DATASET_DIR) -> list[CaseResult]:
    """Review every case with the continuity editor on an offline room."""
    series, cases = load(root)
    writer = offline_model(seed=7, slip_rate=0.0)
    out: list[CaseResult] = []
    with tempfile.TemporaryDirectory() as work:
        contexts = {
            lang: RoomContext(
                models=dict.fromkeys(ROLES, writer),
                bible=StoryBible(Path(work) / "bible"),  # never opened: the review needs no recall
                artifacts=_NullSink(),
                language=lang,
                seed=7,
                target_seconds=90,
            )
            for lang in LANGUAGES
        }
        for case in cases:
            record = series[case.series]
            sit = situation(record, case)
            review = await continuity.review_script(contexts[record.language], sit.script, sit.canon, sit.carryover)
            out.append(CaseResult(case, record.language, review.findings))
    return out


def score(results: Sequence[CaseResult], root: Path = DATASET_DIR) -> Report:
    """Count recall and precision per language, category, check and subtype."""
    manifest_path = root / MANIFEST
    manifest = (
        Manifest.model_validate_json(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    )
    kinds: dict[str, int] = {}
    for r in results:
        kinds[r.case.kind] = kinds.get(r.case.kind, 0) + 1
    report = Report(
        dataset=manifest.dataset if manifest else "",
        version=manifest.version if manifest else "",
        content_hash=manifest.content_hash if manifest else "",
        cases=kinds,
    )
    for r in results:
        for lang in (r.language, "all"):
            for lab in r.case.labels:
                for table, key, by_check in (
                    (report.categories, lab.category, False),
                    (report.checks, lab.check, True),
                    (report.subtypes, lab.subtype, True),
                ):
                    tally = table.setdefault(lang, {}).setdefault(key, Tally())
                    tally.labels += 1
                    tally.found += r.hit(lab, by_check=by_check)
            for f in r.findings:
                for table, key, by_check in ((report.categories, f.category, False), (report.checks, f.check, True)):
                    tally = table.setdefault(lang, {}).setdefault(key, Tally())
                    tally.findings += 1
                    tally.correct += r.correct(f, by_check=by_check)
        for lab in r.case.labels:
            if not r.hit(lab, by_check=True):
                report.misses.append(
                    {
                        "case": r.case.id,
                        "check": lab.check,
                        "subtype": lab.subtype,
                        "location": lab.location,
                        "quote": lab.quote,
                    }
                )
        for f in r.findings:
            if not r.correct(f):
                report.false_positives.append(
                    {
                        "case": r.case.id,
                        "kind": r.case.kind,
                        "check": f.check,
                        "location": f.location,
                        "quote": f.quote,
                        "message": f.message,
                    }
                )
    return report


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


def _table(title: str, rows: dict[str, Tally], *, precision: bool = True) -> list[str]:
    head = f"{title:<22} {'labels':>6} {'found':>6} {'recall':>7}"
    lines = [head + (f" {'finds':>6} {'right':>6} {'precision':>9}" if precision else "")]
    for key in sorted(rows):
        t = rows[key]
        row = f"{key:<22} {t.labels:>6} {t.found:>6} {_pct(t.recall):>7}"
        lines.append(row + (f" {t.findings:>6} {t.correct:>6} {_pct(t.precision):>9}" if precision else ""))
    return lines


def render(report: Report) -> str:
    """Render the report as text tables."""
    out = [f"{report.dataset} {report.version} (content hash {report.content_hash[:16]}), cases: {report.cases}"]
    for lang in ("en", "zh", "all"):
        if lang not in report.categories:
            continue
        out += [
            "",
            f"== {lang} ==",
            *_table("category", report.categories[lang]),
            "",
            *_table("check", report.checks[lang]),
        ]
        out.append(
            f"target (>= {TARGET:.0%} recall and precision on {', '.join(DETERMINISTIC)}): "
            f"{'met' if report.meets_target(lang) else 'NOT met'}"
        )
    # Findings carry a check, not a plant subtype, so subtypes have recall only.
    out += ["", *_table("subtype (all)", report.subtypes.get("all", {}), precision=False)]
    out += ["", f"misses ({len(report.misses)}):"]
    out += [f"  {m['case']}: {m['check']}/{m['subtype']} at {m['location']} '{m['quote']}'" for m in report.misses]
    out += ["", f"false positives ({len(report.false_positives)}):"]
    out += [
        f"  {f['case']} ({f['kind']}): {f['check']} at {f['location']} '{f['quote']}'" for f in report.false_positives
    ]
    return "\n".join(out)


def as_json(report: Report) -> dict[str, object]:
    """Return the report as plain JSON data, with recall and precision filled in."""

    def rows(table: dict[str, dict[str, Tally]]) -> dict[str, dict[str, dict[str, object]]]:
        return {
            lang: {k: {**asdict(t), "recall": t.recall, "precision": t.precision} for k, t in sorted(by.items())}
            for lang, by in table.items()
        }

    return {
        "dataset": report.dataset,
        "version": report.version,
        "content_hash": report.content_hash,
        "cases": report.cases,
        "target": TARGET,
        "deterministic_categories": list(DETERMINISTIC),
        "meets_target": {lang: report.meets_target(lang) for lang in report.categories},
        "categories": rows(report.categories),
        "checks": rows(report.checks),
        "subtypes": rows(report.subtypes),
        "misses": report.misses,
        "false_positives": report.false_positives,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Review every case and print the tables (or JSON)."""
    parser = argparse.ArgumentParser(prog="python -m evals.continuity_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--dataset", type=Path, default=DATASET_DIR, help="dataset folder")
    args = parser.parse_args(argv)
    try:
        report = score(asyncio.run(review_all(args.dataset)), args.dataset)
    except (OSError, ValueError) as exc:  # a missing folder or a malformed case file: one line, not a traceback
        parser.error(f"cannot read the dataset at {args.dataset}: {str(exc).splitlines()[0]}")
    print(json.dumps(as_json(report), ensure_ascii=False, indent=1) if args.json else render(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
