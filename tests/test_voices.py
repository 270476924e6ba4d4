"""Voice backends: espeak speaks offline; edge-tts fails fast offline and works against a local fake service."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

import pytest

from memory.schema import Character, Emotion, Language, Voice
from renderers.audio import read_wav, rms, wav_seconds
from renderers.casting import EMOTION_PROSODY, cast_voice
from renderers.protocols import RenderError, VoiceBackend, VoiceSpec
from renderers.voices_edge import EdgeTtsVoices
from renderers.voices_espeak import EspeakVoices
from tests.fixtures_canon import canon_en

EN = "I never asked for your money, and I never will."
ZH = "你以为我还是三年前那个任人欺负的林婉吗？"


def _cast_of_six() -> list[Character]:
    base = canon_en().characters[0]
    people = [("lin_wan", "female", "mid"), ("chen_hao", "male", "low"), ("marcus", "male", "mid"),
              ("mei", "female", "high"), ("su_qing", "female", "mid"), ("old_zhou", "male", "low")]  # fmt: skip
    return [base.model_copy(update={"id": cid, "gender": g, "voice": Voice(gender=g, pitch=p)}) for cid, g, p in people]


@pytest.fixture(scope="module")
def espeak() -> EspeakVoices:
    return EspeakVoices()


def _speak(backend: EspeakVoices, text: str, out: Path, emotion: Emotion = "neutral", lang: str = "en") -> float:
    voice = backend.cast(_cast_of_six()[0], "zh" if lang == "zh" else "en")
    return backend.speak(text, voice, emotion, out)


@pytest.mark.parametrize(("lang", "text"), [("en", EN), ("zh", ZH)])
def test_espeak_speaks_english_and_mandarin(espeak: EspeakVoices, tmp_path: Path, lang: str, text: str) -> None:
    out = tmp_path / f"{lang}.wav"
    seconds = _speak(espeak, text, out, lang=lang)
    samples, rate = read_wav(out)
    assert rate == 22050
    assert seconds > 0.3
    assert abs(wav_seconds(out) - seconds) < 1e-3
    assert rms(samples) > 0.01
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temp files left behind


def test_espeak_protocol_and_voice_names(espeak: EspeakVoices) -> None:
    assert isinstance(espeak, VoiceBackend)
    assert not espeak.capabilities.needs_network
    cast = _cast_of_six()
    assert espeak.cast(cast[0], "en").voice.startswith("en-")
    assert espeak.cast(cast[0], "zh").voice.startswith("cmn+")


def test_espeak_duration_grows_with_text(espeak: EspeakVoices, tmp_path: Path) -> None:
    short = _speak(espeak, "Get out.", tmp_path / "a.wav")
    long = _speak(espeak, EN + " " + EN, tmp_path / "b.wav")
    assert long > 2 * short


def test_emotion_changes_delivery(espeak: EspeakVoices, tmp_path: Path) -> None:
    angry = _speak(espeak, EN, tmp_path / "angry.wav", "angry")
    sad = _speak(espeak, EN, tmp_path / "sad.wav", "sad")
    assert angry < 0.9 * sad
    assert set(EMOTION_PROSODY) == set(get_args(Emotion))


def test_espeak_empty_text_is_an_actionable_error(espeak: EspeakVoices, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="empty text"):
        _speak(espeak, "  \n", tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


def test_espeak_missing_library_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import espeakng_loader

    from renderers import voices_espeak

    monkeypatch.setattr(voices_espeak, "_ENGINE", None)  # as in a fresh process
    monkeypatch.setattr(espeakng_loader, "get_library_path", lambda: str(tmp_path / "missing.so"))
    with pytest.raises(RenderError, match=r"espeak-ng could not be loaded .*pip install"):
        voices_espeak.EspeakVoices().speak(
            "hello", VoiceSpec(backend="espeak", voice="en-us"), "neutral", tmp_path / "x"
        )
    assert not (tmp_path / "x").exists()


def test_espeak_unknown_voice(espeak: EspeakVoices, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="no voice"):
        espeak.speak("hello", VoiceSpec(backend="espeak", voice="xx-nowhere"), "neutral", tmp_path / "x.wav")


def test_espeak_is_safe_from_threads(espeak: EspeakVoices, tmp_path: Path) -> None:
    lengths: dict[int, float] = {}

    def work(i: int) -> None:
        lengths[i] = _speak(espeak, EN, tmp_path / f"{i}.wav")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Same text and voice: equal lengths (espeak jitters by a few samples); interleaving would double or drop audio.
    alone = _speak(espeak, EN, tmp_path / "alone.wav")
    assert all(abs(length - alone) < 0.01 for length in lengths.values())


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("backend_type", [EspeakVoices, EdgeTtsVoices])
def test_casting_is_stable_and_distinct(backend_type: type[EspeakVoices | EdgeTtsVoices], lang: str) -> None:
    cast = _cast_of_six()
    language: Language = "zh" if lang == "zh" else "en"
    first = backend_type().cast_all(cast, language)
    again = backend_type().cast_all(cast, language)
    assert first == again
    assert len({spec.voice for spec in first.values()}) == 6
    one = backend_type()
    assert one.cast(cast[3], language) == one.cast(cast[3], language)
    for character in cast:
        assert first[character.id].gender == character.voice.gender


def test_cast_voice_honours_canon() -> None:
    low, high = _cast_of_six()[1], _cast_of_six()[1].model_copy(update={"voice": Voice(gender="male", pitch="high")})
    slow = low.model_copy(update={"voice": Voice(gender="male", rate="slow")})
    fast = low.model_copy(update={"voice": Voice(gender="male", rate="fast")})
    pool = ["a", "b", "c"]
    assert cast_voice(low, "en", pool)[1] < cast_voice(high, "en", pool)[1]
    assert cast_voice(slow, "en", pool)[2] < cast_voice(fast, "en", pool)[2]
    assert cast_voice(low, "en", pool, taken={cast_voice(low, "en", pool)[0]})[0] != cast_voice(low, "en", pool)[0]


# ------------------------------------------------------------------ edge-tts


def _edge_voice() -> VoiceSpec:
    return EdgeTtsVoices().cast(_cast_of_six()[0], "zh")


def test_edge_offline_fails_fast_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import edge_tts.communicate

    # A name that can never resolve (RFC 6761), so this fails offline and online alike.
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", "wss://speech.invalid/edge/v1?TrustedClientToken=x")
    out = tmp_path / "line.wav"
    started = time.monotonic()
    with pytest.raises(RenderError, match=r'cannot reach the speech service .*voices = "espeak"'):
        EdgeTtsVoices(timeout_s=2.5).speak(ZH, _edge_voice(), "angry", out)
    assert time.monotonic() - started < 3.0
    assert list(tmp_path.iterdir()) == []


def test_edge_silent_server_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import edge_tts.communicate

    # Where DNS resolves but nothing answers: a socket that listens and never speaks.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"ws://127.0.0.1:{server.getsockname()[1]}/edge/v1?TrustedClientToken=x"
        monkeypatch.setattr(edge_tts.communicate, "WSS_URL", url)
        started = time.monotonic()
        with pytest.raises(RenderError, match="no answer within 1 s"):
            EdgeTtsVoices(timeout_s=1.0).speak(EN, _edge_voice(), "neutral", tmp_path / "x.wav")
        assert time.monotonic() - started < 3.0
    assert list(tmp_path.iterdir()) == []


def test_edge_reachable_probe() -> None:
    from renderers.voices_edge import reachable

    assert not reachable(1.0, host="speech.invalid")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert reachable(1.0, host="127.0.0.1", port=server.getsockname()[1])


def test_edge_empty_text(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="empty text"):
        EdgeTtsVoices().speak(" ", _edge_voice(), "neutral", tmp_path / "x.wav")


def test_edge_prosody_strings() -> None:
    voice = VoiceSpec(backend="edge-tts", voice="en-US-GuyNeural", pitch=50, rate=100)
    assert EdgeTtsVoices.prosody_strings(voice, "neutral") == {"rate": "+0%", "pitch": "+0Hz", "volume": "+0%"}
    angry, sad = EdgeTtsVoices.prosody_strings(voice, "angry"), EdgeTtsVoices.prosody_strings(voice, "sad")
    assert angry["rate"].startswith("+") and sad["rate"].startswith("-")


@dataclass
class FakeEdgeService:
    """A local stand-in for the read-aloud websocket: answers each SSML request with real MP3 frames."""

    mp3: bytes
    mode: str = "speak"  # "speak" or "mute" (closes without audio)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: object) -> object:
        from aiohttp import web

        assert isinstance(request, web.Request)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            text = str(message.data)
            if "Path:ssml" not in text:
                continue
            self.requests.append(text)
            if self.mode == "mute":
                break
            head = "X-RequestId:fake\r\nContent-Type:application/json; charset=utf-8\r\n"
            await ws.send_str(f"{head}Path:turn.start\r\n\r\n{{}}")
            header = b"X-RequestId:fake\r\nContent-Type:audio/mpeg\r\nPath:audio\r\n"
            for start in range(0, len(self.mp3), 4096):
                await ws.send_bytes(len(header).to_bytes(2, "big") + header + self.mp3[start : start + 4096])
            await ws.send_str(f"{head}Path:turn.end\r\n\r\n{{}}")
        await ws.close()
        return ws


@pytest.fixture
def fake_edge(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEdgeService]:
    import edge_tts.communicate
    import imageio_ffmpeg
    from aiohttp import web

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=300:duration=1.5",
               "-ac", "1", "-ar", "24000", "-b:a", "48k", "-f", "mp3", "pipe:1"]  # fmt: skip
    service = FakeEdgeService(mp3=subprocess.run(command, capture_output=True, check=True).stdout)
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_get("/edge/v1", service.handle)  # type: ignore[arg-type]
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    service.url = f"ws://127.0.0.1:{port}/edge/v1?TrustedClientToken=x"
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", service.url)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def test_edge_speaks_through_the_real_client(fake_edge: FakeEdgeService, tmp_path: Path) -> None:
    out = tmp_path / "line.wav"
    voice = _edge_voice()
    seconds = EdgeTtsVoices(timeout_s=5).speak(ZH, voice, "angry", out)
    samples, rate = read_wav(out)
    assert rate == 24000
    assert abs(seconds - 1.5) < 0.1
    assert rms(samples) > 0.05  # lavfi's sine has amplitude 1/8
    assert list(tmp_path.iterdir()) == [out]
    (ssml,) = fake_edge.requests
    assert ZH in ssml
    assert voice.voice.split("-")[-1].removesuffix("Neural") in ssml
    assert "rate='+" in ssml  # angry speeds up


def test_edge_speaks_inside_a_running_event_loop(fake_edge: FakeEdgeService, tmp_path: Path) -> None:
    async def inside() -> float:
        return EdgeTtsVoices(timeout_s=5).speak(EN, _edge_voice(), "neutral", tmp_path / "a.wav")

    assert asyncio.run(inside()) > 1.0


def test_edge_no_audio_is_reported(fake_edge: FakeEdgeService, tmp_path: Path) -> None:
    fake_edge.mode = "mute"
    with pytest.raises(RenderError, match="no audio"):
        EdgeTtsVoices(timeout_s=5).speak(EN, _edge_voice(), "neutral", tmp_path / "x.wav")
    assert list(tmp_path.iterdir()) == []
    assert len(fake_edge.requests) == 1
