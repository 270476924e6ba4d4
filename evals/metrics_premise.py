"""Premise coverage: which facts of the user's premise reached the plan, the canon and each episode's script.

The facts are those `dramaroom new` read from the premise (premise.json);
whether a text covers a fact is the room's own deterministic premise
coverage check (agents.premise_coverage), so the eval, the plan review and
`python -m evals.premise_eval` agree on what "covered" means. A series made before premise facts were kept has
no premise.json and is reported as such, never as 0 %.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from agents.premise_coverage import canon_texts, premise_coverage, script_texts
from memory.premise import PremiseFacts
from memory.schema import Canon, Script, SeasonPlan

NO_FACTS = "no premise facts recorded (series made before premise facts)"
FIRST_EPISODES = 2  # the scripts a newcomer reads first


def plan_texts(plan: SeasonPlan) -> list[str]:
    """Return the season plan's words: title, logline, arcs and every brief."""
    out = [plan.title, plan.logline, *plan.arcs]
    for b in plan.episodes:
        out += [b.title, b.opening_hook, *b.key_beats, b.cliffhanger, b.core_conflict]
    return out


class FactCoverage(BaseModel):
    """Where one premise fact shows."""

    id: str
    kind: str
    label: str
    plan: bool
    canon: bool
    episodes: list[int] = Field(description="Evaluated episodes whose script covers it.")


class EpisodePremise(BaseModel):
    """Premise facts one episode's script covers."""

    episode: int
    covered: list[str]
    missing: list[str]
    ratio: float | None = Field(description="covered / facts; null with no facts.")


class SeasonPremise(BaseModel):
    """Premise coverage over plan, canon and scripts."""

    status: str = Field(description="'measured', or '" + NO_FACTS + "'.")
    facts: list[FactCoverage] = Field(default_factory=list)
    plan_ratio: float | None = None
    canon_ratio: float | None = None
    plan_or_canon_ratio: float | None = Field(default=None, description="Facts in the plan or the canon.")
    scripts_ratio: float | None = Field(default=None, description="Facts in at least one evaluated script.")
    first_scripts_ratio: float | None = Field(
        default=None, description=f"Facts in the scripts of the first {FIRST_EPISODES} evaluated episodes."
    )
    missing_plan_canon: list[str] = Field(default_factory=list, description="Labels in neither plan nor canon.")
    missing_scripts: list[str] = Field(default_factory=list, description="Labels in no evaluated script.")


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def premise_report(
    premise: PremiseFacts | None, plan: SeasonPlan, canon: Canon, scripts: Sequence[Script]
) -> tuple[SeasonPremise, list[EpisodePremise]]:
    """Measure which premise facts the plan, canon and scripts keep; `premise` None means none were recorded."""
    if premise is None:
        return SeasonPremise(status=NO_FACTS), []
    facts = premise.facts()

    def cover(texts: Sequence[str]) -> set[str]:
        return set(premise_coverage(premise, texts).covered)

    ids = [f.id for f in facts]
    in_plan, in_canon = cover(plan_texts(plan)), cover(canon_texts(canon))
    per_episode: list[EpisodePremise] = []
    where: dict[str, list[int]] = {i: [] for i in ids}
    for script in sorted(scripts, key=lambda s: s.episode):
        covered = cover(script_texts(script, canon))
        for i in ids:
            if i in covered:
                where[i].append(script.episode)
        per_episode.append(
            EpisodePremise(
                episode=script.episode,
                covered=[i for i in ids if i in covered],
                missing=[i for i in ids if i not in covered],
                ratio=_ratio(sum(1 for i in ids if i in covered), len(ids)),
            )
        )
    # Read together, as a viewer reads them: a fact may need two terms that fall in different episodes.
    opening = sorted(scripts, key=lambda s: s.episode)[:FIRST_EPISODES]
    in_first = cover([t for s in opening for t in script_texts(s, canon)])
    rows = [
        FactCoverage(
            id=f.id, kind=f.kind, label=f.label, plan=f.id in in_plan, canon=f.id in in_canon, episodes=where[f.id]
        )
        for f in facts
    ]
    season = SeasonPremise(
        status="measured",
        facts=rows,
        plan_ratio=_ratio(sum(r.plan for r in rows), len(rows)),
        canon_ratio=_ratio(sum(r.canon for r in rows), len(rows)),
        plan_or_canon_ratio=_ratio(sum(r.plan or r.canon for r in rows), len(rows)),
        scripts_ratio=_ratio(sum(bool(r.episodes) for r in rows), len(rows)),
        first_scripts_ratio=_ratio(sum(r.id in in_first for r in rows), len(rows)),
        missing_plan_canon=[r.label for r in rows if not (r.plan or r.canon)],
        missing_scripts=[r.label for r in rows if not r.episodes],
    )
    return season, per_episode
