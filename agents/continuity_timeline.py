"""Continuity checks of how an episode moves through story time.

Who holds each prop as scenes pass, whether days and clocks run forward and fit
the time of day, who knows each secret when they speak it, and whether anyone
is in two places at once.
"""

from __future__ import annotations

import re

from agents.continuity_findings import character_name, finding
from agents.messages import say, term
from agents.textmatch import clock_minutes, find_terms, fold, format_clock
from memory.edits import DropProp, DropReveal, MoveScene, SetPropHolder
from memory.schema import Canon, Carryover, Finding, PropState, Script

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
                        say(
                            canon.language,
                            "finding.prop_gone",
                            prop=prop.name,
                            state=term(canon.language, "state_of_prop", prop.state.value),
                            scene=scene.id,
                        ),
                        quote=use.action or prop.name,
                        canon_fact=say(
                            canon.language,
                            "fact.prop_state",
                            prop=prop.name,
                            state=term(canon.language, "state_of_prop", prop.state.value),
                        ),
                        requests=[DropProp(prop_id=prop.id, scene_id=scene.id)],
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
                    say(
                        canon.language,
                        "finding.prop_holder",
                        holder=character_name(canon, new),
                        prop=prop.name,
                        current=character_name(canon, current),
                    ),
                    quote=use.action or prop.name,
                    canon_fact=say(
                        canon.language, "fact.prop_held", prop=prop.name, holder=character_name(canon, current)
                    ),
                    requests=[SetPropHolder(scene_id=scene.id, prop_id=prop.id, holder_id=current)],
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
                            say(
                                canon.language,
                                "finding.prop_gone_shot",
                                prop=prop.name,
                                state=term(canon.language, "state_of_prop", prop.state.value),
                            ),
                            quote=hits[0].quote,
                            canon_fact=say(
                                canon.language,
                                "fact.prop_state",
                                prop=prop.name,
                                state=term(canon.language, "state_of_prop", prop.state.value),
                            ),
                            requests=[DropProp(prop_id=prop.id, line_id=line.id)],
                        )
                    )
    return out


def typical_clock(time_of_day: str) -> str:
    """Return the clock a scene at this time of day usually starts at."""
    return _TYPICAL_CLOCK.get(time_of_day, "12:00")


def clock_fits(time_of_day: str, clock: str) -> bool:
    """Tell whether a 'HH:MM' clock is a legal start for the time of day (the timeline check's rule)."""
    minutes = clock_minutes(clock)
    return minutes is not None and time_of_day in _TIME_OF_DAY_HOURS and _tod_ok(time_of_day, minutes)


def _tod_ok(time_of_day: str, minutes: int) -> bool:
    start, end = _TIME_OF_DAY_HOURS[time_of_day]
    hour = minutes // 60
    return start <= hour <= end if start <= end else hour >= start or hour <= end


def check_timeline(script: Script, carryover: Carryover, language: str = "en") -> list[Finding]:
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
                    say(language, "finding.clock_format", clock=scene.clock),
                    quote=scene.clock,
                    requests=[MoveScene(scene_id=scene.id, clock=_TYPICAL_CLOCK[scene.time_of_day])],
                )
            )
        elif not _tod_ok(scene.time_of_day, minutes):
            out.append(
                finding(
                    "timeline_order",
                    "timeline_plot",
                    scene.id,
                    say(
                        language,
                        "finding.clock_time_of_day",
                        clock=scene.clock,
                        time_of_day=term(language, "time_of_day", scene.time_of_day),
                    ),
                    quote=f"{scene.time_of_day} {scene.clock}",
                    requests=[MoveScene(scene_id=scene.id, clock=_TYPICAL_CLOCK[scene.time_of_day])],
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
                    say(language, "finding.story_day_back", scene=scene.id, day=scene.story_day, reached=day),
                    quote=f"day {scene.story_day}",
                    canon_fact=say(language, "fact.day_reached", day=day),
                    requests=[MoveScene(scene_id=scene.id, story_day=day)],
                )
            )
            continue
        if scene.story_day == day and minutes is not None and clock is not None and minutes < clock:
            out.append(
                finding(
                    "timeline_order",
                    "timeline_plot",
                    scene.id,
                    say(language, "finding.clock_back", scene=scene.id, clock=scene.clock, reached=format_clock(clock)),
                    quote=scene.clock,
                    canon_fact=say(language, "fact.clock_reached", day=day, clock=format_clock(clock)),
                    requests=[MoveScene(scene_id=scene.id, clock=format_clock(clock))],
                )
            )
            continue
        # An unreadable clock on a new day leaves no clock to compare with, not the previous day's.
        clock = minutes if minutes is not None else (clock if scene.story_day == day else None)
        day = scene.story_day
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
                names = ", ".join(character_name(canon, c) for c in sorted(knowers[secret.id])) or say(
                    canon.language, "fact.no_one"
                )
                out.append(
                    finding(
                        "secret_knowledge",
                        "characterization",
                        line.id,
                        say(
                            canon.language,
                            "finding.secret_early",
                            name=character_name(canon, speaker),
                            secret=secret.description,
                        ),
                        quote=line.text,
                        canon_fact=say(canon.language, "fact.secret_known", names=names, secret=secret.description),
                        requests=[DropReveal(line_id=line.id, secret_id=secret.id)],
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
                        say(
                            canon.language,
                            "finding.simultaneity",
                            name=character_name(canon, cid),
                            first=earlier.location_id,
                            first_scene=earlier.id,
                            second=later.location_id,
                            second_scene=later.id,
                        ),
                        quote=f"{earlier.clock} / {later.clock}",
                        canon_fact=say(
                            canon.language,
                            "fact.at_place",
                            name=character_name(canon, cid),
                            place=earlier.location_id,
                            clock=earlier.clock,
                            day=earlier.story_day,
                        ),
                        requests=[MoveScene(scene_id=later.id, clock=format_clock(earlier_min + 30))],
                    )
                )
    return out
