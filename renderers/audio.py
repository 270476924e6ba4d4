"""Small WAV helpers shared by the audio backends: mono float32 in memory, 16-bit PCM on disk."""

from __future__ import annotations

import os
import tempfile
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]


def read_wav(path: Path) -> tuple[Samples, int]:
    """Read a PCM WAV as mono float32 in [-1, 1] and return it with its sample rate."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        channels = wav.getnchannels()
        width = wav.getsampwidth()
        raw = wav.readframes(wav.getnframes())
    if width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 4:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    else:
        raise ValueError(f"{path}: unsupported WAV sample width {width} bytes")
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return data.astype(np.float32), rate


def write_wav(path: Path, samples: npt.ArrayLike, rate: int) -> Path:
    """Write samples as a 16-bit mono WAV, via a temporary file renamed into place."""
    path = Path(path)
    data = np.clip(np.asarray(samples, dtype=np.float32).reshape(-1), -1.0, 1.0)
    pcm = np.round(data * 32767.0).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same folder as the target so the rename is atomic and readers never see half a file.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".wav.part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle, wave.open(handle, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(pcm.tobytes())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def wav_seconds(path: Path) -> float:
    """Return a WAV file's duration in seconds from its header."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())


def resample(samples: npt.ArrayLike, src: int, dst: int) -> Samples:
    """Resample by linear interpolation; good enough for speech and pads, not for mastering."""
    data = np.asarray(samples, dtype=np.float32).reshape(-1)
    if src == dst or data.size == 0:
        return data.copy()
    count = max(1, round(data.size * dst / src))
    positions = np.arange(count, dtype=np.float64) * (src / dst)
    return np.interp(positions, np.arange(data.size, dtype=np.float64), data).astype(np.float32)


def fade(samples: npt.ArrayLike, rate: int, seconds: float = 0.01) -> Samples:
    """Apply a linear fade in and out so a sound starts and stops without a click."""
    data = np.asarray(samples, dtype=np.float32).reshape(-1).copy()
    n = min(int(rate * seconds), data.size // 2)
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        data[:n] *= ramp
        data[-n:] *= ramp[::-1]
    return data


def tone(freq: float, seconds: float, rate: int = 22050, amplitude: float = 0.5) -> Samples:
    """Return a sine tone with short fades at both ends."""
    t = np.arange(max(0, round(seconds * rate)), dtype=np.float64) / rate
    return fade(amplitude * np.sin(2.0 * np.pi * freq * t), rate, 0.005)


def silence(seconds: float, rate: int = 22050) -> Samples:
    """Return digital silence of the given length."""
    return np.zeros(max(0, round(seconds * rate)), dtype=np.float32)


def rms(samples: npt.ArrayLike) -> float:
    """Return the root-mean-square level of the samples (0 for none)."""
    data = np.asarray(samples, dtype=np.float64).reshape(-1)
    return float(np.sqrt(np.mean(data * data))) if data.size else 0.0
