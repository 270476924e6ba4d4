"""Neural voices from Microsoft Edge's read-aloud service through edge-tts: natural, but online only."""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import socket
import subprocess
import threading
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from memory.schema import Character, Emotion, Language
from renderers.audio import write_wav
from renderers.casting import NORMAL_RATE, CastBook, prosody, voice_gender
from renderers.protocols import RenderError, VoiceCapabilities, VoiceSpec

SAMPLE_RATE = 24000  # the service sends 24 kHz MP3; decoding keeps that rate
EMPTY_TEXT = "cannot speak empty text: give the line words or make it an action line"
SERVICE_HOST = "speech.platform.bing.com"

# Voices offered by the free Edge read-aloud service (Azure-only names such as DavisNeural are refused there).
VOICES: dict[Language, dict[str, tuple[str, ...]]] = {
    "zh": {
        "female": (
            "zh-CN-XiaoxiaoNeural", "zh-CN-XiaoyiNeural", "zh-TW-HsiaoChenNeural", "zh-TW-HsiaoYuNeural",
            "zh-CN-liaoning-XiaobeiNeural", "zh-CN-shaanxi-XiaoniNeural",
        ),
        "male": ("zh-CN-YunxiNeural", "zh-CN-YunjianNeural", "zh-CN-YunyangNeural", "zh-CN-YunxiaNeural",
                 "zh-TW-YunJheNeural"),
    },
    "en": {
        "female": ("en-US-JennyNeural", "en-US-AriaNeural", "en-US-MichelleNeural", "en-US-EmmaNeural",
                   "en-US-AvaNeural", "en-GB-SoniaNeural", "en-GB-LibbyNeural"),
        "male": ("en-US-GuyNeural", "en-US-ChristopherNeural", "en-US-EricNeural", "en-US-RogerNeural",
                 "en-US-SteffanNeural", "en-US-AndrewNeural", "en-US-BrianNeural", "en-GB-RyanNeural"),
    },
}  # fmt: skip

T = TypeVar("T")


def _run(make: Callable[[], Coroutine[Any, Any, T]], timeout_s: float) -> T:
    """Run a coroutine to completion under a timeout, also from code already inside an event loop."""

    async def bounded() -> T:
        return await asyncio.wait_for(make(), timeout_s)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(bounded())
    # asyncio.run refuses to nest; a worker thread gets a loop of its own.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, bounded()).result()


def _unreachable(reason: str) -> RenderError:
    return RenderError(
        f'edge-tts cannot reach the speech service ({reason}): check the network or use voices = "espeak" (offline)'
    )


