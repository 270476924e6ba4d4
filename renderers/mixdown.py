"""Episode sound mix in numpy: speech and cues on the timeline, music looped and ducked, the AI audio label first."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from renderers.audio import read_wav, resample, write_wav
from renderers.protocols import RenderError

MIX_RATE = 48_000
DUCK_DB = -18.0  # music under dialogue
DUCK_RAMP_S = 0.15
MUSIC_FADE_S = 0.5
PEAK = 0.891  # -1 dBFS: headroom for the AAC encoder's overshoot

Buffer = npt.NDArray[np.float32]


def load(path: Path, rate: int = MIX_RATE) -> Buffer:
    """Read a WAV as mono float32 at the mix rate, with a one-line error when it is unreadable."""
    try:
        samples, src = read_wav(path)
    except (OSError, EOFError, ValueError) as exc:
        raise RenderError(f"cannot read audio {path}: {exc}; re-render that clip") from exc
    return resample(samples, src, rate)


def place(track: Buffer, clip: Buffer, start_s: float, rate: int = MIX_RATE) -> tuple[int, int]:
    """Add clip into track at start_s (trimmed at the end) and return the sample span it covers."""
    begin = max(0, round(start_s * rate))
    end = min(track.size, begin + clip.size)
    if end > begin:
        track[begin:end] += clip[: end - begin]
    return begin, max(begin, end)


def duck_gain(spans: Sequence[tuple[int, int]], size: int, rate: int = MIX_RATE) -> Buffer:
    """Return a gain curve: DUCK_DB inside spans, 1 elsewhere, linear DUCK_RAMP_S ramps ending at the span edges."""
    ramp = max(1, round(DUCK_RAMP_S * rate))
    mask = np.zeros(size + 2 * ramp, dtype=np.float64)
    for begin, end in spans:
        # Widen by half a ramp each side so the box filter reaches full depth as the speech starts.
        mask[begin + ramp // 2 : end + ramp + ramp // 2] = 1.0
    sums = np.concatenate([[0.0], np.cumsum(mask)])
    smooth = (sums[ramp:] - sums[:-ramp]) / ramp
    depth = 1.0 - 10.0 ** (DUCK_DB / 20.0)
    gain: Buffer = (1.0 - depth * smooth[ramp // 2 : ramp // 2 + size]).astype(np.float32)
    return gain


def music_bed(path: Path, seconds: float, rate: int = MIX_RATE) -> Buffer:
    """Loop or trim a music WAV to exactly seconds, fading out its last MUSIC_FADE_S."""
    size = round(seconds * rate)
    music = load(path, rate)
    if music.size == 0 or size == 0:
        return np.zeros(size, dtype=np.float32)
    bed = np.tile(music, -(-size // music.size))[:size].copy()
    fade = min(size, round(MUSIC_FADE_S * rate))
    bed[size - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return bed


def mix(
    seconds: float,
    speech: Sequence[tuple[float, Path]],
    cues: Sequence[tuple[float, Path]],
    music: Path | None,
    ai_cue: Path,
    out: Path,
    rate: int = MIX_RATE,
) -> Path:
    """Write the episode mix WAV: AI cue at 0, speech and cues at their starts, ducked music, peak-limited.

    The AI cue always starts at t = 0 and music ducks under it as under speech, so the label rhythm
    stays detectable. A first line that starts before the cue ends is mixed over its tail: the cue still
    leads. The timeline should give the cue its ~1.1 s (renderers.episode does).
    """
    size = max(1, round(seconds * rate))
    voice = np.zeros(size, dtype=np.float32)
    spans = [place(voice, load(ai_cue, rate), 0.0, rate)]
    spans += [place(voice, load(path, rate), start, rate) for start, path in speech]
    effects = np.zeros(size, dtype=np.float32)
    for start, path in cues:
        place(effects, load(path, rate), start, rate)
    total = voice + effects
    if music is not None:
        total += music_bed(music, seconds, rate)[:size] * duck_gain(spans, size, rate)
    peak = float(np.max(np.abs(total))) if total.size else 0.0
    if peak > PEAK:
        total *= PEAK / peak
    return write_wav(out, total, rate)
