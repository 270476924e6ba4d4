"""LLM-as-judge: score each episode on five screenplay dimensions and compare first draft with final, both orders.

Only a real endpoint judges. Offline the judge is skipped and says so: the
offline writer has no opinion worth reporting. Pairwise comparisons run twice
with the drafts swapped; a verdict counts only when both orders agree, and the
agreement rate shows how much the judge leans on position.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult
from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel, Field

from agents.llm import LlmError, RoleModel
from memory.schema import EpisodeBrief, Language, Script

T = TypeVar("T")
DIMENSIONS: tuple[str, ...] = (
    "dialogue_coherence",
    "character_consistency",
    "plot_reasonableness",
    "hook_strength",
    "cliffhanger_pull",
)
SKIPPED_OFFLINE = (
    "skipped: no endpoint configured (set OPENAI_BASE_URL, OPENAI_API_KEY and DRAMAROOM_MODEL to judge with an LLM); "
    "the offline writer is never used as a judge"
)
LANGUAGE_NAMES = {"en": "English", "zh": "Simplified Chinese"}

SCORE_SYSTEM = """You are a senior script editor for vertical micro-dramas (1-3 minute episodes, 短剧).
Judge only what is on the page, against the episode's plan. Be strict: 5 is competent, 8 is broadcast-ready,
10 is exceptional. Scores are integers from 1 to 10.

<dimensions>
dialogue_coherence: lines follow from each other, people answer what was said, no non-sequiturs.
character_consistency: each character acts and speaks in line with who they are and what they know.
plot_reasonableness: events follow causally; no unexplained leaps, coincidences or contradictions.
hook_strength: how hard the first three seconds grab a scrolling viewer.
cliffhanger_pull: how strongly the last moment makes the viewer need the next episode.
</dimensions>"""

SCORE_USER = """<language>{language}</language>
<plan>
Opening hook: {hook}
Core conflict: {conflict}
Cliffhanger: {cliffhanger}
</plan>
<script>
{script}
</script>
Score this episode on every dimension and give a short rationale naming its weakest point."""

PAIRWISE_SYSTEM = """You are a senior script editor for vertical micro-dramas (1-3 minute episodes, 短剧).
You are shown two drafts of the same episode, A and B, written to the same plan. Decide which is the better
episode to shoot: coherent dialogue, consistent characters, reasonable plot, continuity of wardrobe, props and
time, a strong hook and cliffhanger. The order of the drafts means nothing. Answer "tie" only when neither is
better."""

PAIRWISE_USER = """<language>{language}</language>
<plan>
Opening hook: {hook}
Core conflict: {conflict}
Cliffhanger: {cliffhanger}
</plan>
<draft_a>
{script_a}
</draft_a>
<draft_b>
{script_b}
</draft_b>
Which draft is the better episode: A, B, or tie?"""


class EpisodeScores(BaseModel):
    """A judge's scores for one episode."""

    dialogue_coherence: int = Field(ge=1, le=10, description="Lines follow from each other; 1-10.")
    character_consistency: int = Field(ge=1, le=10, description="Characters act true to themselves; 1-10.")
    plot_reasonableness: int = Field(ge=1, le=10, description="Events follow causally; 1-10.")
    hook_strength: int = Field(ge=1, le=10, description="Pull of the first three seconds; 1-10.")
    cliffhanger_pull: int = Field(ge=1, le=10, description="Pull of the final moment; 1-10.")
    rationale: str = Field(description="Two or three sentences naming the weakest point.")


class PairwiseChoice(BaseModel):
    """A judge's choice between two drafts."""

    better: Literal["A", "B", "tie"] = Field(description="The better draft, or tie when neither is better.")
    reason: str = Field(description="One or two sentences on why.")


Preference = Literal["first_draft", "final", "tie"]


class PairwiseResult(BaseModel):
    """First draft against final script, judged in both orders."""

    first_draft_as_a: Preference = Field(description="Verdict when the first draft was shown as A.")
    final_as_a: Preference = Field(description="Verdict when the final script was shown as A.")
    agree: bool = Field(description="True when both orders gave the same verdict.")
    preferred: Preference | Literal["inconsistent"] = Field(description="The agreed verdict, or inconsistent.")


