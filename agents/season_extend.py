"""Extending a planned season: the showrunner writes the new briefs against canon as the season has it so far.

The new briefs continue the plan's arcs from the latest briefs, with canon as of the first new episode
(who is dead, who holds what, what has been revealed) and the summaries of the episodes written so far.
The briefs already planned, produced or not, are kept as they are; the paywall stays where it is.
"""

from __future__ import annotations

from agents.prompting import context_block
from agents.room import RoomContext, call_config
from agents.showrunner import LANGUAGE_NAMES, PLAN_CHUNK, PLAN_SYSTEM, PlanError, normalise_plan
from memory.premise import PremiseFacts
from memory.schema import BriefBatch, Canon, EpisodeBrief, SeasonPlan, SeriesBible

EXTEND_USER = """\
Extend the season from {old} to {episodes} episodes: write exactly {count} new episode briefs, episodes
{first} to {last}, continuing the arcs from previous_briefs and escalating towards the new finale. canon is
the story as it stands before episode {first} (who is dead, who holds what, what is known); season_so_far
summarises the episodes written. Keep the paywall at episode {paywall_episode}. Use only ids from canon.
{context}"""


async def extend_plan(
    ctx: RoomContext,
    *,
    premise: str,
    plan: SeasonPlan,
    base: Canon,
    canon_now: Canon,
    so_far: list[tuple[int, str]],
    episodes: int,
    facts: PremiseFacts | None = None,
) -> SeasonPlan:
    """Return the plan with briefs up to `episodes`, the new ones planned against `canon_now`.

    Raises:
        PlanError: The new total is not larger, or a brief names an id not in canon.
    """
    old = len(plan.episodes)
    if episodes <= old:
        raise PlanError(f"the season already has {old} episodes; extend it to more than that")
    system = PLAN_SYSTEM.format(
        target_seconds=ctx.target_seconds,
        language_name=LANGUAGE_NAMES[ctx.language],
        required="\n".join(f"- {f.kind}: {f.label}" for f in facts.facts()) if facts else "- none stated",
        notes="none",
    )
    model = ctx.model("showrunner")
    briefs = list(plan.episodes)
    while len(briefs) < episodes:
        first = len(briefs) + 1
        last = min(episodes, first + PLAN_CHUNK - 1)
        payload: dict[str, object] = {
            "premise": premise,
            "language": ctx.language,
            "episodes": episodes,
            "target_seconds": ctx.target_seconds,
            "paywall_episode": plan.paywall_episode,
            "genre": plan.genre,
            "tone": plan.tone,
            "premise_facts": facts,
            "brief_range": [first, last],
            "canon": canon_now,
            "logline": plan.logline,
            "arcs": plan.arcs,
            "previous_briefs": briefs[-3:],
            "season_so_far": [{"episode": n, "summary": text} for n, text in so_far],
        }
        user = EXTEND_USER.format(
            old=old,
            episodes=episodes,
            count=last - first + 1,
            first=first,
            last=last,
            paywall_episode=plan.paywall_episode,
            context=context_block("plan_briefs", payload),
        )
        batch = await model.structured(
            BriefBatch, system=system, user=user, config=call_config("showrunner", None, "plan_briefs")
        )
        briefs += [_numbered(b, first + i) for i, b in enumerate(batch.episodes[: last - first + 1])]
    series = normalise_plan(
        SeriesBible(canon=base, plan=plan.model_copy(update={"episodes": briefs})),
        episodes=episodes,
        paywall_episode=plan.paywall_episode,
    )
    return series.plan


def _numbered(brief: EpisodeBrief, number: int) -> EpisodeBrief:
    return brief.model_copy(update={"number": number})
