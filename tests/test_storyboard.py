"""The storyboard image backend, its fonts, character identities and the contact sheet: behaviour, not pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from memory.schema import (
    Angle,
    Appearance,
    Canon,
    Character,
    Framing,
    Location,
    Movement,
    Shot,
    ShotCharacter,
    TimeOfDay,
    Voice,
    WardrobeSet,
    WorldRules,
)
from renderers import fonts
from renderers.contact_sheet import contact_sheet
from renderers.identity import RGB, identity, wardrobe_colors
from renderers.protocols import HEIGHT, WIDTH, ImageBackend, RenderError, ShotImageRequest
from renderers.storyboard import StoryboardBackend


def _character(cid: str, name: str, hair: str, sets: dict[str, list[str]], gender: str = "female") -> Character:
    return Character(
        id=cid,
        name=name,
        age=29,
        gender=gender,  # type: ignore[arg-type]
        role="protagonist",
        appearance=Appearance(hair=hair, build="tall and lean", features="round spectacles", palette=["teal", "plum"]),
        wardrobe=[WardrobeSet(id=k, description=f"{v[0]} jacket, {v[1]} shirt", colors=v) for k, v in sets.items()],
        voice=Voice(gender="female"),
    )


def _canon(language: str = "en") -> Canon:
    names = ("Maya", "Leo", "Gallery") if language == "en" else ("林晚", "梁启明", "画廊")
    return Canon(
        title="Test",
        language=language,  # type: ignore[arg-type]
        genre="revenge",
        tone="tense",
        world=WorldRules(era="present day", technology="modern"),
        characters=[
            _character(
                "maya", names[0], "short auburn hair", {"work": ["crimson", "teal"], "gala": ["mustard", "plum"]}
            ),
            _character("leo", names[1], "black hair in a bun", {"work": ["navy", "ivory"]}, "male"),
        ],
        locations=[
            Location(id="gallery", name=names[2], description="A plain white gallery."),
            Location(id="street", name="Street", interior=False, description="Narrow street, wet pavement, lamps."),
        ],
    )


def _shot(
    framing: Framing = "CU",
    *,
    angle: Angle = "eye",
    movement: Movement = "static",
    time: TimeOfDay = "day",
    wardrobe: str = "work",
    cast: tuple[str, ...] = ("maya",),
    location: str = "gallery",
    shot_id: str = "s01-sh01",
) -> Shot:
    wear = {"maya": wardrobe, "leo": "work"}
    return Shot(
        id=shot_id,
        scene_id="s01",
        duration_s=2.0,
        framing=framing,
        angle=angle,
        movement=movement,
        characters=[ShotCharacter(character_id=c, wardrobe_id=wear[c]) for c in cast],
        location_id=location,
        time_of_day=time,
        description="Maya (cold) looks up from the ledger.",
    )


def _render(
    tmp_path: Path, shot: Shot, *, canon: Canon | None = None, episode: int = 1, annotate: bool = False, name: str = ""
) -> np.ndarray:
    out = tmp_path / (name or f"{shot.id}-{shot.framing}-{shot.angle}-{shot.time_of_day}-{episode}.png")
    request = ShotImageRequest(shot=shot, canon=canon or _canon(), episode=episode, out=out, seed=7)
    StoryboardBackend(annotate=annotate).render(request)
    with Image.open(out) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def _near(frame: np.ndarray, colour: RGB, tolerance: int = 8) -> int:
    return int((np.abs(frame - np.array(colour)).max(axis=2) <= tolerance).sum())


def test_backend_meets_the_protocol_and_writes_a_full_size_rgb_png(tmp_path: Path) -> None:
    backend = StoryboardBackend()
    assert isinstance(backend, ImageBackend)
    assert backend.capabilities.deterministic and not backend.capabilities.needs_gpu
    out = tmp_path / "deep" / "folder" / "frame.png"
    request = ShotImageRequest(shot=_shot(), canon=_canon(), episode=1, out=out, seed=3)
    assert backend.render(request) == out
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (WIDTH, HEIGHT) and image.mode == "RGB"
    assert not list(out.parent.glob(".*tmp"))


def test_same_request_gives_byte_identical_files(tmp_path: Path) -> None:
    shot = _shot("MS", angle="dutch", movement="push_in", cast=("maya", "leo"), location="street", time="night")
    paths = []
    for name in ("a.png", "b.png"):
        request = ShotImageRequest(shot=shot, canon=_canon(), episode=2, out=tmp_path / name, seed=11)
        paths.append(StoryboardBackend().render(request))
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_a_character_keeps_hair_and_costume_colours_across_shots_and_episodes(tmp_path: Path) -> None:
    canon = _canon()
    maya = canon.characters[0]
    look = identity(maya)
    outer, inner = wardrobe_colors(maya, "work")
    first = _render(tmp_path, _shot("CU"), episode=1)
    later = _render(tmp_path, _shot("MCU", cast=("maya", "leo"), shot_id="s03-sh04"), episode=7)
    for frame in (first, later):
        assert _near(frame, look.hair) > 2000
        assert _near(frame, outer) > 2000
        assert _near(frame, inner) > 200
    assert identity(maya) == look, "identity comes from canon only"


def test_a_wardrobe_change_changes_the_costume_colours(tmp_path: Path) -> None:
    maya = _canon().characters[0]
    work_outer, _ = wardrobe_colors(maya, "work")
    gala_outer, _ = wardrobe_colors(maya, "gala")
    work = _render(tmp_path, _shot("MCU", wardrobe="work"))
    gala = _render(tmp_path, _shot("MCU", wardrobe="gala"))
    assert _near(work, work_outer) > 10 * max(1, _near(gala, work_outer))
    assert _near(gala, gala_outer) > 10 * max(1, _near(work, gala_outer))


def test_framing_sets_the_figure_scale(tmp_path: Path) -> None:
    maya = _canon().characters[0]
    colours = (identity(maya).skin, *wardrobe_colors(maya, "work"))

    def covered(framing: Framing) -> float:
        frame = _render(tmp_path, _shot(framing))
        return sum(_near(frame, c) for c in colours) / (WIDTH * HEIGHT)

    cu, ms, ws = covered("CU"), covered("MS"), covered("WS")
    assert cu > ms > ws > 0
    assert cu > 5 * ws


def test_dutch_angle_tilts_the_frame(tmp_path: Path) -> None:
    eye = _render(tmp_path, _shot("MS", angle="eye"))
    dutch = _render(tmp_path, _shot("MS", angle="dutch"))
    assert np.abs(eye - dutch).mean() > 10


@pytest.mark.parametrize("location", ["gallery", "street"])
def test_night_is_darker_than_day(tmp_path: Path, location: str) -> None:
    day = _render(tmp_path, _shot("WS", time="day", location=location)).mean()
    night = _render(tmp_path, _shot("WS", time="night", location=location)).mean()
    evening = _render(tmp_path, _shot("WS", time="evening", location=location)).mean()
    assert night < evening < day
    assert day - night > 40


@pytest.mark.parametrize("framing", ["ECU", "MWS", "EWS", "OTS", "POV", "INSERT", "TWO"])
def test_every_framing_renders(tmp_path: Path, framing: Framing) -> None:
    frame = _render(tmp_path, _shot(framing, cast=("maya", "leo")))
    assert frame.std() > 10, "a frame with content, not a flat fill"


@pytest.mark.parametrize("angle", ["high", "low", "overhead"])
def test_every_angle_renders_differently_from_eye_level(tmp_path: Path, angle: Angle) -> None:
    eye = _render(tmp_path, _shot("MS", cast=("maya", "leo")))
    other = _render(tmp_path, _shot("MS", angle=angle, cast=("maya", "leo")))
    assert np.abs(eye - other).mean() > 5


def test_camera_moves_draw_a_glyph_in_the_margins(tmp_path: Path) -> None:
    still = _render(tmp_path, _shot("CU"))
    pushed = _render(tmp_path, _shot("CU", movement="push_in"))
    changed = np.abs(still - pushed).max(axis=2) > 30
    assert changed.any()
    rows = np.nonzero(changed.any(axis=1))[0]
    middle = slice(int(HEIGHT * 0.3), int(HEIGHT * 0.7))
    assert not changed[middle, int(WIDTH * 0.2) : int(WIDTH * 0.8)].any(), "the centre stays clear"
    assert rows.min() < HEIGHT * 0.25 and rows.max() > HEIGHT * 0.75


def test_annotations_stay_in_the_margins(tmp_path: Path) -> None:
    plain = _render(tmp_path, _shot("CU"), name="plain.png")
    noted = _render(tmp_path, _shot("CU"), annotate=True, name="noted.png")
    changed = np.nonzero((np.abs(plain - noted).max(axis=2) > 0).any(axis=1))[0]
    assert changed.size
    assert not ((changed > HEIGHT * 0.2) & (changed < HEIGHT * 0.8)).any()


def _glyph(text: str) -> np.ndarray:
    face = fonts.font(64, "zh")
    image = Image.new("L", (200, 120), 0)
    ImageDraw.Draw(image).text((10, 10), text, font=face, fill=255)
    return np.asarray(image) > 0


def test_chinese_text_renders_real_glyphs_not_tofu() -> None:
    assert "simhei" not in fonts.font_path("zh").name.lower()
    missing = _glyph("\U000f0000")  # a private-use code point no font maps: the .notdef box, if anything
    first, second = _glyph("林"), _glyph("晚")
    assert first.sum() > 200 and second.sum() > 200
    assert (first != second).sum() > 100, "distinct glyphs, not one fallback box"
    assert (first != missing).sum() > 100


def test_chinese_caption_strip_is_drawn(tmp_path: Path) -> None:
    canon = _canon("zh")
    plain = _render(tmp_path, _shot("CU"), canon=canon, name="zh-plain.png")
    noted = _render(tmp_path, _shot("CU"), canon=canon, annotate=True, name="zh-noted.png")
    bottom = slice(int(HEIGHT * 0.87), HEIGHT)
    ink = (noted[bottom].max(axis=2) < 120).sum()
    assert ink > 500 and np.abs(plain[bottom] - noted[bottom]).mean() > 20


def test_fonts_dir_holds_only_the_chosen_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fonts.fonts_dir.cache_clear()
    try:
        folder = fonts.fonts_dir("zh")
        names = {p.name for p in folder.iterdir()}
        assert fonts.font_path("zh").name in names
        assert all(not n.lower().startswith("simhei") for n in names)
    finally:
        fonts.fonts_dir.cache_clear()
    assert fonts.font_family("en") and fonts.font_family("zh")


def test_contact_sheet_lays_out_labelled_thumbnails(tmp_path: Path) -> None:
    shots = [_shot("CU", shot_id=f"s01-sh{i:02d}") for i in range(1, 4)]
    frames = []
    for shot in shots[:2]:
        out = tmp_path / f"{shot.id}.png"
        StoryboardBackend().render(ShotImageRequest(shot=shot, canon=_canon(), episode=1, out=out, seed=1))
        frames.append((shot, out))
    frames.append((shots[2], tmp_path / "missing.png"))
    sheet = contact_sheet(frames, tmp_path / "sheet" / "ep001.png", title="第1集 契约", language="zh", columns=2)
    with Image.open(sheet) as image:
        width, height = image.size
        pixels = np.asarray(image.convert("L"))
    assert width == 16 + 2 * (240 + 16)
    assert height > 2 * (240 * HEIGHT // WIDTH)
    assert pixels.std() > 20


def test_unwritable_output_raises_render_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    request = ShotImageRequest(shot=_shot(), canon=_canon(), episode=1, out=blocker / "frame.png", seed=1)
    with pytest.raises(RenderError, match="writable"):
        StoryboardBackend().render(request)
