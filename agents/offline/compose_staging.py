"""Stage an episode: story clock per scene, wardrobe per story day, props in hand, and the summary."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from agents.offline.compose_lines import LineWriter
from agents.offline.grammar import fill, parse_spoken
from agents.offline.timing import ACTION_SHOT_S, DIALOGUE_PAD_S, format_clock, parse_clock, speaking_seconds
from memory.schema import Canon, Carryover, EpisodeBrief, Line, PropState, PropUse, Scene, StateChange

GONE = (PropState.DESTROYED, PropState.LOST)


def scene_times(rng: random.Random, carry: Carryover, story_day: int, scenes: int) -> list[tuple[int, str]]:
    """Return (story day, clock) per scene: after the carryover, strictly later within a day."""
    day = max(1, carry.last_story_day, story_day)
    last = parse_clock(carry.last_clock) if day == carry.last_story_day else None
    if last is not None:
        # A cold open that picks up a cliffhanger plays moments after the cut.
        minutes = last + (5 if carry.cliffhanger_ids else rng.randint(6, 24) * 5)
        if minutes > 21 * 60:
            day, minutes = day + 1, rng.randint(84, 120) * 5
    else:
        minutes = rng.randint(84, 228) * 5
    out = [(day, format_clock(minutes))]
    for _ in range(scenes - 1):
        step = rng.randint(4, 36) * 5
        if minutes + step > 23 * 60 + 30 or rng.random() < 0.15:
            day, minutes = day + 1, rng.randint(84, 120) * 5
        else:
            minutes += step
        out.append((day, format_clock(minutes)))
    return out


def pick_wardrobe(
    rng: random.Random,
    canon: Canon,
    carry: Carryover,
    planned: list[StateChange],
    day: int,
    cast: list[str],
    chosen: dict[tuple[int, str], str],
) -> dict[str, str]:
    """Return the wardrobe map for a scene: one set per character per story day, carried over on the same day.

    A planned costume change is worn from the first scene (the state change declares it); otherwise the same day
    keeps its set, and a new day brings the set an earlier episode's change put them in, else a pick.
    """
    out: dict[str, str] = {}
    for char_id in cast:
        character = canon.character(char_id)
        if character is None:
            continue
        ids = [w.id for w in character.wardrobe]
        key = (day, char_id)
        if key not in chosen:
            change = next(
                (c.value for c in planned if c.field == "wardrobe" and c.entity_id == char_id and c.value in ids), None
            )
            kept = carry.wardrobe.get(char_id)
            lasting = carry.kept_wardrobe.get(char_id)
            if change is not None:
                chosen[key] = change
            elif day == carry.last_story_day and kept in ids:
                chosen[key] = kept or ids[0]
            elif lasting is not None and lasting.wardrobe_id in ids:
                chosen[key] = lasting.wardrobe_id
            else:
                chosen[key] = ids[0] if rng.random() < 0.5 else rng.choice(ids)
        out[char_id] = chosen[key]
    return out


def stage_props(
    rng: random.Random,
    writer: LineWriter,
    handover: tuple[str, str, str] | None,
    handover_scene: int | None,
    casts: list[list[str]],
) -> tuple[list[list[PropUse]], list[tuple[str, str | None]]]:
    """Return each scene's PropUses and (prop name, holder) for dialogue, following a planned handover."""
    canon = writer.canon
    holders = {p.id: p.holder_id for p in canon.props if p.state not in GONE}
    uses: list[list[PropUse]] = []
    names: list[tuple[str, str | None]] = []
    for number, cast in enumerate(casts):
        scene_uses: list[PropUse] = []
        if handover is not None and number == handover_scene:
            prop_id, giver, taker = handover
            holders[prop_id] = taker
            values = {"giver": writer.short(giver), "taker": writer.short(taker), "prop": _name(canon, prop_id)}
            scene_uses.append(PropUse(prop_id=prop_id, holder_id=taker, action=fill(writer.lex.handover_beat, values)))
        else:
            held = [p for p, h in holders.items() if h in cast]
            if held and rng.random() < 0.55:
                prop_id = rng.choice(held)
                scene_uses.append(PropUse(prop_id=prop_id, holder_id=holders[prop_id]))
        uses.append(scene_uses)
        names.append((_name(canon, scene_uses[0].prop_id), scene_uses[0].holder_id) if scene_uses else ("", None))
    return uses, names


def _name(canon: Canon, prop_id: str) -> str:
    prop = canon.prop(prop_id)
    return prop.name if prop else ""


