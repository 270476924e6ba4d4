"""Shot list as CSV, one row per shot with its start time, for editors and spreadsheets."""

from __future__ import annotations

import csv
import io

from memory.schema import ShotList

COLUMNS = [
    "shot_id",
    "scene_id",
    "start_s",
    "duration_s",
    "framing",
    "angle",
    "movement",
    "characters",
    "location_id",
    "time_of_day",
    "line_id",
    "description",
    "on_screen_text",
    "sound_cues",
    "visual_prompt",
    "generated_by",
]


def to_csv(shots: ShotList, *, generated_by: str) -> str:
    """Render a shot list as CSV text with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    start = 0.0
    for shot in shots.shots:
        writer.writerow(
            [
                shot.id,
                shot.scene_id,
                f"{start:.2f}",
                f"{shot.duration_s:.2f}",
                shot.framing,
                shot.angle,
                shot.movement,
                ";".join(f"{c.character_id}:{c.wardrobe_id}" for c in shot.characters),
                shot.location_id,
                shot.time_of_day,
                shot.line_id or "",
                shot.description,
                shot.on_screen_text,
                ";".join(shot.sound_cues),
                shot.visual_prompt,
                generated_by,
            ]
        )
        start += shot.duration_s
    return buffer.getvalue()
