"""Flat, outlined storyboard figures: actors front, three-quarter, back and top-down; hands; props; camera arrows."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from PIL import ImageDraw

from renderers.identity import RGB, Identity

Facing = Literal["front", "left", "right", "back"]
Tint = Callable[[RGB], RGB]
INK: RGB = (28, 26, 30)


@dataclass(frozen=True)
class Actor:
    """One character as a shot shows them: identity, the costume worn, which way they face, how they feel."""

    who: Identity
    outer: RGB
    inner: RGB
    cut: Literal["robe", "jacket", "suit"]
    facing: Facing = "front"
    emotion: str = "neutral"

    @property
    def trousers(self) -> RGB:
        """Return the trouser colour: the second costume colour when the set names trousers, else the suit's."""
        return self.inner if self.cut == "jacket" else shade(self.outer, 0.78)


def shade(c: RGB, f: float) -> RGB:
    """Return a colour darkened (f < 1) or lightened (f > 1)."""
    return (min(255, int(c[0] * f)), min(255, int(c[1] * f)), min(255, int(c[2] * f)))


def ellipse(draw: ImageDraw.ImageDraw, cx: float, cy: float, rx: float, ry: float, fill: RGB, ow: int) -> None:
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=fill, outline=INK if ow else None, width=ow)


def poly(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], fill: RGB, ow: int) -> None:
    draw.polygon(points, fill=fill, outline=INK if ow else None, width=ow)


def figure(
    draw: ImageDraw.ImageDraw, actor: Actor, cx: float, feet: float, k: float, tint: Tint, stretch: float = 1.0
) -> None:
    """Draw a standing actor whose feet touch (cx, feet), at k pixels per metre."""
    who = actor.who
    ow = max(1, min(4, round(k * 0.005)))
    h = who.height

    def X(dx: float) -> float:
        return cx + dx * k

    def Y(hy: float) -> float:
        return feet - hy * k * stretch

    sw = who.shoulders / 2
    head_h = who.head
    head_cy = h - head_h / 2 - (0.03 if who.stoop else 0.0)
    shoulder = h - head_h * 1.28
    waist, hip, wrist = h * 0.6, h * 0.5, h * 0.47
    outer, inner = tint(actor.outer), tint(actor.inner)
    skin = tint(who.skin)
    back = actor.facing == "back"
    _hair_back(draw, who, X(0), Y(head_cy), head_h * 0.39 * k, head_h * 0.5 * k * stretch, tint, ow, back)
    if actor.cut == "robe":
        poly(
            draw,
            [
                (X(-sw * 0.8), Y(shoulder)),
                (X(sw * 0.8), Y(shoulder)),
                (X(sw * 1.05), Y(0.04)),
                (X(-sw * 1.05), Y(0.04)),
            ],
            outer,
            ow,
        )
    else:
        trousers = tint(actor.trousers)
        for side in (-1, 1):
            poly(
                draw,
                [
                    (X(side * 0.01), Y(hip)),
                    (X(side * sw * 0.78), Y(hip)),
                    (X(side * sw * 0.6), Y(0.05)),
                    (X(side * 0.03), Y(0.05)),
                ],
                trousers,
                ow,
            )
        for side in (-1, 1):
            ellipse(draw, X(side * sw * 0.36), Y(0.03), sw * 0.3 * k, 0.035 * k * stretch + 1, INK, 0)
    for side in (-1, 1):
        arm = [
            (X(side * sw * 0.86), Y(shoulder - 0.02)),
            (X(side * sw * 1.08), Y(shoulder - 0.04)),
            (X(side * sw * 1.1), Y(wrist + 0.03)),
            (X(side * sw * 0.86), Y(wrist + 0.03)),
        ]
        poly(draw, arm, shade(outer, 0.92), ow)
        ellipse(draw, X(side * sw * 0.98), Y(wrist), 0.045 * k, 0.05 * k * stretch, skin, ow)
    torso = [
        (X(-sw), Y(shoulder - 0.04)),
        (X(-sw * 0.8), Y(shoulder)),
        (X(sw * 0.8), Y(shoulder)),
        (X(sw), Y(shoulder - 0.04)),
        (X(sw * 0.78), Y(waist)),
        (X(sw * 0.82), Y(hip - 0.02)),
        (X(-sw * 0.82), Y(hip - 0.02)),
        (X(-sw * 0.78), Y(waist)),
    ]
    poly(draw, torso, outer, ow)
    # Cel shading: the side away from the key light falls a step darker.
    draw.polygon(
        [
            (X(sw * 0.35), Y(shoulder)),
            (X(sw * 0.8), Y(shoulder)),
            (X(sw), Y(shoulder - 0.04)),
            (X(sw * 0.78), Y(waist)),
            (X(sw * 0.82), Y(hip - 0.02)),
            (X(sw * 0.45), Y(hip - 0.02)),
        ],
        fill=shade(outer, 0.84),
    )
    if not back:
        depth = 0.16 if actor.cut != "robe" else 0.12
        poly(draw, [(X(-0.06), Y(shoulder)), (X(0.06), Y(shoulder)), (X(0.0), Y(shoulder - depth - 0.08))], inner, ow)
        if actor.cut == "robe":
            draw.rectangle(
                (X(-sw * 0.82), Y(waist + 0.03), X(sw * 0.82), Y(waist - 0.03)), fill=inner, outline=INK, width=ow
            )
    draw.rectangle((X(-0.05), Y(h - head_h * 0.9), X(0.05), Y(shoulder - 0.01)), fill=shade(skin, 0.85))
    head(draw, actor, X(0), Y(head_cy), head_h * 0.39 * k, head_h * 0.5 * k * stretch, tint, ow)


