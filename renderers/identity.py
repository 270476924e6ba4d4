"""A stable visual identity per character, read from canon alone so every shot of every episode agrees.

Colour words (English and Chinese) become RGB; hair text becomes a colour and a
shape; build, age and gender become silhouette proportions; features text
becomes one distinguishing mark. Nothing here depends on the episode or shot.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from memory.schema import Character

RGB = tuple[int, int, int]
Mark = Literal["none", "glasses", "scar", "mole", "ear_mole", "freckles", "broken_nose"]
HairLength = Literal["crop", "short", "jaw", "shoulder", "long"]
HairTie = Literal["none", "ponytail", "bun_top", "bun_back", "braid", "pigtails"]

# Longest words are matched first, so "slate blue" wins over "blue" and "铁锈红" over "红".
COLOURS: dict[str, RGB] = {
    "black": (28, 28, 32),
    "charcoal": (58, 60, 66),
    "grey": (128, 128, 134),
    "gray": (128, 128, 134),
    "slate blue": (92, 112, 150),
    "navy": (32, 44, 92),
    "ivory": (238, 231, 208),
    "white": (244, 244, 242),
    "cream": (240, 228, 196),
    "beige": (214, 196, 160),
    "camel": (190, 150, 100),
    "mustard": (212, 168, 42),
    "olive": (112, 118, 52),
    "teal": (18, 128, 128),
    "emerald": (24, 142, 92),
    "green": (60, 150, 70),
    "plum": (122, 52, 102),
    "purple": (112, 64, 160),
    "violet": (132, 84, 190),
    "burgundy": (122, 26, 48),
    "crimson": (192, 24, 52),
    "red": (204, 44, 44),
    "rust": (182, 70, 24),
    "orange": (236, 132, 40),
    "brown": (112, 72, 42),
    "chestnut": (122, 62, 36),
    "auburn": (150, 62, 36),
    "gold": (212, 172, 56),
    "golden": (212, 172, 56),
    "silver": (196, 198, 206),
    "pink": (236, 150, 170),
    "blue": (52, 92, 190),
    "yellow": (236, 206, 60),
    "tan": (196, 160, 116),
    "khaki": (184, 170, 120),
    "amber": (240, 168, 48),
    "jade": (96, 172, 124),
    "wood": (150, 102, 62),
    "neon": (255, 70, 180),
    "steel": (112, 122, 134),
    "pale green": (186, 214, 186),
    "sodium": (250, 176, 70),
    "concrete": (150, 150, 146),
    "墨黑": (28, 28, 32),
    "黑": (28, 28, 32),
    "炭灰": (58, 60, 66),
    "烟灰": (150, 150, 154),
    "灰": (128, 128, 134),
    "绯红": (200, 30, 56),
    "酒红": (122, 26, 48),
    "铁锈红": (182, 70, 24),
    "红": (204, 44, 44),
    "藏青": (32, 44, 92),
    "米白": (238, 230, 208),
    "月白": (218, 230, 240),
    "白": (244, 244, 242),
    "芥黄": (204, 162, 44),
    "暖黄": (240, 196, 110),
    "昏黄": (220, 170, 80),
    "黄": (236, 206, 60),
    "金": (212, 172, 56),
    "橄榄绿": (112, 118, 52),
    "翡翠绿": (24, 142, 92),
    "淡绿": (186, 214, 186),
    "绿": (60, 150, 70),
    "湖蓝": (40, 140, 182),
    "雾蓝": (132, 152, 178),
    "蓝": (52, 92, 190),
    "梅紫": (130, 62, 110),
    "紫": (112, 64, 160),
    "驼色": (190, 150, 100),
    "棕": (112, 72, 42),
    "褐": (104, 68, 44),
    "栗": (122, 62, 36),
    "银": (196, 198, 206),
    "粉": (236, 150, 170),
    "橙": (236, 132, 40),
    "玉": (96, 172, 124),
    "木": (150, 102, 62),
    "水泥": (150, 150, 146),
    "钠灯": (250, 176, 70),
}
_HAIR: tuple[tuple[tuple[str, ...], RGB], ...] = (
    (("steel-grey", "steel grey", "灰白", "花白"), (176, 176, 180)),
    (("black", "raven", "dark", "黑", "乌", "墨", "青丝"), (34, 30, 30)),
    (("auburn",), (140, 56, 32)),
    (("chestnut", "栗"), (112, 58, 34)),
    (("ginger", "red", "红"), (176, 66, 34)),
    (("blonde", "blond", "golden", "fair", "sandy", "金", "黄"), (214, 178, 108)),
    (("brown", "棕", "褐"), (98, 64, 40)),
    (("silver", "银"), (202, 204, 212)),
    (("grey", "gray", "灰"), (140, 140, 146)),
    (("white", "白"), (234, 234, 230)),
)
_EYES: tuple[tuple[tuple[str, ...], RGB], ...] = (
    (("blue", "蓝"), (60, 110, 190)),
    (("green", "绿"), (70, 130, 80)),
    (("hazel",), (130, 100, 50)),
    (("amber", "琥珀"), (190, 130, 40)),
    (("grey", "gray", "灰"), (110, 120, 130)),
    (("black", "黑"), (30, 26, 24)),
)
_SKIN: tuple[RGB, ...] = (
    (246, 214, 188),
    (234, 196, 160),
    (222, 178, 136),
    (196, 146, 104),
    (160, 110, 74),
    (118, 78, 52),
)
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class HairStyle:
    """A hair shape a flat drawing can show: how long, how it is tied, how it falls."""

    length: HairLength = "short"
    tie: HairTie = "none"
    texture: Literal["straight", "wavy", "curly"] = "straight"
    fringe: bool = True  # False for hair pushed or combed back


@dataclass(frozen=True)
class Identity:
    """Everything needed to draw one character the same way in every shot."""

    id: str
    name: str
    height: float  # metres
    shoulders: float  # shoulder width in metres
    head: float  # head height in metres
    skin: RGB
    hair: RGB
    hair_style: HairStyle
    eyes: RGB
    mark: Mark
    mark_left: bool  # the mark sits on the character's left side
    palette: tuple[RGB, ...]
    stoop: bool = False


def _digest(*parts: str) -> int:
    """Return a stable integer from text; Python's hash() is salted per process."""
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


