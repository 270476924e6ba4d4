"""The storyboard image backend: a flat, outlined key frame per shot, drawn from canon with no model.

Composition follows the shot's framing and angle through a pinhole camera
(storyboard_scene), actors keep one identity across the season (identity), and
an optional caption strip at the top and bottom margins names the shot.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from memory.schema import Canon, Shot
from renderers.identity import RGB, colour_words, identity, wardrobe_colors, wardrobe_cut
from renderers.pngfile import save_png
from renderers.protocols import HEIGHT, WIDTH, ImageCapabilities, RenderError, ShotImageRequest
from renderers.storyboard_caption import annotate_frame
from renderers.storyboard_draw import Actor, Facing, figure, shade, topdown
from renderers.storyboard_props import hands, movement_glyph, prop
from renderers.storyboard_scene import Camera, Light, Place, light_for, place_for, room
from renderers.storyboard_street import street

# Drawn at half size, then upscaled: flat shapes lose nothing and the frame costs a quarter of the pixels.
_W, _H = WIDTH // 2, HEIGHT // 2
_HEAD = 0.23  # metres, the head height every framing is measured in
# framing -> (head height / frame height, head centre y / frame height, focal length / frame width)
_FRAMING: dict[str, tuple[float, float, float]] = {
    "ECU": (1.05, 0.5, 3.0),
    "CU": (0.26, 0.42, 2.2),
    "MCU": (0.17, 0.38, 1.8),
    "MS": (0.12, 0.35, 1.5),
    "MWS": (0.08, 0.37, 1.3),
    "WS": (0.036, 0.47, 1.1),
    "EWS": (0.016, 0.55, 1.0),
    "TWO": (0.12, 0.36, 1.5),
    "OTS": (0.15, 0.37, 1.8),
    "POV": (0.1, 0.4, 1.3),
    "INSERT": (0.5, 0.5, 3.0),
}
_CAMERA_HEIGHT = {"eye": 0.0, "dutch": 0.0, "high": 1.15, "low": -1.15, "overhead": 0.0}
_STRETCH = {"high": 0.9, "low": 1.07}
_DUTCH_DEGREES = 12.0
_EMOTIONS_ZH = {
    "平静": "neutral", "沉着": "calm", "紧绷": "tense", "愤怒": "angry", "害怕": "afraid", "难过": "sad",
    "欢喜": "joyful", "震惊": "shocked", "冷淡": "cold", "温柔": "tender", "得意": "smug", "绝望": "desperate",
}  # fmt: skip
_EMOTIONS_EN = re.compile(r"\b(calm|tense|angry|afraid|sad|joyful|shocked|cold|tender|smug|desperate)\b", re.IGNORECASE)
_PROP_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ring", ("ring", "戒指")),
    ("pendant", ("pendant", "necklace", "locket", "玉佩", "项链", "吊坠")),
    ("book", ("ledger", "book", "diary", "notebook", "账本", "日记", "本子", "书")),
    ("phone", ("phone", "手机")),
    (
        "paper",
        ("letter", "will", "report", "document", "contract", "photo", "信", "遗嘱", "报告", "文件", "合同", "照片"),
    ),
    ("key", ("key", "钥匙")),
    ("cup", ("cup", "mug", "glass", "杯")),
)


@dataclass(frozen=True)
class _Setup:
    """What a shot puts in front of the camera."""

    canvas: tuple[int, int]
    cam: Camera
    z_subject: float
    stretch: float


def _emotion(description: str) -> str:
    match = _EMOTIONS_EN.search(description)
    if match:
        return match.group(1).lower()
    return next((en for zh, en in _EMOTIONS_ZH.items() if zh in description), "neutral")


def _actors(shot: Shot, canon: Canon) -> list[Actor]:
    emotion = _emotion(shot.description)
    actors: list[Actor] = []
    for index, cast in enumerate(shot.characters):
        character = canon.character(cast.character_id)
        if character is None:
            continue
        outer, inner = wardrobe_colors(character, cast.wardrobe_id)
        actors.append(
            Actor(
                who=identity(character),
                outer=outer,
                inner=inner,
                cut=wardrobe_cut(character, cast.wardrobe_id),
                emotion=emotion if index == 0 else "neutral",
            )
        )
    return actors


def _setup(shot: Shot, subject: Actor | None, group: int, rng: random.Random) -> _Setup:
    hp, hy, focal = _FRAMING[shot.framing]
    dutch = shot.angle == "dutch"
    scale = 1.36 if dutch else 1.0  # room for the tilt to cover the corners
    cw, ch = int(_W * scale) + 2, int(_H * scale) + 2
    f = focal * _W
    k = hp * _H / _HEAD
    if group > 1:
        # Step back until the whole group fits across the frame.
        k = min(k, 0.92 * _W / (group * 0.62))
    z = f / k
    eye = subject.who.height - _HEAD / 2 if subject else 1.6
    cam_h = max(0.3, eye + _CAMERA_HEIGHT.get(shot.angle, 0.0))
    horizon = (ch - _H) / 2 + hy * _H - k * (cam_h - eye)
    cam = Camera(cw, ch, f, cam_h, horizon, cam_x=rng.uniform(-0.8, 0.8))
    return _Setup((cw, ch), cam, z, _STRETCH.get(shot.angle, 1.0))


def _facings(n: int) -> list[Facing]:
    if n == 1:
        return ["front"]
    # The outer actors turn in towards the middle, as people talking do.
    return ["right" if i < (n - 1) / 2 else ("left" if i > (n - 1) / 2 else "front") for i in range(n)]


def _group(draw: ImageDraw.ImageDraw, setup: _Setup, actors: list[Actor], light: Light, spacing: float) -> None:
    cam, zs = setup.cam, setup.z_subject
    placed = []
    for i, (actor, facing) in enumerate(zip(actors, _facings(len(actors)), strict=True)):
        x = cam.cam_x + (i - (len(actors) - 1) / 2) * spacing
        z = zs + (0.35 if i % 2 else 0.0) * (zs / 3)
        placed.append((z, x, Actor(actor.who, actor.outer, actor.inner, actor.cut, facing, actor.emotion)))
    for z, x, actor in sorted(placed, key=lambda item: -item[0]):
        figure(draw, actor, cam.x(x, z), cam.y(0, z), cam.k(z), light.fig, setup.stretch)


def _prop_for(shot: Shot, canon: Canon) -> tuple[str, RGB]:
    text = shot.description.lower()
    chosen = next(
        (p for p in canon.props if any(n and n.lower() in text for n in (p.name, *p.aliases, p.id.replace("_", " ")))),
        None,
    )
    if chosen is None:
        held = {c.character_id for c in shot.characters}
        chosen = next((p for p in canon.props if p.holder_id in held), None)
    words = f"{chosen.name} {chosen.description}".lower() if chosen else text
    kind = next((kind for kind, keys in _PROP_KINDS if any(key in words for key in keys)), "object")
    colours = colour_words(chosen.description if chosen else text)
    return kind, colours[0] if colours else (196, 160, 70)


def _insert(
    draw: ImageDraw.ImageDraw, setup: _Setup, shot: Shot, canon: Canon, actors: list[Actor], place: Place, light: Light
) -> None:
    cw, ch = setup.canvas
    surface = (132, 92, 60) if place.interior else place.floor
    draw.rectangle((0, ch * 0.42, cw, ch), fill=light.bg(surface))
    draw.line((0, ch * 0.42, cw, ch * 0.42), fill=shade(light.bg(surface), 0.6), width=3)
    kind, colour = _prop_for(shot, canon)
    ow = 3
    if actors:
        holder = actors[0]
        hands(draw, light.fig(holder.outer), light.fig(holder.who.skin), cw, ch, ch * 0.4, ow)
    prop(draw, kind, light.fig(colour), cw / 2, ch * 0.52, cw * 0.16, ow)


def _overhead(draw: ImageDraw.ImageDraw, shot: Shot, actors: list[Actor], place: Place, light: Light) -> None:
    hp = _FRAMING[shot.framing][0]
    n = max(1, len(actors))
    k = min(hp * _H / _HEAD * 0.8, 0.9 * _W / (n * 0.7 + 0.4))
    floor = light.bg(place.floor)
    draw.rectangle((0, 0, _W, _H), fill=floor)
    step = max(6, int(k * 0.4))
    for x in range(-step, _W + step, step):
        draw.line((x, 0, x, _H), fill=shade(floor, 0.82), width=1)
    if place.has("tiles") or not place.interior:
        for y in range(0, _H, step):
            draw.line((0, y, _W, y), fill=shade(floor, 0.82), width=1)
    if place.has("table"):
        draw.rectangle(
            (_W * 0.3, _H * 0.3, _W * 0.7, _H * 0.44), fill=light.bg((120, 84, 52)), outline=(30, 30, 30), width=2
        )
    if place.has("stalls") or place.has("containers"):
        for i, left in enumerate((0.0, _W * 0.82)):
            draw.rectangle(
                (left, 0, left + _W * 0.18, _H),
                fill=light.bg(((200, 50, 50), (44, 92, 150))[i]),
                outline=(30, 30, 30),
                width=2,
            )
    for i, actor in enumerate(actors):
        angle = 2 * math.pi * i / n
        r = 0 if n == 1 else 0.55 * k
        cx = _W / 2 + r * math.cos(angle)
        cy = _H / 2 + r * math.sin(angle)
        topdown(draw, actor, cx, cy, k, light.fig)


def compose(request: ShotImageRequest) -> Image.Image:
    """Return the shot's picture at working size (half the output), without captions."""
    shot, canon = request.shot, request.canon
    if shot.framing not in _FRAMING:
        raise RenderError(f"shot {shot.id}: unknown framing {shot.framing!r}; use one of {', '.join(_FRAMING)}")
    rng = random.Random(f"storyboard:{request.seed}:{request.episode}:{shot.id}")
    location = canon.location(shot.location_id)
    place = place_for(location, shot.location_id)
    light = light_for(shot.time_of_day, place.interior)
    actors = _actors(shot, canon)
    if shot.angle == "overhead":
        image = Image.new("RGB", (_W, _H))
        _overhead(ImageDraw.Draw(image, "RGBA"), shot, actors, place, light)
        return image
    framing = shot.framing
    if framing == "OTS" and len(actors) < 2:
        framing = "MCU"
    if framing == "TWO" and len(actors) < 2:
        framing = "MS"
    shot_view = shot.model_copy(update={"framing": framing})
    subject = actors[0] if actors else None
    if framing == "POV" and len(actors) >= 2:
        subject = actors[1]
    group = len(actors) if framing in ("MS", "MWS", "WS", "EWS", "TWO") else 1
    if framing == "POV":
        group = max(1, len(actors) - 1)
    setup = _setup(shot_view, subject, group, rng)
    image = Image.new("RGB", setup.canvas)
    draw = ImageDraw.Draw(image, "RGBA")
    (room if place.interior else street)(draw, setup.cam, place, light, setup.z_subject)
    cam, zs = setup.cam, setup.z_subject
    if framing == "INSERT":
        _insert(draw, setup, shot, canon, actors, place, light)
    elif framing == "OTS":
        front, shoulder = actors[0], actors[1]
        _group(draw, setup, [Actor(front.who, front.outer, front.inner, front.cut, "left", front.emotion)], light, 0)
        zf = zs * 0.42
        kf = cam.k(zf)
        head_c = shoulder.who.height - _HEAD / 2
        cx = (setup.canvas[0] - _W) / 2 + _W * 0.06
        feet = (setup.canvas[1] - _H) / 2 + _H * 0.5 + head_c * kf * setup.stretch
        back = Actor(shoulder.who, shoulder.outer, shoulder.inner, shoulder.cut, "back")
        figure(draw, back, cx, feet, kf, light.fig, setup.stretch)
    elif framing == "POV":
        seen = actors[1:] if len(actors) >= 2 else actors
        _group(draw, setup, seen, light, 0.62)
        if len(actors) >= 2:
            viewer = actors[0]
            x0, y0 = (setup.canvas[0] - _W) / 2, (setup.canvas[1] - _H) / 2
            layer = Image.new("RGBA", (_W, _H), (0, 0, 0, 0))
            hands(ImageDraw.Draw(layer), light.fig(viewer.outer), light.fig(viewer.who.skin), _W, _H, _H * 0.3, 2)
            image.paste(layer, (int(x0), int(y0)), layer)
    else:
        shown = actors[:1] if framing in ("ECU", "CU", "MCU") else actors
        spacing = {"TWO": 0.56, "MS": 0.62, "MWS": 0.8}.get(framing, 1.1)
        _group(draw, setup, shown, light, spacing)
    if shot.angle == "dutch":
        image = image.rotate(_DUTCH_DEGREES, resample=Image.Resampling.BICUBIC)
    left, top = (setup.canvas[0] - _W) // 2, (setup.canvas[1] - _H) // 2
    return image.crop((left, top, left + _W, top + _H))


class StoryboardBackend:
    """Draws each shot as a clean storyboard panel: deterministic, offline, no GPU."""

    name = "storyboard"
    capabilities = ImageCapabilities(text_to_image=True, deterministic=True)

    def __init__(self, annotate: bool = True) -> None:
        self.annotate = annotate

    def render(self, request: ShotImageRequest) -> Path:
        """Write the shot's frame to request.out and return it."""
        picture = compose(request).resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
        draw = ImageDraw.Draw(picture)
        movement_glyph(draw, request.shot.movement, WIDTH, HEIGHT)
        if self.annotate:
            annotate_frame(picture, request)
        # No metadata: the same request must give byte-identical files.
        return save_png(picture, request.out, what="storyboard frame")
