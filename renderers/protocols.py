"""Rendering contracts: one Protocol per kind of backend, with capability flags, and the data they pass.

Backends import `memory.schema` only. Heavy dependencies (torch, diffusers)
are imported lazily inside a backend, with an actionable error when missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from memory.schema import Canon, Character, Emotion, Language, Shot

WIDTH = 1080
HEIGHT = 1920
Kind = Literal["image", "voice", "music", "assembly", "export"]


class RenderError(Exception):
    """A rendering failure a user can act on; the message is one line: what, why, what to do."""


# ------------------------------------------------------------------------ images


@dataclass(frozen=True)
class ImageCapabilities:
    text_to_image: bool = True
    reference_images: bool = False  # per-character reference (IP-Adapter)
    img2img: bool = False  # storyboard frame as composition guide
    needs_gpu: bool = False
    deterministic: bool = True


@dataclass(frozen=True)
class ShotImageRequest:
    """Everything needed to draw one shot's key frame."""

    shot: Shot
    canon: Canon
    episode: int
    out: Path  # PNG to write, WIDTH x HEIGHT
    seed: int  # fixed per character and shot
    guide: Path | None = None  # a storyboard frame to follow (img2img)
    references: dict[str, Path] = field(default_factory=dict)  # character id -> reference image


@runtime_checkable
class ImageBackend(Protocol):
    name: str
    capabilities: ImageCapabilities

    def render(self, request: ShotImageRequest) -> Path:
        """Write the shot's frame to request.out and return it."""
        ...


# ------------------------------------------------------------------------ voices


@dataclass(frozen=True)
class VoiceCapabilities:
    languages: tuple[Language, ...] = ("en", "zh")
    needs_network: bool = False
    emotion: bool = True  # maps emotion to rate/pitch or style


@dataclass(frozen=True)
class VoiceSpec:
    """A character's voice for the whole series, as a backend understands it."""

    backend: str
    voice: str  # backend voice name, e.g. "en-us" or "zh-CN-XiaoxiaoNeural"
    pitch: int = 50  # 0-100
    rate: int = 165  # words per minute (espeak) or percent base for neural voices
    gender: Literal["female", "male", "neutral"] = "neutral"


@runtime_checkable
class VoiceBackend(Protocol):
    name: str
    capabilities: VoiceCapabilities

    def cast(self, character: Character, language: Language) -> VoiceSpec:
        """Choose a distinct, stable voice for a character."""
        ...

    def speak(self, text: str, voice: VoiceSpec, emotion: Emotion, out: Path) -> float:
        """Write speech as a mono 16-bit WAV at out; return its duration in seconds."""
        ...


# ------------------------------------------------------------------------- music


@dataclass(frozen=True)
class MusicCapabilities:
    beds: bool = True  # a music bed for the whole episode
    cues: bool = True  # short sound cues (sting, heartbeat, door slam)


@runtime_checkable
class MusicBackend(Protocol):
    name: str
    capabilities: MusicCapabilities

    def bed(self, seconds: float, mood: str, out: Path) -> Path:
        """Write a music bed WAV of the given length."""
        ...

    def cue(self, name: str, out: Path) -> Path | None:
        """Write a sound cue WAV, or None for a cue it does not know."""
        ...


# ---------------------------------------------------------------------- assembly


@dataclass(frozen=True)
class TimedShot:
    """One shot placed on the episode timeline with its media."""

    shot: Shot
    start: float
    duration: float
    frame: Path
    subtitle: str = ""
    speech: Path | None = None  # WAV of the line this shot opens
    speech_at: float | None = None  # when the speech starts (seconds from the episode start); None means `start`
    cues: tuple[Path, ...] = ()


@dataclass(frozen=True)
class LabelSpec:
    """The AI-content labels every output carries (GB 45438-2025, EU AI Act Art. 50)."""

    text: str  # visible label, e.g. "AI生成" or "AI-generated"
    seconds: float = 3.0  # on screen at the start, at least 2 s
    corner: str = "AI"  # small persistent mark
    producer: str = "dramaroom"
    produce_id: str = ""  # unique per output
    filing_number: str = ""  # distribution filing number slot for the opening credits


@dataclass(frozen=True)
class AssemblyPlan:
    shots: list[TimedShot]
    out: Path  # final MP4
    labels: LabelSpec
    language: Language
    fps: int = 24
    width: int = WIDTH
    height: int = HEIGHT
    music: Path | None = None
    subtitles: Path | None = None  # SRT to burn in
    black_tail: float = 0.8  # cut to black on the cliffhanger
    segment_cache: Path | None = None  # where encoded shot segments are kept; None: a temporary folder


@dataclass(frozen=True)
class AssemblyCapabilities:
    camera_moves: bool = True
    burned_subtitles: bool = True
    ducking: bool = True


@runtime_checkable
class AssemblyBackend(Protocol):
    name: str
    capabilities: AssemblyCapabilities

    def assemble(self, plan: AssemblyPlan) -> Path:
        """Write the episode MP4 (to a temporary name, renamed on success) and return its path."""
        ...
