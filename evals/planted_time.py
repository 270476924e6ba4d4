"""Planters of how an episode moves through story time: days and clocks, simultaneity, who knows what when."""

from __future__ import annotations

from evals.planted_plants import Plant, Planter, Spot, label, name_of, pick, plain_dialogue
from memory.schema import Script, Secret, TimeOfDay

# ------------------------------------------------------------------ days and clocks


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# The hours each time of day plainly covers; every hour outside them is night.
_PLAIN_HOURS: tuple[tuple[TimeOfDay, int, int], ...] = (
    ("dawn", 5, 5),
    ("morning", 6, 10),
    ("day", 11, 13),
    ("afternoon", 14, 16),
    ("evening", 17, 19),
)


def time_of_day(minutes: int) -> TimeOfDay:
    """Return the time of day a clock plainly belongs to."""
    hour = minutes // 60
    return next((tod for tod, start, end in _PLAIN_HOURS if start <= hour <= end), "night")


_CENTRE: dict[TimeOfDay, float] = {
    "dawn": 5.0,
    "morning": 8.5,
    "day": 12.5,
    "afternoon": 15.5,
    "evening": 18.5,
    "night": 23.0,
}


def _clashes(script: Script, index: int, day: int, minutes: int) -> bool:
    """Return True when a scene moved to this day and clock would share it with a scene elsewhere."""
    scene = script.scenes[index]
    return any(
        j != index
        and not other.flashback
        and other.story_day == day
        and other.location_id != scene.location_id
        and set(other.character_ids) & set(scene.character_ids)
        and abs(_minutes(other.clock) - minutes) <= 15
        for j, other in enumerate(script.scenes)
    )


def _reached(spot: Spot, index: int) -> tuple[int, int | None]:
    """Return the story day and clock the story has reached before a scene."""
    day = spot.carryover.last_story_day
    clock = _minutes(spot.carryover.last_clock) if spot.carryover.last_clock else None
    for scene in spot.script.scenes[:index]:
        if not scene.flashback:
            day, clock = scene.story_day, _minutes(scene.clock)
    return day, clock


def day_backwards(spot: Spot) -> Plant | None:
    """Set a scene on a story day before one the story has already reached."""
    options: list[tuple[int, int]] = []
    for i, scene in enumerate(spot.script.scenes):
        day, _ = _reached(spot, i)
        worn = {c: w for s in spot.script.scenes[:i] if s.story_day == day - 1 for c, w in s.wardrobe.items()}
        if spot.carryover.last_story_day == day - 1:
            worn = {**spot.carryover.wardrobe, **worn}
        same_clothes = all(worn.get(c, w) == w for c, w in scene.wardrobe.items())
        if (
            not scene.flashback
            and day >= 2
            and same_clothes
            and not _clashes(spot.script, i, day - 1, _minutes(scene.clock))
        ):
            options.append((i, day))
    chosen = pick(spot.rng, options)
    if chosen is None:
        return None
    i, day = chosen
    scene = spot.script.scenes[i]
    scene.story_day = day - 1
    return Plant(
        spot.script,
        [
            label(
                "timeline_order",
                "timeline_plot",
                "day_backwards",
                scene.id,
                f"The story has reached day {day}",
                f"day {day - 1}",
            )
        ],
        f"{scene.id} set on day {day - 1} after day {day}",
    )


def clock_backwards(spot: Spot) -> Plant | None:
    """Start a scene earlier on the same story day than the scene before it."""
    options: list[tuple[int, int]] = []
    for i, scene in enumerate(spot.script.scenes):
        day, clock = _reached(spot, i)
        if scene.flashback or clock is None or scene.story_day != day or clock < 60:
            continue
        earlier = clock - 30 - spot.rng.randrange(4) * 15
        if earlier >= 0 and not _clashes(spot.script, i, day, earlier):
            options.append((i, earlier))
    chosen = pick(spot.rng, options)
    if chosen is None:
        return None
    i, earlier = chosen
    scene = spot.script.scenes[i]
    day, clock = _reached(spot, i)
    scene.clock, scene.time_of_day = _clock(earlier), time_of_day(earlier)
    subtype = "clock_backwards" if i else "clock_before_carryover"
    return Plant(
        spot.script,
        [
            label(
                "timeline_order",
                "timeline_plot",
                subtype,
                scene.id,
                f"Day {day} has already reached {_clock(clock or 0)}",
                scene.clock,
            )
        ],
        f"{scene.id} starts at {scene.clock}, before {_clock(clock or 0)}",
    )


def time_of_day_clash(spot: Spot) -> Plant | None:
    """Label a scene with a time of day its clock cannot be."""
    scene = pick(spot.rng, spot.script.scenes)
    if scene is None:
        return None
    hour = _minutes(scene.clock) / 60
    far = [t for t, c in _CENTRE.items() if min(abs(c - hour), 24 - abs(c - hour)) >= 5]
    scene.time_of_day = pick(spot.rng, far) or "night"
    return Plant(
        spot.script,
        [
            label(
                "timeline_order",
                "timeline_plot",
                "time_of_day_clash",
                scene.id,
                f"{scene.clock} is not {scene.time_of_day}",
                f"{scene.time_of_day} {scene.clock}",
            )
        ],
        f"{scene.id} at {scene.clock} called {scene.time_of_day}",
    )