def _decode_mp3(data: bytes, rate: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Decode MP3 bytes to mono float32 with the ffmpeg that imageio-ffmpeg bundles, through pipes."""
    try:
        import imageio_ffmpeg

        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise RenderError(f"no ffmpeg to decode edge-tts audio ({exc}): run `pip install imageio-ffmpeg`") from exc
    command = [ffmpeg, "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", str(rate), "pipe:1"]
    done = subprocess.run(command, input=data, capture_output=True, timeout=120, check=False)
    if done.returncode != 0 or not done.stdout:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no samples"]
        raise RenderError(f"ffmpeg could not decode the edge-tts audio ({detail[0]}): try the line again")
    return np.frombuffer(done.stdout, dtype="<i2").astype(np.float32) / 32768.0


def _signed(value: int, unit: str) -> str:
    return f"{value:+d}{unit}"


class EdgeTtsVoices:
    """Neural voices for English and Mandarin from the Edge read-aloud service; needs the internet."""

    name = "edge-tts"
    capabilities = VoiceCapabilities(languages=("en", "zh"), needs_network=True, emotion=True)

    def __init__(self, timeout_s: float = 10.0) -> None:
        self.timeout_s = timeout_s
        self._book = CastBook()

    def cast(self, character: Character, language: Language) -> VoiceSpec:
        """Choose a distinct, stable neural voice; rate is a percentage of normal speed, pitch 50 is the voice's own."""
        gender = voice_gender(character)
        pools = VOICES[language]
        if gender == "neutral":
            pool: Sequence[str] = [v for pair in zip(pools["female"], pools["male"], strict=False) for v in pair]
        else:
            pool = pools[gender]
        voice, pitch, rate = self._book.choose(character, language, pool)
        return VoiceSpec(backend=self.name, voice=voice, pitch=pitch, rate=round(100 * rate / NORMAL_RATE),
                         gender=gender)  # fmt: skip

    def cast_all(self, characters: Sequence[Character], language: Language) -> dict[str, VoiceSpec]:
        """Cast a whole cast in canon order, which makes the voices independent of who speaks first."""
        return {c.id: self.cast(c, language) for c in characters}

    @staticmethod
    def prosody_strings(voice: VoiceSpec, emotion: Emotion) -> dict[str, str]:
        """Return edge-tts's rate, pitch and volume strings for a voice in an emotion."""
        bend = prosody(emotion)
        rate = max(-50, min(100, round(voice.rate * bend.rate) - 100))
        pitch = max(-50, min(50, voice.pitch - 50 + bend.pitch))
        volume = max(-50, min(50, round(100 * bend.volume) - 100))
        return {"rate": _signed(rate, "%"), "pitch": _signed(pitch, "Hz"), "volume": _signed(volume, "%")}

    def speak(self, text: str, voice: VoiceSpec, emotion: Emotion, out: Path) -> float:
        """Write speech as a 24 kHz mono 16-bit WAV at out; return its duration in seconds.

        The MP3 stays in memory and the WAV is renamed into place, so a failure leaves no file.
        """
        if not text.strip():
            raise RenderError(EMPTY_TEXT)
        try:
            import aiohttp
            import edge_tts
        except ImportError as exc:
            raise RenderError(f"edge-tts is not installed ({exc}): run `pip install 'edge-tts>=7,<8'`") from exc
        settings = self.prosody_strings(voice, emotion)
        seconds = max(1, math.ceil(self.timeout_s))

        async def fetch() -> bytes:
            communicate = edge_tts.Communicate(
                " ".join(text.split()),
                voice.voice,
                rate=settings["rate"],
                pitch=settings["pitch"],
                volume=settings["volume"],
                connect_timeout=seconds,
                receive_timeout=seconds,
            )
            chunks = [chunk["data"] async for chunk in communicate.stream() if chunk["type"] == "audio"]
            return b"".join(chunks)

        try:
            audio = _run(fetch, self.timeout_s)
        except TimeoutError as exc:
            raise _unreachable(f"no answer within {self.timeout_s:g} s") from exc
        except aiohttp.ClientConnectorError as exc:
            raise _unreachable(f"{exc.host}:{exc.port}: {exc.os_error.strerror or exc.os_error}") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _unreachable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
        except edge_tts.exceptions.NoAudioReceived as exc:
            raise RenderError(
                f"edge-tts returned no audio for voice {voice.voice}: check the voice name (edge-tts --list-voices)"
            ) from exc
        except edge_tts.exceptions.EdgeTTSException as exc:
            raise RenderError(f"edge-tts failed ({type(exc).__name__}: {exc}): try again or use espeak") from exc
        samples = _decode_mp3(audio, SAMPLE_RATE)
        write_wav(out, samples, SAMPLE_RATE)
        return samples.size / SAMPLE_RATE


def reachable(timeout_s: float = 2.0, host: str = SERVICE_HOST, port: int = 443) -> bool:
    """Return whether a TCP connection to the speech service opens within the timeout (DNS included)."""
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                result.append(True)
        except OSError:
            result.append(False)

    # getaddrinfo ignores socket timeouts, so the probe runs in a daemon thread we stop waiting for.
    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout_s)
    return bool(result and result[0])
