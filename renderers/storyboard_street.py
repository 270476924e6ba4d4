"""Exterior backdrops for storyboard frames: sky, skyline, ground, and the street furniture a description names."""

from __future__ import annotations

import random

from PIL import ImageDraw

from renderers.identity import RGB
from renderers.storyboard_scene import Camera, Light, Place, glow, mix, shade, sky

_AWNINGS: tuple[RGB, ...] = ((200, 50, 50), (40, 110, 170), (230, 160, 40), (40, 140, 100), (170, 60, 140))
_CONTAINERS: tuple[RGB, ...] = ((178, 62, 40), (44, 92, 150), (222, 140, 40), (62, 122, 82), (140, 142, 146))


def street(draw: ImageDraw.ImageDraw, cam: Camera, place: Place, light: Light, zs: float) -> None:
    """Draw an exterior location around the camera."""
    rng = random.Random(place.seed)
    far = 400.0
    sky(draw, light, (0, 0, cam.cw, max(0.0, cam.horizon) + 2), bands=12)
    if light.night:
        draw.ellipse(
            (cam.cw * 0.7, cam.horizon - cam.ch * 0.45, cam.cw * 0.78, cam.horizon - cam.ch * 0.45 + cam.cw * 0.08),
            fill=(236, 236, 214),
        )
    elif light.sky_low[0] > 240:
        r = cam.cw * 0.06
        draw.ellipse((cam.cw * 0.25 - r, cam.horizon - 3 * r, cam.cw * 0.25 + r, cam.horizon - r), fill=(255, 226, 170))
    if place.has("gulls") and not light.night:
        for _ in range(5):
            gx, gy = rng.uniform(0.1, 0.9) * cam.cw, cam.horizon - rng.uniform(0.1, 0.4) * cam.ch
            s = cam.cw * 0.015
            draw.line(((gx - s, gy - s * 0.5), (gx, gy), (gx + s, gy - s * 0.5)), fill=(60, 60, 70), width=2)
    skyline = (24, 30, 52) if light.night else light.bg(mix(light.sky_low, (70, 80, 100), 0.6))
    x = -220.0
    while x < 220:
        w, h = rng.uniform(12, 30), rng.uniform(10, 60)
        box = cam.rect(x, 0, x + w, h, far)
        draw.rectangle(box, fill=skyline)
        if light.lamps:
            for wy in range(int(box[1] + 3), int(box[3]), 6):
                for wx in range(int(box[0] + 2), int(box[2] - 1), 5):
                    if rng.random() < 0.35:
                        draw.point((wx, wy), fill=(255, 214, 120))
        x += w + rng.uniform(0, 6)
    ground_far = far
    if place.has("water"):
        zw = zs + 34.0
        draw.rectangle((0, cam.y(0, far), cam.cw, cam.y(0, zw)), fill=light.bg((40, 86, 120)))
        for i in range(8):
            yy = cam.y(0, zw + (far - zw) * (i / 8) ** 2)
            draw.line(
                (cam.cw * rng.uniform(0.05, 0.5), yy, cam.cw * rng.uniform(0.5, 0.95), yy),
                fill=light.bg((120, 170, 200)),
                width=1,
            )
        ground_far = zw
    ground = light.bg(place.floor)
    draw.polygon(
        [
            (-10 * cam.cw, cam.y(0, ground_far)),
            (11 * cam.cw, cam.y(0, ground_far)),
            (11 * cam.cw, cam.ch * 3),
            (-10 * cam.cw, cam.ch * 3),
        ],
        fill=ground,
    )
    z = 1.0
    while z < min(ground_far, 60.0):
        draw.line((0, cam.y(0, z), cam.cw, cam.y(0, z)), fill=shade(ground, 0.88), width=1)
        z *= 1.35
    for xl in (-3.0, 3.0, -9.0, 9.0):
        draw.line(
            (cam.x(xl, ground_far), cam.y(0, ground_far), cam.x(xl, 0.4), cam.y(0, 0.4)),
            fill=shade(ground, 1.25),
            width=2,
        )
    if place.has("overpass"):
        draw.rectangle(cam.rect(-80, 7, 80, 8.5, 40), fill=shade(skyline, 1.2))
        for px in range(-60, 61, 20):
            draw.rectangle(cam.rect(px - 1, 0, px + 1, 7, 40), fill=shade(skyline, 1.1))
    if place.has("containers"):
        for z in (zs + 26.0, zs + 17.0):
            cx = -30.0
            while cx < 30:
                for level in range(rng.randrange(1, 4)):
                    box = cam.rect(cx, level * 2.6, cx + 6.0, (level + 1) * 2.6, z)
                    draw.rectangle(box, fill=light.bg(rng.choice(_CONTAINERS)), outline=(30, 30, 34), width=1)
                cx += 6.3
    if place.has("trees"):
        for side in (-1, 1):
            for z in (zs + 4, zs + 9, zs + 16):
                tx = side * 4.5
                draw.rectangle(cam.rect(tx - 0.15, 0, tx + 0.15, 2.2, z), fill=light.bg((90, 64, 40)))
                r = cam.k(z) * 1.4
                draw.ellipse(
                    (cam.x(tx, z) - r, cam.y(3.2, z) - r, cam.x(tx, z) + r, cam.y(3.2, z) + r),
                    fill=light.bg((60, 130, 70)),
                )
    if place.has("stalls"):
        for z in (zs + 16, zs + 12, zs + 8, zs + 4.5, zs + 2.0):
            for side in (-1, 1):
                x0, x1 = (2.4, 4.6) if side > 0 else (-4.6, -2.4)
                colour = _AWNINGS[int(z * 7 + side) % len(_AWNINGS)]
                draw.rectangle(cam.rect(x0, 0, x1, 2.0, z), fill=light.bg((110, 84, 60)), outline=(40, 30, 24))
                awn = cam.rect(x0 - 0.2, 2.0, x1 + 0.2, 2.5, z)
                draw.rectangle(awn, fill=light.bg(colour) if not light.lamps else colour)
                stripes = 5
                sw = (awn[2] - awn[0]) / stripes
                for i in range(0, stripes, 2):
                    draw.rectangle(
                        (awn[0] + i * sw, awn[1], awn[0] + (i + 1) * sw, awn[3]),
                        fill=(240, 236, 226) if not light.night else (200, 196, 186),
                    )
                if place.has("neon"):
                    sign = cam.rect(x0 + 0.3, 2.7, x1 - 0.3, 3.1, z)
                    neon = (255, 70, 180) if side > 0 else (60, 230, 255)
                    draw.rectangle((sign[0] - 4, sign[1] - 4, sign[2] + 4, sign[3] + 4), fill=(*neon, 70))
                    draw.rectangle(sign, fill=neon)
                    if place.has("wet"):
                        draw.rectangle(
                            (sign[0], cam.y(0, z), sign[2], cam.y(0, z) + (cam.y(0, z) - sign[3]) * 0.6),
                            fill=(*neon, 50),
                        )
                if place.has("steam") and side < 0:
                    for j in range(3):
                        r = cam.k(z) * (0.3 + 0.15 * j)
                        cx, cy = cam.x((x0 + x1) / 2 + 0.3 * j, z), cam.y(2.9 + 0.5 * j, z)
                        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(240, 240, 240, 60))
    if place.has("bulbs"):
        for z in (zs + 3.0, zs + 7.0, zs + 12.0):
            spots = [i * 0.68 - 3.4 for i in range(11)]
            points = [(cam.x(s, z), cam.y(3.4 - 0.5 * (1 - (s / 3.4) ** 2), z)) for s in spots]
            draw.line(points, fill=(40, 40, 40), width=1)
            for bulb_x, bulb_y in points[1:-1]:
                glow(draw, bulb_x, bulb_y, max(1.5, min(6.0, cam.k(z) * 0.04)), (255, 220, 130))
    if place.has("streetlamps") or (light.lamps and not place.has("stalls")):
        for z in (zs + 3.0, zs + 11.0, zs + 19.0):
            for side in (-1, 1):
                lx = side * 3.3
                draw.line(
                    (cam.x(lx, z), cam.y(0, z), cam.x(lx, z), cam.y(4.5, z)),
                    fill=(50, 52, 58),
                    width=max(1, int(cam.k(z) * 0.12)),
                )
                colour = place.lamp if light.lamps else light.bg((200, 200, 190))
                r = max(2.0, cam.k(z) * 0.18)
                if light.lamps:
                    glow(draw, cam.x(lx, z), cam.y(4.5, z), r, colour)
                else:
                    draw.ellipse(
                        (cam.x(lx, z) - r, cam.y(4.5, z) - r, cam.x(lx, z) + r, cam.y(4.5, z) + r), fill=colour
                    )
                if place.has("wet") and light.lamps:
                    draw.rectangle(
                        (cam.x(lx - 0.15, z), cam.y(0, z), cam.x(lx + 0.15, z), cam.y(0, z) + cam.k(z) * 1.5),
                        fill=(*colour, 50),
                    )
