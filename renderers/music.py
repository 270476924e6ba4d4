"""Procedural music beds, sound cues and the audible AI-content label, synthesised with numpy."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from renderers.audio import Samples, fade, silence, tone, write_wav
from renderers.protocols import MusicCapabilities

RATE = 22050
A4 = 440.0

# Chord progressions as semitone offsets from the key's root (A3 = 220 Hz), one chord per bar.
_PROGRESSIONS: dict[str, tuple[float, float, tuple[tuple[int, ...], ...]]] = {
    # mood: (key offset from A3, seconds per chord, chords)
    "warm": (3, 4.0, ((0, 4, 7, 11), (7, 11, 14, 19), (9, 12, 16, 19), (5, 9, 12, 16))),  # C: Imaj7 V vi IV
    "sad": (0, 5.0, ((0, 3, 7, 10), (-4, 0, 3, 7), (-9, -5, 0, 3), (-2, 2, 5, 10))),  # Am: i VI III-ish VII
    "tense": (-2, 6.0, ((0, 3, 6, 12), (1, 4, 7, 13), (0, 3, 7, 11), (-1, 3, 6, 12))),  # G minor, tritones
}
_MOOD_WORDS: dict[str, tuple[str, ...]] = {
    "tense": ("tense", "suspense", "dark", "thriller", "danger", "mystery", "revenge", "紧张", "悬疑", "复仇"),
    "sad": ("sad", "melancholy", "grief", "loss", "tragic", "lonely", "悲", "伤", "哀"),
    "warm": ("warm", "romance", "romantic", "tender", "hope", "happy", "joy", "温暖", "甜", "爱"),
}


def mood_key(mood: str) -> str:
    """Map a free-text mood to one of the bed styles ("tense", "sad", "warm"); tense for the unknown."""
    lowered = mood.lower()
    for key, words in _MOOD_WORDS.items():
        if any(word in lowered for word in words):
            return key
    return "tense"  # micro-dramas live on suspense; the safest default under dialogue


def _hz(semitones: float, root: float = A4 / 2) -> float:
    return float(root * 2.0 ** (semitones / 12.0))


def _ramp(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Raised-cosine step 0 -> 1 over x in [0, 1]; two overlapping ramps sum to one, so chords crossfade evenly."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


def pad(seconds: float, mood: str, rate: int = RATE) -> Samples:
    """Return a quiet chord pad of exactly round(seconds * rate) samples."""
    count = max(0, round(seconds * rate))
    key, bar, chords = _PROGRESSIONS[mood_key(mood)]
    t = np.arange(count, dtype=np.float64) / rate
    out = np.zeros(count, dtype=np.float64)
    xfade = min(1.5, bar / 2)
    for k in range(int(np.ceil(seconds / bar)) + 1):
        lo = max(0, int((k * bar - xfade) * rate))
        hi = min(count, int(((k + 1) * bar + xfade) * rate) + 1)
        if lo >= hi:
            continue
        tt = t[lo:hi]
        envelope = _ramp((tt - k * bar + xfade / 2) / xfade) - _ramp((tt - (k + 1) * bar + xfade / 2) / xfade)
        if k == 0:
            envelope = np.where(tt < bar / 2, 1.0, envelope)
        chord = chords[k % len(chords)]
        voice = np.zeros(tt.size)
        for note in chord:
            f = _hz(key + note)
            # Absolute time in the phase keeps a note held across two chords seamless in the crossfade.
            voice += np.sin(2 * np.pi * f * tt) + 0.25 * (2 / np.pi) * np.arcsin(np.sin(2 * np.pi * 1.003 * f * tt))
        voice += 0.8 * np.sin(2 * np.pi * _hz(key + chord[0] - 12) * tt)  # root an octave down
        out[lo:hi] += envelope * voice
    out *= 1.0 + 0.15 * np.sin(2 * np.pi * 0.13 * t)  # slow swell, so the pad breathes
    peak = float(np.max(np.abs(out))) if count else 0.0
    if peak > 0:
        out *= 0.18 / peak  # quiet: the bed sits under dialogue
    return fade(out, rate, min(1.5, seconds / 4))


# ---------------------------------------------------------------------- cues


def _noise(seconds: float, seed: int, rate: int) -> npt.NDArray[np.float64]:
    return np.random.default_rng(seed).standard_normal(max(1, round(seconds * rate)))


def _smooth(x: npt.NDArray[np.float64], width: int) -> npt.NDArray[np.float64]:
    return np.convolve(x, np.ones(max(1, width)) / max(1, width), mode="same")


def _decay(seconds: float, tau: float, rate: int) -> npt.NDArray[np.float64]:
    return np.exp(-np.arange(max(1, round(seconds * rate))) / (tau * rate))


def _thump(freq: float, seconds: float, rate: int) -> npt.NDArray[np.float64]:
    """A low drum-like hit: a sine gliding down in pitch under a fast decay."""
    t = np.arange(max(1, round(seconds * rate))) / rate
    glide = freq * (1 + 1.5 * np.exp(-t / 0.02))
    phase = 2 * np.pi * np.cumsum(glide) / rate
    return np.sin(phase) * np.exp(-t / (seconds / 4))


def _place(total: float, parts: list[tuple[float, npt.NDArray[np.float64]]], rate: int) -> npt.NDArray[np.float64]:
    out = np.zeros(round(total * rate))
    for at, part in parts:
        start = round(at * rate)
        end = min(out.size, start + part.size)
        out[start:end] += part[: end - start]
    return out


def _sting(rate: int) -> npt.NDArray[np.float64]:
    t = np.arange(round(2.0 * rate)) / rate
    chord = np.zeros(t.size)
    for n in (0, 3, 6, 12, 13):  # a minor cluster with a tritone and a semitone clash: alarm
        for detune in (0.997, 1.004):
            chord += np.sin(2 * np.pi * _hz(n, 110.0) * detune * t)
    return chord * np.exp(-t / 0.6) + 2.5 * _place(2.0, [(0.0, _thump(45, 1.0, rate))], rate)


def _heartbeat(rate: int) -> npt.NDArray[np.float64]:
    beat = 60 / 72
    parts = [(i * beat + off, _thump(55 if off == 0 else 48, 0.25, rate) * g) for i in range(3)
             for off, g in ((0.0, 1.0), (0.28, 0.7))]  # fmt: skip
    return _place(3 * beat + 0.3, parts, rate)


def _door_slam(rate: int) -> npt.NDArray[np.float64]:
    crack = _smooth(_noise(0.6, 3, rate), 6) * _decay(0.6, 0.05, rate)
    body = _thump(70, 0.6, rate)
    room = _smooth(_noise(1.2, 4, rate), 20) * _decay(1.2, 0.25, rate) * 0.3  # the room answers
    return _place(1.2, [(0.0, crack + 1.5 * body), (0.0, room)], rate)


def _low_drone(rate: int) -> npt.NDArray[np.float64]:
    t = np.arange(round(4.0 * rate)) / rate
    drone = np.sin(2 * np.pi * 55 * t) + 0.6 * np.sin(2 * np.pi * 82.8 * t) + 0.4 * np.sin(2 * np.pi * 55.7 * t)
    return drone * (1 + 0.3 * np.sin(2 * np.pi * 0.5 * t))


def _whoosh(rate: int) -> npt.NDArray[np.float64]:
    seconds = 1.0
    t = np.arange(round(seconds * rate)) / rate
    band = _smooth(_noise(seconds, 5, rate), 30)  # narrow noise band, shifted up by a sweeping carrier
    carrier = np.sin(2 * np.pi * np.cumsum(300 + 2500 * np.sin(np.pi * t / seconds)) / rate)
    swell: npt.NDArray[np.float64] = np.sin(np.pi * t / seconds) ** 2
    return band * carrier * swell * 6


def _thunder(rate: int) -> npt.NDArray[np.float64]:
    seconds = 4.0
    crack = _smooth(_noise(0.4, 6, rate), 3) * _decay(0.4, 0.06, rate)
    brown = np.cumsum(_noise(seconds, 7, rate))
    brown = _smooth(brown - _smooth(brown, 2000), 40)  # keep the low rumble, drop the drift
    brown /= float(np.max(np.abs(brown))) or 1.0
    swell = _smooth(np.abs(_noise(seconds, 8, rate)), rate // 4)
    rumble = brown * swell * _decay(seconds, 1.3, rate)
    return _place(seconds, [(0.0, crack * 0.8), (0.05, rumble * 3)], rate)


def _knock(rate: int) -> npt.NDArray[np.float64]:
    rap = _thump(180, 0.12, rate) + 0.3 * _smooth(_noise(0.12, 9, rate), 4) * _decay(0.12, 0.01, rate)
    return _place(1.0, [(0.0, rap), (0.22, rap), (0.44, rap)], rate)


def _phone_buzz(rate: int) -> npt.NDArray[np.float64]:
    t = np.arange(round(0.4 * rate)) / rate
    buzz = np.sign(np.sin(2 * np.pi * 150 * t)) * 0.4 * np.sin(np.pi * t / 0.4)
    return _place(1.3, [(0.0, buzz), (0.8, buzz)], rate)


# Checked in order, so the specific ("knock at the door") wins over the general ("door").
_CUES: dict[str, tuple[tuple[str, ...], Callable[[int], npt.NDArray[np.float64]]]] = {
    "sting": (("sting", "stinger", "hit", "impact", "reveal", "boom", "重音"), _sting),
    "heartbeat": (("heartbeat", "heart beat", "heart", "pulse", "心跳"), _heartbeat),
    "knock": (("knock", "敲门"), _knock),
    "phone_buzz": (("phone", "buzz", "vibrat", "ringing", "ringtone", "手机", "电话"), _phone_buzz),
    "door_slam": (("door slam", "slam", "door", "关门", "摔门"), _door_slam),
    "low_drone": (("drone", "tension", "低鸣", "嗡"), _low_drone),
    "whoosh": (("whoosh", "swoosh", "swish", "transition", "风声", "嗖"), _whoosh),
    "thunder": (("thunder", "storm", "lightning", "rumble", "雷"), _thunder),
}


def cue_id(name: str) -> str | None:
    """Map a free-text sound cue ("Door slams!", "low drone", "心跳") to a known cue id, or None."""
    text = " ".join(re.sub(r"[\W_]+", " ", name.lower()).split())
    if not text:
        return None
    for cue, (words, _) in _CUES.items():
        # Words match at a word start ("ring" is not in "string"); CJK has no spaces, so any position.
        if any(re.search(rf"(?<![a-z]){re.escape(word)}", text) for word in (cue.replace("_", " "), *words)):
            return cue
    return None


class ProceduralMusic:
    """Music beds and sound cues synthesised from sines and noise: offline, instant, royalty-free."""

    name = "procedural"
    capabilities = MusicCapabilities(beds=True, cues=True)

    def __init__(self, rate: int = RATE) -> None:
        self.rate = rate

    def bed(self, seconds: float, mood: str, out: Path) -> Path:
        """Write a quiet chord pad of exactly `seconds` (to the sample) in the mood's key and mode."""
        return write_wav(out, pad(seconds, mood, self.rate), self.rate)

    def cue(self, name: str, out: Path) -> Path | None:
        """Write a sound cue WAV, or return None for a cue it does not know (such as "cut to black")."""
        cue = cue_id(name)
        if cue is None:
            return None
        samples = _CUES[cue][1](self.rate)
        peak = float(np.max(np.abs(samples))) or 1.0
        return write_wav(out, fade(samples * (0.7 / peak), self.rate, 0.003), self.rate)