class EpisodeJudgement(BaseModel):
    """What the judge said about one episode."""

    episode: int
    scores: dict[str, int] = Field(default_factory=dict, description="Dimension -> 1-10; empty if scoring failed.")
    rationale: str = ""
    pairwise: PairwiseResult | None = Field(default=None, description="None when the episode was never revised.")
    errors: list[str] = Field(default_factory=list)


class JudgeReport(BaseModel):
    """The LLM judge's findings over the season, or why there are none."""

    status: str = Field(description="'done', 'skipped: why' or 'failed: why'.")
    model: str = ""
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    episodes: list[EpisodeJudgement] = Field(default_factory=list)
    means: dict[str, float] = Field(default_factory=dict, description="Dimension -> mean score.")
    pairs: int = Field(default=0, description="Episodes compared first draft against final.")
    agreement: float | None = Field(default=None, description="Share of pairs whose two orders agreed.")
    final_preferred: float | None = Field(default=None, description="Share of agreed pairs preferring the final.")


@dataclass(frozen=True)
class JudgeItem:
    """One episode to judge: its plan, final script and (when it was revised) its first draft."""

    brief: EpisodeBrief
    final: Script
    first_draft: Script | None = None


class _Usage(BaseCallbackHandler):
    """Count the judge's calls and tokens."""

    def __init__(self) -> None:
        self.calls = 0
        self.tokens_in = 0
        self.tokens_out = 0

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """Add one finished call's token usage."""
        self.calls += 1
        generation = response.generations[0][0] if response.generations and response.generations[0] else None
        usage = getattr(getattr(generation, "message", None), "usage_metadata", None) or {}
        self.tokens_in += int(usage.get("input_tokens", 0))
        self.tokens_out += int(usage.get("output_tokens", 0))


def skipped(reason: str) -> JudgeReport:
    """Return a judge report that says why nothing was judged."""
    return JudgeReport(status=reason if reason.startswith("skipped") else f"skipped: {reason}")


def script_text(script: Script, names: Mapping[str, str]) -> str:
    """Render a script as plain screenplay text for a judge, with wardrobe and props so continuity is visible."""
    out: list[str] = []
    for scene in script.scenes:
        wearing = ", ".join(f"{names.get(c, c)}: {w}" for c, w in sorted(scene.wardrobe.items()))
        props = ", ".join(f"{p.prop_id} ({names.get(p.holder_id or '', 'nobody')})" for p in scene.props)
        head = f"SCENE {scene.id} - {scene.location_id}, {scene.time_of_day}, day {scene.story_day} {scene.clock}"
        out.append(head + (" (flashback)" if scene.flashback else ""))
        if wearing:
            out.append(f"  wardrobe: {wearing}")
        if props:
            out.append(f"  props: {props}")
        for line in scene.lines:
            if line.kind == "action":
                out.append(f"  [{line.text}]")
            else:
                cue = (line.cue or names.get(line.speaker_id or "", "?")).upper()
                how = f" ({line.parenthetical})" if line.parenthetical else ""
                out.append(f"  {cue}{how} <{line.emotion}>: {line.text}")
    return "\n".join(out)


def _plan(brief: EpisodeBrief, language: Language) -> dict[str, str]:
    return {
        "language": LANGUAGE_NAMES[language],
        "hook": brief.opening_hook,
        "conflict": brief.core_conflict,
        "cliffhanger": brief.cliffhanger,
    }


def _unswap(choice: PairwiseChoice, a: Preference, b: Preference) -> Preference:
    return a if choice.better == "A" else b if choice.better == "B" else "tie"


async def _bounded(limit: int, jobs: Sequence[Callable[[], Awaitable[T]]]) -> list[T | LlmError]:
    gate = asyncio.Semaphore(max(1, limit))

    async def run(job: Callable[[], Awaitable[T]]) -> T | LlmError:
        async with gate:
            try:
                return await job()
            except LlmError as exc:
                return exc

    return list(await asyncio.gather(*(run(j) for j in jobs)))


