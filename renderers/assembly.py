"""Episode assembly by driving the bundled ffmpeg directly: camera moves, labels, burned subtitles, ducked mix.

Each shot becomes its own video segment (renderers.segments): its zoompan motion plus the label plate,
corner mark and subtitles that fall inside its window, encoded with shared x264 settings and cached by
content. One last ffmpeg run joins the segments and a black tail by stream copy and muxes the freshly
mixed audio, so after one shot's edit only that shot is encoded again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import struct
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from memory.schema import Language
from renderers.fonts import choice, font, font_family, fonts_dir
from renderers.labels import aigc_json, aigc_metadata, corner_mark, ffmpeg_exe, label_overlay
from renderers.mixdown import MIX_RATE, mix
from renderers.music import ai_audio_cue
from renderers.protocols import AssemblyCapabilities, AssemblyPlan, LabelSpec, RenderError, TimedShot
from renderers.segments import Encoder, Segment, concat_list, last_error, make_segments, window_srt
from renderers.subtitles import Cue, parse_srt

MAX_SHOT_S = 30.0
MIN_LABEL_S = 2.0
ZOOM = 0.15  # how far push-ins, pull-outs and Ken Burns travel
PAN_ZOOM = 1.12  # pans and tilts need room beyond the frame to move across
SHAKE_ZOOM = 1.06
SUPERSAMPLE = 2  # zoompan crops on whole input pixels; a 2x source keeps slow moves from stepping
SUBTITLE_MARGIN_SHARE = 0.2  # bottom of the lower third, above the platforms' caption/UI band


def motion(movement: str, frames: int, fps: int) -> tuple[str, str, str] | None:
    """Return zoompan (zoom, x, y) expressions for a camera movement, or None for a still."""
    p = f"(on/{max(1, frames - 1)})"  # 0 -> 1 over the shot
    center_x, center_y = "(iw-iw/zoom)/2", "(ih-ih/zoom)/2"
    if movement == "push_in":
        return f"1+{ZOOM}*{p}", center_x, center_y
    if movement == "pull_out":
        return f"{1 + ZOOM}-{ZOOM}*{p}", center_x, center_y
    if movement in ("pan_left", "pan_right"):
        x = f"(iw-iw/zoom)*(1-{p})" if movement == "pan_left" else f"(iw-iw/zoom)*{p}"
        return f"{PAN_ZOOM}", x, center_y
    if movement in ("tilt_up", "tilt_down"):
        y = f"(ih-ih/zoom)*(1-{p})" if movement == "tilt_up" else f"(ih-ih/zoom)*{p}"
        return f"{PAN_ZOOM}", center_x, y
    if movement == "ken_burns":
        return f"1+{ZOOM}*{p}", f"(iw-iw/zoom)*(0.25+0.5*{p})", f"(ih-ih/zoom)*(0.65-0.3*{p})"
    if movement == "handheld":
        # Two incommensurate slow sines per axis read as breathing hands, not a mechanical wobble.
        t = f"(on/{fps})"
        x = f"{center_x}*(1+0.45*sin(2*PI*0.7*{t})+0.2*sin(2*PI*1.9*{t}))"
        y = f"{center_y}*(1+0.45*cos(2*PI*0.5*{t})+0.2*sin(2*PI*1.3*{t}+1))"
        return f"{SHAKE_ZOOM}", x, y
    return None


def shot_filter(index: int, movement: str, frames: int, plan: AssemblyPlan) -> str:
    """Return the filter chain turning input `index` (a still) into exactly `frames` frames."""
    w, h, fps = plan.width, plan.height, plan.fps
    moves = motion(movement, frames, fps)
    if moves is None:
        cover = f"scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1,format=yuv420p"
        body = f"{cover},loop=loop={frames - 1}:size=1:start=0"
    else:
        zoom, x, y = moves
        sw, sh = w * SUPERSAMPLE, h * SUPERSAMPLE
        cover = f"scale={sw}:{sh}:force_original_aspect_ratio=increase,crop={sw}:{sh},setsar=1,format=yuv420p"
        body = f"{cover},zoompan=z='{zoom}':x='{x}':y='{y}':d={frames}:s={w}x{h}:fps={fps},setsar=1"
    return f"[{index}:v]{body},setpts=N/({fps}*TB)[v{index}]"


def _style_value(text: str) -> str:
    """Drop characters that would end a force_style value or the filter option holding it."""
    return re.sub(r"[',:;\\\[\]=]", "", text)


def subtitle_em(width: int) -> int:
    """Return the subtitle glyph size (em, pixels): 16 full-width characters fill ~88 % of the width."""
    return round(width * 0.055)


def subtitle_filter(plan: AssemblyPlan, family: str) -> str:
    """Return the libass filter for the SRT written as subs.srt, fonts linked as ./fonts, in frame pixels."""
    w, h = plan.width, plan.height
    size = subtitle_em(w)
    # libass (like VSFilter) sizes a font by its line height (ascent + descent), not its em.
    ascent, descent = font(100, plan.language).getmetrics()
    style = ",".join(
        [
            f"FontName={_style_value(family)}",
            f"FontSize={round(size * (ascent + descent) / 100)}",
            f"PlayResX={w}",
            f"PlayResY={h}",
            "PrimaryColour=&H00FFFFFF",
            "OutlineColour=&H00000000",
            "BackColour=&H80000000",
            "BorderStyle=1",
            f"Outline={max(2, size // 16)}",
            "Shadow=1",
            "Alignment=2",
            f"MarginV={round(h * SUBTITLE_MARGIN_SHARE)}",
            f"MarginL={round(w * 0.06)}",
            f"MarginR={round(w * 0.06)}",
        ]
    )
    return f"subtitles=filename=subs.srt:fontsdir=fonts:charenc=UTF-8:force_style='{style}'"


def check_writable(folder: Path) -> None:
    """Raise RenderError unless folder exists (or can be made) and accepts a new file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe.", delete=True):
            pass
    except OSError as exc:
        raise RenderError(f"cannot write to {folder}: {exc.strerror or exc}; choose another output folder") from exc