_LOOSE_CLOCKS = ("8 pm", "noon", "9.30", "quarter past six", "25:10")


def malformed_clock(spot: Spot) -> Plant | None:
    """Write a scene's clock as free text instead of a 24h time."""
    scene = pick(spot.rng, spot.script.scenes)
    if scene is None:
        return None
    scene.clock = pick(spot.rng, _LOOSE_CLOCKS) or "noon"
    return Plant(
        spot.script,
        [label("timeline_order", "timeline_plot", "malformed_clock", scene.id, "Clocks are 24h HH:MM", scene.clock)],
        f"{scene.id} clock '{scene.clock}'",
    )


def simultaneity(spot: Spot) -> Plant | None:
    """Move a scene's clock so a character is in two places at once."""
    scenes = spot.script.scenes
    options = [
        i
        for i in range(1, len(scenes))
        if not scenes[i].flashback
        and not scenes[i - 1].flashback
        and scenes[i].story_day == scenes[i - 1].story_day
        and scenes[i].location_id != scenes[i - 1].location_id
        and set(scenes[i].character_ids) & set(scenes[i - 1].character_ids)
    ]
    i = pick(spot.rng, options)
    if i is None:
        return None
    earlier, later = scenes[i - 1], scenes[i]
    at = _minutes(earlier.clock) + 5
    later.clock, later.time_of_day = _clock(at), time_of_day(at)
    who = name_of(spot.canon, sorted(set(later.character_ids) & set(earlier.character_ids))[0])
    fact = f"{who} is at {earlier.location_id} at {earlier.clock} on day {earlier.story_day}"
    return Plant(
        spot.script,
        [label("simultaneity", "timeline_plot", "two_places", later.id, fact, later.clock)],
        f"{later.id} moved to {later.clock}, 5 min after {earlier.id} elsewhere",
    )


# ------------------------------------------------------------------ secrets


def _reveal_text(secret: Secret, language: str) -> str:
    words = [k for k in secret.keywords if k.strip()]
    if all(k.casefold() in secret.description.casefold() for k in words):
        return ("I know the truth. " if language == "en" else "我都知道了。") + secret.description
    return ("I know about it: " if language == "en" else "我都知道了：") + (
        "; ".join(words) if language == "en" else "，".join(words)
    )


def _secret(spot: Spot, *, by_knower: bool, tagged: bool) -> Plant | None:
    options = []
    for secret in spot.canon.secrets:
        keywords = [k.casefold() for k in secret.keywords if k.strip()]
        learners = {c.value for c in spot.script.state_changes if c.field == "knows" and c.entity_id == secret.id}
        knowers = set(secret.known_by) | learners
        told = any(
            secret.id in ln.reveals or (keywords and all(k in ln.text.casefold() for k in keywords))
            for ln in spot.script.lines()
        )
        if told or not keywords:
            continue
        for _, line in plain_dialogue(spot):
            ok = (line.speaker_id in set(secret.known_by)) if by_knower else (line.speaker_id not in knowers)
            if ok:
                options.append((secret, line))
    chosen = pick(spot.rng, options)
    if chosen is None:
        return None
    secret, line = chosen
    line.text = _reveal_text(secret, spot.language)
    if tagged:
        line.reveals = [secret.id]
    if by_knower:
        return Plant(spot.script, [], f"{line.speaker_id} (a knower) tells {secret.id} in {line.id}")
    names = ", ".join(name_of(spot.canon, c) for c in sorted(secret.known_by)) or "no one"
    subtype = "secret_tagged" if tagged else "secret_spoken"
    return Plant(
        spot.script,
        [
            label(
                "secret_knowledge",
                "characterization",
                subtype,
                line.id,
                f"Only {names} know: {secret.description}",
                line.text,
            )
        ],
        f"{line.speaker_id} reveals {secret.id} in {line.id}",
    )


def secret_spoken(spot: Spot) -> Plant | None:
    """Have a character who cannot know a secret say it, untagged."""
    return _secret(spot, by_knower=False, tagged=False)


def secret_tagged(spot: Spot) -> Plant | None:
    """Have a character who cannot know a secret say it, tagged as a reveal."""
    return _secret(spot, by_knower=False, tagged=True)


def secret_by_knower(spot: Spot) -> Plant | None:
    """Decoy: a character who knows the secret tells it."""
    return _secret(spot, by_knower=True, tagged=True)


PLANTERS: dict[str, Planter] = {
    "day_backwards": day_backwards,
    "clock_backwards": clock_backwards,
    "time_of_day_clash": time_of_day_clash,
    "malformed_clock": malformed_clock,
    "simultaneity": simultaneity,
    "secret_spoken": secret_spoken,
    "secret_tagged": secret_tagged,
}
DECOYS: dict[str, Planter] = {"secret_by_knower": secret_by_knower}
