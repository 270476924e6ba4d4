"""Storyboard backdrops: a pinhole camera, time-of-day light, and locations drawn from their descriptions.

World units are metres: x across, y up, z away from the camera. Everything a
location shows is derived from its id and description, so a location looks the
same in every shot; the camera decides how much of it a shot sees.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from PIL import ImageDraw

from memory.schema import Location, TimeOfDay
from renderers.identity import RGB, colour_words

_GLOW: RGB = (255, 214, 140)
_FEATURES: dict[str, tuple[str, ...]] = {
    "windows": ("window", "glass", "窗"),
    "table": ("table", "desk", "counter", "桌"),
    "chairs": ("chair", "seat", "sofa", "椅", "沙发"),
    "stairs": ("stair", "steps", "楼梯", "台阶"),
    "portrait": ("portrait", "painting", "picture", "画像", "油画"),
    "lamps": ("lamp", "light", "lantern", "灯"),
    "vending": ("vending", "售货机"),
    "bunk": ("bunk", "bed", "床", "铺"),
    "boxes": ("box", "crate", "carton", "箱"),
    "corridor": ("corridor", "hallway", "走廊", "过道"),
    "stalls": ("stall", "market", "摊", "夜市"),
    "neon": ("neon", "霓虹"),
    "bulbs": ("bulb", "彩灯", "灯串"),
    "wet": ("wet", "rain", "puddle", "湿", "雨"),
    "containers": ("container", "集装箱"),
    "water": ("harbour", "harbor", "sea", "pier", "dock", "port", "river", "码头", "海", "港", "江"),
    "gulls": ("gull", "bird", "海鸥", "鸟"),
    "streetlamps": ("sodium", "street lamp", "streetlight", "路灯", "钠灯"),
    "trees": ("tree", "park", "garden", "树", "园"),
    "steam": ("steam", "蒸汽", "热气"),
    "overpass": ("overpass", "flyover", "高架"),
    "panels": ("panel", "护墙"),
    "tiles": ("tile", "hospital", "瓷砖", "医院"),
}
_WALLS: tuple[RGB, ...] = ((214, 206, 188), (190, 200, 206), (206, 190, 176), (180, 190, 170), (222, 214, 200))


@dataclass(frozen=True)
class Light:
    """Time-of-day lighting: sky colours, a multiplier for the set, a milder one for the actors."""

    sky_top: RGB
    sky_low: RGB
    mul: tuple[float, float, float]
    lamps: bool
    night: bool

    def bg(self, c: RGB) -> RGB:
        """Return a set colour as this light shows it."""
        return (min(255, int(c[0] * self.mul[0])), min(255, int(c[1] * self.mul[1])), min(255, int(c[2] * self.mul[2])))

    def fig(self, c: RGB) -> RGB:
        """Return an actor's colour: a key light keeps costumes readable, so only part of the tint applies."""
        m = tuple(1.0 - 0.4 * (1.0 - v) for v in self.mul)
        return (min(255, int(c[0] * m[0])), min(255, int(c[1] * m[1])), min(255, int(c[2] * m[2])))


_LIGHTS: dict[str, Light] = {
    "dawn": Light((122, 112, 176), (250, 176, 176), (1.0, 0.88, 0.92), False, False),
    "morning": Light((150, 200, 240), (226, 238, 250), (1.02, 1.02, 1.05), False, False),
    "day": Light((84, 156, 228), (200, 226, 246), (1.0, 1.0, 1.0), False, False),
    "afternoon": Light((108, 158, 218), (252, 214, 156), (1.06, 0.96, 0.82), False, False),
    "evening": Light((72, 52, 124), (248, 140, 72), (0.86, 0.7, 0.7), True, False),
    "night": Light((8, 12, 36), (30, 42, 84), (0.34, 0.38, 0.58), True, True),
}


def light_for(time_of_day: TimeOfDay, interior: bool) -> Light:
    """Return the light for a time of day; rooms at night keep their own lamps on."""
    base = _LIGHTS.get(time_of_day, _LIGHTS["day"])
    if interior and base.night:
        return Light(base.sky_top, base.sky_low, (0.56, 0.56, 0.72), True, True)
    return base


@dataclass(frozen=True)
class Place:
    """A location reduced to what a flat drawing shows: materials, colours, and a set of features."""

    interior: bool
    wall: RGB
    floor: RGB
    lamp: RGB
    features: frozenset[str]
    seed: str

    def has(self, feature: str) -> bool:
        """Return whether the description asked for this feature."""
        return feature in self.features