def validate(plan: AssemblyPlan) -> list[int]:
    """Check the plan's shots and media and return each shot's frame count."""
    if not plan.shots:
        raise RenderError("the assembly plan has no shots; plan the episode's shots first")
    if plan.fps <= 0 or plan.width <= 0 or plan.height <= 0 or plan.width % 2 or plan.height % 2:
        raise RenderError(f"bad output format {plan.width}x{plan.height}@{plan.fps}; use even sizes and fps > 0")
    counts: list[int] = []
    for item in plan.shots:
        name = item.shot.id
        if not 0 < item.duration <= MAX_SHOT_S:
            raise RenderError(
                f"shot {name}: duration {item.duration} s is outside (0, {MAX_SHOT_S:g}]; fix the shot list"
            )
        if not Path(item.frame).is_file():
            raise RenderError(f"shot {name}: frame {item.frame} is missing; render the shot's frame first")
        for media in ([item.speech] if item.speech else []) + list(item.cues):
            if not Path(media).is_file():
                raise RenderError(f"shot {name}: audio {media} is missing; render the shot's audio first")
        counts.append(max(1, round(item.duration * plan.fps)))
    if plan.music is not None and not Path(plan.music).is_file():
        raise RenderError(f"music {plan.music} is missing; render the music bed first or leave it out")
    if plan.subtitles is not None and not Path(plan.subtitles).is_file():
        raise RenderError(f"subtitles {plan.subtitles} are missing; write the SRT first or leave them out")
    return counts


def content_hash(plan: AssemblyPlan) -> str:
    """Return a sha256 over the plan's media and timing, for ReservedCode1 and a default ProduceID."""
    digest = hashlib.sha256()
    digest.update(json.dumps([plan.fps, plan.width, plan.height, plan.black_tail, plan.language]).encode())
    paths: list[Path | None] = [plan.music, plan.subtitles]
    for item in plan.shots:
        digest.update(f"{item.shot.id}|{item.shot.movement}|{item.duration}|{item.start}".encode())
        paths += [item.frame, item.speech, *item.cues]
    for path in paths:
        if path is not None:
            digest.update(Path(path).read_bytes())
    return "sha256:" + digest.hexdigest()