def head(
    draw: ImageDraw.ImageDraw, actor: Actor, cx: float, cy: float, rx: float, ry: float, tint: Tint, ow: int
) -> None:
    """Draw a head with its face, hair cap and mark; ry is half the head height in pixels."""
    who = actor.who
    skin, hair = tint(who.skin), tint(who.hair)
    back = actor.facing == "back"
    for side in (-1, 1):
        ellipse(draw, cx + side * rx * 0.98, cy + ry * 0.05, rx * 0.16, ry * 0.2, skin, ow)
    ellipse(draw, cx, cy, rx, ry, hair if back else skin, ow)
    if back:
        return
    turn = {"left": -0.22, "right": 0.22}.get(actor.facing, 0.0) * rx
    if ry >= 5:
        _face(draw, actor, cx + turn, cy, rx, ry, skin, hair, ow)
    _hair_cap(draw, who, cx, cy, rx, ry, hair, ow)
    if ry >= 8:
        _mark(draw, actor, cx + turn, cy, rx, ry, ow)


def _face(
    draw: ImageDraw.ImageDraw, actor: Actor, cx: float, cy: float, rx: float, ry: float, skin: RGB, hair: RGB, ow: int
) -> None:
    who, mood = actor.who, actor.emotion
    ey, ex = cy + ry * 0.02, rx * 0.4
    eye_w, eye_h = rx * 0.2, ry * 0.09
    wide = 1.35 if mood in ("shocked", "afraid") else (0.6 if mood in ("cold", "smug", "angry") else 1.0)
    line = max(1, ow)
    for side in (-1, 1):
        ecx = cx + side * ex
        if ry >= 24:
            draw.ellipse(
                (ecx - eye_w, ey - eye_h * wide, ecx + eye_w, ey + eye_h * wide),
                fill=(250, 248, 244),
                outline=INK,
                width=line,
            )
            ir = min(eye_w, eye_h * wide) * 0.95
            draw.ellipse((ecx - ir, ey - ir, ecx + ir, ey + ir), fill=who.eyes)
            draw.ellipse((ecx - ir * 0.45, ey - ir * 0.45, ecx + ir * 0.45, ey + ir * 0.45), fill=INK)
            draw.ellipse(
                (ecx - ir * 0.5 + ir * 0.3, ey - ir * 0.6, ecx - ir * 0.1 + ir * 0.3, ey - ir * 0.2),
                fill=(255, 255, 255),
            )
        else:
            r = max(0.8, ry * 0.07)
            draw.ellipse((ecx - r, ey - r, ecx + r, ey + r), fill=INK)
        # Brows carry the emotion: inner ends down for anger, up for fear and grief.
        inner_dy = {
            "angry": 0.06,
            "cold": 0.03,
            "sad": -0.06,
            "afraid": -0.07,
            "desperate": -0.07,
            "shocked": -0.1,
        }.get(mood, 0.0)
        by = ey - ry * (0.24 + (0.06 if mood == "shocked" else 0.0))
        draw.line(
            (ecx - side * eye_w * 1.2, by + inner_dy * ry, ecx + side * eye_w * 1.2, by - 0.02 * ry),
            fill=shade(hair, 0.8) if hair != (234, 234, 230) else (150, 150, 150),
            width=max(1, int(ry * 0.05)),
        )
    ny = cy + ry * 0.28
    nose = shade(skin, 0.72)
    draw.line(
        (cx, ey + ry * 0.05, cx - rx * 0.06, ny, cx + rx * 0.04, ny + ry * 0.03),
        fill=nose,
        width=max(1, int(ry * 0.03)),
    )
    my, mw = cy + ry * 0.52, rx * 0.28
    mouth = (150, 60, 60)
    width = max(1, int(ry * 0.035))
    if mood == "shocked":
        draw.ellipse((cx - mw * 0.45, my - ry * 0.08, cx + mw * 0.45, my + ry * 0.1), fill=(90, 30, 30), outline=mouth)
    elif mood in ("joyful", "tender"):
        draw.arc((cx - mw, my - ry * 0.16, cx + mw, my + ry * 0.08), 20, 160, fill=mouth, width=width)
    elif mood in ("sad", "desperate", "afraid", "angry"):
        draw.arc((cx - mw, my, cx + mw, my + ry * 0.2), 200, 340, fill=mouth, width=width)
    elif mood == "smug":
        draw.line((cx - mw, my, cx + mw * 0.7, my, cx + mw, my - ry * 0.06), fill=mouth, width=width)
    else:
        draw.line((cx - mw * 0.8, my, cx + mw * 0.8, my), fill=mouth, width=width)


