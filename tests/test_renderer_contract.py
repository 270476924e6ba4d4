"""One contract, every registered backend: each kind's Protocol, capability flags, and real output."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from memory.schema import Shot, ShotCharacter
from renderers import registry
from renderers.audio import read_wav, wav_seconds
from renderers.protocols import (
    HEIGHT,
    WIDTH,
    AssemblyBackend,
    AssemblyPlan,
    ImageBackend,
    LabelSpec,
    MusicBackend,
    RenderError,
    ShotImageRequest,
    TimedShot,
    VoiceBackend,
)
from renderers.registry import RenderSettings
from tests.fixtures_canon import canon_en
from tests.test_voices import fake_edge  # noqa: F401 - the real edge-tts client against a local fake service
from tests.tiny_diffusion import build_tiny_sd


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> RenderSettings:
    model = build_tiny_sd(tmp_path_factory.mktemp("contract"))
    return RenderSettings(model_path=model, steps=2, device="cpu", edge_timeout_s=5.0)


def shot() -> Shot:
    canon = canon_en()
    person = canon.characters[0]
    return Shot(
        id="s01-sh01",
        scene_id="s01",
        duration_s=2.0,
        framing="CU",
        location_id=canon.locations[0].id,
        time_of_day="night",
        description="Close on her face as the lights go out.",
        characters=[ShotCharacter(character_id=person.id, wardrobe_id=person.wardrobe[0].id)],
        visual_prompt="close-up, a woman in a dark corridor at night",
    )


def test_every_kind_has_builtins_and_names_are_unique() -> None:
    for kind in ("image", "voice", "music", "assembly"):
        names = registry.names(kind)
        assert names and len(names) == len(set(names))
    with pytest.raises(RenderError, match="unknown image backend 'nope': choose one of storyboard, diffusers"):
        registry.create("image", "nope", RenderSettings())


@pytest.mark.parametrize("name", registry.names("image"))
def test_image_backends(name: str, settings: RenderSettings, tmp_path: Path) -> None:
    backend = registry.create("image", name, settings)
    assert isinstance(backend, ImageBackend) and backend.name == name
    out = tmp_path / "frame.png"
    request = ShotImageRequest(shot=shot(), canon=canon_en(), episode=1, out=out, seed=11)
    assert backend.render(request) == out
    from PIL import Image

    with Image.open(out) as image:
        assert image.size == (WIDTH, HEIGHT) and image.mode == "RGB"
    if backend.capabilities.deterministic:
        # A second render of the same request into another file must give the same pixels; a different shot must not.
        again = tmp_path / "again.png"
        backend.render(replace(request, out=again))
        other = tmp_path / "other.png"
        changed = shot().model_copy(
            update={"framing": "WS", "time_of_day": "morning", "description": "A street.", "visual_prompt": "a street"}
        )
        backend.render(replace(request, out=other, shot=changed, seed=12))
        with Image.open(out) as a, Image.open(again) as b, Image.open(other) as c:
            assert a.tobytes() == b.tobytes()
            assert a.tobytes() != c.tobytes()


@pytest.mark.parametrize("name", registry.names("voice"))
def test_voice_backends(name: str, settings: RenderSettings, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    backend = registry.create("voice", name, settings)
    assert isinstance(backend, VoiceBackend) and backend.name == name
    canon = canon_en()
    if backend.capabilities.needs_network:
        request.getfixturevalue("fake_edge")
    spec = backend.cast(canon.characters[0], "en")
    assert spec == backend.cast(canon.characters[0], "en"), "casting is stable"
    out = tmp_path / "line.wav"
    seconds = backend.speak("The lights are out. Who is there?", spec, "afraid", out)
    samples, rate = read_wav(out)
    assert seconds > 0.5 and abs(seconds - wav_seconds(out)) < 0.05 and rate >= 16000 and abs(samples).max() > 0.01


@pytest.mark.parametrize("name", registry.names("music"))
def test_music_backends(name: str, settings: RenderSettings, tmp_path: Path) -> None:
    backend = registry.create("music", name, settings)
    assert isinstance(backend, MusicBackend) and backend.name == name
    bed = backend.bed(4.0, "tense", tmp_path / "bed.wav")
    assert abs(wav_seconds(bed) - 4.0) < 0.05
    if backend.capabilities.cues:
        assert backend.cue("sting", tmp_path / "sting.wav") is not None


@pytest.mark.parametrize("name", registry.names("assembly"))
def test_assembly_backends(name: str, settings: RenderSettings, tmp_path: Path) -> None:
    backend = registry.create("assembly", name, settings)
    assert isinstance(backend, AssemblyBackend) and backend.name == name
    frame = tmp_path / "f.png"
    registry.create("image", "storyboard", settings).render(  # type: ignore[attr-defined]
        ShotImageRequest(shot=shot(), canon=canon_en(), episode=1, out=frame, seed=1)
    )
    plan = AssemblyPlan(
        shots=[TimedShot(shot=shot(), start=0.0, duration=2.5, frame=frame)],
        out=tmp_path / "e.mp4",
        labels=LabelSpec(text="AI-generated · AI生成"),
        language="en",
    )
    assert backend.assemble(plan).stat().st_size > 0
    assert not list(tmp_path.glob("*partial*"))
