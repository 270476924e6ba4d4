"""Storyboard panel captions: a strip at the top and bottom margins, in the series language.

The middle of the frame stays clear for the subtitles and AI labels the
assembler burns in later.
"""

from __future__ import annotations

import re

from PIL import Image, ImageDraw, ImageFont

from memory.schema import Language, Shot
from renderers.fonts import font
from renderers.identity import identity
from renderers.protocols import ShotImageRequest

PAPER = (250, 248, 242)
INK = (28, 26, 30)
MUTED = (96, 92, 100)
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_WORDS_ZH = {
    "ECU": "大特写", "CU": "特写", "MCU": "近景", "MS": "中景", "MWS": "中远景", "WS": "远景", "EWS": "大远景",
    "OTS": "过肩", "POV": "主观", "INSERT": "插入", "TWO": "双人",
    "eye": "平视", "high": "俯拍", "low": "仰拍", "dutch": "斜角", "overhead": "顶拍",
    "static": "固定", "push_in": "推", "pull_out": "拉", "pan_left": "左摇", "pan_right": "右摇",
    "tilt_up": "上摇", "tilt_down": "下摇", "handheld": "手持", "ken_burns": "缓推移",
    "dawn": "黎明", "morning": "早晨", "day": "白天", "afternoon": "下午", "evening": "傍晚", "night": "夜晚",
}  # fmt: skip


def text_language(text: str, language: Language) -> Language:
    """Return the font language a text needs: Chinese when it has any CJK character."""
    return "zh" if language == "zh" or _CJK.search(text) else "en"


def line_height(face: ImageFont.FreeTypeFont) -> int:
    """Return a line pitch that leaves room below the baseline (CJK fonts clip without it)."""
    ascent, descent = face.getmetrics()
    return int((ascent + descent) * 1.18)


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float, max_lines: int) -> list[str]:
    """Break text into at most max_lines lines that fit width; CJK breaks anywhere, Latin at spaces."""
    tokens = re.findall(r"[\u3000-\u9fff\uff00-\uffef]|[^\s\u3000-\u9fff\uff00-\uffef]+\s*|\s+", text)
    lines: list[str] = []
    current = ""
    for token in tokens:
        if face.getlength(current + token.rstrip()) <= width or not current:
            current += token
            continue
        lines.append(current.rstrip())
        current = token.lstrip()
    if current.strip():
        lines.append(current.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and face.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def _shot_words(shot: Shot, language: Language) -> str:
    parts = [shot.framing, shot.angle, shot.movement.replace("_", " ")]
    if language == "zh":
        zh = [_WORDS_ZH.get(shot.framing, ""), _WORDS_ZH.get(shot.angle, ""), _WORDS_ZH.get(shot.movement, "")]
        return f"{shot.framing} {zh[0]} · {zh[1]} · {zh[2]} · {shot.duration_s:.2f}秒"
    return " · ".join(parts) + f" · {shot.duration_s:.2f} s"


def _place_words(request: ShotImageRequest) -> str:
    shot, canon = request.shot, request.canon
    location = canon.location(shot.location_id)
    name = location.name if location else shot.location_id
    interior = location.interior if location else True
    if canon.language == "zh":
        return f"{'内景' if interior else '外景'} {name} · {_WORDS_ZH.get(shot.time_of_day, shot.time_of_day)}"
    return f"{'INT.' if interior else 'EXT.'} {name} · {shot.time_of_day}"


def annotate_frame(picture: Image.Image, request: ShotImageRequest) -> None:
    """Draw the caption strips onto a full-size frame in place."""
    shot, canon = request.shot, request.canon
    lang = canon.language
    w, h = picture.size
    draw = ImageDraw.Draw(picture)
    pad = w // 30
    big, small = font(w // 20, lang, bold=True), font(w // 30, lang)
    top_h = int(h * 0.125)
    draw.rectangle((0, 0, w, top_h), fill=PAPER)
    draw.line((0, top_h, w, top_h), fill=INK, width=4)
    y = pad // 2
    draw.text((pad, y), shot.id, font=font(w // 20, text_language(shot.id, "en"), bold=True), fill=INK)
    episode = f"第{request.episode}集" if lang == "zh" else f"EP {request.episode:02d}"
    draw.text((w - pad - big.getlength(episode), y), episode, font=big, fill=INK)
    y += line_height(big)
    for text in (_shot_words(shot, lang), _place_words(request)):
        face = font(w // 30, text_language(text, lang))
        fitted = wrap(text, face, w - 2 * pad, 1)
        draw.text((pad, y), fitted[0] if fitted else "", font=face, fill=MUTED)
        y += line_height(small)
    bottom_h = int(h * 0.14)
    y0 = h - bottom_h
    draw.rectangle((0, y0, w, h), fill=PAPER)
    draw.line((0, y0, w, y0), fill=INK, width=4)
    x: float = pad
    y = y0 + pad // 2
    chip = small.size * 0.7
    for cast in shot.characters:
        character = canon.character(cast.character_id)
        if character is None:
            continue
        label = f"{character.name} ({cast.wardrobe_id})"
        face = font(w // 30, text_language(label, lang))
        width = chip * 1.5 + face.getlength(label) + pad
        if x + width > w - pad and x > pad:
            break
        colour = identity(character).palette[0]
        top = y + (line_height(face) - chip) / 2 - 4
        draw.rectangle((x, top, x + chip, top + chip), fill=colour, outline=INK, width=2)
        draw.text((x + chip * 1.4, y), label, font=face, fill=INK)
        x += width
    if shot.characters:
        y += line_height(small)
    face = font(w // 32, text_language(shot.description, lang))
    for text in wrap(shot.description, face, w - 2 * pad, 2 if shot.characters else 3):
        draw.text((pad, y), text, font=face, fill=MUTED)
        y += line_height(face)
