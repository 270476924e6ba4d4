"""Storyboard details drawn at close range or over the frame: hands, props, and camera-move arrows."""

from __future__ import annotations

import math

from PIL import ImageDraw

from renderers.identity import RGB
from renderers.storyboard_draw import INK, ellipse, poly, shade


def hands(draw: ImageDraw.ImageDraw, sleeve: RGB, skin: RGB, w: float, h: float, reach: float, ow: int) -> None:
    """Draw two forearms rising from the bottom edge to a point `reach` up the frame (POV and inserts)."""
    for side in (-1, 1):
        x_base, x_tip = w / 2 + side * w * 0.34, w / 2 + side * w * 0.13
        tip_y = h - reach
        poly(
            draw,
            [
                (x_base - w * 0.1, h + 10),
                (x_base + w * 0.1, h + 10),
                (x_tip + w * 0.06, tip_y + w * 0.06),
                (x_tip - w * 0.06, tip_y + w * 0.04),
            ],
            sleeve,
            ow,
        )
        ellipse(draw, x_tip, tip_y, w * 0.075, w * 0.06, skin, ow)
        for j in range(4):
            fx = x_tip - side * w * 0.05 + side * j * w * 0.032
            draw.rounded_rectangle(
                (fx - w * 0.014, tip_y - w * 0.1, fx + w * 0.014, tip_y - w * 0.02),
                radius=w * 0.012,
                fill=skin,
                outline=INK,
                width=max(1, ow - 1),
            )


def prop(draw: ImageDraw.ImageDraw, kind: str, colour: RGB, cx: float, cy: float, size: float, ow: int) -> None:
    """Draw a prop in close detail: a ring, pendant, book, phone, paper, key, cup or a generic object."""
    s = size
    if kind == "ring":
        draw.ellipse((cx - s * 0.5, cy - s * 0.5, cx + s * 0.5, cy + s * 0.5), outline=colour, width=int(s * 0.16))
        draw.ellipse(
            (cx - s * 0.2, cy - s * 0.75, cx + s * 0.2, cy - s * 0.4), fill=shade(colour, 0.8), outline=INK, width=ow
        )
    elif kind == "pendant":
        draw.line(
            (cx - s * 0.6, cy - s * 1.2, cx, cy - s * 0.4, cx + s * 0.6, cy - s * 1.2),
            fill=(180, 40, 40),
            width=max(2, int(s * 0.05)),
        )
        ellipse(draw, cx, cy, s * 0.38, s * 0.5, colour, ow)
        draw.arc(
            (cx - s * 0.2, cy - s * 0.2, cx + s * 0.2, cy + s * 0.25),
            200,
            340,
            fill=shade(colour, 0.6),
            width=max(1, ow),
        )
    elif kind == "book":
        poly(
            draw,
            [(cx - s, cy - s * 0.7), (cx + s, cy - s * 0.7), (cx + s, cy + s * 0.7), (cx - s, cy + s * 0.7)],
            colour,
            ow,
        )
        draw.line((cx, cy - s * 0.7, cx, cy + s * 0.7), fill=INK, width=ow)
        draw.rectangle((cx + s * 0.85, cy - s * 0.12, cx + s * 1.05, cy + s * 0.12), fill=(190, 170, 90), outline=INK)
    elif kind == "phone":
        draw.rounded_rectangle((cx - s * 0.4, cy - s * 0.8, cx + s * 0.4, cy + s * 0.8), radius=s * 0.12, fill=INK)
        draw.rectangle((cx - s * 0.33, cy - s * 0.66, cx + s * 0.33, cy + s * 0.66), fill=(120, 180, 230))
    elif kind == "paper":
        poly(
            draw,
            [(cx - s * 0.7, cy - s), (cx + s * 0.7, cy - s), (cx + s * 0.7, cy + s), (cx - s * 0.7, cy + s)],
            (246, 242, 230),
            ow,
        )
        for i in range(7):
            y = cy - s * 0.7 + i * s * 0.22
            draw.line(
                (cx - s * 0.5, y, cx + s * (0.5 if i % 3 else 0.2), y),
                fill=(120, 120, 130),
                width=max(1, int(s * 0.02)),
            )
    elif kind == "key":
        draw.ellipse((cx - s * 0.5, cy - s * 0.3, cx - s * 0.0, cy + s * 0.2), outline=colour, width=int(s * 0.12))
        draw.rectangle((cx, cy - s * 0.08, cx + s * 0.9, cy + s * 0.04), fill=colour, outline=INK)
    elif kind == "cup":
        poly(
            draw,
            [
                (cx - s * 0.5, cy - s * 0.6),
                (cx + s * 0.5, cy - s * 0.6),
                (cx + s * 0.4, cy + s * 0.6),
                (cx - s * 0.4, cy + s * 0.6),
            ],
            colour,
            ow,
        )
        draw.arc((cx + s * 0.3, cy - s * 0.35, cx + s * 0.8, cy + s * 0.25), 270, 90, fill=INK, width=max(2, ow))
    else:
        draw.rounded_rectangle(
            (cx - s * 0.7, cy - s * 0.5, cx + s * 0.7, cy + s * 0.5),
            radius=s * 0.15,
            fill=colour,
            outline=INK,
            width=ow,
        )


