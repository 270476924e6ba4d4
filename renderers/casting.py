"""Voice casting shared by the voice backends: stable, distinct voices from canon, and emotion prosody."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Sequence
from typing import Literal, NamedTuple

from memory.schema import Character, Emotion, Language

VoiceGender = Literal["female", "male", "neutral"]

# Base pitch on the 0-100 scale espeak uses (50 is the voice's own pitch).
PITCH_BASE: dict[str, int] = {"low": 32, "mid": 50, "high": 68}
# Base rate in words per minute; espeak's default is 175.
RATE_BASE: dict[str, int] = {"slow": 145, "normal": 170, "fast": 195}
NORMAL_RATE = RATE_BASE["normal"]

# Words in Voice.texture that nudge the delivery; cheap, but makes "husky" sound lower than "bright".
_TEXTURE_PITCH: dict[str, int] = {
    "deep": -8, "husky": -6, "gravel": -8, "rough": -4, "low": -4, "bass": -8, "bright": 6, "light": 4,
    "sweet": 5, "shrill": 8, "girlish": 8, "boyish": 5, "thin": 4, "warm": -2, "低沉": -8, "沙哑": -6,
    "清脆": 6, "甜": 5, "尖": 8,
}  # fmt: skip
_TEXTURE_RATE: dict[str, int] = {
    "clipped": 12, "brisk": 12, "quick": 10, "rapid": 14, "nervous": 8, "drawl": -15, "measured": -10,
    "deliberate": -10, "slow": -10, "languid": -12, "干脆": 12, "急": 10, "慢": -10, "从容": -10,
}  # fmt: skip


class Prosody(NamedTuple):
    """How an emotion bends a voice: rate factor, pitch offset (0-100 scale), loudness and intonation range."""

    rate: float
    pitch: int
    volume: float = 1.0
    range: float = 1.0  # intonation range factor: <1 is flatter, >1 more expressive


EMOTION_PROSODY: dict[Emotion, Prosody] = {
    "neutral": Prosody(1.00, 0),
    "calm": Prosody(0.92, -3, 0.90, 0.80),
    "tense": Prosody(1.06, 3, 1.00, 0.90),
    "angry": Prosody(1.18, 6, 1.25, 1.40),
    "afraid": Prosody(1.15, 12, 0.95, 1.30),
    "sad": Prosody(0.80, -8, 0.80, 0.60),
    "joyful": Prosody(1.08, 8, 1.10, 1.40),
    "shocked": Prosody(1.05, 14, 1.15, 1.50),
    "cold": Prosody(0.90, -6, 0.90, 0.40),
    "tender": Prosody(0.85, -2, 0.75, 0.90),
    "smug": Prosody(0.95, -2, 1.00, 1.20),
    "desperate": Prosody(1.12, 10, 1.15, 1.30),
}


def prosody(emotion: str) -> Prosody:
    """Return the prosody for an emotion, neutral for one the table does not know."""
    for name, bend in EMOTION_PROSODY.items():
        if name == emotion:
            return bend
    return EMOTION_PROSODY["neutral"]


def character_digest(character_id: str) -> int:
    """Return a stable integer for a character id; sha256, because hash() changes per process."""
    return int.from_bytes(hashlib.sha256(character_id.encode("utf-8")).digest()[:8], "big")


def voice_gender(character: Character) -> VoiceGender:
    """Return the gender a voice should have, from the canon voice first and the character second."""
    if character.voice.gender != "neutral":
        return character.voice.gender
    return "neutral" if character.gender == "nonbinary" else character.gender


def cast_voice(
    character: Character, language: Language, voices: Sequence[str], *, taken: Collection[str] = ()
) -> tuple[str, int, int]:
    """Pick (voice, pitch 0-100, rate wpm) for a character from a pool already filtered by gender and language.

    The choice depends only on the character id, canon's voice fields and `taken`:
    the voice is the first free one at or after a sha256-chosen start, so casting
    a cast in canon order gives every character its own voice while the pool lasts.
    """
    if not voices:
        raise ValueError(f"no voices to cast {character.id} in {language}")
    digest = character_digest(character.id)
    start = digest % len(voices)
    ordered = [voices[(start + i) % len(voices)] for i in range(len(voices))]
    voice = next((v for v in ordered if v not in taken), ordered[0])
    texture = character.voice.texture.lower()
    # Jitter from other bits of the digest, so two characters who share a voice still differ.
    pitch = PITCH_BASE[character.voice.pitch] + (digest >> 16) % 13 - 6
    pitch += sum(delta for word, delta in _TEXTURE_PITCH.items() if word in texture)
    rate = RATE_BASE[character.voice.rate] + (digest >> 24) % 15 - 7
    rate += sum(delta for word, delta in _TEXTURE_RATE.items() if word in texture)
    # Children sound higher and elders a little lower and slower, whatever the pool offers.
    if character.age < 14:
        pitch += 14
    elif character.age >= 65:
        pitch, rate = pitch - 6, rate - 12
    return voice, max(0, min(100, pitch)), max(90, min(260, rate))


class CastBook:
    """Remembers who has which voice, so a backend keeps voices stable and gives each character its own.

    Cast characters in canon order (as `cast_all` does): newcomers are appended to
    canon, so a character added mid-season never takes a voice from an earlier one.
    """

    def __init__(self) -> None:
        self._chosen: dict[tuple[str, str], tuple[str, int, int]] = {}
        self._lock = threading.Lock()

    def choose(self, character: Character, language: Language, voices: Sequence[str]) -> tuple[str, int, int]:
        """Return the character's voice, casting it now if this book has not seen them in this language."""
        with self._lock:
            key = (language, character.id)
            if key not in self._chosen:
                taken = {voice for (lang, _), (voice, _, _) in self._chosen.items() if lang == language}
                self._chosen[key] = cast_voice(character, language, voices, taken=taken)
            return self._chosen[key]
