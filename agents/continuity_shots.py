"""Deterministic checks of a shot list against its approved script and canon."""

from __future__ import annotations

from agents.continuity_findings import finding, numbered
from agents.messages import say, term
from memory.edits import AddShotForLine, CutShotCharacter, SetShotField, SetShotWardrobe
from memory.schema import Canon, CharacterStatus, Finding, Scene, Script, ShotList

RUNTIME_TOLERANCE = 0.10
MIN_SHOT_SECONDS = 0.5
MAX_SHOT_SECONDS = 8.0


def check_coverage(shots: ShotList, script: Script, language: str = "en") -> list[Finding]:
    """Flag dialogue lines no shot covers, and shots that point at lines or scenes the script lacks."""
    out: list[Finding] = []
    covered = {s.line_id for s in shots.shots if s.line_id}
    for line in script.lines():
        if line.kind == "dialogue" and line.id not in covered:
            out.append(
                finding(
                    "shot_coverage",
                    "timeline_plot",
                    line.id,
                    say(language, "finding.line_no_shot", line=line.id),
                    quote=line.text,
                    requests=[AddShotForLine(line_id=line.id)],
                )
            )
    scenes = {s.id: s for s in script.scenes}
    for shot in shots.shots:
        scene = scenes.get(shot.scene_id)
        if scene is None:
            out.append(
                finding(
                    "shot_coverage",
                    "timeline_plot",
                    shot.id,
                    say(language, "finding.shot_unknown_scene", shot=shot.id, scene=shot.scene_id),
                    quote=shot.description,
                    requests=[SetShotField(shot_id=shot.id, field="scene_id", value=script.scenes[0].id)],
                )
            )
        elif shot.line_id and shot.line_id not in {ln.id for ln in scene.lines}:
            out.append(
                finding(
                    "shot_coverage",
                    "timeline_plot",
                    shot.id,
                    say(language, "finding.shot_line_elsewhere", shot=shot.id, line=shot.line_id, scene=scene.id),
                    quote=shot.line_id,
                    requests=[SetShotField(shot_id=shot.id, field="line_id", value=scene.lines[0].id)],
                )
            )
    return out


def check_cast(shots: ShotList, script: Script, canon: Canon) -> list[Finding]:
    """Flag characters framed in a shot who are not in its scene or are dead or absent."""
    out: list[Finding] = []
    scenes = {s.id: s for s in script.scenes}
    for shot in shots.shots:
        scene = scenes.get(shot.scene_id)
        if scene is None:
            continue
        for sc in shot.characters:
            ch = canon.character(sc.character_id)
            name = ch.name if ch else sc.character_id
            cut = [CutShotCharacter(shot_id=shot.id, character_id=sc.character_id)]
            if sc.character_id not in scene.character_ids:
                out.append(
                    finding(
                        "shot_cast",
                        "factual_detail",
                        shot.id,
                        say(canon.language, "finding.shot_extra_character", name=name, shot=shot.id, scene=scene.id),
                        quote=shot.description,
                        canon_fact=say(
                            canon.language, "fact.scene_cast", scene=scene.id, cast=", ".join(scene.character_ids)
                        ),
                        requests=cut,
                    )
                )
            elif ch is not None and ch.status != CharacterStatus.ALIVE and not scene.flashback:
                out.append(
                    finding(
                        "shot_cast",
                        "timeline_plot",
                        shot.id,
                        say(
                            canon.language,
                            "finding.shot_absent_character",
                            name=name,
                            status=term(canon.language, "status", ch.status.value),
                            shot=shot.id,
                        ),
                        quote=shot.description,
                        canon_fact=say(
                            canon.language,
                            "fact.status",
                            name=name,
                            status=term(canon.language, "status", ch.status.value),
                        ),
                        requests=cut,
                    )
                )
    return out


def _expected_wardrobe(scene: Scene, character_id: str, canon: Canon) -> tuple[str, list[str]]:
    ch = canon.character(character_id)
    sets = [w.id for w in ch.wardrobe] if ch else []
    return scene.wardrobe.get(character_id, sets[0] if sets else ""), sets


def check_wardrobe(shots: ShotList, script: Script, canon: Canon) -> list[Finding]:
    """Flag shots dressing a character differently from their scene."""
    out: list[Finding] = []
    scenes = {s.id: s for s in script.scenes}
    for shot in shots.shots:
        scene = scenes.get(shot.scene_id)
        if scene is None:
            continue
        for sc in shot.characters:
            expected, sets = _expected_wardrobe(scene, sc.character_id, canon)
            # Without a scene mapping any canon set is acceptable; with one, the shot must match it.
            wrong = sc.wardrobe_id != expected if sc.character_id in scene.wardrobe else sc.wardrobe_id not in sets
            if expected and wrong:
                out.append(
                    finding(
                        "shot_wardrobe",
                        "factual_detail",
                        shot.id,
                        say(
                            canon.language,
                            "finding.shot_wardrobe",
                            shot=shot.id,
                            character=sc.character_id,
                            wardrobe=sc.wardrobe_id,
                            scene=scene.id,
                            expected=expected,
                        ),
                        quote=sc.wardrobe_id,
                        canon_fact=say(
                            canon.language,
                            "fact.wears_in",
                            character=sc.character_id,
                            wardrobe=expected,
                            scene=scene.id,
                        ),
                        requests=[SetShotWardrobe(shot_id=shot.id, character_id=sc.character_id, wardrobe_id=expected)],
                    )
                )
    return out


