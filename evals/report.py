"""The season evaluation: gather every measure into one report object, per episode and for the season.

Callers pass what a season consists of (briefs, scripts, shot lists, review
records, trace events, canon, the premise facts, the canon change log);
nothing here reads a workspace. `report_markdown` and `report_plots` turn
the result into files; `progress` hears each stage as it starts.

eval.json is `EvalReport.model_dump(mode="json")`:

- `meta`: title, language, genre, writer, offline, episodes_planned, episodes_evaluated, names (id -> name).
- `season`:
  - `structure` (hook, cliffhanger, runtime, shots, scenes, dialogue share, screen time),
    `continuity` (ConStory errors, first draft and remaining, per 10k and per episode, over `episodes`
    counted: episodes with stale reviews are left out and reported under `stale`),
    `ethics` (verdicts, outcomes, flags, plan review), `homogenisation` (distinct-1/2, self-BLEU,
    compression, embedding similarity, `cliches` with the season's stock lines in category `stock_lines`),
    `cost` (`season` = production, `planning`, `episodes`, `chat` on its own line), `judge`;
  - `repeats`: sentences, distinct, distinct_ratio, repeated, repeat_occurrences, near_groups,
    near_sentences, stock_lines, stock_occurrences, `top` and `top_near` ([{text, count, episodes, variants}]);
  - `cast`: planned, on_screen, coverage, missing, unknown, members ([{id, name, episodes, lines}]);
  - `payoff`: pairs, picked_up, rate, by_status, not_picked_up, leads;
  - `premise`: status ('measured' or why not), facts ([{id, kind, label, plan, canon, episodes}]),
    plan_ratio, canon_ratio, plan_or_canon_ratio, scripts_ratio, first_scripts_ratio, missing_plan_canon,
    missing_scripts;
  - `notes`: requests, verified, unmet, not_actionable, free_text, by_kind, producer_notes,
    unverified_revisions, revisions_without_record, status, verified_rate, open ([{status, kind, note, detail}]);
  - `stale`: changes, stale, re_reviewed, excluded, episodes ([{episode, status, changes, first_draft_errors,
    remaining_errors}]).
- `episodes[]`: episode, title, outcome, structure, continuity, ethics, text, cost, judge, and
  `repeats` (sentences, distinct_ratio, said_elsewhere, said_before, near_elsewhere, stock_lines, stock),
  `cast` (on_screen, speaking, planned_missing), `payoff` (status, raised, opening, shared; null for the last),
  `premise` (covered, missing, ratio; null without premise facts), `notes` (as the season's, for the episode),
  `stale` ('current', 'stale' or 're_reviewed').
- `definitions` (figure -> how it is measured) and `limits` (what the figures cannot tell).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from evals import metrics_text as text
from evals.cliches import ClicheScan, scan
from evals.judge import EpisodeJudgement, JudgeReport
from evals.metrics_cast import EpisodeCast, SeasonCast, cast_coverage
from evals.metrics_cost import CostLine, CostReport, cost_report
from evals.metrics_notes import EpisodeNotes, NoteAdherence, ReviewOutcomes, note_adherence
from evals.metrics_payoff import EpisodePayoff, SeasonPayoff, payoff
from evals.metrics_premise import EpisodePremise, SeasonPremise, premise_report
from evals.metrics_repeats import EpisodeRepeats, SeasonRepeats, repeats
from evals.metrics_review import (
    EpisodeContinuity,
    EpisodeEthics,
    SeasonContinuity,
    SeasonEthics,
    episode_continuity,
    episode_ethics,
    season_continuity,
    season_ethics,
)
from evals.metrics_stale import CanonChange, SeasonStaleness, StaleStatus, staleness
from evals.metrics_structure import EpisodeStructure, SeasonStructure, episode_structure, season_structure
from evals.pricing import Price
from evals.report_definitions import DEFINITIONS, LIMITS
from graphs.state import EpisodeReview
from graphs.tracing import RunRecord, TraceEvent
from memory.premise import PremiseFacts
from memory.schema import Canon, EpisodeBrief, Language, Review, Script, SeasonPlan, ShotList

Progress = Callable[[str], None]


@dataclass(frozen=True)
class EpisodeInputs:
    """What one produced episode consists of."""

    brief: EpisodeBrief
    script: Script
    shot_list: ShotList
    review: EpisodeReview
    first_draft: Script | None = None
    reviewed_at: float | None = None  # when review.json was written (POSIX time), for stale reviews
    outcomes: ReviewOutcomes = field(default_factory=ReviewOutcomes)  # review.json's request outcomes


@dataclass(frozen=True)
class SeasonInputs:
    """What a season consists of, gathered by the caller."""

    title: str
    language: Language
    genre: str
    planned: int
    writer: str
    names: Mapping[str, str]
    episodes: Sequence[EpisodeInputs]
    canon: Canon
    plan: SeasonPlan
    plan_review: Review | None = None
    # Reviews of episodes with no shot list (blocked, or still in the room): they count in the ethics totals.
    unfinished: Sequence[EpisodeReview] = ()
    events: Sequence[TraceEvent] = ()
    runs: Sequence[RunRecord] = ()
    prices: Mapping[str, Price] = field(default_factory=dict)
    # None: the series has no premise.json (made before premise facts were kept).
    premise: PremiseFacts | None = None
    canon_changes: Sequence[CanonChange] = ()
    changes_written_at: float | None = None


class EpisodeText(BaseModel):
    """Text figures of one episode."""

    units: int
    distinct_2: float
    self_bleu: float = Field(description="Mean BLEU-4 of its lines against the other episodes.")
    compression_ratio: float
    similarity_to_rest: float | None = None
    cliches: ClicheScan


class Homogenisation(BaseModel):
    """How alike the episodes of the season are."""

    unit: str
    units: int
    distinct_1: float
    distinct_2: float
    self_bleu: float
    compression_ratio: float
    similarity: text.Similarity
    cliches: ClicheScan


class EpisodeEval(BaseModel):
    """Every measure of one episode."""

    episode: int
    title: str
    outcome: str
    structure: EpisodeStructure
    continuity: EpisodeContinuity
    ethics: EpisodeEthics
    text: EpisodeText
    cost: CostLine | None = None
    judge: EpisodeJudgement | None = None
    repeats: EpisodeRepeats
    cast: EpisodeCast
    payoff: EpisodePayoff | None = Field(description="Whether the next episode picks up its cliffhanger.")
    premise: EpisodePremise | None = Field(description="Premise facts its script covers; null with no facts.")
    notes: EpisodeNotes
    stale: StaleStatus = Field(description="current, or stale / re_reviewed after a canon change.")


class SeasonEval(BaseModel):
    """Every measure over the evaluated episodes."""

    structure: SeasonStructure
    continuity: SeasonContinuity
    ethics: SeasonEthics
    homogenisation: Homogenisation
    cost: CostReport
    judge: JudgeReport
    repeats: SeasonRepeats
    cast: SeasonCast
    payoff: SeasonPayoff
    premise: SeasonPremise
    notes: NoteAdherence
    stale: SeasonStaleness


class EvalMeta(BaseModel):
    title: str
    language: Language
    genre: str
    writer: str = Field(description="The model that wrote the scripts, as their artifacts say.")
    offline: bool
    episodes_planned: int
    episodes_evaluated: list[int]
    names: dict[str, str] = Field(description="Character id -> name.")


class EvalReport(BaseModel):
    """The evaluation of a season, as written to eval.json."""

    meta: EvalMeta
    season: SeasonEval
    episodes: list[EpisodeEval]
    definitions: dict[str, str] = Field(default_factory=lambda: dict(DEFINITIONS))
    limits: list[str] = Field(default_factory=lambda: list(LIMITS))


def homogenisation(
    numbered: Sequence[tuple[int, list[str]]],
    language: Language,
    embed: text.Embedder | None,
    embed_model: str,
    embed_skip: str = "",
    stock: Mapping[str, str] | None = None,
    *,
    premise: str,
) -> tuple[Homogenisation, list[EpisodeText]]:
    """Measure repetition across episodes given each episode's lines (and the season's stock lines).

    Lexicon terms the premise uses are the story's own and are not counted as clichés.
    """
    numbers = [n for n, _ in numbered]
    lines = [[text.tokens(t, language) for t in texts] for _, texts in numbered]
    bleu = text.self_bleu(lines)
    if embed is None:
        sim = text.Similarity(status=embed_skip or "skipped: no embedding function", model=embed_model)
    else:
        vectors = text.episode_vectors([texts for _, texts in numbered], language, embed)
        sim = text.similarity(numbers, text.cosine_matrix(vectors), embed_model)
    all_texts = [t for _, texts in numbered for t in texts]
    per_episode = [
        EpisodeText(
            units=sum(len(seq) for seq in seqs),
            distinct_2=round(text.distinct_n(seqs, 2), 4),
            self_bleu=round(score, 4),
            compression_ratio=round(text.compression_ratio(texts), 3),
            similarity_to_rest=sim.per_episode[i] if sim.per_episode else None,
            cliches=scan(texts, language, stock, given=premise),
        )
        for i, ((_, texts), seqs, score) in enumerate(zip(numbered, lines, bleu, strict=True))
    ]
    flat = [seq for seqs in lines for seq in seqs]
    season = Homogenisation(
        unit=text.unit_name(language),
        units=sum(len(seq) for seq in flat),
        distinct_1=round(text.distinct_n(flat, 1), 4),
        distinct_2=round(text.distinct_n(flat, 2), 4),
        self_bleu=round(sum(bleu) / len(bleu), 4) if bleu else 0.0,
        compression_ratio=round(text.compression_ratio(all_texts), 3),
        similarity=sim,
        cliches=scan(all_texts, language, stock, given=premise),
    )
    return season, per_episode


def _quiet(_: str) -> None:
    """Hear no progress."""


def build_report(
    inputs: SeasonInputs,
    *,
    judge: JudgeReport,
    embed: text.Embedder | None,
    embed_model: str,
    embed_skip: str = "",
    progress: Progress = _quiet,
) -> EvalReport:
    """Measure a season and each of its episodes, telling `progress` each stage as it starts."""
    lang = inputs.language
    eps = sorted(inputs.episodes, key=lambda e: e.script.episode)
    structures, continuity, ethics = [], [], []
    for e in eps:
        progress(f"episode {e.script.episode}: structure, continuity and ethics")
        structures.append(episode_structure(e.brief, e.script, e.shot_list, lang))
        continuity.append(episode_continuity(e.review, e.script, e.first_draft, lang))
        ethics.append(episode_ethics(e.review))
    numbers = [e.script.episode for e in eps]
    scripts = [(n, e.script) for n, e in zip(numbers, eps, strict=True)]
    progress(f"repeated dialogue over {len(eps)} episode(s)")
    names = [*inputs.names.values(), *(a for c in inputs.canon.characters for a in c.aliases)]
    season_repeats, episode_repeats, stock = repeats(scripts, lang, names)
    progress("homogenisation: distinct-n, self-BLEU, compression" + (", embeddings" if embed else ""))
    season_text, texts = homogenisation(
        [(n, text.script_texts(e.script)) for n, e in zip(numbers, eps, strict=True)],
        lang,
        embed,
        embed_model,
        embed_skip,
        stock,
        premise=inputs.premise.premise if inputs.premise else "",
    )
    progress("cast coverage and cliffhanger payoff")
    statuses = {c.id: str(c.status) for c in inputs.canon.characters}
    season_cast, episode_cast = cast_coverage(inputs.names, [(e.brief, e.script, e.shot_list) for e in eps], statuses)
    season_payoff, episode_payoff = payoff(inputs.canon, lang, [(e.script, e.shot_list) for e in eps])
    progress("premise coverage")
    season_premise, episode_premise = premise_report(inputs.premise, inputs.plan, inputs.canon, [e.script for e in eps])
    progress("note adherence and stale reviews")
    season_notes, episode_notes = note_adherence([(e.review, e.outcomes) for e in eps])
    stale = staleness(
        inputs.canon_changes,
        inputs.changes_written_at,
        {e.script.episode: e.reviewed_at for e in eps if e.reviewed_at is not None},
        {c.episode: (sum(c.first_draft.values()), sum(c.remaining.values())) for c in continuity},
    )
    progress("cost")
    finished = {s.episode: s.runtime_s for s, e in zip(structures, ethics, strict=True) if e.outcome == "committed"}
    costs = cost_report(inputs.events, inputs.runs, finished, inputs.prices, numbers)
    judged = {j.episode: j for j in judge.episodes}
    payoffs = {p.episode: p for p in episode_payoff}
    premises = {p.episode: p for p in episode_premise}
    stale_of = {s.episode: s.status for s in stale.episodes}
    episodes = [
        EpisodeEval(
            episode=n,
            title=e.script.title,
            outcome=eth.outcome,
            structure=st,
            continuity=co,
            ethics=eth,
            text=tx,
            cost=cost,
            judge=judged.get(n),
            repeats=rep,
            cast=cast,
            payoff=payoffs.get(n),
            premise=premises.get(n),
            notes=note,
            stale=stale_of.get(n, "current"),
        )
        for n, e, st, co, eth, tx, cost, rep, cast, note in zip(
            numbers,
            eps,
            structures,
            continuity,
            ethics,
            texts,
            costs.episodes,
            episode_repeats,
            episode_cast,
            episode_notes,
            strict=True,
        )
    ]
    meta = EvalMeta(
        title=inputs.title,
        language=lang,
        genre=inputs.genre,
        writer=inputs.writer,
        offline="offline" in inputs.writer,
        episodes_planned=inputs.planned,
        episodes_evaluated=numbers,
        names=dict(inputs.names),
    )
    current = [c for c in continuity if c.episode not in stale.excluded]
    season = SeasonEval(
        structure=season_structure(structures),
        continuity=season_continuity(current, text.unit_name(lang)),
        ethics=season_ethics([*ethics, *(episode_ethics(r) for r in inputs.unfinished)], inputs.plan_review),
        homogenisation=season_text,
        cost=costs,
        judge=judge,
        repeats=season_repeats,
        cast=season_cast,
        payoff=season_payoff,
        premise=season_premise,
        notes=season_notes,
        stale=stale,
    )
    return EvalReport(meta=meta, season=season, episodes=episodes)
