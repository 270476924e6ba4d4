"""Planters of props: lost or destroyed things back on screen, and things in the wrong hands."""

from __future__ import annotations

from evals.planted_plants import Plant, Planter, Spot, append_text, label, name_of, pick, plain_dialogue, present_scenes
from memory.schema import Prop, PropState, PropUse, Scene, StateChange


def _untouched_props(spot: Spot) -> list[Prop]:
    """Return intact props this episode neither uses, names nor changes."""
    changed = {c.entity_id for c in spot.script.state_changes}
    used = {u.prop_id for s in spot.script.scenes for u in s.props}
    text = " ".join(ln.text for ln in spot.script.lines()).casefold()
    return [
        p
        for p in spot.canon.props
        if p.state == PropState.INTACT
        and p.id not in changed | used
        and not any(n.casefold() in text for n in (p.name, *p.aliases))
    ]


def _gone(prop: Prop, rng_value: int) -> StateChange:
    state = "destroyed" if rng_value % 2 else "lost"
    return StateChange(entity_id=prop.id, field="prop_state", value=state, note="in an earlier episode")


def prop_gone_used(spot: Spot) -> Plant | None:
    """Lose or destroy a prop in an earlier episode, then use it in a scene."""
    prop, scene = pick(spot.rng, _untouched_props(spot)), pick(spot.rng, present_scenes(spot.script))
    if prop is None or scene is None:
        return None
    history = _gone(prop, spot.rng.randrange(2))
    holder = prop.holder_id if prop.holder_id in scene.character_ids else None
    scene.props.append(PropUse(prop_id=prop.id, holder_id=holder))
    fact = f"The {prop.name} is {history.value}"
    return Plant(
        spot.script,
        [label("prop_state", "factual_detail", "prop_gone_used", scene.id, fact, prop.name)],
        f"{history.value} {prop.id} used in {scene.id}",
        [history],
    )


_SHOW = {"en": "{name} sets the {prop} on the table.", "zh": "{name}把{prop}放在桌上。"}
_SPEAK_OF = {"en": "The {prop} is gone. Stop looking for it.", "zh": "{prop}早就没了，别再找了。"}


def prop_gone_shown(spot: Spot) -> Plant | None:
    """Lose or destroy a prop in an earlier episode, then show it in an action line."""
    prop = pick(spot.rng, _untouched_props(spot))
    options = [(s, ln) for s in present_scenes(spot.script) if s.character_ids for ln in s.lines if ln.kind == "action"]
    chosen = pick(spot.rng, options)
    if prop is None or chosen is None:
        return None
    scene, line = chosen
    history = _gone(prop, spot.rng.randrange(2))
    who = name_of(spot.canon, pick(spot.rng, scene.character_ids) or "")
    append_text(line, _SHOW[spot.language].format(name=who, prop=prop.name), spot.language)
    fact = f"The {prop.name} is {history.value}"
    return Plant(
        spot.script,
        [label("prop_state", "factual_detail", "prop_gone_shown", line.id, fact, prop.name)],
        f"{history.value} {prop.id} shown in {line.id}",
        [history],
    )


def lost_prop_spoken(spot: Spot) -> Plant | None:
    """Decoy: dialogue talks about a lost prop that stays off screen."""
    prop, spoken = pick(spot.rng, _untouched_props(spot)), pick(spot.rng, plain_dialogue(spot))
    if prop is None or spoken is None:
        return None
    append_text(spoken[1], _SPEAK_OF[spot.language].format(prop=prop.name), spot.language)
    history = StateChange(entity_id=prop.id, field="prop_state", value="lost", note="in an earlier episode")
    return Plant(spot.script, [], f"lost {prop.id} spoken of in {spoken[1].id}", [history])


def _held_uses(spot: Spot) -> list[tuple[Scene, PropUse, Prop]]:
    """Return the only use of a prop in the episode, where its canon holder has it."""
    changed = {c.entity_id for c in spot.script.state_changes}
    uses = [(s, u) for s in spot.script.scenes for u in s.props]
    out: list[tuple[Scene, PropUse, Prop]] = []
    for scene, use in uses:
        prop = spot.canon.prop(use.prop_id)
        # A later use would hold the prop where the planted hand-over left it: a second change, not this one.
        only = sum(u.prop_id == use.prop_id for _, u in uses) == 1
        held = prop is not None and prop.holder_id is not None and use.holder_id == prop.holder_id
        if prop and held and only and not scene.flashback and prop.id not in changed and prop.state == PropState.INTACT:
            out.append((scene, use, prop))
    return out


_HANDOVER = {"en": "{old} hands the {prop} to {new}.", "zh": "{old}把{prop}交给了{new}。"}


def _swap(spot: Spot, *, shown: bool) -> Plant | None:
    options = [(s, u, p, c) for s, u, p in _held_uses(spot) for c in s.character_ids if c != p.holder_id]
    chosen = pick(spot.rng, options)
    if chosen is None:
        return None
    scene, use, prop, new = chosen
    old = name_of(spot.canon, prop.holder_id or "")
    use.holder_id = new
    if shown:
        use.action = _HANDOVER[spot.language].format(old=old, prop=prop.name, new=name_of(spot.canon, new))
        return Plant(spot.script, [], f"{prop.id} handed to {new} on screen in {scene.id}")
    fact = f"The {prop.name} is held by {old}"
    return Plant(
        spot.script,
        [label("prop_holder", "factual_detail", "prop_holder_swap", scene.id, fact, prop.name)],
        f"{prop.id} in {new}'s hands in {scene.id}",
    )


def prop_holder_swap(spot: Spot) -> Plant | None:
    """Put a prop in the wrong hands in a scene that uses it."""
    return _swap(spot, shown=False)


def shown_handover(spot: Spot) -> Plant | None:
    """Decoy: the prop changes hands, and the action shows the hand-over."""
    return _swap(spot, shown=True)


def prop_wrong_hands(spot: Spot) -> Plant | None:
    """Bring a held prop into a scene its holder is not in, in someone else's hands."""
    options = [
        (s, p, c)
        for p in _untouched_props(spot)
        if p.holder_id
        for s in present_scenes(spot.script)
        if p.holder_id not in s.character_ids
        for c in s.character_ids
    ]
    chosen = pick(spot.rng, options)
    if chosen is None:
        return None
    scene, prop, holder = chosen
    scene.props.append(PropUse(prop_id=prop.id, holder_id=holder))
    fact = f"The {prop.name} is held by {name_of(spot.canon, prop.holder_id or '')}"
    return Plant(
        spot.script,
        [label("prop_holder", "factual_detail", "prop_wrong_hands", scene.id, fact, prop.name)],
        f"{prop.id} appears with {holder} in {scene.id}",
    )


PLANTERS: dict[str, Planter] = {
    "prop_gone_used": prop_gone_used,
    "prop_gone_shown": prop_gone_shown,
    "prop_holder_swap": prop_holder_swap,
    "prop_wrong_hands": prop_wrong_hands,
}
DECOYS: dict[str, Planter] = {"lost_prop_spoken": lost_prop_spoken, "shown_handover": shown_handover}
