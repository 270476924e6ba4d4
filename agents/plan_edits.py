"""Revise the season plan on request: move the paywall, add a twist, rewrite a brief, recharacterise.

Only episodes not produced yet change; a produced episode keeps its brief
(re-reviewing or re-writing it is a separate, explicit step).
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.canon_queries import QueryError, resolve
from agents.showrunner_chat import RevisePlan
from memory.schema import Canon, Character, EpisodeBrief, SeasonPlan

_BRIEF_FIELDS = ("title", "opening_hook", "cliffhanger", "core_conflict", "beat1", "beat2", "beat3", "beat4")


class PlanEditError(ValueError):
    """A plan revision cannot be made as asked; the message says why and what to ask instead."""


@dataclass(frozen=True)
class PlanChange:
    """A revised plan (and canon, when a character changes) plus what changed, line by line."""

    plan: SeasonPlan
    canon: Canon | None
    changes: list[str]


def _brief(plan: SeasonPlan, episode: int | None, produced: set[int]) -> EpisodeBrief:
    if episode is None:
        raise PlanEditError("say which episode, e.g. 'episode 5'")
    if not 1 <= episode <= len(plan.episodes):
        raise PlanEditError(f"the season has episodes 1-{len(plan.episodes)}, not {episode}")
    if episode in produced:
        raise PlanEditError(
            f"episode {episode} is already produced; its brief stays as written (reject or edit the episode instead)"
        )
    return plan.episodes[episode - 1]


def _replace(plan: SeasonPlan, brief: EpisodeBrief) -> SeasonPlan:
    episodes = [brief if b.number == brief.number else b for b in plan.episodes]
    return plan.model_copy(update={"episodes": episodes})


def _move_paywall(plan: SeasonPlan, edit: RevisePlan, produced: set[int]) -> PlanChange:
    target = _brief(plan, edit.episode, produced).number
    old = plan.paywall_episode
    episodes = [b.model_copy(update={"is_paywall": b.number == target}) for b in plan.episodes]
    new = plan.model_copy(update={"paywall_episode": target, "episodes": episodes})
    return PlanChange(new, None, [f"paywall moved from episode {old} to episode {target}"])


def _add_twist(plan: SeasonPlan, edit: RevisePlan, produced: set[int]) -> PlanChange:
    if not edit.text.strip():
        raise PlanEditError("say what the twist is, e.g. 'add a twist at episode 5: the will is forged'")
    brief = _brief(plan, edit.episode, produced)
    beats = list(brief.key_beats)
    old = beats[2]
    beats[2] = f"Twist: {edit.text.strip()}"
    curve = list(brief.emotional_curve)
    curve[2] = max(curve[2], 9)
    revised = brief.model_copy(update={"key_beats": beats, "emotional_curve": curve})
    return PlanChange(
        _replace(plan, revised),
        None,
        [f"episode {brief.number} turn: '{old}' → 'Twist: {edit.text.strip()}' (intensity {curve[2]})"],
    )


def _revise_brief(plan: SeasonPlan, edit: RevisePlan, produced: set[int]) -> PlanChange:
    field = edit.field.strip().lower()
    if field not in _BRIEF_FIELDS:
        raise PlanEditError(f"a brief's editable fields are {', '.join(_BRIEF_FIELDS)}, not '{edit.field}'")
    if not edit.text.strip():
        raise PlanEditError(f"give the new {field}")
    brief = _brief(plan, edit.episode, produced)
    if field.startswith("beat"):
        beats = list(brief.key_beats)
        index = int(field[-1]) - 1
        old, beats[index] = beats[index], edit.text.strip()
        revised = brief.model_copy(update={"key_beats": beats})
    else:
        old = str(getattr(brief, field))
        revised = brief.model_copy(update={field: edit.text.strip()})
    return PlanChange(
        _replace(plan, revised), None, [f"episode {brief.number} {field}: '{old}' → '{edit.text.strip()}'"]
    )


def _who(canon: Canon, wanted: str) -> Character:
    role = wanted.strip().lower().removeprefix("the ").strip()
    by_role = [c for c in canon.characters if c.role.lower() == role]
    if by_role:
        return by_role[0]
    try:
        _, found = resolve(canon, wanted, ("character",))
    except QueryError as exc:
        raise PlanEditError(str(exc)) from exc
    assert isinstance(found, Character)
    return found


def _recharacterise(plan: SeasonPlan, canon: Canon, edit: RevisePlan, produced: set[int]) -> PlanChange:
    if not edit.character.strip() or not edit.text.strip():
        raise PlanEditError("say who and how, e.g. 'make the antagonist sympathetic'")
    person = _who(canon, edit.character)
    direction = edit.text.strip()
    trait = f"{direction} (revised)"
    people = [c.model_copy(update={"traits": [*c.traits, trait]}) if c.id == person.id else c for c in canon.characters]
    new_canon = canon.model_copy(update={"characters": people})
    arc = f"{person.name} becomes {direction}: give them a motive the audience can understand."
    touched: list[int] = []
    episodes = []
    for brief in plan.episodes:
        if brief.number not in produced and person.id in brief.character_ids:
            conflict = f"{brief.core_conflict} {person.name} acts from a {direction} motive."
            brief = brief.model_copy(update={"core_conflict": conflict})
            touched.append(brief.number)
        episodes.append(brief)
    new_plan = plan.model_copy(update={"arcs": [*plan.arcs, arc], "episodes": episodes})
    changes = [f"{person.name} ({person.role}): trait '{trait}' added to canon", f"new arc: {arc}"]
    changes.append(
        f"briefs of unproduced episodes {', '.join(map(str, touched))} now carry it"
        if touched
        else "no unproduced episode features them"
    )
    return PlanChange(new_plan, new_canon, changes)


def revise_plan(plan: SeasonPlan, canon: Canon, edit: RevisePlan, produced: set[int]) -> PlanChange:
    """Return the revised plan (and canon when a character changes) and the list of what changed.

    Raises:
        PlanEditError: The revision is malformed or touches a produced episode.
    """
    if edit.action == "move_paywall":
        return _move_paywall(plan, edit, produced)
    if edit.action == "add_twist":
        return _add_twist(plan, edit, produced)
    if edit.action == "revise_brief":
        return _revise_brief(plan, edit, produced)
    return _recharacterise(plan, canon, edit, produced)
