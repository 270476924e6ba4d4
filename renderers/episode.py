"""Render one episode: frames and voices (cached), real-audio timing, subtitles, labels, assembly, exports."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from memory.safe_files import UnsafePathError, inside, safe_name, write_atomic
from memory.schema import Canon, Line, Script, Shot, ShotList
from renderers.audio import wav_seconds
from renderers.cache import RenderCache, content_key
from renderers.contact_sheet import contact_sheet
from renderers.labels import write_png_aigc
from renderers.protocols import (
    AssemblyPlan,
    LabelSpec,
    MusicBackend,
    RenderError,
    ShotImageRequest,
    TimedShot,
    VoiceSpec,
)
from renderers.registry import Backends
from renderers.subtitles import Cue, write_srt

SPEECH_LEAD_S = 0.15  # breath before a line starts within its shot
SPEECH_TAIL_S = 0.35  # a line never ends on a cut
MAX_SHOT_S = 30.0
CUE_SECONDS = 1.3  # the short-long-short-short audio label at the very start
Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class RenderJob:
    """One episode to render, with where its files go."""

    script: Script
    shots: ShotList
    canon: Canon
    folder: Path  # episodes/epNNN
    cache: RenderCache
    labels: LabelSpec
    seed: int
    fps: int = 24
    references: Path | None = None  # folder of <character_id>.png reference images


@dataclass
class RenderResult:
    """What a render produced and how long the episode runs."""

    video: Path
    timeline: list[TimedShot]
    runtime_s: float
    target_s: int
    srt: Path
    contact_sheet: Path
    frames: dict[str, Path] = field(default_factory=dict)
    speech: dict[str, Path] = field(default_factory=dict)
    cache_hits: int = 0
    cache_misses: int = 0


def validate(job: RenderJob) -> None:
    """Refuse a shot list that cannot be rendered, with one line naming the shot and the fix."""
    lines = {line.id: line for line in job.script.lines()}
    try:
        # Shot and line ids become file names under media/: check them before anything is drawn.
        for shot in job.shots.shots:
            safe_name(shot.id, "shot id")
        for line_id in lines:
            safe_name(line_id, "line id")
    except UnsafePathError as exc:
        raise RenderError(str(exc)) from exc
    for shot in job.shots.shots:
        for person in shot.characters:
            if job.canon.character(person.character_id) is None:
                raise RenderError(
                    f"shot {shot.id} shows {person.character_id!r}, who is not in canon: fix the shot list"
                )
        if job.canon.location(shot.location_id) is None:
            raise RenderError(f"shot {shot.id} is set at {shot.location_id!r}, not a canon location: fix the shot list")
        if not 0 < shot.duration_s <= MAX_SHOT_S:
            raise RenderError(f"shot {shot.id} lasts {shot.duration_s} s; shots must last 0-{MAX_SHOT_S:g} s")
        spoken = lines.get(shot.line_id or "")
        if spoken is not None and spoken.kind == "dialogue" and not spoken.text.strip():
            raise RenderError(
                f"line {spoken.id} (shot {shot.id}) has empty text: write the line or make it an action line"
            )


def _frame(job: RenderJob, backends: Backends, shot: Shot) -> Path:
    people = [job.canon.character(p.character_id) for p in shot.characters]
    references = {
        p.character_id: job.references / f"{p.character_id}.png"
        for p in shot.characters
        if job.references is not None and (job.references / f"{p.character_id}.png").exists()
    }
    # Everything that shapes the picture is in the key; the shot's length is not.
    key = content_key(
        "frame",
        backends.image.name,
        _settings_of(backends.image),
        shot.model_copy(update={"duration_s": 0}),
        [p for p in people if p is not None],
        job.canon.location(shot.location_id),
        job.canon.world,
        job.seed,
        {cid: hashlib.sha256(path.read_bytes()).hexdigest() for cid, path in references.items()},
    )
    seed = int(content_key(job.seed, shot.id, [p.character_id for p in shot.characters])[:8], 16)

    guide = None
    if backends.guide is not None:
        guide_request = ShotImageRequest(shot=shot, canon=job.canon, episode=job.script.episode, out=Path(), seed=seed)
        guide = job.cache.get_or_make(
            content_key(key, "guide", backends.guide.name),
            ".png",
            lambda out: backends.guide.render(replace(guide_request, out=out)),  # type: ignore[union-attr]
        )

    def make(out: Path) -> None:
        backends.image.render(
            ShotImageRequest(
                shot=shot,
                canon=job.canon,
                episode=job.script.episode,
                out=out,
                seed=seed,
                guide=guide,
                references=references,
            )
        )
        write_png_aigc(out, job.labels)

    return job.cache.get_or_make(key, ".png", make)


def _speech(job: RenderJob, backends: Backends, line: Line, voices: dict[str, VoiceSpec]) -> Path:
    speaker = job.canon.character(line.speaker_id or "")
    if speaker is None:
        raise RenderError(f"line {line.id} is spoken by {line.speaker_id!r}, who is not in canon: fix the script")
    voice = voices[speaker.id]
    key = content_key("speech", backends.voice.name, voice.__dict__, line.text, line.emotion)
    return job.cache.get_or_make(key, ".wav", lambda out: backends.voice.speak(line.text, voice, line.emotion, out))


def _timeline(
    job: RenderJob, frames: dict[str, Path], speech: dict[str, Path], cues: dict[str, list[Path]]
) -> list[TimedShot]:
    """Lay shots end to end; a line's shots stretch until its real audio fits, never cutting a line short."""
    lines = {line.id: line for line in job.script.lines()}
    shots = job.shots.shots
    durations = [s.duration_s for s in shots]
    # The audio label leads, so the first shot holds until it has played.
    durations[0] = max(durations[0], CUE_SECONDS + SPEECH_LEAD_S)
    covering: dict[str, list[int]] = {}
    for index, shot in enumerate(shots):
        if shot.line_id in speech:
            covering.setdefault(shot.line_id, []).append(index)
    for line_id, indexes in covering.items():
        lead = CUE_SECONDS if indexes[0] == 0 else SPEECH_LEAD_S
        needed = lead + wav_seconds(speech[line_id]) + SPEECH_TAIL_S
        have = sum(durations[i] for i in indexes)
        if have < needed:
            durations[indexes[-1]] += needed - have
    timeline: list[TimedShot] = []
    start = 0.0
    spoken: set[str] = set()
    for index, (shot, duration) in enumerate(zip(shots, durations, strict=True)):
        line = lines.get(shot.line_id or "")
        first = shot.line_id in speech and shot.line_id not in spoken
        if first and line is not None:
            spoken.add(line.id)
        lead = CUE_SECONDS if index == 0 else SPEECH_LEAD_S
        timeline.append(
            TimedShot(
                shot=shot,
                start=round(start, 3),
                duration=round(duration, 3),
                frame=frames[shot.id],
                subtitle=line.text if first and line is not None else "",
                speech=speech[shot.line_id] if first and shot.line_id else None,
                speech_at=round(start + lead, 3) if first else None,
                cues=tuple(cues.get(shot.id, [])),
            )
        )
        start += duration
    return timeline