def _layer(image: Image.Image, path: Path) -> tuple[int, int]:
    """Save the non-transparent part of a full-frame RGBA layer and return where it goes."""
    box = image.getbbox() or (0, 0, 2, 2)
    image.crop(box).save(path)
    return box[0], box[1]


class FfmpegAssembly:
    """Assemble episodes from cached per-shot segments joined by stream copy, and a numpy audio mix."""

    name = "ffmpeg"
    capabilities = AssemblyCapabilities(camera_moves=True, burned_subtitles=True, ducking=True)

    def __init__(self, preset: str = "veryfast", crf: int = 23) -> None:
        self.preset = preset
        self.crf = crf

    def assemble(self, plan: AssemblyPlan) -> Path:
        """Write the episode MP4 to <out>.partial.mp4 and rename it to plan.out on success."""
        out = Path(plan.out)
        check_writable(out.parent)
        counts = validate(plan)
        partial = out.with_name(out.stem + ".partial.mp4")
        try:
            with tempfile.TemporaryDirectory(prefix="dramaroom-assembly-") as tmp:
                self._run(plan, counts, Path(tmp), partial)
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return out

    def _run(self, plan: AssemblyPlan, counts: list[int], tmp: Path, partial: Path) -> None:
        """Build the layers and the mix in tmp, make the missing segments, then join them with the audio."""
        fps, w, h = plan.fps, plan.width, plan.height
        firsts = [sum(counts[:i]) for i in range(len(counts))]
        starts = [first / fps for first in firsts]
        picture_s = sum(counts) / fps
        tail_frames = max(0, round(max(0.0, plan.black_tail) * fps))
        total_s = picture_s + max(0.0, plan.black_tail)
        digest = content_hash(plan)
        labels: LabelSpec = plan.labels
        if not labels.produce_id:
            labels = dataclasses.replace(labels, produce_id=f"{labels.producer}-{digest[7:23]}")
        label_xy = _layer(label_overlay(labels, plan.language, w, h), tmp / "label.png")
        corner_xy = _layer(corner_mark(labels, w, h), tmp / "corner.png")
        audio = self._mix(plan, starts, total_s, tmp)

        cues: list[Cue] = []
        if plan.subtitles is not None:
            cues = sorted(parse_srt(Path(plan.subtitles).read_text(encoding="utf-8-sig")), key=lambda c: c.start)
        subs = subtitle_filter(plan, libass_family(plan.language)) if cues else ""
        # Frames n with n / fps < label seconds carry the label plate, counted on the whole picture.
        label_frames = math.ceil(max(MIN_LABEL_S, labels.seconds) * fps - 1e-6)
        segments: list[Segment] = []
        for i, item in enumerate(plan.shots):
            files = [Path(item.frame), tmp / "corner.png"]
            chains = [shot_filter(0, item.shot.movement, counts[i], plan)]
            last = "v0"
            if firsts[i] < label_frames:
                files.append(tmp / "label.png")
                on = f":enable='lt(n,{label_frames - firsts[i]})'" if firsts[i] + counts[i] > label_frames else ""
                chains.append(f"[v0][2:v]overlay=x={label_xy[0]}:y={label_xy[1]}{on}[lab]")
                last = "lab"
            chains.append(f"[{last}][1:v]overlay=x={corner_xy[0]}:y={corner_xy[1]}[mark]")
            srt = window_srt(cues, firsts[i], counts[i], fps)
            chains.append(f"[mark]{subs},format=yuv420p[out]" if srt else "[mark]format=yuv420p[out]")
            segments.append(Segment(f"shot {item.shot.id}", tuple(files), ";".join(chains), counts[i], srt))
        if tail_frames:
            # The cliffhanger cuts to black: no picture, no overlays, sound (music tail) carries on.
            black = f"color=c=black:s={w}x{h}:r={fps},format=yuv420p[out]"
            segments.append(Segment("the black tail", (), black, tail_frames))
        encoder = Encoder(fps, w, h, self.preset, self.crf)
        folder = Path(plan.segment_cache) if plan.segment_cache is not None else tmp / "segments"
        paths = make_segments(segments, encoder, folder, tmp, fonts_dir(plan.language) if cues else None)
        listing = concat_list(paths, tmp / "segments.txt")

        args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
        args += ["-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(audio)]
        args += ["-map", "0:v", "-map", "1:a", "-c:v", "copy"]
        args += ["-c:a", "aac", "-b:a", "128k", "-ar", str(MIX_RATE), "-ac", "2"]
        args += ["-t", f"{total_s:.3f}", "-movflags", "+faststart+use_metadata_tags"]
        meta = json.dumps(aigc_metadata(labels, digest), ensure_ascii=False, separators=(",", ":"))
        args += ["-metadata", f"AIGC={meta}", "-metadata", f"comment={aigc_json(labels, digest)}"]
        args += ["-f", "mp4", str(partial.resolve())]
        try:
            result = subprocess.run(args, cwd=tmp, capture_output=True, timeout=120 + 2 * total_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RenderError(f"ffmpeg took longer than {exc.timeout:.0f} s to join the segments") from exc
        if result.returncode != 0 or not partial.is_file():
            line = last_error(result.stderr.decode("utf-8", "replace"))
            raise RenderError(f"ffmpeg could not assemble {plan.out.name}: {line}")

    @staticmethod
    def _mix(plan: AssemblyPlan, starts: list[float], total_s: float, tmp: Path) -> Path:
        """Mix the episode audio on the picture's frame-accurate shot starts."""
        speech: list[tuple[float, Path]] = []
        cues: list[tuple[float, Path]] = []
        for start, item in zip(starts, plan.shots, strict=True):
            speech += _speech_at(item, start)
            cues += [(start, Path(cue)) for cue in item.cues]
        cue = ai_audio_cue(tmp / "ai_cue.wav", rate=MIX_RATE)
        return mix(total_s, speech, cues, plan.music, cue, tmp / "mix.wav")


def _speech_at(item: TimedShot, start: float) -> list[tuple[float, Path]]:
    """Place a shot's speech at speech_at (or the shot start), shifted onto the picture's frame-accurate timeline."""
    if item.speech is None:
        return []
    offset = 0.0 if item.speech_at is None else max(0.0, item.speech_at - item.start)
    return [(start + offset, Path(item.speech))]


def _name_table_family(path: Path, index: int) -> str | None:
    """Read a font's legacy family name (name ID 1), which libass matches for fonts loaded from fontsdir."""
    with path.open("rb") as handle:
        head = handle.read(12)
        offset = 0
        if head[:4] == b"ttcf":
            handle.seek(12 + 4 * index)
            offset = struct.unpack(">I", handle.read(4))[0]
        handle.seek(offset + 4)
        (tables,) = struct.unpack(">H", handle.read(2))
        handle.seek(offset + 12)
        directory = handle.read(16 * tables)
        for i in range(tables):
            tag, _check, table, _length = struct.unpack(">4sIII", directory[16 * i : 16 * i + 16])
            if tag != b"name":
                continue
            handle.seek(table)
            _fmt, count, strings = struct.unpack(">HHH", handle.read(6))
            records = handle.read(12 * count)
            found: dict[tuple[int, int], str] = {}
            for r in range(count):
                platform, _enc, lang, name_id, length, where = struct.unpack(">6H", records[12 * r : 12 * r + 12])
                if name_id != 1 or platform not in (1, 3):
                    continue
                handle.seek(table + strings + where)
                raw = handle.read(length)
                found[(platform, lang)] = raw.decode("utf-16-be" if platform == 3 else "mac_roman", "replace")
            return found.get((3, 0x409)) or next(iter(found.values()), None)
    return None


def libass_family(language: Language) -> str:
    """Return the font name libass resolves for the language's font (name ID 1, else fonts.font_family)."""
    chosen = choice(language)
    try:
        family = _name_table_family(chosen.regular, chosen.index)
    except (OSError, struct.error):
        family = None
    return family or font_family(language)