def summarise(writer: LineWriter, brief: EpisodeBrief) -> str:
    """Return a three-sentence summary: the setup beat, the turn, and the cliffhanger."""
    cliff = brief.cliffhanger
    parsed = parse_spoken(cliff)
    if parsed is not None:
        cliff = f"{parsed[0]}: {parsed[1]}" if writer.language == "en" else f"{parsed[0]}说：{parsed[1]}"
    # Fold the cliffhanger into one sentence so the summary stays at three.
    if writer.language == "en":
        cliff = re.sub(r"[.!?]+\s+(?=\S)", " — ", cliff.strip())
        cliff = cliff if cliff.endswith((".", "!", "?", "—")) else cliff + "."
    else:
        cliff = re.sub(r"[。！？](?=.)", "，", cliff.strip())
        cliff = cliff if cliff.endswith(("。", "！", "？", "—")) else cliff + "。"
    return fill(writer.lex.summary_frame, {"qi": brief.key_beats[0], "zhuan": brief.key_beats[2], "cliff": cliff})


@dataclass
class PlannedEvents:
    """The brief's planned canon changes this episode can show on stage."""

    reveal: tuple[str, str, str] | None = None  # secret id, speaker id, learner id
    handover: tuple[str, str, str] | None = None  # prop id, giver id, taker id
    exits: list[tuple[str, str]] = field(default_factory=list)  # character id, new status
    other: list[StateChange] = field(default_factory=list)


def planned_events(canon: Canon, brief: EpisodeBrief, present: list[str]) -> PlannedEvents:
    """Pick which planned changes the cast present can act out: a reveal, a handover, exits."""
    found = PlannedEvents()
    for change in brief.planned_changes:
        if change.field == "knows" and found.reveal is None:
            secret = canon.secret(change.entity_id)
            if secret is None or change.value not in present:
                continue
            speaker = next((k for k in secret.known_by if k in present and k != change.value), None)
            if speaker is not None:
                found.reveal = (secret.id, speaker, change.value)
        elif change.field == "holder_id" and found.handover is None:
            prop = canon.prop(change.entity_id)
            if prop is None or prop.state in GONE or prop.holder_id not in present or change.value not in present:
                continue
            found.handover = (prop.id, prop.holder_id or "", change.value)
        elif change.field == "status" and change.entity_id in present:
            found.exits.append((change.entity_id, change.value))
        elif change.field in ("wardrobe", "prop_state"):
            found.other.append(change)
    return found


def fit_runtime(
    rng: random.Random,
    writer: LineWriter,
    scene_lines: list[list[Line]],
    props: list[tuple[str, str | None]],
    target_seconds: int,
) -> None:
    """Lengthen filler dialogue toward ~75 % of the target; the director stretches shots over the rest."""

    def estimate() -> float:
        total = 0.0
        for lines in scene_lines:
            for line in lines:
                total += speaking_seconds(line.text) + DIALOGUE_PAD_S if line.kind == "dialogue" else ACTION_SHOT_S
        return total

    # Two lines of the same charged emotion read as one beat; neutral or joyful pairs read as non sequiturs.
    candidates = [
        (s, i)
        for s, lines in enumerate(scene_lines)
        for i, line in enumerate(lines)
        if line.kind == "dialogue"
        and not line.reveals
        and 0 < i < len(lines) - 1
        and line.emotion not in ("neutral", "joyful", "shocked")
    ]
    rng.shuffle(candidates)
    for scene_index, line_index in candidates * 2:
        if estimate() >= 0.75 * target_seconds:
            break
        line = scene_lines[scene_index][line_index]
        extra = writer.filler(line.emotion, line.speaker_id or "", None, *props[scene_index], fresh_only=True)
        joined = f"{line.text} {extra}" if writer.language == "en" else line.text + extra
        if extra and speaking_seconds(joined) <= 5.6:
            scene_lines[scene_index][line_index] = line.model_copy(update={"text": joined})


def realised_changes(brief: EpisodeBrief, events: PlannedEvents, scenes: list[Scene]) -> list[StateChange]:
    """Return the brief's planned changes that the written scenes actually show."""
    lines = [line for scene in scenes for line in scene.lines]
    out: list[StateChange] = []
    for change in brief.planned_changes:
        if change.field == "knows":
            if any(change.entity_id in line.reveals for line in lines):
                out.append(change)
        elif change.field == "holder_id":
            if events.handover is not None and events.handover[0] == change.entity_id:
                out.append(change)
        elif change.field == "status":
            if any(c == change.entity_id for c, _ in events.exits):
                out.append(change)
        elif change.field == "wardrobe":
            if any(scene.wardrobe.get(change.entity_id) == change.value for scene in scenes):
                out.append(change)
        else:
            out.append(change)
    return out
