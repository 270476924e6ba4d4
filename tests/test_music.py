"""Procedural music: exact-length beds, known and unknown cues, and the audible AI label."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from memory.schema import Character
from renderers.audio import read_wav, resample, rms, tone, wav_seconds, write_wav
from renderers.music import (
    RATE,
    ProceduralMusic,
    ai_audio_cue,
    ai_audio_cue_samples,
    cue_id,
    detect_ai_audio_cue,
    mood_key,
)
from renderers.protocols import MusicBackend
from renderers.voices_espeak import EspeakVoices
from tests.fixtures_canon import canon_en


@pytest.mark.parametrize(("seconds", "mood"), [(7.3, "tense"), (12.0, "warm"), (30.01, "sad"), (0.5, "who knows")])
def test_bed_has_exact_length_and_sound(tmp_path: Path, seconds: float, mood: str) -> None:
    music = ProceduralMusic()
    assert isinstance(music, MusicBackend)
    out = music.bed(seconds, mood, tmp_path / "bed.wav")
    samples, rate = read_wav(out)
    assert abs(samples.size - seconds * rate) <= 1
    assert rms(samples) > 0.01 and np.max(np.abs(samples)) < 0.5  # audible but quiet
    assert [p.name for p in tmp_path.iterdir()] == ["bed.wav"]


def test_moods_choose_different_music(tmp_path: Path) -> None:
    moods = [mood_key(m) for m in ("Tense", "melancholy", "温暖", "??")]
    assert moods == ["tense", "sad", "warm", "tense"]
    beds = [read_wav(ProceduralMusic().bed(5.0, m, tmp_path / f"{m}.wav"))[0] for m in ("tense", "warm", "sad")]
    assert not np.allclose(beds[0], beds[1]) and not np.allclose(beds[1], beds[2])


def test_bed_is_deterministic(tmp_path: Path) -> None:
    a = ProceduralMusic().bed(3.0, "sad", tmp_path / "a.wav").read_bytes()
    assert a == ProceduralMusic().bed(3.0, "sad", tmp_path / "b.wav").read_bytes()


@pytest.mark.parametrize(
    ("name", "expected"),
    [("sting", "sting"), ("heartbeat", "heartbeat"), ("low drone", "low_drone"), ("Door slams!", "door_slam"),
     ("whoosh", "whoosh"), ("thunder rumbles", "thunder"), ("心跳", "heartbeat"), ("knock at the door", "knock"),
     ("phone buzzes", "phone_buzz")],
)  # fmt: skip
def test_known_cues(tmp_path: Path, name: str, expected: str) -> None:
    assert cue_id(name) == expected
    out = ProceduralMusic().cue(name, tmp_path / "cue.wav")
    assert out is not None
    samples, rate = read_wav(out)
    assert rate == RATE and 0.3 < samples.size / rate < 6 and rms(samples) > 0.01


@pytest.mark.parametrize("name", ["cut to black", "", "string quartet swells", "silence"])
def test_unknown_cues(tmp_path: Path, name: str) -> None:
    assert ProceduralMusic().cue(name, tmp_path / "cue.wav") is None
    assert not (tmp_path / "cue.wav").exists()


def test_ai_cue_round_trips(tmp_path: Path) -> None:
    out = ai_audio_cue(tmp_path / "label.wav")
    samples, rate = read_wav(out)
    assert 0.9 < wav_seconds(out) < 1.5
    assert detect_ai_audio_cue(samples, rate)
    for other in (44100, 48000):  # the assembler may mix at another rate
        assert detect_ai_audio_cue(resample(samples, rate, other), other)


def _speech(tmp_path: Path) -> npt.NDArray[np.float32]:
    voices = EspeakVoices()
    character: Character = canon_en().characters[0]
    voices.speak("Three years ago you threw me out. Now look who owns the building.",
                 voices.cast(character, "en"), "angry", tmp_path / "speech.wav")  # fmt: skip
    return read_wav(tmp_path / "speech.wav")[0]


def test_ai_cue_detected_under_a_mix(tmp_path: Path) -> None:
    speech = _speech(tmp_path)
    label = ai_audio_cue_samples()
    mix = np.concatenate([np.zeros(RATE // 10, np.float32), label, speech])
    bed = read_wav(ProceduralMusic().bed(mix.size / RATE, "tense", tmp_path / "bed.wav"))[0]
    assert detect_ai_audio_cue(0.8 * mix + bed[: mix.size], RATE)
    assert detect_ai_audio_cue(0.05 * mix, RATE)  # after a quiet master


def test_ai_cue_not_found_elsewhere(tmp_path: Path) -> None:
    speech = _speech(tmp_path)
    assert not detect_ai_audio_cue(speech, RATE)
    assert not detect_ai_audio_cue(tone(880, 1.0, RATE), RATE)
    assert not detect_ai_audio_cue(np.zeros(RATE, np.float32), RATE)
    assert not detect_ai_audio_cue(read_wav(ProceduralMusic().bed(4.0, "warm", tmp_path / "b.wav"))[0], RATE)
    label = ai_audio_cue_samples()
    assert not detect_ai_audio_cue(np.concatenate([np.zeros(5 * RATE, np.float32), label]), RATE)  # not at the start
    beeps = np.concatenate([tone(880, 0.12, RATE), np.zeros(RATE // 10)] * 4).astype(np.float32)
    assert not detect_ai_audio_cue(beeps, RATE)  # four shorts is another rhythm


def test_wav_helpers(tmp_path: Path) -> None:
    out = write_wav(tmp_path / "deep" / "t.wav", tone(440, 0.5, 16000), 16000)
    samples, rate = read_wav(out)
    assert rate == 16000 and samples.size == 8000 and wav_seconds(out) == 0.5
    assert abs(rms(samples) - 0.5 / np.sqrt(2)) < 0.01
    assert resample(samples, 16000, 22050).size == round(8000 * 22050 / 16000)