def place_for(location: Location | None, location_id: str) -> Place:
    """Return the drawable place for a location; an unknown id gets a plain room."""
    text = f"{location.name} {location.description}".lower() if location else location_id.replace("_", " ")
    interior = location.interior if location else True
    found = frozenset(name for name, words in _FEATURES.items() if any(_word(text, w) for w in words))
    if interior:
        # "windows over the container port" puts the port outside the window, not in the room.
        found -= {"stalls", "containers", "water", "gulls", "streetlamps", "trees", "bulbs", "wet"}
    rng = random.Random(f"place:{location_id}")
    colours = colour_words(text)
    lamp = _GLOW
    for key in ("sodium", "钠灯", "amber", "暖黄", "昏黄"):
        if key in text:
            lamp = colour_words(key)[0]
    solid = [c for c in colours if c != lamp]
    wall = solid[0] if solid else rng.choice(_WALLS)
    if interior:
        floor = (120, 82, 52) if "tiles" not in found else (196, 200, 196)
    else:
        floor = (150, 150, 146) if any(k in text for k in ("concrete", "水泥")) else (92, 94, 102)
    return Place(interior, wall, floor, lamp, found, f"place:{location_id}")


def _word(text: str, word: str) -> bool:
    if re.search(r"[\u3400-\u9fff]", word):
        return word in text
    return re.search(r"\b" + re.escape(word), text) is not None


@dataclass(frozen=True)
class Camera:
    """A pinhole camera over a canvas; the frame is centred in the canvas (larger for a dutch tilt)."""

    cw: int
    ch: int
    f: float
    cam_h: float
    horizon: float
    cam_x: float = 0.0  # sideways offset, so shots in one place see different parts of it

    def x(self, x: float, z: float) -> float:
        """Return the canvas x of a world point."""
        return self.cw / 2 + self.f * (x - self.cam_x) / z

    def y(self, y: float, z: float) -> float:
        """Return the canvas y of a world point."""
        return self.horizon + self.f * (self.cam_h - y) / z

    def k(self, z: float) -> float:
        """Return pixels per metre at a depth."""
        return self.f / z

    def rect(self, x0: float, y0: float, x1: float, y1: float, z: float) -> tuple[float, float, float, float]:
        """Return the canvas box of an upright world rectangle at one depth."""
        return (self.x(x0, z), self.y(y1, z), self.x(x1, z), self.y(y0, z))


def shade(c: RGB, f: float) -> RGB:
    return (min(255, int(c[0] * f)), min(255, int(c[1] * f)), min(255, int(c[2] * f)))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (int(a[0] + (b[0] - a[0]) * t), int(a[1] + (b[1] - a[1]) * t), int(a[2] + (b[2] - a[2]) * t))


def sky(draw: ImageDraw.ImageDraw, light: Light, box: tuple[float, float, float, float], bands: int = 10) -> None:
    """Fill a box with the sky as flat bands, the storyboard way of drawing a gradient."""
    x0, y0, x1, y1 = box
    step = (y1 - y0) / bands
    for i in range(bands):
        draw.rectangle(
            (x0, y0 + i * step, x1, y0 + (i + 1) * step + 1), fill=mix(light.sky_top, light.sky_low, i / (bands - 1))
        )


def glow(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, colour: RGB) -> None:
    """Draw a lamp: a bright core with a soft halo (the draw must be in RGBA mode to blend)."""
    for scale, alpha in ((3.2, 40), (2.0, 70)):
        draw.ellipse((cx - r * scale, cy - r * scale, cx + r * scale, cy + r * scale), fill=(*colour, alpha))
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*mix(colour, (255, 255, 255), 0.5), 255))