def colour_words(text: str) -> list[RGB]:
    """Return the colours named in a text, in reading order, each once."""
    found: list[tuple[int, RGB]] = []
    taken: list[tuple[int, int]] = []
    lowered = text.lower()
    for word in sorted(COLOURS, key=len, reverse=True):
        pattern = re.escape(word) if _CJK.search(word) else r"\b" + re.escape(word) + r"\b"
        for match in re.finditer(pattern, lowered):
            span = (match.start(), match.end())
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            found.append((match.start(), COLOURS[word]))
    out: list[RGB] = []
    for _pos, rgb in sorted(found):
        if rgb not in out:
            out.append(rgb)
    return out


def colour(word: str, fallback_key: str = "") -> RGB:
    """Return the RGB for one colour word, or a stable muted colour when the word is unknown."""
    named = colour_words(word)
    if named:
        return named[0]
    value = _digest("colour", word or fallback_key)
    return (70 + value % 140, 70 + (value >> 8) % 140, 70 + (value >> 16) % 140)


def _has(text: str, *words: str) -> bool:
    return any(word in text for word in words)


def _names(text: str, words: tuple[str, ...]) -> bool:
    """Match colour words whole ("red" must not match "covered"); Chinese has no word breaks to respect."""
    return any(
        (word in text) if _CJK.search(word) else re.search(r"\b" + re.escape(word) + r"\b", text) is not None
        for word in words
    )


def hair_colour(hair: str, age: int) -> RGB:
    """Return the hair colour a hair description names, with an age- and language-aware default."""
    text = hair.lower()
    for words, rgb in _HAIR:
        if _names(text, words):
            return rgb
    if age >= 65:
        return (176, 176, 180)
    return (34, 30, 30) if _CJK.search(hair) else (74, 52, 36)


def hair_style(hair: str, gender: str) -> HairStyle:
    """Return the hair shape a hair description implies."""
    text = hair.lower()
    tie: HairTie = "none"
    if _has(text, "pigtail", "羊角辫"):
        tie = "pigtails"
    elif _has(text, "ponytail", "马尾"):
        tie = "ponytail"
    elif _has(text, "topknot", "tied up high", "knot", "丸子头", "高束", "揪", "冠"):
        tie = "bun_top"
    elif _has(text, "bun", "coiled", "pinned up", "髻", "挽"):
        tie = "bun_back"
    elif _has(text, "braid", "辫"):
        tie = "braid"
    length: HairLength
    if _has(text, "buzz", "crop", "close-cropped", "寸头", "推短", "thinning"):
        length = "crop"
    elif _has(text, "bob", "jaw", "齐耳", "mop", "shaggy", "碎发"):
        length = "jaw"
    elif _has(text, "shoulder", "齐肩", "waves"):
        length = "shoulder"
    elif _has(text, "long", "长发", "长辫", "青丝", "披"):
        length = "long"
    elif _has(text, "short", "短"):
        length = "short"
    else:
        length = "short" if gender == "male" else "shoulder"
    if tie in ("bun_top", "bun_back", "ponytail") and length in ("long", "shoulder"):
        length = "short"  # tied hair shows as a close cap plus the tie
    texture: Literal["straight", "wavy", "curly"] = "straight"
    if _has(text, "curl", "卷", "mop", "cowlick"):
        texture = "curly"
    elif _has(text, "wav", "shaggy", "碎"):
        texture = "wavy"
    fringe = not _has(text, "back", "向后", "slick")
    return HairStyle(length=length, tie=tie, texture=texture, fringe=fringe)


