"""The season evaluation: gather every measure into one report object, per episode and for the season.

Callers pass what a season consists of (briefs, scripts, shot lists, review
records, trace events); nothing here reads a workspace. `report_markdown`
and `report_plots` turn the result into files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from evals import metrics_text as text
from evals.cliches import ClicheScan, scan
from evals.judge import EpisodeJudgement, JudgeReport
from evals.metrics_cost import CostLine, CostReport, cost_report
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
from evals.metrics_structure import (
    BEAT_MATCH,
    HOOK_WINDOW_S,
    EpisodeStructure,
    SeasonStructure,
    episode_structure,
    season_structure,
)
from evals.pricing import Price
from graphs.episode import EpisodeReview
from graphs.tracing import RunRecord, TraceEvent
from memory.schema import EpisodeBrief, Language, Review, Script, ShotList

DEFINITIONS: dict[str, str] = {
    "hook_in_3s": (
        f"A shot that starts before {HOOK_WINDOW_S:g} s of shot-list time covers a line (or shows a frame) containing "
        f"at least {BEAT_MATCH:.0%} of the brief's opening-hook content words (Chinese: character bigrams), the "
        "speaker's cue removed ('brief_hook'); failing that, a line in that window is played tense, angry, afraid, "
        "shocked, cold, desperate or smug ('conflict')."
    ),
    "cliffhanger_in_last_shot": (
        f"The last shot's line and framing contain at least {BEAT_MATCH:.0%} of the brief's cliffhanger content words."
    ),
    "runtime": "Sum of the shot list's durations, against the script's target seconds.",
    "dialogue_share": "Share of screen time on shots that cover a dialogue line (action shots are the rest).",
    "screen_time": "Seconds a character is in frame: the sum of the durations of the shots that list them.",
    "continuity_errors": (
        "Continuity findings of severity revise or block, by ConStory-Bench category. First draft: the notes that "
        "made the room revise draft r0 (or the final review when r0 was never revised). Remaining: the final review."
    ),
    "errors_per_10k": "Errors per 10,000 words of the script's lines (Chinese: per 10,000 characters).",
    "distinct_2": "Unique token bigrams over all bigrams of the season's lines, pooled (higher is more varied).",
    "self_bleu": (
        "BLEU-4 (clipped n-gram precision, brevity penalty, Chen & Cherry smoothing 1) of each line against every "
        "line of the other episodes, averaged per episode, then over episodes (higher is more repetitive)."
    ),
    "compression_ratio": "UTF-8 bytes over gzip bytes of the season's lines (higher is more repetitive).",
    "embedding_similarity": (
        "Cosine similarity of episode embeddings: the mean of normalised MiniLM embeddings of ~120-token chunks."
    ),
    "cliche_rate": "Lexicon hits per 1,000 words (Chinese: characters); templates are stock beats and lines.",
    "cost_per_finished_minute": (
        "Estimated USD of every model call in the trace store over committed screen time (shot lists), with the "
        "prices of evals/pricing.py overridden by [prices] in dramaroom.toml; offline calls cost 0."
    ),
}
LIMITS: tuple[str, ...] = (
    "Hook and cliffhanger are matched against the plan's wording; a model that paraphrases its own plan can be "
    "missed, which the LLM judge's hook_strength and cliffhanger_pull complement when an endpoint is configured.",
    "Screen time comes from the shot list, not the rendered audio; render.json has the measured runtime.",
    "First-draft findings are those the room acted on; notes of severity info are not counted as errors.",
    "all-MiniLM-L6-v2 is trained on English: similarity between Chinese episodes is indicative only.",
    "Character names count as tokens in distinct-2, self-BLEU and compression, as they do for a viewer.",
    "Cost counts every run in state/traces.sqlite, including resumed and re-reviewed episodes.",
)


@dataclass(frozen=True)
class EpisodeInputs:
    """What one produced episode consists of."""

    brief: EpisodeBrief
    script: Script
    shot_list: ShotList
    review: EpisodeReview
    first_draft: Script | None = None


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
    plan_review: Review | None = None
    # Reviews of episodes with no shot list (blocked, or still in the room): they count in the ethics totals.
    unfinished: Sequence[EpisodeReview] = ()
    events: Sequence[TraceEvent] = ()
    runs: Sequence[RunRecord] = ()
    prices: Mapping[str, Price] = field(default_factory=dict)


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


class SeasonEval(BaseModel):
    """Every measure over the evaluated episodes."""

    structure: SeasonStructure
    continuity: SeasonContinuity
    ethics: SeasonEthics
    homogenisation: Homogenisation
    cost: CostReport
    judge: JudgeReport


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
) -> tuple[Homogenisation, list[EpisodeText]]:
    """Measure repetition across episodes given each episode's lines."""
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
            cliches=scan(texts, language),
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
        cliches=scan(all_texts, language),
    )
    return season, per_episode


def build_report(
    inputs: SeasonInputs, *, judge: JudgeReport, embed: text.Embedder | None, embed_model: str, embed_skip: str = ""
) -> EvalReport:
    """Measure a season and each of its episodes."""
    lang = inputs.language
    eps = sorted(inputs.episodes, key=lambda e: e.script.episode)
    structures = [episode_structure(e.brief, e.script, e.shot_list, lang) for e in eps]
    continuity = [episode_continuity(e.review, e.script, e.first_draft, lang) for e in eps]
    ethics = [episode_ethics(e.review) for e in eps]
    numbers = [e.script.episode for e in eps]
    season_text, texts = homogenisation(
        [(n, text.script_texts(e.script)) for n, e in zip(numbers, eps, strict=True)],
        lang,
        embed,
        embed_model,
        embed_skip,
    )
    finished = {s.episode: s.runtime_s for s, e in zip(structures, ethics, strict=True) if e.outcome == "committed"}
    costs = cost_report(inputs.events, inputs.runs, finished, inputs.prices, numbers)
    judged = {j.episode: j for j in judge.episodes}
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
        )
        for n, e, st, co, eth, tx, cost in zip(
            numbers, eps, structures, continuity, ethics, texts, costs.episodes, strict=True
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
    season = SeasonEval(
        structure=season_structure(structures),
        continuity=season_continuity(continuity),
        ethics=season_ethics([*ethics, *(episode_ethics(r) for r in inputs.unfinished)], inputs.plan_review),
        homogenisation=season_text,
        cost=costs,
        judge=judge,
    )
    return EvalReport(meta=meta, season=season, episodes=episodes)