def _window(
    draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], light: Light, place: Place, rng: random.Random
) -> None:
    x0, y0, x1, y1 = box
    sky(draw, light, box, bands=6)
    skyline = (30, 36, 58) if light.night else mix(light.sky_low, (60, 70, 90), 0.55)
    w = x1 - x0
    bx = x0
    while bx < x1:
        bw = w * rng.uniform(0.12, 0.3)
        top = y0 + (y1 - y0) * rng.uniform(0.35, 0.7)
        draw.rectangle((bx, top, min(x1, bx + bw), y1), fill=skyline)
        if light.lamps:
            # Only the lit windows that land on the canvas: a close-up can blow a window up far past its edges.
            cw, ch = draw.im.size
            for wy in range(max(int(top + 4), 0), min(int(y1 - 2), ch), 7):
                for wx in range(max(int(bx + 3), 0), min(int(min(x1, bx + bw) - 2), cw), 6):
                    if rng.random() < 0.4:
                        draw.rectangle((wx, wy, wx + 2, wy + 2), fill=(255, 214, 120))
        bx += bw + 2
    if place.has("overpass"):
        oy = y0 + (y1 - y0) * 0.72
        draw.rectangle((x0, oy, x1, oy + (y1 - y0) * 0.07), fill=shade(skyline, 0.7))
    frame = shade(light.bg(place.wall), 0.55)
    draw.rectangle(box, outline=frame, width=max(2, int(w * 0.03)))
    draw.line(((x0 + x1) / 2, y0, (x0 + x1) / 2, y1), fill=frame, width=max(1, int(w * 0.02)))


