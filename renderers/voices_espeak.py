"""Offline speech with the espeak-ng library bundled by espeakng-loader, driven through ctypes."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from memory.schema import Character, Emotion, Language
from renderers.audio import write_wav
from renderers.casting import CastBook, prosody, voice_gender
from renderers.protocols import RenderError, VoiceCapabilities, VoiceSpec

SAMPLE_RATE = 22050
EMPTY_TEXT = "cannot speak empty text: give the line words or make it an action line"

# espeak-ng's C constants (speak_lib.h).
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_RATE, _VOLUME, _PITCH, _RANGE = 1, 2, 3, 4

# Variants that ship with espeak-ng's data ("!v" folder); the plain ones first, they sound least odd.
FEMALE_VARIANTS: tuple[str, ...] = ("f1", "f2", "f3", "f4", "f5", "linda", "belinda", "Annie", "Andrea")
MALE_VARIANTS: tuple[str, ...] = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "Andy", "Lee", "Hugo")
_NEUTRAL_VARIANTS: tuple[str, ...] = tuple(
    v for pair in zip(FEMALE_VARIANTS, MALE_VARIANTS, strict=False) for v in pair
)

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class _Engine:
    """The loaded library; one per process, because espeak-ng keeps its voice and buffers in globals."""

    def __init__(self) -> None:
        try:
            import espeakng_loader

            library = ctypes.CDLL(espeakng_loader.get_library_path())
            data_path = str(espeakng_loader.get_data_path())
        except (ImportError, OSError) as exc:
            raise RenderError(
                f"espeak-ng could not be loaded ({exc}): run `pip install 'espeakng-loader>=0.2,<0.3'` "
                "or choose another voices backend"
            ) from exc
        library.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        library.espeak_Initialize.restype = ctypes.c_int
        library.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        library.espeak_SetVoiceByName.restype = ctypes.c_int
        library.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        library.espeak_SetParameter.restype = ctypes.c_int
        library.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
            ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        library.espeak_Synth.restype = ctypes.c_int
        library.espeak_Synchronize.restype = ctypes.c_int
        rate = library.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), 0)
        if rate <= 0:
            raise RenderError(
                f"espeak-ng failed to initialise with its data at {data_path}: reinstall espeakng-loader "
                "(`pip install --force-reinstall espeakng-loader`)"
            )
        self.rate = int(rate)
        self._library = library
        self._chunks: list[np.ndarray[Any, np.dtype[np.int16]]] = []
        # Keep a reference: ctypes frees the trampoline if the Python object is collected.
        self._callback = _SynthCallback(self._collect)
        library.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: Any, count: int, events: Any) -> int:
        if count > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).astype(np.int16))
        return 0  # 0 = keep synthesising

    def synth(self, text: str, voice: str, *, rate: int, pitch: int, volume: int, range_: int) -> np.ndarray[Any, Any]:
        """Speak text with the given voice and parameters; return int16 samples. Caller holds the lock."""
        if self._library.espeak_SetVoiceByName(voice.encode("utf-8")) != 0:
            raise RenderError(f"espeak-ng has no voice {voice!r}: use a name like 'en-us', 'en-gb+f3' or 'cmn+m2'")
        for parameter, value in ((_RATE, rate), (_PITCH, pitch), (_VOLUME, volume), (_RANGE, range_)):
            self._library.espeak_SetParameter(parameter, value, 0)
        data = text.encode("utf-8") + b"\0"
        self._chunks = []
        status = self._library.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        self._library.espeak_Synchronize()
        chunks, self._chunks = self._chunks, []
        if status != 0:
            raise RenderError(f"espeak-ng failed to synthesise (error {status}): shorten or simplify the line")
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


_LOCK = threading.Lock()
_ENGINE: _Engine | None = None


def _engine() -> _Engine:
    """Load the library on first use; the caller holds _LOCK."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


def _base_voice(language: Language, texture: str) -> str:
    if language == "zh":
        return "cmn"
    texture = texture.lower()
    if "scottish" in texture:
        return "en-gb-scotland"
    if "british" in texture or "english accent" in texture or "posh" in texture:
        return "en-gb"
    return "en-us"


class EspeakVoices:
    """Offline voices from espeak-ng: robotic but intelligible English and Mandarin, no network, fast."""

    name = "espeak"
    capabilities = VoiceCapabilities(languages=("en", "zh"), needs_network=False, emotion=True)

    def __init__(self) -> None:
        self._book = CastBook()

    def cast(self, character: Character, language: Language) -> VoiceSpec:
        """Choose a distinct, stable voice for a character (language base plus a gendered variant)."""
        gender = voice_gender(character)
        variants = {"female": FEMALE_VARIANTS, "male": MALE_VARIANTS}.get(gender, _NEUTRAL_VARIANTS)
        base = _base_voice(language, character.voice.texture)
        voice, pitch, rate = self._book.choose(character, language, [f"{base}+{v}" for v in variants])
        return VoiceSpec(backend=self.name, voice=voice, pitch=pitch, rate=rate, gender=gender)

    def cast_all(self, characters: Sequence[Character], language: Language) -> dict[str, VoiceSpec]:
        """Cast a whole cast in canon order, which makes the voices independent of who speaks first."""
        return {c.id: self.cast(c, language) for c in characters}

    def speak(self, text: str, voice: VoiceSpec, emotion: Emotion, out: Path) -> float:
        """Write speech as a 22050 Hz mono 16-bit WAV at out; return its duration in seconds."""
        if not text.strip():
            raise RenderError(EMPTY_TEXT)
        bend = prosody(emotion)
        settings = {
            "rate": max(80, min(450, round(voice.rate * bend.rate))),
            "pitch": max(0, min(100, voice.pitch + bend.pitch)),
            "volume": max(10, min(200, round(100 * bend.volume))),
            "range_": max(0, min(100, round(50 * bend.range))),
        }
        with _LOCK:
            engine = _engine()
            samples = engine.synth(" ".join(text.split()), voice.voice, **settings)
            rate = engine.rate
        if samples.size == 0:
            raise RenderError(f"espeak-ng produced no audio for {text[:40]!r}: check the voice's language")
        write_wav(out, samples.astype(np.float32) / 32768.0, rate)
        return samples.size / rate
