"""Time the full episode assembly against a plain ffmpeg zoompan slideshow of the same frames.

Run: `python -m evals.render_benchmark --seconds 60 --fps 24`

Targets (the render issue): faster than real time on 2 cores, and within 2x of the plain slideshow,
which is the practical ceiling for stills-to-video with the bundled ffmpeg.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from memory.schema import Canon, Movement, Shot
from renderers.assembly import FfmpegAssembly, motion
from renderers.audio import tone, write_wav
from renderers.labels import ffmpeg_exe
from renderers.protocols import AssemblyPlan, LabelSpec, RenderError, ShotImageRequest, TimedShot
from renderers.subtitles import Cue, write_srt

MOVES: tuple[Movement, ...] = (
    "push_in",
    "static",
    "pan_left",
    "pull_out",
    "tilt_up",
    "handheld",
    "ken_burns",
    "pan_right",
    "tilt_down",
)
LINES = ("你到底是谁？", "这份合同，我不会签。", "三年前的那场火，不是意外。", "明天之前，把真相告诉我。")
SHOT_S = 2.5
BLACK_TAIL_S = 0.8


def _canon() -> Canon:
    """Build a two-character canon for storyboard frames."""
    person = {
        "age": 30,
        "role": "lead",
        "appearance": {"hair": "long black hair", "eyes": "dark brown", "build": "slim"},
        "wardrobe": [{"id": "work", "description": "grey office suit"}],
    }
    return Canon.model_validate(
        {
            "title": "Benchmark",
            "language": "zh",
            "genre": "revenge",
            "tone": "tense",
            "world": {"era": "present-day Shanghai", "technology": "modern"},
            "characters": [
                {"id": "lin", "name": "林晚", "gender": "female", "voice": {"gender": "female"}, **person},
                {"id": "chen", "name": "陈浩", "gender": "male", "voice": {"gender": "male"}, **person},
            ],
            "locations": [{"id": "office", "name": "办公室", "description": "glass and steel"}],
        }
    )


def _shot(index: int, seconds: float) -> Shot:
    return Shot.model_validate(
        {
            "id": f"s01-sh{index + 1:02d}",
            "scene_id": "s01",
            "duration_s": seconds,
            "framing": ("MS", "CU", "WS", "MCU")[index % 4],
            "movement": MOVES[index % len(MOVES)],
            "characters": [{"character_id": ("lin", "chen")[index % 2], "wardrobe_id": "work"}],
            "location_id": "office",
            "time_of_day": "night",
            "description": "Lin Wan faces Chen Hao across the desk.",
        }
    )


def _drawn(shot: Shot, index: int, out: Path) -> Path:
    """Draw a simple detailed frame when no storyboard backend is available."""
    image = Image.new("RGB", (1080, 1920), (30 + 7 * index % 90, 40, 70))
    draw = ImageDraw.Draw(image)
    for k in range(24):
        x, y = (k * 173 + index * 61) % 1080, (k * 311 + index * 97) % 1920
        draw.ellipse((x, y, x + 160, y + 220), fill=((k * 37) % 255, (k * 71) % 255, (k * 13 + index * 29) % 255))
    draw.text((80, 900), shot.id, fill=(255, 255, 255))
    image.save(out)
    return out


def _frames(shots: Sequence[Shot], folder: Path) -> list[Path]:
    """Draw every shot's frame, with StoryboardBackend when it is present."""
    try:
        from renderers.storyboard import StoryboardBackend
    except ImportError:
        return [_drawn(shot, i, folder / f"{shot.id}.png") for i, shot in enumerate(shots)]
    backend, canon = StoryboardBackend(), _canon()
    return [
        backend.render(ShotImageRequest(shot=shot, canon=canon, episode=1, out=folder / f"{shot.id}.png", seed=i))
        for i, shot in enumerate(shots)
    ]