def _mark(draw: ImageDraw.ImageDraw, actor: Actor, cx: float, cy: float, rx: float, ry: float, ow: int) -> None:
    who = actor.who
    # Front view: the character's left is the viewer's right.
    side = 1 if who.mark_left else -1
    ey = cy + ry * 0.02
    if who.mark == "glasses":
        r = rx * 0.27
        for s in (-1, 1):
            draw.ellipse((cx + s * rx * 0.4 - r, ey - r, cx + s * rx * 0.4 + r, ey + r), outline=INK, width=max(2, ow))
        draw.line((cx - rx * 0.13, ey, cx + rx * 0.13, ey), fill=INK, width=max(1, ow))
    elif who.mark == "scar":
        x = cx + side * rx * 0.42
        draw.line(
            (x - rx * 0.12, ey - ry * 0.36, x + rx * 0.08, ey - ry * 0.1),
            fill=(170, 60, 60),
            width=max(2, int(ry * 0.04)),
        )
    elif who.mark in ("mole", "ear_mole"):
        x, y = (cx + side * rx * 0.46, ey + ry * 0.2) if who.mark == "mole" else (cx + side * rx * 1.02, cy + ry * 0.22)
        r = max(1.0, ry * 0.035)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(60, 30, 24) if who.mark == "mole" else (190, 40, 40))
    elif who.mark == "freckles":
        for dx, dy in ((-0.2, 0.16), (-0.12, 0.22), (0.12, 0.2), (0.2, 0.15), (-0.28, 0.2), (0.27, 0.21)):
            r = max(0.8, ry * 0.02)
            draw.ellipse((cx + dx * rx - r, cy + dy * ry - r, cx + dx * rx + r, cy + dy * ry + r), fill=(160, 100, 70))
    elif who.mark == "broken_nose":
        draw.line(
            (cx + rx * 0.02, ey + ry * 0.08, cx + rx * 0.1, cy + ry * 0.16, cx + rx * 0.02, cy + ry * 0.26),
            fill=(120, 70, 60),
            width=max(1, int(ry * 0.04)),
        )