def _subtitles(timeline: list[TimedShot]) -> list[Cue]:
    out: list[Cue] = []
    for item in timeline:
        if item.speech is None or item.speech_at is None:
            continue
        begin = item.speech_at
        out.append(Cue(start=round(begin, 3), end=round(begin + wav_seconds(item.speech), 3), text=item.subtitle))
    return out


def render_episode(job: RenderJob, backends: Backends, progress: Progress = _quiet) -> RenderResult:
    """Render frames, voices and the final MP4 of an episode into its folder."""
    validate(job)
    shots = job.shots.shots
    frames: dict[str, Path] = {}
    for done, shot in enumerate(shots, start=1):
        frames[shot.id] = _frame(job, backends, shot)
        progress("frames", done, len(shots))
    dialogue = [line for line in job.script.lines() if line.kind == "dialogue"]
    # Cast the whole canon in canon order, so a character's voice never depends on who speaks first.
    voices: dict[str, VoiceSpec] = {c.id: backends.voice.cast(c, job.canon.language) for c in job.canon.characters}
    speech: dict[str, Path] = {}
    for done, line in enumerate(dialogue, start=1):
        speech[line.id] = _speech(job, backends, line, voices)
        progress("voices", done, len(dialogue))
    cues = _cues(job, backends.music) if backends.music is not None else {}
    timeline = _timeline(job, frames, speech, cues)
    runtime = round(sum(t.duration for t in timeline), 2)
    folder = job.folder
    media = folder / "media"
    srt = write_srt(_subtitles(timeline), folder / "episode.srt")
    bed = _bed(job, backends.music, runtime) if backends.music is not None else None
    _publish(frames, media / "frames")
    _publish(speech, media / "voices")
    progress("assembly", 0, 1)
    video = backends.assembly.assemble(
        AssemblyPlan(
            shots=timeline,
            out=folder / "episode.mp4",
            labels=job.labels,
            language=job.canon.language,
            fps=job.fps,
            music=bed,
            subtitles=srt,
            segment_cache=job.cache.root / "segments",
        )
    )
    progress("assembly", 1, 1)
    sheet = contact_sheet(
        [(t.shot, t.frame) for t in timeline],
        folder / "contact_sheet.png",
        title=job.script.title,
        language=job.canon.language,
    )
    write_png_aigc(sheet, job.labels)
    return RenderResult(
        video=video,
        timeline=timeline,
        runtime_s=runtime,
        target_s=job.shots.target_seconds,
        srt=srt,
        contact_sheet=sheet,
        frames=frames,
        speech=speech,
        cache_hits=job.cache.hits,
        cache_misses=job.cache.misses,
    )