def arrow(
    draw: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float], width: int, colour: RGB = (236, 64, 52)
) -> None:
    """Draw a storyboard arrow from a to b: an outlined shaft with a solid head."""
    ang = math.atan2(b[1] - a[1], b[0] - a[0])
    head = width * 3.2
    base = (b[0] - math.cos(ang) * head, b[1] - math.sin(ang) * head)
    left = (base[0] + math.sin(ang) * head * 0.7, base[1] - math.cos(ang) * head * 0.7)
    right = (base[0] - math.sin(ang) * head * 0.7, base[1] + math.cos(ang) * head * 0.7)
    draw.line((a, base), fill=(255, 255, 255), width=width + 6)
    draw.polygon([b, left, right], fill=(255, 255, 255), outline=(255, 255, 255), width=4)
    draw.line((a, base), fill=colour, width=width)
    draw.polygon([b, left, right], fill=colour)


def movement_glyph(draw: ImageDraw.ImageDraw, movement: str, w: int, h: int) -> None:
    """Draw the camera move the storyboard way, in the frame's edges so the centre stays clear."""
    lw = max(4, w // 120)
    top, bottom = h * 0.19, h * 0.81
    if movement in ("push_in", "pull_out"):
        corners = (
            (w * 0.05, top - h * 0.03),
            (w * 0.95, top - h * 0.03),
            (w * 0.05, bottom + h * 0.03),
            (w * 0.95, bottom + h * 0.03),
        )
        for x, y in corners:
            inner = (x + (w * 0.1 if x < w / 2 else -w * 0.1), y + (h * 0.05 if y < h / 2 else -h * 0.05))
            arrow(draw, (x, y) if movement == "push_in" else inner, inner if movement == "push_in" else (x, y), lw)
    elif movement in ("pan_left", "pan_right"):
        a, b = (w * 0.25, top), (w * 0.75, top)
        arrow(draw, a if movement == "pan_right" else b, b if movement == "pan_right" else a, lw)
    elif movement in ("tilt_up", "tilt_down"):
        a, b = (w * 0.94, h * 0.62), (w * 0.94, h * 0.38)
        arrow(draw, a if movement == "tilt_up" else b, b if movement == "tilt_up" else a, lw)
    elif movement == "ken_burns":
        arrow(draw, (w * 0.66, top + h * 0.02), (w * 0.92, top - h * 0.04), lw)
    elif movement == "handheld":
        x0, y0 = w * 0.76, top - h * 0.02
        points = [(x0 + i * w * 0.025, y0 + (h * 0.012 if i % 2 else -h * 0.012)) for i in range(8)]
        draw.line(points, fill=(255, 255, 255), width=lw + 6, joint="curve")
        draw.line(points, fill=(236, 64, 52), width=lw, joint="curve")
