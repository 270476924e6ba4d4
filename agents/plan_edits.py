"""Revise the season plan on request: move the paywall, add a twist, rewrite a brief, recharacterise, or plan
a lasting costume change.

Only episodes not produced yet change; a produced episode keeps its brief
(re-reviewing or re-writing it is a separate, explicit step).
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.canon_queries import QueryError, resolve
from agents.messages import say, term
from agents.premise_reader import read_premise
from agents.showrunner_chat import RevisePlan
from agents.wardrobe_edits import WardrobeError, dress
from memory.schema import Canon, Character, EpisodeBrief, SeasonPlan, StateChange

_BRIEF_FIELDS = ("title", "opening_hook", "cliffhanger", "core_conflict", "beat1", "beat2", "beat3", "beat4")


class PlanEditError(ValueError):
    """A plan revision cannot be made as asked; the message says why and what to ask instead."""


@dataclass(frozen=True)
class PlanChange:
    """A revised plan (and canon, when a character changes) plus what changed, line by line."""

    plan: SeasonPlan
    canon: Canon | None
    changes: list[str]


def _brief(plan: SeasonPlan, episode: int | None, produced: set[int], lang: str) -> EpisodeBrief:
    if episode is None:
        raise PlanEditError(say(lang, "plan.which_episode"))
    if not 1 <= episode <= len(plan.episodes):
        raise PlanEditError(say(lang, "plan.out_of_range", count=len(plan.episodes), n=episode))
    if episode in produced:
        raise PlanEditError(say(lang, "plan.produced", n=episode))
    return plan.episodes[episode - 1]


def _replace(plan: SeasonPlan, brief: EpisodeBrief) -> SeasonPlan:
    episodes = [brief if b.number == brief.number else b for b in plan.episodes]
    return plan.model_copy(update={"episodes": episodes})


def _move_paywall(plan: SeasonPlan, edit: RevisePlan, produced: set[int], lang: str) -> PlanChange:
    target = _brief(plan, edit.episode, produced, lang).number
    old = plan.paywall_episode
    episodes = [b.model_copy(update={"is_paywall": b.number == target}) for b in plan.episodes]
    new = plan.model_copy(update={"paywall_episode": target, "episodes": episodes})
    return PlanChange(new, None, [say(lang, "plan.paywall_moved", old=old, new=target)])


def unknown_people(text: str, canon: Canon) -> list[str]:
    """Return the people a piece of plan text names that canon does not have, as the text puts them.

    A named person must be a canon character (by name, alias, given name or surname); a person given only by
    a job ("the landlord") must match some character's occupation or role. Kin words alone ("her father")
    are not checked: a twist may well reveal who someone's father is.
    """
    names = {n.casefold() for c in canon.characters for n in (c.name, *c.aliases, *c.name.split())}
    jobs = " ".join(f"{c.occupation} {c.role} " + " ".join(r.kind for r in c.relationships) for c in canon.characters)
    missing: list[str] = []
    for person in read_premise(text, canon.language).people:
        if person.name:
            parts = [person.name, person.given, person.surname]
            if not any(p and p.casefold() in names for p in parts):
                missing.append(person.name)
        elif person.role and person.role.casefold() not in jobs.casefold():
            missing.append(person.role)
    return missing


def _check_people(text: str, canon: Canon) -> None:
    """Question plan text that brings in people canon lacks, as a canon change would be questioned."""
    missing = unknown_people(text, canon)
    if missing:
        lang = canon.language
        cast = say(lang, "sep.list").join(c.name for c in canon.characters)
        raise PlanEditError(say(lang, "plan.unknown_people", people=say(lang, "sep.list").join(missing), cast=cast))


def _add_twist(plan: SeasonPlan, edit: RevisePlan, produced: set[int], canon: Canon) -> PlanChange:
    lang = canon.language
    if not edit.text.strip():
        raise PlanEditError(say(lang, "plan.twist_needed"))
    _check_people(edit.text, canon)
    brief = _brief(plan, edit.episode, produced, lang)
    beats = list(brief.key_beats)
    old = beats[2]
    beats[2] = say(lang, "plan.twist_beat", text=edit.text.strip())
    curve = list(brief.emotional_curve)
    curve[2] = max(curve[2], 9)
    revised = brief.model_copy(update={"key_beats": beats, "emotional_curve": curve})
    return PlanChange(
        _replace(plan, revised),
        None,
        [say(lang, "plan.twist_changed", n=brief.number, old=old, new=beats[2], intensity=curve[2])],
    )


def _revise_brief(plan: SeasonPlan, edit: RevisePlan, produced: set[int], canon: Canon) -> PlanChange:
    lang = canon.language
    field = edit.field.strip().lower()
    if field not in _BRIEF_FIELDS:
        raise PlanEditError(say(lang, "plan.bad_field", fields=", ".join(_BRIEF_FIELDS), field=edit.field))
    if not edit.text.strip():
        raise PlanEditError(say(lang, "plan.text_needed", field=field))
    if field != "title":
        _check_people(edit.text, canon)
    brief = _brief(plan, edit.episode, produced, lang)
    if field.startswith("beat"):
        beats = list(brief.key_beats)
        index = int(field[-1]) - 1
        old, beats[index] = beats[index], edit.text.strip()
        revised = brief.model_copy(update={"key_beats": beats})
    else:
        old = str(getattr(brief, field))
        revised = brief.model_copy(update={field: edit.text.strip()})
    return PlanChange(
        _replace(plan, revised),
        None,
        [say(lang, "plan.brief_changed", n=brief.number, field=field, old=old, new=edit.text.strip())],
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
    lang = canon.language
    if not edit.character.strip() or not edit.text.strip():
        raise PlanEditError(say(lang, "plan.who_how"))
    person = _who(canon, edit.character)
    direction = term(lang, "direction", edit.text.strip().lower()) if lang != "en" else edit.text.strip()
    trait = say(lang, "plan.trait", direction=direction)
    people = [c.model_copy(update={"traits": [*c.traits, trait]}) if c.id == person.id else c for c in canon.characters]
    new_canon = canon.model_copy(update={"characters": people})
    arc = say(lang, "plan.arc", name=person.name, direction=direction)
    touched: list[int] = []
    episodes = []
    for brief in plan.episodes:
        if brief.number not in produced and person.id in brief.character_ids:
            conflict = say(lang, "plan.conflict", conflict=brief.core_conflict, name=person.name, direction=direction)
            brief = brief.model_copy(update={"core_conflict": conflict})
            touched.append(brief.number)
        episodes.append(brief)
    new_plan = plan.model_copy(update={"arcs": [*plan.arcs, arc], "episodes": episodes})
    changes = [
        say(lang, "plan.trait_added", name=person.name, role=person.role, trait=trait),
        say(lang, "plan.new_arc", arc=arc),
    ]
    changes.append(
        say(lang, "plan.briefs_touched", episodes=say(lang, "sep.list").join(map(str, touched)))
        if touched
        else say(lang, "plan.none_touched")
    )
    return PlanChange(new_plan, new_canon, changes)


def _change_wardrobe(plan: SeasonPlan, canon: Canon, edit: RevisePlan, produced: set[int]) -> PlanChange:
    """Plan a lasting costume change: the brief records it, and the character wears it from that episode on."""
    lang = canon.language
    if not edit.character.strip() or not edit.text.strip():
        raise PlanEditError(say(lang, "plan.wardrobe_needed"))
    brief = _brief(plan, edit.episode, produced, lang)
    person = _who(canon, edit.character)
    try:
        dressed, wardrobe, added = dress(person, edit.text)
    except WardrobeError as exc:
        raise PlanEditError(str(exc)) from exc
    change = StateChange(entity_id=person.id, field="wardrobe", value=wardrobe.id, note="costume change (plan)")
    kept = [c for c in brief.planned_changes if not (c.field == "wardrobe" and c.entity_id == person.id)]
    cast = brief.character_ids if person.id in brief.character_ids else [*brief.character_ids, person.id]
    revised = brief.model_copy(update={"planned_changes": [*kept, change], "character_ids": cast})
    changes = [
        say(
            lang,
            "plan.wardrobe_changed",
            n=brief.number,
            name=person.name,
            wardrobe=wardrobe.id,
            description=wardrobe.description,
        )
    ]
    new_canon = None
    if added:
        people = [dressed if c.id == person.id else c for c in canon.characters]
        new_canon = canon.model_copy(update={"characters": people})
        changes.insert(
            0,
            say(lang, "plan.wardrobe_added", name=person.name, wardrobe=wardrobe.id, description=wardrobe.description),
        )
    return PlanChange(_replace(plan, revised), new_canon, changes)


def revise_plan(plan: SeasonPlan, canon: Canon, edit: RevisePlan, produced: set[int]) -> PlanChange:
    """Return the revised plan (and canon when a character changes) and the list of what changed.

    Raises:
        PlanEditError: The revision is malformed or touches a produced episode.
    """
    if edit.action == "move_paywall":
        return _move_paywall(plan, edit, produced, canon.language)
    if edit.action == "add_twist":
        return _add_twist(plan, edit, produced, canon)
    if edit.action == "revise_brief":
        return _revise_brief(plan, edit, produced, canon)
    if edit.action == "change_wardrobe":
        return _change_wardrobe(plan, canon, edit, produced)
    return _recharacterise(plan, canon, edit, produced)