def _settings_of(backend: object) -> list[tuple[str, object]]:
    """Return a backend's plain settings (flags, sizes, paths), which change what it draws."""
    return sorted(
        (name, str(value) if isinstance(value, Path) else value)
        for name, value in vars(backend).items()
        if not name.startswith("_") and isinstance(value, str | int | float | bool | Path)
    )


class _UnknownCue(Exception):
    """The music backend has no sound for a cue name."""


def _make_cue(music: MusicBackend, name: str, out: Path) -> None:
    if music.cue(name, out) is None:
        raise _UnknownCue(name)


def _cues(job: RenderJob, music: MusicBackend) -> dict[str, list[Path]]:
    """Make each shot's sound cues once; cues the backend does not know are left out."""
    out: dict[str, list[Path]] = {}
    for shot in job.shots.shots:
        for name in shot.sound_cues:
            try:
                made = job.cache.get_or_make(
                    content_key("cue", music.name, name), ".wav", partial(_make_cue, music, name)
                )
            except _UnknownCue:
                continue
            out.setdefault(shot.id, []).append(made)
    return out


def _bed(job: RenderJob, music: MusicBackend, runtime: float) -> Path:
    mood = job.canon.tone.split(",")[0] if job.canon.tone else "tense"
    return job.cache.get_or_make(
        content_key("bed", music.name, mood, runtime), ".wav", lambda out: music.bed(runtime, mood, out)
    )


def _publish(files: dict[str, Path], folder: Path) -> None:
    """Link each cached file into the episode folder under its shot or line id, for editors and exports."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        target = inside(folder, folder / f"{safe_name(name, 'shot or line id')}{source.suffix}")
        if target.is_symlink():
            target.unlink()  # a planted link is replaced, never written through
        elif target.exists():
            if target.samefile(source):
                continue
            target.unlink()
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target, follow_symlinks=False)


def write_manifest(result: RenderResult, path: Path, backends: Backends, labels: LabelSpec) -> None:
    """Record what was rendered, by which backends, and runtime against target."""
    body = {
        "video": result.video.name,
        "runtime_s": result.runtime_s,
        "target_s": result.target_s,
        "runtime_vs_target": round(result.runtime_s / result.target_s, 3) if result.target_s else None,
        "shots": len(result.timeline),
        "backends": {
            "image": backends.image.name,
            "voice": backends.voice.name,
            "music": backends.music.name if backends.music else None,
            "assembly": backends.assembly.name,
        },
        "labels": {
            "visible": labels.text,
            "seconds": labels.seconds,
            "corner": labels.corner,
            "produce_id": labels.produce_id,
        },
        "cache": {"hits": result.cache_hits, "misses": result.cache_misses},
    }
    write_atomic(path, json.dumps(body, ensure_ascii=False, indent=2) + "\n", root=path.parent)
