"""Deterministic continuity checks of a script against canon folded to its episode.

Each check is a small function returning findings; ``check_script`` runs them
all. Findings carry ConStory categories and machine-readable fix hints that a
reviser can apply without reading the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from agents.textmatch import (
    appearance_claims,
    change_marked,
    clock_minutes,
    find_terms,
    fold,
    format_clock,
    modern_terms,
    names_of,
    similar_en_names,
    similar_zh_names,
)
from memory.schema import Canon, Carryover, CharacterStatus, Finding, Line, PropState, Scene, Script

# Hour ranges each time of day may start in; overlaps at the edges keep borderline clocks legal.
_TIME_OF_DAY_HOURS: dict[str, tuple[int, int]] = {
    "dawn": (4, 6),
    "morning": (6, 11),
    "day": (11, 14),
    "afternoon": (14, 17),
    "evening": (17, 20),
    "night": (20, 4),
}
_TYPICAL_CLOCK = {
    "dawn": "05:00",
    "morning": "08:00",
    "day": "12:00",
    "afternoon": "15:00",
    "evening": "18:00",
    "night": "21:00",
}
_TRANSFER = re.compile(
    r"\b(give|gives|gave|hand|hands|handed|pass|passes|passed|take|takes|took|grab|grabs|snatch|snatches|steal|steals|"
    r"stole|receive|receives|pick|picks|return|returns|returned)\b|[给递交拿抢夺偷捡还接]",
    re.IGNORECASE,
)
_SIMULTANEITY_MINUTES = 10


def finding(
    check: str,
    category: str,
    location: str,
    message: str,
    *,
    quote: str = "",
    canon_fact: str = "",
    fix: dict[str, str] | None = None,
) -> Finding:
    """Build a continuity finding; ``numbered`` gives it its final id."""
    return Finding(
        id=f"{check}:{location}:0",
        reviewer="continuity",
        check=check,
        category=category,
        severity="revise",
        message=message,
        quote=quote,
        location=location,
        canon_fact=canon_fact,
        fix=fix or {},
        source="rule",
    )


def numbered(findings: Iterable[Finding]) -> list[Finding]:
    """Drop duplicate findings and give the rest stable ids ``check:location:n``."""
    seen: set[tuple[str, str, str, str]] = set()
    counts: dict[tuple[str, str], int] = {}
    out: list[Finding] = []
    for f in findings:
        key = (f.check, f.location, f.quote, repr(sorted(f.fix.items())))
        if key in seen:
            continue
        seen.add(key)
        n = counts.get((f.check, f.location), 0)
        counts[(f.check, f.location)] = n + 1
        out.append(f.model_copy(update={"id": f"{f.check}:{f.location}:{n}"}))
    return out


def _name(canon: Canon, character_id: str) -> str:
    ch = canon.character(character_id)
    return ch.name if ch else character_id


def check_absent_characters(script: Script, canon: Canon) -> list[Finding]:
    """Flag dead or absent characters who appear or speak outside flashbacks."""
    returning = {c.entity_id for c in script.state_changes if c.field == "status" and c.value == "alive"}
    out: list[Finding] = []
    for scene in script.scenes:
        if scene.flashback:
            continue
        present = list(scene.character_ids) + [
            ln.speaker_id for ln in scene.lines if ln.speaker_id and ln.speaker_id not in scene.character_ids
        ]
        for cid in dict.fromkeys(present):
            ch = canon.character(cid)
            if ch is None or ch.status == CharacterStatus.ALIVE or cid in returning:
                continue
            spoken = next((ln for ln in scene.lines if ln.speaker_id == cid), None)
            # Listed in the scene: the scene is at fault; only speaking: point at the first line.
            where = spoken.id if spoken and cid not in scene.character_ids else scene.id
            out.append(
                finding(
                    "absent_character",
                    "timeline_plot",
                    where,
                    f"{ch.name} is {ch.status.value} in canon but is present in scene {scene.id}; remove them or make "
                    "the scene a flashback.",
                    quote=spoken.text if spoken else ch.name,
                    canon_fact=f"{ch.name} is {ch.status.value}",
                    fix={"action": "remove_character", "scene_id": scene.id, "character_id": cid},
                )
            )
    return out


def check_unknown_entities(script: Script, canon: Canon) -> list[Finding]:
    """Flag ids that canon does not define, and speakers missing from their scene."""
    out: list[Finding] = []
    cat = "factual_detail"
    for scene in script.scenes:
        if canon.location(scene.location_id) is None:
            out.append(
                finding(
                    "unknown_entity",
                    cat,
                    scene.id,
                    f"Location '{scene.location_id}' is not in canon; use a canon location.",
                    quote=scene.location_id,
                    canon_fact=f"Canon has no location '{scene.location_id}'",
                    fix={
                        "action": "set_location",
                        "scene_id": scene.id,
                        "value": canon.locations[0].id if canon.locations else "",
                    },
                )
            )
        for cid in dict.fromkeys([*scene.character_ids, *scene.wardrobe]):
            if canon.character(cid) is None:
                out.append(
                    finding(
                        "unknown_entity",
                        cat,
                        scene.id,
                        f"Character '{cid}' is not in canon; remove them or use a canon character.",
                        quote=cid,
                        canon_fact=f"Canon has no character '{cid}'",
                        fix={"action": "remove_character", "scene_id": scene.id, "character_id": cid},
                    )
                )
        for use in scene.props:
            if canon.prop(use.prop_id) is None:
                out.append(
                    finding(
                        "unknown_entity",
                        cat,
                        scene.id,
                        f"Prop '{use.prop_id}' is not in canon; drop it.",
                        quote=use.prop_id,
                        canon_fact=f"Canon has no prop '{use.prop_id}'",
                        fix={"action": "drop_prop", "scene_id": scene.id, "prop_id": use.prop_id},
                    )
                )
            elif use.holder_id and canon.character(use.holder_id) is None:
                prop = canon.prop(use.prop_id)
                out.append(
                    finding(
                        "unknown_entity",
                        cat,
                        scene.id,
                        f"Prop holder '{use.holder_id}' is not a canon character; fix the holder.",
                        quote=use.holder_id,
                        canon_fact=f"Canon has no character '{use.holder_id}'",
                        fix={
                            "action": "set_prop_holder",
                            "scene_id": scene.id,
                            "prop_id": use.prop_id,
                            "value": (prop.holder_id if prop else None) or "none",
                        },
                    )
                )
        for line in scene.lines:
            out.extend(_unknown_in_line(line, scene, canon))
    return out


def _unknown_in_line(line: Line, scene: Scene, canon: Canon) -> list[Finding]:
    out: list[Finding] = []
    cat = "factual_detail"
    if line.kind == "dialogue":
        sid = line.speaker_id
        if not sid or canon.character(sid) is None:
            out.append(
                finding(
                    "unknown_entity",
                    cat,
                    line.id,
                    f"Speaker '{sid or ''}' is not a canon character; give the line to a canon character.",
                    quote=line.text,
                    canon_fact=f"Canon has no character '{sid or ''}'",
                    fix={"action": "rewrite_line", "line_id": line.id},
                )
            )
        elif sid not in scene.character_ids:
            out.append(
                finding(
                    "unknown_entity",
                    cat,
                    line.id,
                    f"{_name(canon, sid)} speaks but is not listed in scene {scene.id}; add them to the "
                    "scene or give the line to someone present.",
                    quote=line.text,
                    canon_fact=f"Scene {scene.id} cast: {', '.join(scene.character_ids)}",
                    fix={"action": "rewrite_line", "line_id": line.id},
                )
            )
    for secret_id in line.reveals:
        if canon.secret(secret_id) is None:
            out.append(
                finding(
                    "unknown_entity",
                    cat,
                    line.id,
                    f"Line reveals unknown secret '{secret_id}'; drop it.",
                    quote=line.text,
                    canon_fact=f"Canon has no secret '{secret_id}'",
                    fix={"action": "drop_reveal", "line_id": line.id, "secret_id": secret_id},
                )
            )
    return out


def check_name_drift(script: Script, canon: Canon) -> list[Finding]:
    """Flag dialogue cues and in-text names that drift from canon spellings."""
    out: list[Finding] = []
    lowercase_words = {w for ln in script.lines() for w in re.findall(r"\b[a-z][a-z'’]+\b", ln.text)}
    for line in script.lines():
        ch = canon.character(line.speaker_id) if line.speaker_id else None
        cue = re.sub(r"\s*[(（][^)）]*[)）]\s*$", "", line.cue).strip()
        if line.kind == "dialogue" and ch and cue and cue.casefold() not in {n.casefold() for n in names_of(ch)}:
            out.append(
                finding(
                    "name_drift",
                    "factual_detail",
                    line.id,
                    f"Cue '{line.cue}' is not {ch.name}'s canon name or alias; use '{ch.name}'.",
                    quote=line.cue,
                    canon_fact=f"{ch.id} is named {' / '.join(names_of(ch))}",
                    fix={"action": "set_cue", "line_id": line.id, "value": ch.name},
                )
            )
        for old, new in [*similar_en_names(line.text, canon, lowercase_words), *similar_zh_names(line.text, canon)]:
            out.append(
                finding(
                    "name_drift",
                    "factual_detail",
                    line.id,
                    f"'{old}' looks like a misspelling of the canon name '{new}'; use '{new}'.",
                    quote=old,
                    canon_fact=f"The canon name is {new}",
                    fix={"action": "replace_text", "line_id": line.id, "old": old, "new": new},
                )
            )
    return out


def check_wardrobe(script: Script, canon: Canon, carryover: Carryover) -> list[Finding]:
    """Flag unknown wardrobe sets and unmarked costume changes within one story day."""
    out: list[Finding] = []
    declared = {(c.entity_id, c.value) for c in script.state_changes if c.field == "wardrobe"}
    last: dict[str, tuple[int, str, int]] = {}  # character -> (story day, set id, scene index)
    if carryover.last_story_day:
        last = {cid: (carryover.last_story_day, wid, 0) for cid, wid in carryover.wardrobe.items()}
    scenes = script.scenes
    for i, scene in enumerate(scenes):
        if scene.flashback:
            continue
        for cid, wid in scene.wardrobe.items():
            ch = canon.character(cid)
            if ch is None:
                continue
            sets = [w.id for w in ch.wardrobe]
            fix = {"action": "set_wardrobe", "scene_id": scene.id, "character_id": cid}
            if wid not in sets:
                value = last[cid][1] if cid in last and last[cid][1] in sets else sets[0]
                out.append(
                    finding(
                        "wardrobe_drift",
                        "factual_detail",
                        scene.id,
                        f"{ch.name} wears '{wid}', which is not one of their wardrobe sets; use '{value}'.",
                        quote=wid,
                        canon_fact=f"{ch.name}'s wardrobe sets: {', '.join(sets)}",
                        fix={**fix, "value": value},
                    )
                )
                continue
            prev = last.get(cid)
            if (
                prev
                and prev[0] == scene.story_day
                and prev[1] != wid
                and (cid, wid) not in declared
                and not any(change_marked(ln, cid, canon, s) for s in scenes[prev[2] : i + 1] for ln in s.lines)
            ):
                out.append(
                    finding(
                        "wardrobe_drift",
                        "factual_detail",
                        scene.id,
                        f"{ch.name} switches from '{prev[1]}' to '{wid}' on the same story day with no "
                        f"costume change shown; keep '{prev[1]}' or add an action line for the change.",
                        quote=wid,
                        canon_fact=f"{ch.name} wears '{prev[1]}' earlier on day {prev[0]}",
                        fix={**fix, "value": prev[1]},
                    )
                )
            last[cid] = (scene.story_day, wid, i)
    return out


def check_appearance(script: Script, canon: Canon) -> list[Finding]:
    """Flag hair or eye colours in the text that contradict canon appearance."""
    out: list[Finding] = []
    for scene in script.scenes:
        for line in scene.lines:
            for claim in appearance_claims(line.text, canon):
                out.append(
                    finding(
                        "appearance_drift",
                        "factual_detail",
                        line.id,
                        f"'{claim.quote}' contradicts {claim.name}'s canon {claim.feature} "
                        f"({claim.canon_text}); use '{claim.replacement}'.",
                        quote=claim.quote,
                        canon_fact=f"{claim.name}'s {claim.feature}: {claim.canon_text}",
                        fix={
                            "action": "replace_text",
                            "line_id": line.id,
                            "old": claim.quote,
                            "new": claim.replacement,
                        },
                    )
                )
    return out


def check_props(script: Script, canon: Canon) -> list[Finding]:
    """Flag destroyed or lost props in use, and holders that change with no transfer."""
    out: list[Finding] = []
    restored = {
        c.entity_id for c in script.state_changes if c.field == "prop_state" and c.value in ("intact", "damaged")
    }
    moved_to = {(c.entity_id, c.value) for c in script.state_changes if c.field == "holder_id"}
    holder = {p.id: p.holder_id for p in canon.props}
    gone = [p for p in canon.props if p.state in (PropState.DESTROYED, PropState.LOST) and p.id not in restored]
    for scene in script.scenes:
        for use in scene.props:
            prop = canon.prop(use.prop_id)
            if prop is None:
                continue
            if prop in gone and not scene.flashback:
                out.append(
                    finding(
                        "prop_state",
                        "factual_detail",
                        scene.id,
                        f"The {prop.name} is {prop.state.value} in canon but is used in {scene.id}; drop it "
                        "or show how it comes back.",
                        quote=use.action or prop.name,
                        canon_fact=f"The {prop.name} is {prop.state.value}",
                        fix={"action": "drop_prop", "scene_id": scene.id, "prop_id": prop.id},
                    )
                )
            current = holder.get(prop.id)
            new = use.holder_id
            if new is None or new == current or scene.flashback:
                continue
            # An unheld prop can be picked up; a held one needs a visible or declared transfer.
            if current is None or (prop.id, new) in moved_to or _TRANSFER.search(use.action):
                holder[prop.id] = new
                continue
            out.append(
                finding(
                    "prop_holder",
                    "factual_detail",
                    scene.id,
                    f"{_name(canon, new)} holds the {prop.name}, but {_name(canon, current)} has it and "
                    "no transfer is shown; fix the holder or show the hand-over.",
                    quote=use.action or prop.name,
                    canon_fact=f"The {prop.name} is held by {_name(canon, current)}",
                    fix={"action": "set_prop_holder", "scene_id": scene.id, "prop_id": prop.id, "value": current},
                )
            )
        if scene.flashback:
            continue
        for line in scene.lines:
            # Dialogue may talk about a lost prop; only stage directions put it on screen.
            if line.kind != "action":
                continue
            for prop in gone:
                hits = find_terms(fold(line.text), [prop.name, *prop.aliases])
                if hits and not any(u.prop_id == prop.id for u in scene.props):
                    out.append(
                        finding(
                            "prop_state",
                            "factual_detail",
                            line.id,
                            f"The {prop.name} is {prop.state.value} in canon but appears on screen; drop it "
                            "or show how it comes back.",
                            quote=hits[0].quote,
                            canon_fact=f"The {prop.name} is {prop.state.value}",
                            fix={"action": "drop_prop", "line_id": line.id, "prop_id": prop.id},
                        )
                    )
    return out


def _tod_ok(time_of_day: str, minutes: int) -> bool:
    start, end = _TIME_OF_DAY_HOURS[time_of_day]
    hour = minutes // 60
    return start <= hour <= end if start <= end else hour >= start or hour <= end


def check_timeline(script: Script, carryover: Carryover) -> list[Finding]:
    """Flag scenes that run backwards in story time or whose clock contradicts the time of day."""
    out: list[Finding] = []
    day, clock = carryover.last_story_day, clock_minutes(carryover.last_clock) if carryover.last_clock else None
    for scene in script.scenes:
        minutes = clock_minutes(scene.clock)
        if minutes is None:
            out.append(
                finding(
                    "timeline_order",
                    "timeline_plot",
                    scene.id,
                    f"Clock '{scene.clock}' is not a 24h HH:MM time; set one.",
                    quote=scene.clock,
                    fix={"action": "set_clock", "scene_id": scene.id, "value": _TYPICAL_CLOCK[scene.time_of_day]},
                )
            )
        elif not _tod_ok(scene.time_of_day, minutes):
            out.append(
                finding(
                    "timeline_order",
                    "timeline_plot",
                    scene.id,
                    f"Clock {scene.clock} does not fit time of day '{scene.time_of_day}'; align them.",
                    quote=f"{scene.time_of_day} {scene.clock}",
                    fix={"action": "set_clock", "scene_id": scene.id, "value": _TYPICAL_CLOCK[scene.time_of_day]},
                )
            )
        if scene.flashback:
            continue
        if scene.story_day < day:
            out.append(
                finding(
                    "timeline_order",
                    "timeline_plot",
                    scene.id,
                    f"Scene {scene.id} is on story day {scene.story_day}, before day {day} already "
                    "reached; move it forward or mark it a flashback.",
                    quote=f"day {scene.story_day}",
                    canon_fact=f"The story has reached day {day}",
                    fix={"action": "set_story_day", "scene_id": scene.id, "value": str(day)},
                )
            )
            continue
        if scene.story_day == day and minutes is not None and clock is not None and minutes < clock:
            out.append(
                finding(
                    "timeline_order",
                    "timeline_plot",
                    scene.id,
                    f"Scene {scene.id} starts at {scene.clock}, earlier than {format_clock(clock)} on the "
                    "same story day; move the clock on or mark it a flashback.",
                    quote=scene.clock,
                    canon_fact=f"Day {day} has already reached {format_clock(clock)}",
                    fix={"action": "set_clock", "scene_id": scene.id, "value": format_clock(clock)},
                )
            )
            continue
        day, clock = scene.story_day, minutes if minutes is not None else clock
    return out


def check_secret_knowledge(script: Script, canon: Canon) -> list[Finding]:
    """Flag lines where a character reveals a secret they cannot know yet."""
    out: list[Finding] = []
    knowers = {s.id: set(s.known_by) for s in canon.secrets}
    # A declared 'knows' change lets the character learn off screen during this episode.
    for change in script.state_changes:
        if change.field == "knows" and change.entity_id in knowers:
            knowers[change.entity_id].add(change.value)
    for scene in script.scenes:
        for line in scene.lines:
            speaker = line.speaker_id
            if line.kind != "dialogue" or not speaker:
                continue
            folded = fold(line.text)
            for secret in canon.secrets:
                tagged = secret.id in line.reveals
                keywords = [k for k in secret.keywords if k.strip()]
                spoken = bool(keywords) and all(find_terms(folded, [k]) for k in keywords)
                if not (tagged or spoken):
                    continue
                if speaker in knowers[secret.id]:
                    knowers[secret.id].update(scene.character_ids)
                    continue
                names = ", ".join(_name(canon, c) for c in sorted(knowers[secret.id])) or "no one"
                out.append(
                    finding(
                        "secret_knowledge",
                        "characterization",
                        line.id,
                        f"{_name(canon, speaker)} reveals '{secret.description}' before learning it; cut "
                        "the reveal or show them learning it first.",
                        quote=line.text,
                        canon_fact=f"At this point only {names} know: {secret.description}",
                        fix={"action": "drop_reveal", "line_id": line.id, "secret_id": secret.id},
                    )
                )
    return out


def check_simultaneity(script: Script, canon: Canon) -> list[Finding]:
    """Flag a character in two places at the same story time."""
    out: list[Finding] = []
    scenes = [s for s in script.scenes if not s.flashback]
    for i, later in enumerate(scenes):
        later_min = clock_minutes(later.clock)
        for earlier in scenes[:i]:
            earlier_min = clock_minutes(earlier.clock)
            if (
                later_min is None
                or earlier_min is None
                or earlier.story_day != later.story_day
                or earlier.location_id == later.location_id
                or abs(later_min - earlier_min) > _SIMULTANEITY_MINUTES
            ):
                continue
            for cid in [c for c in later.character_ids if c in earlier.character_ids]:
                out.append(
                    finding(
                        "simultaneity",
                        "timeline_plot",
                        later.id,
                        f"{_name(canon, cid)} is at {earlier.location_id} ({earlier.id}) and "
                        f"{later.location_id} ({later.id}) at the same time; move {later.id}'s clock.",
                        quote=f"{earlier.clock} / {later.clock}",
                        canon_fact=f"{_name(canon, cid)} is at {earlier.location_id} at {earlier.clock} "
                        f"on day {earlier.story_day}",
                        fix={"action": "set_clock", "scene_id": later.id, "value": format_clock(earlier_min + 30)},
                    )
                )
    return out


def check_anachronisms(script: Script, canon: Canon) -> list[Finding]:
    """Flag terms the world's era or forbidden-term list rules out."""
    out: list[Finding] = []
    for line in script.lines():
        for hit, substitute in modern_terms(line.text, canon.world):
            out.append(
                finding(
                    "anachronism",
                    "world_building",
                    line.id,
                    f"'{hit}' does not exist in {canon.world.era}; replace it with "
                    f"{repr(substitute) if substitute else 'something of the era'}.",
                    quote=hit,
                    canon_fact=f"The world is {canon.world.era} (technology: {canon.world.technology})",
                    fix={"action": "replace_text", "line_id": line.id, "old": hit, "new": substitute},
                )
            )
    return out


def check_script(script: Script, canon: Canon, carryover: Carryover) -> list[Finding]:
    """Run every deterministic continuity check on a script and return its findings."""
    groups: Sequence[list[Finding]] = (
        check_absent_characters(script, canon),
        check_unknown_entities(script, canon),
        check_name_drift(script, canon),
        check_wardrobe(script, canon, carryover),
        check_appearance(script, canon),
        check_props(script, canon),
        check_timeline(script, carryover),
        check_secret_knowledge(script, canon),
        check_simultaneity(script, canon),
        check_anachronisms(script, canon),
    )
    return numbered(f for group in groups for f in group)
