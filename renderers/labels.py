"""AI-content labels (GB 45438-2025, EU AI Act Art. 50): implicit AIGC metadata and visible overlays."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, PngImagePlugin

from memory.schema import Language
from renderers.fonts import font
from renderers.protocols import LabelSpec, RenderError

AIGC_KEY = "AIGC"
MIN_TEXT_SHARE = 0.05  # GB 45438: visible label text at least 5 % of the frame's short side
TEXT_SHARE = 0.056  # aim a little above the floor so rounding and hinting never dip below it
PLATE_TOP_SHARE = 0.12  # below the platforms' status bar and the corner mark
FILING_PENDING: dict[Language, str] = {"zh": "备案号：待填写", "en": "Filing No.: pending"}
ZH_MARK = "AI生成"


def aigc_metadata(spec: LabelSpec, reserved1: str = "", propagator: str = "", propagate_id: str = "") -> dict[str, str]:
    """Return the AIGC object: producer fields from the spec; propagator fields are the distributor's to fill."""
    return {
        "Label": "1",
        "ContentProducer": spec.producer,
        "ProduceID": spec.produce_id,
        "ReservedCode1": reserved1,
        "ContentPropagator": propagator,
        "PropagateID": propagate_id,
        "ReservedCode2": "",
    }


def aigc_json(spec: LabelSpec, reserved1: str = "") -> str:
    """Return {"AIGC": {...}} as compact JSON (UTF-8 kept, not escaped)."""
    return json.dumps({AIGC_KEY: aigc_metadata(spec, reserved1)}, ensure_ascii=False, separators=(",", ":"))


def _unwrap(value: str) -> dict[str, str] | None:
    """Parse a stored AIGC value, accepting the bare object or one wrapped as {"AIGC": {...}}."""
    try:
        data: Any = json.loads(value)
    except (json.JSONDecodeError, TypeError):
        return None
    if isinstance(data, dict) and isinstance(data.get(AIGC_KEY), dict):
        data = data[AIGC_KEY]
    if not isinstance(data, dict) or "Label" not in data:
        return None
    return {str(k): str(v) for k, v in data.items()}


def write_png_aigc(path: Path, spec: LabelSpec) -> Path:
    """Add the AIGC object as a PNG iTXt chunk (pixels, other text and ICC profile kept), atomically."""
    path = Path(path)
    with Image.open(path) as image:
        image.load()
        info = PngImagePlugin.PngInfo()
        for key, value in getattr(image, "text", {}).items():
            if key != AIGC_KEY:
                info.add_itxt(key, str(value))
        digest = "sha256:" + hashlib.sha256(image.tobytes()).hexdigest()
        meta = json.dumps(aigc_metadata(spec, digest), ensure_ascii=False, separators=(",", ":"))
        info.add_itxt(AIGC_KEY, meta)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png.part", dir=path.parent)
        os.close(fd)
        try:
            extra: dict[str, Any] = {}
            if image.info.get("icc_profile"):
                extra["icc_profile"] = image.info["icc_profile"]
            image.save(tmp, format="PNG", pnginfo=info, **extra)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return path


def read_png_aigc(path: Path) -> dict[str, str] | None:
    """Return the AIGC object stored in a PNG, or None when it carries none."""
    with Image.open(path) as image:
        value = getattr(image, "text", {}).get(AIGC_KEY)
    return _unwrap(value) if isinstance(value, str) else None


def ffmpeg_exe() -> str:
    """Return the path of imageio-ffmpeg's bundled static ffmpeg."""
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise RenderError(
            f"no ffmpeg available ({exc}); reinstall imageio-ffmpeg (pip install imageio-ffmpeg)"
        ) from exc


def _ffmetadata(text: str) -> dict[str, str]:
    """Parse ffmpeg's ffmetadata output (global section only), undoing its backslash escapes."""
    tags: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.startswith("[") and line.rstrip().endswith("]"):
            break  # stream or chapter sections follow the global tags
        if not line or line.startswith((";", "#")):
            continue
        # A value ending in an odd number of backslashes continues on the next line.
        while line.endswith("\\") and (len(line) - len(line.rstrip("\\"))) % 2 == 1 and index < len(lines):
            line = line[:-1] + "\n" + lines[index]
            index += 1
        key, value, escaped, seen_eq = "", "", False, False
        for ch in line:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
                continue
            elif ch == "=" and not seen_eq:
                seen_eq = True
                continue
            if seen_eq:
                value += ch
            else:
                key += ch
        tags[key] = value
    return tags


