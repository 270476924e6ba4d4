"""Recognisers for how characters look on the page: hair and eye colour claims and costume changes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from agents.textmatch import find_terms, fold, has_cjk, names_of
from memory.schema import Canon, Character, Line, Scene

_CHANGE = re.compile(
    r"\b(changes|changed|change into|changing into|puts on|put on|dons|slips into|dresses in|"
    r"now wears|now wearing)\b|换上|换了|换好|穿上|更衣|换装",
    re.IGNORECASE,
)
# A word may name more than one colour ("dark" hair is black or brown); a claim contradicts canon only
# when none of the colours it may name is one canon allows. 青丝 is only read from canon.
_HAIR = {
    "black": ("black", "raven", "jet", "dark", "黑", "乌", "青丝"),
    "blonde": ("blonde", "blond", "golden", "fair", "sandy", "金", "黄"),
    "red": ("red", "auburn", "ginger", "copper", "红"),
    "brown": ("brown", "chestnut", "brunette", "dark", "sandy", "棕", "褐", "栗"),
    "grey": ("grey", "gray", "灰"),
    "white": ("white", "白"),
    "silver": ("silver", "银"),
}
_EYES = {
    "blue": ("blue", "蓝"),
    "green": ("green", "绿"),
    "brown": ("brown", "棕", "褐"),
    "black": ("black", "黑"),
    "grey": ("grey", "gray", "灰"),
    "hazel": ("hazel",),
    "amber": ("amber", "琥珀"),
}
_HAIR_ADJ = (
    r"(?:(?:long|short|curly|straight|wavy|messy|thick|silky|cropped|braided|loose|tangled|shoulder-length)"
    r"[\s,]+){0,2}"
)
_CLAIMS = (
    (
        "hair",
        _HAIR,
        re.compile(
            r"\b(black|raven|jet|dark|blonde|blond|golden|fair|sandy|red|auburn|ginger|copper|brown|chestnut|"
            r"brunette|grey|gray|white|silver)(?:[- ]haired\b|\s+" + _HAIR_ADJ + r"hair\b)",
            re.IGNORECASE,
        ),
    ),
    (
        "hair",
        _HAIR,
        re.compile(
            r"([黑乌金黄红棕褐栗灰白银])色?的?(?:长|短|卷|直|秀)?头?发"
            r"(?!生|现|出|展|动|布|明|呆|火|誓|抖)"
        ),
    ),
    (
        "eyes",
        _EYES,
        re.compile(r"\b(blue|green|brown|black|grey|gray|hazel|amber)(?:[- ]eyed\b|\s+eyes\b)", re.IGNORECASE),
    ),
    ("eyes", _EYES, re.compile(r"([黑蓝绿棕褐灰]|琥珀)色?的?(?:眼睛|眼眸|眸子|瞳孔|双眸)")),
)
_DYE = re.compile(r"\b(dye|dyes|dyed|wig|bleached)\b|染|假发", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?。！？\n]")


@dataclass(frozen=True)
class AppearanceClaim:
    """A hair or eye colour the text gives a character that canon contradicts."""

    name: str
    feature: str
    quote: str
    canon_text: str
    replacement: str


def _colour_keys(text: str, lexicon: Mapping[str, tuple[str, ...]]) -> list[str]:
    folded = fold(text)
    return [key for key, words in lexicon.items() if find_terms(folded, words)]


def appearance_claims(text: str, canon: Canon) -> list[AppearanceClaim]:
    """Return hair and eye colour claims in a text that contradict the named character's canon look."""
    if _DYE.search(text):
        return []
    named = [(h.start, h.end, c) for c in canon.characters for h in find_terms(fold(text), names_of(c))]
    out: list[AppearanceClaim] = []
    for feature, lexicon, pattern in _CLAIMS:
        for m in pattern.finditer(text):
            owner = _owner(text, m.start(), m.end(), named)
            if owner is None:
                continue
            canon_text = owner.appearance.hair if feature == "hair" else owner.appearance.eyes
            allowed = _colour_keys(canon_text, lexicon)
            said = {k for k, words in lexicon.items() if m.group(1).casefold() in words}
            if not allowed or not said or said & set(allowed):
                continue
            words = lexicon[allowed[0]]
            new_word = next((w for w in words if has_cjk(w)), words[0]) if has_cjk(m.group(1)) else words[0]
            quote = m.group()
            out.append(AppearanceClaim(owner.name, feature, quote, canon_text, quote.replace(m.group(1), new_word, 1)))
    return out


def _owner(text: str, at: int, until: int, named: list[tuple[int, int, Character]]) -> Character | None:
    # The nearest name before the colour in the same sentence owns it, else a name right after it
    # ("a raven-haired Marcus", "金发的沈清秋"), else a sole named character does.
    before = [(end, c) for start, end, c in named if end <= at and not _SENTENCE_END.search(text[end:at])]
    if before:
        return max(before, key=lambda x: x[0])[1]
    after = next(
        (c for start, _, c in named if until <= start <= until + 2 and not text[until:start].strip("的 ")), None
    )
    if after:
        return after
    distinct = {c.id: c for _, _, c in named}
    return next(iter(distinct.values())) if len(distinct) == 1 else None


def change_marked(line: Line, character_id: str, canon: Canon, scene: Scene) -> bool:
    """Return True when an action line shows this character changing clothes."""
    if line.kind != "action" or not _CHANGE.search(line.text):
        return False
    folded = fold(line.text)
    named = [c.id for c in canon.characters if find_terms(folded, names_of(c))]
    # "She changes into..." names nobody; credit it to anyone present.
    return character_id in named or (not named and character_id in scene.character_ids)