def _hair_back(
    draw: ImageDraw.ImageDraw,
    who: Identity,
    cx: float,
    cy: float,
    rx: float,
    ry: float,
    tint: Tint,
    ow: int,
    back: bool,
) -> None:
    """Draw what of the hair sits behind the head: long hair, ties and buns."""
    style, hair = who.hair_style, tint(who.hair)
    drop = {"crop": 0.0, "short": 0.0, "jaw": 0.55, "shoulder": 1.25, "long": 2.3}[style.length]
    if drop:
        draw.rounded_rectangle(
            (cx - rx * 1.18, cy - ry * 0.85, cx + rx * 1.18, cy + ry * drop),
            radius=rx * 0.5,
            fill=hair,
            outline=INK,
            width=ow,
        )
    if style.tie == "bun_top":
        ellipse(draw, cx, cy - ry * 1.05, rx * 0.42, ry * 0.32, hair, ow)
    elif style.tie == "bun_back":
        ellipse(draw, cx + rx * 0.7, cy - ry * 0.6, rx * 0.42, ry * 0.34, hair, ow)
    elif style.tie == "ponytail":
        poly(
            draw,
            [
                (cx + rx * 0.7, cy - ry * 0.5),
                (cx + rx * 1.35, cy + ry * 0.2),
                (cx + rx * 1.1, cy + ry * 1.6),
                (cx + rx * 0.85, cy + ry * 0.4),
            ],
            hair,
            ow,
        )
    elif style.tie == "pigtails":
        for side in (-1, 1):
            ellipse(draw, cx + side * rx * 1.25, cy + ry * 0.3, rx * 0.3, ry * 0.45, hair, ow)
    if style.tie == "braid" or (back and style.tie == "ponytail"):
        for i in range(6):
            ellipse(
                draw, cx + (rx * 0.75 if not back else 0.0), cy + ry * (0.7 + i * 0.32), rx * 0.2, ry * 0.2, hair, ow
            )


def _hair_cap(
    draw: ImageDraw.ImageDraw, who: Identity, cx: float, cy: float, rx: float, ry: float, hair: RGB, ow: int
) -> None:
    """Draw the hair over the top of the head, with a fringe line unless it is combed back."""
    style = who.hair_style
    grow = 1.03 if style.length == "crop" else 1.1
    hairline = cy - ry * (0.62 if style.length == "crop" else (0.55 if not style.fringe else 0.4))
    theta = math.degrees(math.asin(min(1.0, (cy - hairline) / (ry * grow))))
    # A polygon, not draw.chord: Pillow's chord leaks stray lines across the canvas at large sizes.
    steps = 28
    cap = [
        (cx + rx * grow * math.cos(a), cy + ry * grow * math.sin(a))
        for a in (math.radians(180 + theta + (180 - 2 * theta) * i / steps) for i in range(steps + 1))
    ]
    poly(draw, cap, hair, ow)
    if style.length in ("jaw", "shoulder", "long"):
        for side in (-1, 1):
            x0, x1 = sorted((cx + side * rx * 0.8, cx + side * rx * 1.14))
            draw.rectangle((x0, hairline, x1, cy + ry * 0.5), fill=hair)
    if style.texture != "straight":
        r = rx * (0.2 if style.texture == "curly" else 0.26)
        for i in range(7):
            a = math.pi * (1.05 + 0.9 * i / 6)
            px, py = cx + math.cos(a) * rx * grow, cy + math.sin(a) * ry * grow
            draw.ellipse((px - r, py - r, px + r, py + r), fill=hair)
    if style.fringe and style.length != "crop" and ry > 10:
        draw.line(
            (cx - rx * 0.15, hairline, cx + rx * 0.3, cy - ry * 0.9),
            fill=shade(hair, 0.7) if hair[0] > 60 else (70, 66, 66),
            width=max(1, ow),
        )


def topdown(draw: ImageDraw.ImageDraw, actor: Actor, cx: float, cy: float, k: float, tint: Tint) -> None:
    """Draw an actor seen from straight above: shoulders, arms and the crown of the head."""
    who = actor.who
    ow = max(1, min(4, round(k * 0.005)))
    sw = who.shoulders / 2 * k
    outer = tint(actor.outer)
    for side in (-1, 1):
        ellipse(draw, cx + side * sw * 1.02, cy + 0.1 * k, 0.06 * k, 0.16 * k, shade(outer, 0.9), ow)
    ellipse(draw, cx, cy, sw * 1.05, 0.14 * k, outer, ow)
    ellipse(draw, cx, cy - 0.02 * k, 0.05 * k, 0.05 * k, tint(actor.inner), 0)
    hr = 0.095 * k
    if who.hair_style.length in ("shoulder", "long"):
        draw.rounded_rectangle(
            (cx - hr * 1.1, cy - hr, cx + hr * 1.1, cy + hr * 2.2),
            radius=hr * 0.6,
            fill=tint(who.hair),
            outline=INK,
            width=ow,
        )
    ellipse(draw, cx, cy - 0.01 * k, hr, hr * 1.1, tint(who.hair), ow)
    if who.hair_style.tie in ("bun_top", "bun_back"):
        ellipse(
            draw,
            cx,
            cy + (0.0 if who.hair_style.tie == "bun_top" else 0.08 * k),
            hr * 0.45,
            hr * 0.45,
            shade(tint(who.hair), 0.85),
            ow,
        )