def check_location(shots: ShotList, script: Script, language: str = "en") -> list[Finding]:
    """Flag shots whose location or time of day differ from their scene."""
    out: list[Finding] = []
    scenes = {s.id: s for s in script.scenes}
    for shot in shots.shots:
        scene = scenes.get(shot.scene_id)
        if scene is None:
            continue
        if shot.location_id != scene.location_id:
            out.append(
                finding(
                    "shot_location",
                    "factual_detail",
                    shot.id,
                    say(
                        language,
                        "finding.shot_location",
                        shot=shot.id,
                        location=shot.location_id,
                        scene=scene.id,
                        expected=scene.location_id,
                    ),
                    quote=shot.location_id,
                    canon_fact=say(language, "fact.scene_at", scene=scene.id, place=scene.location_id),
                    requests=[SetShotField(shot_id=shot.id, field="location_id", value=scene.location_id)],
                )
            )
        if shot.time_of_day != scene.time_of_day:
            out.append(
                finding(
                    "shot_location",
                    "timeline_plot",
                    shot.id,
                    say(
                        language,
                        "finding.shot_time",
                        shot=shot.id,
                        time_of_day=term(language, "time_of_day", shot.time_of_day),
                        scene=scene.id,
                        expected=term(language, "time_of_day", scene.time_of_day),
                    ),
                    quote=shot.time_of_day,
                    canon_fact=say(
                        language,
                        "fact.scene_at",
                        scene=scene.id,
                        place=term(language, "time_of_day", scene.time_of_day),
                    ),
                    requests=[SetShotField(shot_id=shot.id, field="time_of_day", value=scene.time_of_day)],
                )
            )
    return out


def check_runtime(shots: ShotList, language: str = "en") -> list[Finding]:
    """Flag a total runtime off target by more than the tolerance, and shots too short or too long."""
    out: list[Finding] = []
    for shot in shots.shots:
        if not MIN_SHOT_SECONDS <= shot.duration_s <= MAX_SHOT_SECONDS:
            value = min(max(shot.duration_s, MIN_SHOT_SECONDS), MAX_SHOT_SECONDS)
            out.append(
                finding(
                    "shot_duration",
                    "narrative_style",
                    shot.id,
                    say(
                        language,
                        "finding.shot_duration",
                        shot=shot.id,
                        seconds=f"{shot.duration_s:g}",
                        low=f"{MIN_SHOT_SECONDS:g}",
                        high=f"{MAX_SHOT_SECONDS:g}",
                        value=f"{value:g}",
                    ),
                    quote=f"{shot.duration_s:g} s",
                    requests=[SetShotField(shot_id=shot.id, field="duration", value=f"{value:g}")],
                )
            )
    total, target = shots.total_seconds, shots.target_seconds
    if target > 0 and abs(total - target) > RUNTIME_TOLERANCE * target:
        factor = target / total if total else 1.0
        # One hint per run: scale the longest shot first, it is where trimming hurts least.
        longest = max(shots.shots, key=lambda s: s.duration_s)
        new = min(max(longest.duration_s + (target - total), MIN_SHOT_SECONDS), MAX_SHOT_SECONDS)
        out.append(
            finding(
                "runtime",
                "narrative_style",
                f"episode-{shots.episode}",
                say(
                    language,
                    "finding.runtime",
                    total=f"{total:g}",
                    target=target,
                    tolerance=f"{RUNTIME_TOLERANCE:.0%}",
                    factor=f"{factor:.2f}",
                ),
                quote=f"{total:g} s",
                canon_fact=say(language, "fact.target", target=target),
                requests=[SetShotField(shot_id=longest.id, field="duration", value=f"{new:g}")],
            )
        )
    return out


def check_shots(shots: ShotList, script: Script, canon: Canon) -> list[Finding]:
    """Run every deterministic shot-list check and return its findings."""
    return numbered(
        [
            *check_coverage(shots, script, canon.language),
            *check_cast(shots, script, canon),
            *check_wardrobe(shots, script, canon),
            *check_location(shots, script, canon.language),
            *check_runtime(shots, canon.language),
        ]
    )
