"""Which backends exist: built-ins registered explicitly, third parties through an entry-point group.

A third-party package adds a backend with, in its pyproject.toml:

    [project.entry-points."dramaroom.renderers"]
    "image.mybackend" = "mypackage.module:factory"

where `factory(settings: RenderSettings)` returns an object satisfying the
kind's Protocol in renderers.protocols.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from renderers.protocols import AssemblyBackend, ImageBackend, Kind, MusicBackend, RenderError, VoiceBackend

ENTRY_POINT_GROUP = "dramaroom.renderers"


@dataclass(frozen=True)
class RenderSettings:
    """What the workspace config says about rendering; backends read only what they need."""

    image: str = "storyboard"
    voice: str = "espeak"
    music: str = "procedural"
    assembly: str = "ffmpeg"
    annotate: bool = True
    fps: int = 24
    music_bed: bool = True
    model_path: Path | None = None  # diffusers: a local model folder
    ip_adapter: Path | None = None
    device: str | None = None
    steps: int = 20
    guidance: float = 6.0
    strength: float = 0.55
    width: int = 576
    height: int = 1024
    storyboard_guide: bool = True  # img2img backends follow an unannotated storyboard frame's composition
    references: Path | None = None  # folder of <character_id>.png reference images
    edge_timeout_s: float = 10.0


Factory = Callable[[RenderSettings], object]


def _storyboard(settings: RenderSettings) -> object:
    from renderers.storyboard import StoryboardBackend

    return StoryboardBackend(annotate=settings.annotate)


def _diffusers(settings: RenderSettings) -> object:
    from renderers.diffusion import DiffusersBackend

    if settings.model_path is None:
        raise RenderError(
            "the diffusers backend needs a local model folder: set [render] model_path in dramaroom.toml "
            "(a diffusers folder with model_index.json, e.g. SD-Turbo or SD 1.5)"
        )
    return DiffusersBackend(
        settings.model_path,
        device=settings.device,
        steps=settings.steps,
        guidance=settings.guidance,
        strength=settings.strength,
        width=settings.width,
        height=settings.height,
        ip_adapter=settings.ip_adapter,
    )


def _espeak(settings: RenderSettings) -> object:
    from renderers.voices_espeak import EspeakVoices

    return EspeakVoices()


def _edge(settings: RenderSettings) -> object:
    from renderers.voices_edge import EdgeTtsVoices

    return EdgeTtsVoices(timeout_s=settings.edge_timeout_s)


def _procedural(settings: RenderSettings) -> object:
    from renderers.music import ProceduralMusic

    return ProceduralMusic()


def _ffmpeg(settings: RenderSettings) -> object:
    from renderers.assembly import FfmpegAssembly

    return FfmpegAssembly()


BUILTINS: dict[Kind, dict[str, Factory]] = {
    "image": {"storyboard": _storyboard, "diffusers": _diffusers},
    "voice": {"espeak": _espeak, "edge-tts": _edge},
    "music": {"procedural": _procedural},
    "assembly": {"ffmpeg": _ffmpeg},
    "export": {},
}


def _plugins(kind: Kind) -> dict[str, Factory]:
    found: dict[str, Factory] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        prefix, _, name = entry.name.partition(".")
        if prefix == kind and name:
            found[name] = entry.load()
    return found


def names(kind: Kind) -> list[str]:
    """Return every backend name available for a kind, built-ins first."""
    return [*BUILTINS[kind], *sorted(set(_plugins(kind)) - set(BUILTINS[kind]))]


def create(kind: Kind, name: str, settings: RenderSettings) -> object:
    """Instantiate a backend by kind and name, failing with the list of known names."""
    factory = BUILTINS[kind].get(name) or _plugins(kind).get(name)
    if factory is None:
        raise RenderError(f"unknown {kind} backend {name!r}: choose one of {', '.join(names(kind))}")
    return factory(settings)


@dataclass(frozen=True)
class Backends:
    """The backends one render uses."""

    image: ImageBackend
    guide: ImageBackend | None
    voice: VoiceBackend
    music: MusicBackend | None
    assembly: AssemblyBackend


def _checked(kind: Kind, name: str, backend: object, protocol: type) -> object:
    if not isinstance(backend, protocol):
        raise RenderError(f"the {kind} backend {name!r} does not implement {protocol.__name__}; fix or remove it")
    return backend


def backends_for(settings: RenderSettings) -> Backends:
    """Create and check the backends a settings object names."""
    image = _checked("image", settings.image, create("image", settings.image, settings), ImageBackend)
    voice = _checked("voice", settings.voice, create("voice", settings.voice, settings), VoiceBackend)
    music = (
        _checked("music", settings.music, create("music", settings.music, settings), MusicBackend)
        if settings.music_bed and settings.music
        else None
    )
    assembly = _checked("assembly", settings.assembly, create("assembly", settings.assembly, settings), AssemblyBackend)
    guide = None
    if settings.storyboard_guide and settings.image != "storyboard" and image.capabilities.img2img:  # type: ignore[attr-defined]
        guide = create("image", "storyboard", RenderSettings(annotate=False))
    return Backends(image=image, guide=guide, voice=voice, music=music, assembly=assembly)  # type: ignore[arg-type]