def read_mp4_aigc(path: Path) -> dict[str, str] | None:
    """Return the AIGC object from an MP4's tags (the AIGC tag, else a JSON comment), or None."""
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        return None
    tags = {k.lower(): v for k, v in _ffmetadata(result.stdout.decode("utf-8", "replace")).items()}
    for key in ("aigc", "comment", "description"):
        if key in tags and (found := _unwrap(tags[key])) is not None:
            return found
    return None


# ------------------------------------------------------------------ visible labels


def visible_text(spec: LabelSpec) -> str:
    """Return the label text, made to contain both "AI" and 生成/合成 as GB 45438 requires."""
    text = spec.text.strip() or ZH_MARK
    if "AI" not in text or not any(word in text for word in ("生成", "合成")):
        text = f"{text} · {ZH_MARK}" if text != ZH_MARK else text
    return text


def _box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """Round a Pillow text bbox to whole pixels."""
    return (int(box[0]), int(box[1]), int(box[2]), int(box[3]))


def ink_height(text: str, size: int) -> int:
    """Return the rendered glyph (ink) height in pixels of text at a font size."""
    face = font(size, "zh")
    left, top, right, bottom = _box(face.getbbox(text))
    mask = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(mask).text((2 - left, 2 - top), text, font=face, fill=255)
    box = mask.getbbox()
    return 0 if box is None else box[3] - box[1]


def label_size(short_side: int) -> int:
    """Return the smallest font size whose "AI" capitals reach TEXT_SHARE of the short side."""
    target = TEXT_SHARE * short_side
    size = max(8, round(target / 0.73))  # Latin cap height is about 0.73 em in Noto
    while ink_height("AI", size) < target:
        size += 1
    return size


def _lines(text: str, size: int, limit: float) -> list[str]:
    """Split the label at " · " or spaces when one line would be wider than limit pixels."""
    face = font(size, "zh")
    if face.getlength(text) <= limit:
        return [text]
    parts = [p for p in text.replace(" · ", "\n").replace(" ", "\n").split("\n") if p]
    return parts or [text]


def label_overlay(spec: LabelSpec, language: Language, width: int, height: int) -> Image.Image:
    """Draw the opening AI label and the filing-number slot on a translucent plate (full-frame RGBA)."""
    short = min(width, height)
    size = label_size(short)
    small = max(8, round(size * 0.45))
    face, small_face = font(size, "zh"), font(small, language)
    lines = _lines(visible_text(spec), size, width * 0.86)
    filing = spec.filing_number.strip() or FILING_PENDING.get(language, FILING_PENDING["en"])
    pad, gap = round(size * 0.35), round(size * 0.2)
    boxes = [_box(face.getbbox(line)) for line in lines]
    filing_box = _box(small_face.getbbox(filing))
    text_w = max([b[2] - b[0] for b in boxes] + [filing_box[2] - filing_box[0]])
    heights = [b[3] - b[1] for b in boxes]
    # Noto CJK glyph bottoms clip without room below the bbox, hence the extra gap.
    plate_h = pad * 2 + sum(heights) + gap * len(lines) + (filing_box[3] - filing_box[1])
    plate_w = min(width, text_w + pad * 2)
    x0, y0 = (width - plate_w) // 2, round(height * PLATE_TOP_SHARE)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((x0, y0, x0 + plate_w, y0 + plate_h), radius=pad, fill=(0, 0, 0, 168))
    y = y0 + pad
    stroke = max(1, size // 24)
    for line, box, line_h in zip(lines, boxes, heights, strict=True):
        x = (width - (box[2] - box[0])) // 2 - box[0]
        draw.text(
            (x, y - box[1]), line, font=face, fill=(255, 255, 255, 255), stroke_width=stroke, stroke_fill=(0, 0, 0)
        )
        y += line_h + gap
    x = (width - (filing_box[2] - filing_box[0])) // 2 - filing_box[0]
    draw.text((x, y - filing_box[1]), filing, font=small_face, fill=(235, 235, 235, 255))
    return image


def corner_mark(spec: LabelSpec, width: int, height: int) -> Image.Image:
    """Draw the small persistent corner mark (top right, clear of subtitles and platform UI) as full-frame RGBA."""
    short = min(width, height)
    size = max(10, round(short * 0.035))
    face = font(size, "zh")
    text = spec.corner.strip() or "AI"
    left, top, right, bottom = _box(face.getbbox(text))
    pad = max(2, size // 4)
    plate_w, plate_h = right - left + 2 * pad, bottom - top + 2 * pad
    x0 = width - plate_w - round(short * 0.04)
    y0 = round(height * 0.04)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((x0, y0, x0 + plate_w, y0 + plate_h), radius=pad, fill=(0, 0, 0, 120))
    draw.text((x0 + pad - left, y0 + pad - top), text, font=face, fill=(255, 255, 255, 215))
    return image