async def judge_season(
    model: RoleModel, items: Sequence[JudgeItem], *, names: Mapping[str, str], language: Language, concurrency: int = 4
) -> JudgeReport:
    """Score every episode, then compare revised episodes' first drafts with their finals in both orders."""
    usage = _Usage()
    config: RunnableConfig = {"callbacks": [usage], "metadata": {"role": "judge"}}

    def score(item: JudgeItem) -> Callable[[], Awaitable[EpisodeScores]]:
        user = SCORE_USER.format(**_plan(item.brief, language), script=script_text(item.final, names))
        return lambda: model.structured(EpisodeScores, system=SCORE_SYSTEM, user=user, config=config)

    def compare(item: JudgeItem, a: Script, b: Script) -> Callable[[], Awaitable[PairwiseChoice]]:
        user = PAIRWISE_USER.format(
            **_plan(item.brief, language), script_a=script_text(a, names), script_b=script_text(b, names)
        )
        return lambda: model.structured(PairwiseChoice, system=PAIRWISE_SYSTEM, user=user, config=config)

    # All scoring first, then all comparisons, so each phase asks for one schema.
    scores = await _bounded(concurrency, [score(item) for item in items])
    revised = [item for item in items if item.first_draft is not None]
    pair_jobs = [
        job
        for item in revised
        if item.first_draft is not None
        for job in (compare(item, item.first_draft, item.final), compare(item, item.final, item.first_draft))
    ]
    choices = await _bounded(concurrency, pair_jobs)
    pairs = {item.final.episode: (choices[2 * i], choices[2 * i + 1]) for i, item in enumerate(revised)}
    judged = [
        _judgement(item, result, pairs.get(item.final.episode)) for item, result in zip(items, scores, strict=True)
    ]
    return _summary(model.label, judged, usage)


def _judgement(
    item: JudgeItem,
    result: EpisodeScores | LlmError,
    pair: tuple[PairwiseChoice | LlmError, PairwiseChoice | LlmError] | None,
) -> EpisodeJudgement:
    errors: list[str] = []
    scores: dict[str, int] = {}
    rationale = ""
    if isinstance(result, LlmError):
        errors.append(str(result))
    else:
        scores = {d: int(getattr(result, d)) for d in DIMENSIONS}
        rationale = result.rationale
    pairwise: PairwiseResult | None = None
    if pair is not None:
        first, second = pair
        if isinstance(first, LlmError) or isinstance(second, LlmError):
            errors.extend(str(e) for e in pair if isinstance(e, LlmError))
        else:
            one = _unswap(first, "first_draft", "final")
            two = _unswap(second, "final", "first_draft")
            pairwise = PairwiseResult(
                first_draft_as_a=one, final_as_a=two, agree=one == two, preferred=one if one == two else "inconsistent"
            )
    return EpisodeJudgement(
        episode=item.final.episode, scores=scores, rationale=rationale, pairwise=pairwise, errors=errors
    )


def _summary(label: str, judged: list[EpisodeJudgement], usage: _Usage) -> JudgeReport:
    scored = [j for j in judged if j.scores]
    compared = [j.pairwise for j in judged if j.pairwise is not None]
    agreed = [p for p in compared if p.agree]
    failures = [e for j in judged for e in j.errors]
    if failures and not scored and not compared:
        status = f"failed: {failures[0]}"
    elif failures:
        status = f"done with {len(failures)} failed call(s): {failures[0]}"
    else:
        status = "done"
    return JudgeReport(
        status=status,
        model=label,
        calls=usage.calls,
        tokens_in=usage.tokens_in,
        tokens_out=usage.tokens_out,
        episodes=judged,
        means={d: round(sum(j.scores[d] for j in scored) / len(scored), 2) for d in DIMENSIONS} if scored else {},
        pairs=len(compared),
        agreement=round(len(agreed) / len(compared), 3) if compared else None,
        final_preferred=round(sum(p.preferred == "final" for p in agreed) / len(agreed), 3) if agreed else None,
    )