def room(draw: ImageDraw.ImageDraw, cam: Camera, place: Place, light: Light, zs: float) -> None:
    """Draw an interior: back wall, floor, ceiling and the furniture the description names."""
    rng = random.Random(place.seed)
    corridor = place.has("corridor")
    half = 1.4 if corridor else 3.6
    zb = zs + (14.0 if corridor else 3.2)
    top = 3.2
    near = 0.35
    wall = light.bg(place.wall)
    side = shade(wall, 0.82)
    draw.rectangle((0, 0, cam.cw, cam.ch), fill=side)
    ceiling = light.bg(mix(place.wall, (250, 250, 250), 0.4))
    draw.polygon(
        [
            (cam.x(-half, zb), cam.y(top, zb)),
            (cam.x(half, zb), cam.y(top, zb)),
            (cam.x(half, near), cam.y(top, near)),
            (cam.x(-half, near), cam.y(top, near)),
        ],
        fill=ceiling,
    )
    floor = light.bg(place.floor)
    draw.polygon(
        [
            (cam.x(-half, zb), cam.y(0, zb)),
            (cam.x(half, zb), cam.y(0, zb)),
            (cam.x(half, near), cam.y(0, near)),
            (cam.x(-half, near), cam.y(0, near)),
        ],
        fill=floor,
    )
    seam = shade(floor, 0.8)
    for i in range(-6, 7):
        x = half * i / 6
        draw.line((cam.x(x, zb), cam.y(0, zb), cam.x(x, near), cam.y(0, near)), fill=seam, width=1)
    if place.has("tiles"):
        z = zb
        while z > near + 0.5:
            draw.line((cam.x(-half, z), cam.y(0, z), cam.x(half, z), cam.y(0, z)), fill=seam, width=1)
            z -= 1.0
    draw.rectangle(cam.rect(-half, 0, half, top, zb), fill=wall)
    draw.line((cam.x(-half, zb), cam.y(0, zb), cam.x(half, zb), cam.y(0, zb)), fill=shade(wall, 0.6), width=2)
    if place.has("panels"):
        for i in range(-12, 13):
            x = half * i / 12
            draw.line((cam.x(x, zb), cam.y(0, zb), cam.x(x, zb), cam.y(1.1, zb)), fill=shade(wall, 0.75), width=1)
        draw.line((cam.x(-half, zb), cam.y(1.1, zb), cam.x(half, zb), cam.y(1.1, zb)), fill=shade(wall, 0.6), width=2)
    if corridor:
        for z in (zs + 2.0, zs + 5.0, zs + 8.0, zs + 11.0):
            draw.rectangle(cam.rect(-0.3, top - 0.02, 0.3, top, z), fill=(250, 250, 240))
            draw.polygon(
                [
                    (cam.x(-0.3, z), cam.y(top, z)),
                    (cam.x(0.3, z), cam.y(top, z)),
                    (cam.x(0.3, z + 1.2), cam.y(top, z + 1.2)),
                    (cam.x(-0.3, z + 1.2), cam.y(top, z + 1.2)),
                ],
                fill=(250, 250, 236),
            )
        _window(draw, cam.rect(-1.1, 1.2, -0.2, 2.4, zb), light, place, rng)
    else:
        wide = place.has("windows") and "table" in place.features
        spans = [(-3.2, 3.2)] if wide else [(-2.8, -1.2), (1.2, 2.8)][: 1 + rng.randrange(2)]
        for x0, x1 in spans:
            _window(draw, cam.rect(x0, 0.9, x1, 2.7, zb), light, place, rng)
    if place.has("portrait"):
        box = cam.rect(0.4, 1.3, 1.2, 2.5, zb)
        draw.rectangle(box, fill=(70, 48, 36), outline=(196, 160, 60), width=max(2, int(cam.k(zb) * 0.06)))
        cx, cy, r = (box[0] + box[2]) / 2, box[1] + (box[3] - box[1]) * 0.4, (box[2] - box[0]) * 0.16
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(190, 150, 110))
        draw.pieslice((cx - 2.4 * r, cy + r, cx + 2.4 * r, cy + 5 * r), 180, 360, fill=(40, 36, 40))
    if place.has("stairs"):
        steps = 12
        for i in range(steps):
            x0 = -3.4 + i * 0.22
            draw.rectangle(
                cam.rect(x0, 0, x0 + 0.24, (i + 1) * 0.22, zb - 0.3), fill=shade(wall, 0.7), outline=shade(wall, 0.5)
            )
        draw.line(
            (
                cam.x(-3.4, zb - 0.5),
                cam.y(1.0, zb - 0.5),
                cam.x(-3.4 + steps * 0.22, zb - 0.5),
                cam.y(1.0 + steps * 0.22, zb - 0.5),
            ),
            fill=(90, 56, 36),
            width=max(2, int(cam.k(zb) * 0.05)),
        )
    if place.has("vending"):
        box = cam.rect(0.4 if corridor else 2.7, 0, 1.2 if corridor else 3.5, 1.8, zb - 0.4)
        draw.rectangle((box[0] - 6, box[1] - 6, box[2] + 6, box[3] + 6), fill=(190, 230, 255, 60))
        draw.rectangle(box, fill=(220, 240, 255), outline=(60, 70, 90), width=2)
    if place.has("bunk"):
        for y in (0.4, 1.4):
            draw.rectangle(
                cam.rect(-3.4, y, -1.4, y + 0.25, zb - 1.0), fill=light.bg((80, 110, 150)), outline=(40, 40, 50)
            )
        draw.rectangle(cam.rect(-3.45, 0, -3.35, 2.0, zb - 1.0), fill=light.bg((90, 90, 96)))
        draw.rectangle(cam.rect(-1.45, 0, -1.35, 2.0, zb - 1.0), fill=light.bg((90, 90, 96)))
    if place.has("boxes"):
        for i, (bx, by) in enumerate(((1.6, 0.0), (2.2, 0.0), (1.9, 0.45))):
            draw.rectangle(
                cam.rect(bx, by, bx + 0.55, by + 0.45, zb - 0.6),
                fill=light.bg((236, 180, 40) if i % 2 == 0 else (50, 120, 200)),
                outline=(50, 40, 30),
                width=1,
            )
    if place.has("chairs") and not place.has("table"):
        for i in range(4):
            x = (-1.0 if corridor else -2.5) + i * 0.55
            draw.rectangle(cam.rect(x, 0.42, x + 0.45, 0.48, zb - 0.5), fill=light.bg((70, 130, 170)))
            draw.rectangle(
                cam.rect(x, 0.48, x + 0.45, 0.9, zb - 0.7), fill=light.bg((70, 130, 170)), outline=(40, 60, 80)
            )
    if place.has("table"):
        zt0, zt1, h = zb - 2.2, zb - 0.8, 0.76
        top_fill = (180, 210, 220, 200) if place.has("windows") else (*light.bg((120, 80, 50)), 255)
        draw.polygon(
            [
                (cam.x(-2.2, zt1), cam.y(h, zt1)),
                (cam.x(2.2, zt1), cam.y(h, zt1)),
                (cam.x(2.2, zt0), cam.y(h, zt0)),
                (cam.x(-2.2, zt0), cam.y(h, zt0)),
            ],
            fill=top_fill,
            outline=(50, 50, 60),
        )
        if place.has("chairs"):
            for i in range(5):
                x = -2.0 + i * 0.95
                draw.rectangle(
                    cam.rect(x, 0.5, x + 0.5, 1.25, zt1 + 0.3), fill=light.bg((40, 32, 30)), outline=(20, 20, 20)
                )
    if light.lamps or place.has("lamps"):
        lamp = light.bg(place.lamp) if not light.lamps else place.lamp
        for x in (-2.0, 2.0) if not corridor else ():
            glow(draw, cam.x(x, zb), cam.y(2.2, zb), cam.k(zb) * 0.09, lamp)