# ------------------------------------------------------------- AI audio label

# GB 45438-2025 audible mark: a "short long short short" rhythm at the start of AI-generated audio.
AI_CUE_FREQ = 880.0
AI_CUE_PATTERN: tuple[float, ...] = (0.12, 0.36, 0.12, 0.12)
AI_CUE_GAP = 0.10
_SHORT = (0.06, 0.22)
_LONG = (0.26, 0.50)
_GAP = (0.03, 0.25)


def ai_audio_cue_samples(rate: int = RATE, amplitude: float = 0.5) -> Samples:
    """Return the AI label beeps followed by one gap of silence."""
    parts: list[Samples] = []
    for length in AI_CUE_PATTERN:
        parts += [tone(AI_CUE_FREQ, length, rate, amplitude), silence(AI_CUE_GAP, rate)]
    return np.concatenate(parts).astype(np.float32)


def ai_audio_cue(out: Path, rate: int = RATE) -> Path:
    """Write the AI label beeps as a WAV (about 1.1 s) for the start of an episode's audio."""
    return write_wav(out, ai_audio_cue_samples(rate), rate)


def _tone_frames(samples: npt.NDArray[np.float64], rate: int, hop: int) -> npt.NDArray[np.bool_]:
    """Mark each hop whose sound is mostly the label tone (not merely loud), via a sliding single-bin DFT."""
    window = 2 * hop
    n = np.arange(samples.size)
    product = samples * np.exp(-2j * np.pi * AI_CUE_FREQ * n / rate)
    sums = np.concatenate([[0], np.cumsum(product)])
    energy = np.concatenate([[0.0], np.cumsum(samples * samples)])
    starts = np.arange(0, max(0, samples.size - window) + 1, hop)
    bin_amp = 2 * np.abs(sums[starts + window] - sums[starts]) / window  # sine amplitude at the tone
    level = np.sqrt(np.maximum(energy[starts + window] - energy[starts], 0) / window)
    # A pure sine of amplitude A has RMS A/sqrt(2): the ratio is 1 for the tone alone, small for speech.
    ratio = bin_amp / np.sqrt(2) / np.maximum(level, 1e-9)
    on: npt.NDArray[np.bool_] = (ratio > 0.7) & (bin_amp > 0.01)
    return on


def detect_ai_audio_cue(samples: npt.ArrayLike, rate: int, within: float = 2.0) -> bool:
    """Return whether the audio opens with the short-long-short-short label beeps (first beep within `within` s)."""
    data = np.asarray(samples, dtype=np.float64).reshape(-1)[: round((within + 1.5) * rate)]
    hop = max(1, rate // 200)  # 5 ms
    on = _tone_frames(data, rate, hop)
    if on.size == 0:
        return False
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
    runs = [(int(a) * hop / rate, int(b - a) * hop / rate) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    runs = [(start, length) for start, length in runs if length >= 0.03]  # drop flickers
    if len(runs) < 4 or runs[0][0] > within:
        return False
    first = runs[:4]
    # A window counts as "on" once the tone fills about half of it, so run lengths match beep lengths.
    lengths = [length for _, length in first]
    kinds = [_SHORT, _LONG, _SHORT, _SHORT]
    if not all(lo <= length <= hi for length, (lo, hi) in zip(lengths, kinds, strict=True)):
        return False
    gaps = [first[i + 1][0] - (first[i][0] + first[i][1]) for i in range(3)]
    return all(_GAP[0] - 0.02 <= gap <= _GAP[1] for gap in gaps)