def _mark(features: str) -> Mark:
    text = features.lower()
    if _has(text, "glasses", "spectacles", "眼镜"):
        return "glasses"
    if _has(text, "scar", "疤"):
        return "scar"
    if _has(text, "耳垂", "earlobe"):
        return "ear_mole"
    if _has(text, "mole", "痣", "birthmark", "胎记"):
        return "mole"
    if _has(text, "freckle", "雀斑"):
        return "freckles"
    if _has(text, "broken nose", "crooked", "鼻梁曾断", "歪"):
        return "broken_nose"
    return "none"


def _proportions(character: Character) -> tuple[float, float, float, bool]:
    """Return (height, shoulder width, head height, stoop) from build, age and gender."""
    build = character.appearance.build.lower()
    height = {"male": 1.76, "female": 1.65}.get(character.gender, 1.70)
    shoulders = {"male": 0.46, "female": 0.39}.get(character.gender, 0.42)
    if _has(build, "tall", "高挑", "挺拔", "高大"):
        height += 0.08
    if _has(build, "short", "个子不高", "矮", "compact", "娇小"):
        height -= 0.08
    if _has(build, "broad", "sturdy", "compact", "stocky", "肩宽", "结实", "敦实", "魁梧"):
        shoulders *= 1.16
    if _has(build, "slight", "lean", "wiry", "slim", "瘦", "纤"):
        shoulders *= 0.9
    head = 0.23
    stoop = False
    if character.age < 13:
        # Children: shorter, with a larger head for their height.
        height = 0.75 + character.age * 0.065
        shoulders *= 0.62
        head = 0.19
    elif character.age >= 65:
        height -= 0.05
        stoop = True
    return round(height, 3), round(shoulders, 3), head, stoop


def identity(character: Character) -> Identity:
    """Return the character's visual identity, derived from canon only."""
    look = character.appearance
    height, shoulders, head, stoop = _proportions(character)
    skin = _SKIN[_digest("skin", character.id) % len(_SKIN)]
    eyes_text = look.eyes.lower()
    eyes = next((rgb for words, rgb in _EYES if _names(eyes_text, words)), (74, 50, 34))
    palette = tuple(colour(word, f"{character.id}:{index}") for index, word in enumerate(look.palette))
    if len(palette) < 2:
        palette = (*palette, colour("", f"{character.id}:p1"), colour("", f"{character.id}:p2"))[:3]
    features = look.features
    return Identity(
        id=character.id,
        name=character.name,
        height=height,
        shoulders=shoulders,
        head=head,
        skin=skin,
        hair=hair_colour(look.hair, character.age),
        hair_style=hair_style(look.hair, character.gender),
        eyes=eyes,
        mark=_mark(features),
        mark_left=_has(features.lower(), "left", "左"),
        palette=palette,
        stoop=stoop,
    )


def _wardrobe(character: Character, wardrobe_id: str) -> tuple[str, list[str]]:
    chosen = next((w for w in character.wardrobe if w.id == wardrobe_id), character.wardrobe[0])
    return chosen.description, chosen.colors


def wardrobe_colors(character: Character, wardrobe_id: str) -> tuple[RGB, RGB]:
    """Return the (outer, inner) colours of a wardrobe set; unknown ids fall back to the default set."""
    description, words = _wardrobe(character, wardrobe_id)
    found = [colour(word, f"{character.id}:{wardrobe_id}:{i}") for i, word in enumerate(words)]
    for rgb in colour_words(description):
        if rgb not in found:
            found.append(rgb)
    if not found:
        found = [colour("", f"{character.id}:{wardrobe_id}")]
    if len(found) == 1:
        outer = found[0]
        # One colour named: a lighter shirt under it keeps the costume readable.
        return outer, (min(255, outer[0] + 70), min(255, outer[1] + 70), min(255, outer[2] + 70))
    return found[0], found[1]


def wardrobe_cut(character: Character, wardrobe_id: str) -> Literal["robe", "jacket", "suit"]:
    """Return the garment cut a wardrobe description implies: a long robe, a jacket with trousers, or a suit."""
    description, _words = _wardrobe(character, wardrobe_id)
    text = description.lower()
    if _has(text, "robe", "cloak", "gown", "dress", "袍", "长衫", "素服", "斗篷", "裙"):
        return "robe"
    if _has(text, "trousers", "jeans", "pants", "裤"):
        return "jacket"
    return "suit"
