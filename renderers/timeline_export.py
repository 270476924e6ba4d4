"""OpenTimelineIO export: the episode's edit as tracks an editor can open (DaVinci Resolve, otioview)."""

from __future__ import annotations

import os
import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict

from renderers.protocols import RenderError, TimedShot

EXPORT_INSTALL_HINT = "the OpenTimelineIO export needs opentimelineio: pip install 'opentimelineio>=0.17'"


class OtioDurations(TypedDict):
    """Seconds read back from an .otio file: the video track, each shot clip and each speech clip."""

    total: float
    shots: dict[str, float]
    speech: dict[str, float]


def _otio() -> Any:
    """Import opentimelineio on first use (it is untyped; the module is passed around as Any)."""
    try:
        import opentimelineio
    except ImportError as exc:
        raise RenderError(EXPORT_INSTALL_HINT) from exc
    return opentimelineio


def _wav_seconds(path: Path) -> float | None:
    """Return a WAV's length in seconds, or None when it is not a readable PCM WAV."""
    try:
        with wave.open(str(path), "rb") as handle:
            rate = handle.getframerate()
            return handle.getnframes() / rate if rate else None
    except (OSError, EOFError, wave.Error):
        return None


class _Frames:
    """Convert seconds to frames on a grid, rounding cumulative edges so clip lengths never drift from the total."""

    def __init__(self, otio: Any, fps: int) -> None:
        self.otio = otio
        self.fps = fps

    def at(self, seconds: float) -> int:
        return round(seconds * self.fps)

    def time(self, frames: int) -> Any:
        return self.otio.opentime.RationalTime(frames, self.fps)

    def range(self, start: int, length: int) -> Any:
        return self.otio.opentime.TimeRange(start_time=self.time(start), duration=self.time(length))


def _media(otio: Any, path: Path, available: Any = None) -> Any:
    """Reference a file by absolute file URL, so the timeline still finds it when copied into a bundle."""
    url = otio.url_utils.url_from_filepath(str(Path(path).resolve()))
    return otio.schema.ExternalReference(target_url=url, available_range=available)


def _video_track(otio: Any, grid: _Frames, shots: Sequence[TimedShot]) -> Any:
    """Place each shot's frame (or clip) end to end, with gaps where the timeline has holes, and scene markers."""
    track = otio.schema.Track(name="Picture", kind=otio.schema.TrackKind.Video)
    cursor = 0
    scene = ""
    for item in shots:
        start, end = grid.at(item.start), grid.at(item.start + item.duration)
        if start > cursor:
            track.append(otio.schema.Gap(source_range=grid.range(0, start - cursor)))
        start = max(start, cursor)  # overlapping shots are trimmed at the head: a track cannot overlap
        length = max(1, end - start)
        shot = item.shot
        clip = otio.schema.Clip(
            name=shot.id,
            media_reference=_media(otio, item.frame),
            source_range=grid.range(0, length),
            metadata={
                "dramaroom": {
                    "shot_id": shot.id,
                    "scene_id": shot.scene_id,
                    "line_id": shot.line_id or "",
                    "framing": shot.framing,
                    "movement": shot.movement,
                    "description": shot.description,
                    "subtitle": item.subtitle,
                }
            },
        )
        if shot.scene_id != scene:
            scene = shot.scene_id
            clip.markers.append(
                otio.schema.Marker(
                    name=scene,
                    marked_range=grid.range(0, 0),
                    color=otio.schema.MarkerColor.GREEN,
                    metadata={"dramaroom": {"scene_id": scene}},
                )
            )
        track.append(clip)
        cursor = start + length
    return track


def _audio_track(otio: Any, grid: _Frames, name: str, placed: Sequence[tuple[float, Path, str]]) -> Any:
    """Lay WAV clips at their start times with gaps between; a clip that would overlap the next is cut short."""
    track = otio.schema.Track(name=name, kind=otio.schema.TrackKind.Audio)
    cursor = 0
    ordered = sorted(placed, key=lambda entry: entry[0])
    for index, (seconds, path, clip_name) in enumerate(ordered):
        start = max(grid.at(seconds), cursor)
        wav = _wav_seconds(path)
        length = max(1, grid.at(wav)) if wav is not None else 1
        if index + 1 < len(ordered):
            length = min(length, grid.at(ordered[index + 1][0]) - start)
        if length <= 0:
            continue
        if start > cursor:
            track.append(otio.schema.Gap(source_range=grid.range(0, start - cursor)))
        available = grid.range(0, grid.at(wav)) if wav is not None else None
        track.append(
            otio.schema.Clip(
                name=clip_name,
                media_reference=_media(otio, path, available),
                source_range=grid.range(0, length),
                metadata={"dramaroom": {"file": Path(path).name}},
            )
        )
        cursor = start + length
    return track


def export_otio(shots: Sequence[TimedShot], *, episode: int, title: str, fps: int, out: Path) -> Path:
    """Write the episode as an OpenTimelineIO timeline: picture, dialogue and cue tracks, scene markers, ids."""
    if fps <= 0:
        raise RenderError(f"cannot export the timeline at {fps} fps: use a positive frame rate such as 24")
    otio = _otio()
    grid = _Frames(otio, fps)
    timeline = otio.schema.Timeline(name=f"{title} - EP{episode:02d}")
    timeline.global_start_time = grid.time(0)
    timeline.metadata["dramaroom"] = {
        "episode": episode,
        "title": title,
        "fps": fps,
        "ai_generated": True,
        "shots": [item.shot.id for item in shots],
        "lines": [item.shot.line_id for item in shots if item.shot.line_id],
        "scenes": list(dict.fromkeys(item.shot.scene_id for item in shots)),
    }
    timeline.tracks.append(_video_track(otio, grid, shots))
    speech: list[tuple[float, Path, str]] = []
    seen: set[Path] = set()
    for item in shots:
        # A line's audio rides on the first shot that covers it; later shots of the line carry none.
        if item.speech is not None and Path(item.speech) not in seen:
            seen.add(Path(item.speech))
            at = item.start if item.speech_at is None else item.speech_at
            speech.append((at, Path(item.speech), item.shot.line_id or item.shot.id))
    timeline.tracks.append(_audio_track(otio, grid, "Dialogue", speech))
    cues = [(item.start, Path(cue), f"{item.shot.id}:{Path(cue).stem}") for item in shots for cue in item.cues]
    if cues:
        timeline.tracks.append(_audio_track(otio, grid, "Cues", cues))
    text: str = otio.adapters.write_to_string(timeline, "otio_json")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def read_otio_durations(path: Path) -> OtioDurations:
    """Read an exported timeline back and return its video length and each shot and speech clip's seconds."""
    otio = _otio()
    timeline = otio.adapters.read_from_file(str(path))
    video = timeline.video_tracks()
    total = float(video[0].duration().to_seconds()) if video else 0.0
    shots = {clip.name: float(clip.duration().to_seconds()) for track in video for clip in track.find_clips()}
    speech = {
        clip.name: float(clip.duration().to_seconds())
        for track in timeline.audio_tracks()
        if track.name == "Dialogue"
        for clip in track.find_clips()
    }
    return OtioDurations(total=total, shots=shots, speech=speech)
