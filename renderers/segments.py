"""Per-shot video segments: each encoded once with its overlays, cached by content, joined by stream copy.

Every segment is encoded with the same x264 settings and opens on a keyframe, so the concat demuxer can
join them with `-c copy`. A segment's key covers everything that shapes its pixels (input file contents,
the filter graph with its motion, overlay windows and subtitle style, the per-segment subtitles, frame
count and encoder settings), so after one shot's edit only that shot's segment is encoded again.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from renderers.cache import content_key
from renderers.labels import ffmpeg_exe
from renderers.protocols import RenderError
from renderers.subtitles import Cue, srt_time

SEGMENT_FORMAT = 1  # bump when the way a segment is made changes without its key noticing
WORKERS = 2  # zoompan, libass and the muxer are single-threaded: two encodes keep both cores busy
_GENERIC_ERRORS = ("conversion failed", "error while filtering", "exiting", "nothing was written")


@dataclass(frozen=True)
class Encoder:
    """The x264 settings every segment shares, so their streams can be joined without re-encoding."""

    fps: int
    width: int
    height: int
    preset: str
    crf: int

    def args(self) -> list[str]:
        return [
            *("-c:v", "libx264", "-preset", self.preset, "-crf", str(self.crf)),
            *("-pix_fmt", "yuv420p", "-profile:v", "high", "-r", str(self.fps)),
        ]


@dataclass(frozen=True)
class Segment:
    """One stretch of picture: still inputs, a filter graph ending in [out], and its exact frame count."""

    name: str  # for error messages, e.g. the shot id
    files: tuple[Path, ...]  # still images, inputs 0..n-1 of the graph
    graph: str
    frames: int
    srt: str = ""  # SubRip text written as ./subs.srt (next to a ./fonts link) when not empty


def last_error(stderr: str) -> str:
    """Return ffmpeg's most specific error line (the last one that is not a generic summary)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if not line.lower().startswith(_GENERIC_ERRORS):
            return line[:300]
    return lines[-1][:300] if lines else "ffmpeg failed without a message"


def link_fonts(source: Path, folder: Path) -> None:
    """Expose a font folder as ./fonts so the filter graph needs no path escaping."""
    try:
        os.symlink(source, folder / "fonts", target_is_directory=True)
    except OSError:
        shutil.copytree(source, folder / "fonts")


def frame_ms(n: int, fps: int) -> int:
    """Return frame n's time in whole milliseconds, rounded as ffmpeg's subtitles filter does."""
    return (2000 * n + fps) // (2 * fps)


def window_srt(cues: Sequence[Cue], first: int, count: int, fps: int) -> str:
    """Return SubRip text for frames [first, first + count) shifted to start at 0, showing each cue on exactly
    the frames the whole-episode subtitles would (libass: start <= t < end, t in ms); times sit between frames.
    """
    blocks: list[str] = []
    for cue in cues:
        start, end = round(cue.start * 1000), round(cue.end * 1000)
        shown = [m for m in range(count) if start <= frame_ms(first + m, fps) < end]
        if not shown or not cue.text.strip():
            continue
        begin = 0 if shown[0] == 0 else round((shown[0] - 0.5) * 1000 / fps)
        finish = round((shown[-1] + 0.5) * 1000 / fps)
        blocks.append(f"{len(blocks) + 1}\n{srt_time(begin / 1000)} --> {srt_time(finish / 1000)}\n{cue.text}\n")
    return "\n".join(blocks)


def _digest(path: Path, memo: dict[Path, str]) -> str:
    if path not in memo:
        memo[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return memo[path]


def segment_key(segment: Segment, encoder: Encoder, memo: dict[Path, str]) -> str:
    """Hash everything that shapes a segment's bytes: inputs' content, graph, subtitles, length, encoder."""
    files = [_digest(path, memo) for path in segment.files]
    binary = Path(ffmpeg_exe()).name  # the bundled build's name carries its version
    return content_key(SEGMENT_FORMAT, binary, encoder.args(), segment.graph, segment.frames, segment.srt, files)


def segment_path(folder: Path, key: str) -> Path:
    return folder / key[:2] / f"{key}.mp4"


def _encode(segment: Segment, encoder: Encoder, target: Path, work: Path, fonts: Path | None) -> None:
    """Encode one segment into target via a partial name renamed on success."""
    work.mkdir(parents=True, exist_ok=True)
    if segment.srt:
        (work / "subs.srt").write_text(segment.srt, encoding="utf-8")
        if fonts is not None:
            link_fonts(fonts, work)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.{os.getpid()}.partial.mp4")
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    for path in segment.files:
        # A '%' in a frame's name must not turn it into an image-sequence pattern.
        args += ["-f", "image2", "-pattern_type", "none", "-i", str(Path(path).resolve())]
    args += ["-filter_complex", segment.graph, "-map", "[out]", "-frames:v", str(segment.frames)]
    args += [*encoder.args(), "-an", "-f", "mp4", str(partial.resolve())]
    seconds = segment.frames / encoder.fps
    try:
        result = subprocess.run(args, cwd=work, capture_output=True, timeout=60 + 20 * seconds, check=False)
        if result.returncode != 0 or not partial.is_file():
            line = last_error(result.stderr.decode("utf-8", "replace"))
            raise RenderError(f"ffmpeg could not encode {segment.name}: {line}")
        os.replace(partial, target)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"ffmpeg took over {exc.timeout:.0f} s on {segment.name}; try a faster preset") from exc
    finally:
        partial.unlink(missing_ok=True)


def make_segments(
    segments: Sequence[Segment], encoder: Encoder, folder: Path, work: Path, fonts: Path | None
) -> list[Path]:
    """Return each segment's cached file, encoding the missing ones (WORKERS at a time)."""
    memo: dict[Path, str] = {}
    paths = [segment_path(folder, segment_key(segment, encoder, memo)) for segment in segments]
    missing = {path: segment for path, segment in zip(paths, segments, strict=True) if not _ready(path)}
    jobs = [(segment, path, work / f"seg{i}") for i, (path, segment) in enumerate(missing.items())]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for future in [pool.submit(_encode, s, encoder, p, w, fonts) for s, p, w in jobs]:
            future.result()
    return paths


def _ready(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def concat_list(paths: Sequence[Path], out: Path) -> Path:
    """Write a concat demuxer list of the segment files (absolute, quoted)."""
    lines = []
    for path in paths:
        quoted = re.sub(r"'", r"'\\''", str(Path(path).resolve()))
        lines.append(f"file '{quoted}'\n")
    out.write_text("".join(lines), encoding="utf-8")
    return out
