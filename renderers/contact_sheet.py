"""A contact sheet: every shot's frame as a labelled thumbnail on one PNG, for reviewing an episode at a glance."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from memory.schema import Language, Shot
from renderers.fonts import font
from renderers.pngfile import save_png
from renderers.protocols import HEIGHT, WIDTH
from renderers.storyboard_caption import INK, MUTED, PAPER, line_height, text_language, wrap

_THUMB_W = 240
_THUMB_H = _THUMB_W * HEIGHT // WIDTH
_GAP = 16


def _thumbnail(path: Path) -> Image.Image:
    """Return a frame shrunk to thumbnail size, or a crossed-out box when the frame is missing or unreadable."""
    try:
        with Image.open(path) as frame:
            frame.draft("RGB", (_THUMB_W, _THUMB_H))
            small: Image.Image = frame.convert("RGB").resize(
                (_THUMB_W, _THUMB_H), Image.Resampling.BILINEAR, reducing_gap=2.0
            )
            return small
    except (OSError, ValueError):
        box = Image.new("RGB", (_THUMB_W, _THUMB_H), (220, 218, 214))
        draw = ImageDraw.Draw(box)
        draw.line((0, 0, _THUMB_W, _THUMB_H), fill=MUTED, width=3)
        draw.line((0, _THUMB_H, _THUMB_W, 0), fill=MUTED, width=3)
        return box


def contact_sheet(
    frames: Sequence[tuple[Shot, Path]], out: Path, *, title: str, language: Language, columns: int = 6
) -> Path:
    """Write a grid of labelled thumbnails (shot id, framing, duration) under a title, and return its path."""
    columns = max(1, min(columns, len(frames) or 1))
    rows = max(1, -(-len(frames) // columns))
    title_face = font(40, text_language(title, language), bold=True)
    label_face = font(20, language)
    title_h = line_height(title_face) + 2 * _GAP
    label_h = line_height(label_face) + _GAP // 2
    cell_h = _THUMB_H + label_h + _GAP
    width = _GAP + columns * (_THUMB_W + _GAP)
    sheet = Image.new("RGB", (width, title_h + rows * cell_h + _GAP), PAPER)
    draw = ImageDraw.Draw(sheet)
    fitted = wrap(title, title_face, width - 2 * _GAP, 1)
    draw.text((_GAP, _GAP), fitted[0] if fitted else "", font=title_face, fill=INK)
    draw.line((_GAP, title_h - _GAP // 2, width - _GAP, title_h - _GAP // 2), fill=INK, width=3)
    for index, (shot, path) in enumerate(frames):
        x = _GAP + (index % columns) * (_THUMB_W + _GAP)
        y = title_h + (index // columns) * cell_h
        sheet.paste(_thumbnail(path), (x, y))
        draw.rectangle((x - 1, y - 1, x + _THUMB_W, y + _THUMB_H), outline=INK, width=1)
        seconds = f"{shot.duration_s:.1f}秒" if language == "zh" else f"{shot.duration_s:.1f}s"
        label = wrap(f"{shot.id}  {shot.framing}  {seconds}", label_face, _THUMB_W, 1)
        draw.text((x, y + _THUMB_H + _GAP // 4), label[0] if label else "", font=label_face, fill=INK)
    return save_png(sheet, out, what="contact sheet", compress_level=3)
