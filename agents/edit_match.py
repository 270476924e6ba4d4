"""How an edit request's words are found in a script: beats and moments by their content terms, tones by emotion.

The offline reviser and the verifier share these rules, so what one writes the other can see, and a model's
revision is held to the same measure. A line *plays* a text when it holds most of the text's content terms
(words for Latin script, character pairs for Chinese); a tone is a set of emotions a share of the lines carry.
"""

from __future__ import annotations

import re

from memory.schema import EpisodeBrief, Line, Script

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Function words carry no content: a beat is matched by its people, things and verbs.
_EN_STOP = frozenset(
    str.split(
        "a an the and or but if of to in on at by for with from into onto over under about as is are was were be been "
        "being am do does did has have had it its it's this that these those there their they them he him his she her "
        "hers we us our you your i me my mine not no so than then too very just can could will would should may might "
        "must shall who whom whose which what when where why how all any each every some one ones up down out off "
        "again still yet also only even now here"
    )
)
_ZH_STOP = frozenset("的了是在和与也都就把被着过吗呢吧啊呀么这那个一不有他她它们我你")
EN_THRESHOLD = 0.6
ZH_THRESHOLD = 0.5

# Tone words (English stems and Chinese words) and the emotions a script in that tone mostly plays.
TONES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "light": (
        (
            "light",
            "funn",
            "comic",
            "comed",
            "happ",
            "playful",
            "upbeat",
            "cheer",
            "humo",
            "bright",
            "轻松",
            "欢快",
            "搞笑",
            "幽默",
            "开心",
            "喜剧",
            "明快",
        ),
        ("joyful", "calm", "tender"),
    ),
    "tender": (
        ("tender", "warm", "soft", "romantic", "sweet", "gentle", "kind", "温柔", "温暖", "甜", "浪漫", "温情", "柔和"),
        ("tender", "calm", "joyful"),
    ),
    "dark": (
        (
            "dark",
            "grim",
            "bleak",
            "sad",
            "heav",
            "tragic",
            "melanchol",
            "somber",
            "sombre",
            "黑暗",
            "沉重",
            "悲伤",
            "虐",
            "压抑",
            "悲",
        ),
        ("sad", "cold", "afraid", "desperate"),
    ),
    "tense": (
        (
            "tense",
            "tension",
            "suspens",
            "scar",
            "thrill",
            "menac",
            "edg",
            "urgent",
            "紧张",
            "悬疑",
            "惊悚",
            "刺激",
            "压迫",
            "紧迫",
        ),
        ("tense", "afraid", "shocked"),
    ),
    "angry": (
        ("angr", "fierc", "heated", "explosive", "confront", "furious", "rage", "愤怒", "激烈", "火爆", "爽", "冲突"),
        ("angry", "desperate", "tense"),
    ),
    "cold": (("cold", "icy", "restrain", "detach", "distant", "冷", "克制", "冷酷", "疏离"), ("cold", "calm", "smug")),
}


def terms(text: str) -> set[str]:
    """Return a text's content terms: lower-case words outside the stop list, and Chinese character pairs."""
    words = {w.lower().strip("'’-") for w in _WORD.findall(text)}
    found = {w for w in words if len(w) > 2 and w not in _EN_STOP}
    for run in _CJK_RUN.findall(text):
        kept = "".join(ch for ch in run if ch not in _ZH_STOP) or run
        found.update(kept[i : i + 2] for i in range(len(kept) - 1))
        if len(kept) == 1:
            found.add(kept)
    return found


def coverage(text: str, target: str) -> float:
    """Return the share of the target's content terms that the text holds (1.0 for a target with none)."""
    wanted = terms(target)
    if not wanted:
        return 1.0
    held = terms(text)
    # English words match on a shared stem, so "finds" plays "find" and "letters" plays "letter".
    hits = sum(1 for t in wanted if t in held or (t.isascii() and any(_same_stem(t, h) for h in held)))
    return hits / len(wanted)


def _same_stem(a: str, b: str) -> bool:
    if not (a.isascii() and b.isascii()):
        return False
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and long.startswith(short[: max(4, len(short) - 2)])


def plays(text: str, target: str) -> bool:
    """Tell whether a text dramatises the target (a beat, a moment) by holding most of its content terms."""
    if not terms(target):
        return False
    threshold = EN_THRESHOLD if target.isascii() else ZH_THRESHOLD
    return coverage(text, target) >= threshold


def first_playing(lines: list[Line], target: str) -> int | None:
    """Return the index of the first line that plays the target, or None."""
    return next((i for i, line in enumerate(lines) if plays(line.text, target)), None)


# A beat about telling a hidden truth is played by the line that reveals it, whatever words that line uses.
_REVEAL_BEAT = re.compile(
    r"\b(tells?|told|reveal\w*|confess\w*|admits?|admitted|hidden|secret\w*|truth|exposes?|unmask\w*)\b"
    r"|告诉|坦白|揭穿|揭开|真相|秘密|瞒|说出|承认",
    re.IGNORECASE,
)


def reveal_beat(text: str) -> bool:
    """Tell whether a beat's words are about a truth coming out."""
    return _REVEAL_BEAT.search(text) is not None


def plays_beat(line: Line, index: int | None, text: str) -> bool:
    """Tell whether a line plays a beat: tagged with it, holding most of its words, or revealing what it reveals."""
    if index is not None and line.beat == index:
        return True
    return plays(line.text, text) or (bool(line.reveals) and line.beat is None and reveal_beat(text))


def first_playing_beat(lines: list[Line], index: int | None, text: str) -> int | None:
    """Return the index of the first line that plays the beat (a line tagged with it first), or None."""
    tagged = next((i for i, line in enumerate(lines) if index is not None and line.beat == index), None)
    if tagged is not None:
        return tagged
    return next((i for i, line in enumerate(lines) if plays_beat(line, index, text)), None)


def beat_text(brief: EpisodeBrief | None, index: int | None, text: str) -> str:
    """Return a beat's words: the brief's beat at the index, else the words given."""
    if brief is not None and index is not None and 0 <= index < len(brief.key_beats):
        return brief.key_beats[index]
    return text


def beat_positions(script: Script, brief: EpisodeBrief, indexes: list[int]) -> dict[int, int | None]:
    """Map each beat index to the flat line index that first plays it (None when no line does)."""
    lines = script.lines()
    return {i: first_playing_beat(lines, i, brief.key_beats[i]) for i in indexes if 0 <= i < len(brief.key_beats)}


def tone_emotions(tone: str) -> tuple[str, ...]:
    """Return the emotions a tone asks for, or () for a tone word the room does not know."""
    folded = tone.casefold()
    words = _WORD.findall(folded)
    for stems, emotions in TONES.values():
        for stem in stems:
            if stem.isascii() and any(w.startswith(stem) for w in words):
                return emotions
            if not stem.isascii() and stem in folded:
                return emotions
    return ()


def tone_share(script: Script, emotions: tuple[str, ...]) -> float:
    """Return the share of dialogue lines played in one of the emotions."""
    spoken = [ln for ln in script.lines() if ln.kind == "dialogue"]
    return sum(1 for ln in spoken if ln.emotion in emotions) / len(spoken) if spoken else 0.0