def build_plan(seconds: float, fps: int, folder: Path) -> AssemblyPlan:
    """Lay out a synthetic episode of ~2.5 s shots with speech on every other shot, music and subtitles."""
    count = max(1, round(seconds / SHOT_S))
    lengths = [seconds / count] * count
    shots = [_shot(i, lengths[i]) for i in range(count)]
    frames = _frames(shots, folder)
    timeline: list[TimedShot] = []
    cues: list[Cue] = []
    start = 0.0
    for i, (shot, frame) in enumerate(zip(shots, frames, strict=True)):
        speech, speech_at = None, None
        if i % 2 == 1:
            speech = write_wav(folder / f"line{i}.wav", tone(180 + 20 * (i % 5), lengths[i] * 0.6), 22050)
            speech_at = start + 0.15
            cues.append(Cue(speech_at, speech_at + lengths[i] * 0.6, LINES[(i // 2) % len(LINES)]))
        timeline.append(
            TimedShot(shot=shot, start=start, duration=lengths[i], frame=frame, speech=speech, speech_at=speech_at)
        )
        start += lengths[i]
    music = write_wav(folder / "music.wav", tone(110, 4.0, 22050, 0.2), 22050)
    return AssemblyPlan(
        shots=timeline,
        out=folder / "out" / "episode.mp4",
        labels=LabelSpec(text="AI生成", produce_id="bench"),
        language="zh",
        fps=fps,
        music=music,
        subtitles=write_srt(cues, folder / "episode.srt"),
        black_tail=BLACK_TAIL_S,
    )


def plain_slideshow(plan: AssemblyPlan, preset: str, out: Path) -> Path:
    """Encode the plan's frames as a plain zoompan slideshow: same moves, fps, size, preset; no overlays or audio."""
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    chains: list[str] = []
    for i, item in enumerate(plan.shots):
        frames = max(1, round(item.duration * plan.fps))
        args += ["-i", str(item.frame)]
        # The same camera moves as the assembly, minus its 2x supersampling; a still is a zoompan at 1x.
        zoom, x, y = motion(item.shot.movement, frames, plan.fps) or ("1", "0", "0")
        chains.append(
            f"[{i}:v]format=yuv420p,zoompan=z='{zoom}':x='{x}':y='{y}':d={frames}"
            f":s={plan.width}x{plan.height}:fps={plan.fps},setsar=1[v{i}]"
        )
    chains.append("".join(f"[v{i}]" for i in range(len(plan.shots))) + f"concat=n={len(plan.shots)}:v=1:a=0[out]")
    args += ["-filter_complex", ";".join(chains), "-map", "[out]", "-c:v", "libx264", "-preset", preset]
    args += ["-crf", "23", "-pix_fmt", "yuv420p", str(out)]
    result = subprocess.run(args, capture_output=True, check=False)
    if result.returncode != 0:
        raise RenderError(f"plain slideshow failed: {result.stderr.decode('utf-8', 'replace').strip()[-300:]}")
    return out


def _cpu() -> float:
    """Return CPU seconds used so far by this process and its finished children (ffmpeg)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    """Return (wall seconds, CPU seconds) spent running work."""
    wall, cpu = time.perf_counter(), _cpu()
    work()
    return time.perf_counter() - wall, _cpu() - cpu


def run(seconds: float = 60.0, fps: int = 24, preset: str = "veryfast", repeat: int = 1) -> dict[str, float]:
    """Build a synthetic episode and time (a) the full assembly and (b) a plain slideshow, in one run."""
    with tempfile.TemporaryDirectory(prefix="dramaroom-bench-") as tmp:
        folder = Path(tmp)
        plan = build_plan(seconds, fps, folder)
        full_s = plain_s = full_cpu = plain_cpu = float("inf")
        # Interleaved, best of `repeat`: other work on a shared machine slows whichever run it overlaps.
        for _ in range(max(1, repeat)):
            wall, cpu = _timed(lambda: FfmpegAssembly(preset=preset).assemble(plan))
            full_s, full_cpu = min(full_s, wall), min(full_cpu, cpu)
            wall, cpu = _timed(lambda: plain_slideshow(plan, preset, folder / "plain.mp4"))
            plain_s, plain_cpu = min(plain_s, wall), min(plain_cpu, cpu)
    episode_s = seconds + BLACK_TAIL_S
    return {
        "shots": float(len(plan.shots)),
        "cores": float(os.cpu_count() or 1),
        "full_wall_s": full_s,
        "full_episode_s": episode_s,
        "full_realtime_x": episode_s / full_s,
        "plain_wall_s": plain_s,
        "plain_episode_s": seconds,
        "plain_realtime_x": seconds / plain_s,
        "ratio_full_to_plain": full_s / plain_s,
        "full_cpu_s": full_cpu,
        "plain_cpu_s": plain_cpu,
        "cpu_ratio_full_to_plain": full_cpu / plain_cpu,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Print the side-by-side table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--repeat", type=int, default=1, help="best of N interleaved runs")
    args = parser.parse_args(argv)
    r = run(args.seconds, args.fps, args.preset, args.repeat)
    print(f"{int(r['shots'])} shots, {args.fps} fps, 1080x1920, x264 {args.preset}, {int(r['cores'])} cores")
    print(f"{'':30} {'wall s':>8} {'episode s':>10} {'realtime x':>11} {'cpu s':>8}")
    for label, key in (("(a) FfmpegAssembly (full)", "full"), ("(b) plain zoompan slideshow", "plain")):
        wall, episode, speed, cpu = (r[f"{key}_{name}"] for name in ("wall_s", "episode_s", "realtime_x", "cpu_s"))
        print(f"{label:30} {wall:8.1f} {episode:10.1f} {speed:11.2f} {cpu:8.1f}")
    print(f"cpu ratio (a)/(b): {r['cpu_ratio_full_to_plain']:.2f}  (steadier than wall time on a shared machine)")
    print(f"ratio (a)/(b): {r['ratio_full_to_plain']:.2f}  (targets: realtime x > 1, ratio <= 2)")


if __name__ == "__main__":
    main()
