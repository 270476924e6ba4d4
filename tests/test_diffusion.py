"""The diffusers backend against a tiny random-weight Stable Diffusion folder: real loading, real inference."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# Plain imports: the dev extra installs diffusers, so a missing one fails loudly instead of skipping.
import safetensors.torch as _safetensors_torch
from PIL import Image

from memory.schema import Shot, ShotCharacter
from renderers.diffusion import INSTALL_HINT, DiffusersBackend
from renderers.protocols import HEIGHT, WIDTH, ImageBackend, RenderError, ShotImageRequest
from tests.fixtures_canon import canon_en
from tests.tiny_diffusion import build_tiny_sd, diffusers, torch, transformers

safetensors_torch: Any = _safetensors_torch


def _backend(folder: Path, device: str | None = "cpu", ip_adapter: Path | None = None) -> DiffusersBackend:
    """Make a backend at toy size: 64x112 (multiples of 8, about 9:16) in two steps."""
    return DiffusersBackend(folder, device=device, width=64, height=112, steps=2, ip_adapter=ip_adapter)


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the tiny Stable Diffusion folder once for this module."""
    return build_tiny_sd(tmp_path_factory.mktemp("diffusion"))


@pytest.fixture(scope="module")
def tiny_ip_adapter(tiny_sd: Path) -> Path:
    """Write a random IP-Adapter matching the tiny UNet, laid out like h94/IP-Adapter's models folder."""
    folder = tiny_sd.parent / "ip-adapter"
    torch.manual_seed(1)
    encoder = transformers.CLIPVisionModelWithProjection(
        transformers.CLIPVisionConfig(
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            image_size=32,
            patch_size=8,
            projection_dim=32,
        )
    )
    encoder.save_pretrained(folder / "image_encoder")
    unet = diffusers.UNet2DConditionModel.from_pretrained(tiny_sd / "unet")
    cross: int = unet.config.cross_attention_dim
    blocks = list(unet.config.block_out_channels)
    weights = {
        "image_proj.proj.weight": torch.randn(4 * cross, 32) * 0.1,
        "image_proj.proj.bias": torch.zeros(4 * cross),
        "image_proj.norm.weight": torch.ones(cross),
        "image_proj.norm.bias": torch.zeros(cross),
    }
    # The original IP-Adapter numbering: cross-attention processors are 1, 3, 5... in attn_processors order.
    cross_attention = [name for name in unet.attn_processors if name.endswith("attn2.processor")]
    for index, name in enumerate(cross_attention):
        block = int(name.split(".")[1]) if not name.startswith("mid_block") else 0
        width = (
            blocks[-1]
            if name.startswith("mid_block")
            else list(reversed(blocks))[block]
            if name.startswith("up_blocks")
            else blocks[block]
        )
        for part in ("to_k_ip", "to_v_ip"):
            weights[f"ip_adapter.{2 * index + 1}.{part}.weight"] = torch.randn(width, cross) * 0.1
    safetensors_torch.save_file(weights, str(folder / "ip-adapter_tiny.safetensors"))
    return folder / "ip-adapter_tiny.safetensors"


@pytest.fixture(scope="module")
def backend(tiny_sd: Path) -> DiffusersBackend:
    """Share one loaded backend across the module: loading is the slow part."""
    return _backend(tiny_sd)


def _request(
    out: Path,
    seed: int = 11,
    guide: Path | None = None,
    cast: tuple[str, ...] = (),
    references: dict[str, Path] | None = None,
) -> ShotImageRequest:
    shot = Shot(
        id="s01-sh01",
        scene_id="s01",
        duration_s=2.0,
        framing="CU",
        location_id="office",
        time_of_day="morning",
        description="Lin Wan studies the accounts.",
        visual_prompt="close-up, lin wan (28-year-old female, short black hair; wearing a grey suit), office",
        characters=[ShotCharacter(character_id=c, wardrobe_id="work") for c in cast],
    )
    return ShotImageRequest(
        shot=shot, canon=canon_en(), episode=1, out=out, seed=seed, guide=guide, references=references or {}
    )


def _pixels(path: Path) -> bytes:
    with Image.open(path) as image:
        data: bytes = image.tobytes()
    return data


def test_import_does_not_load_torch() -> None:
    code = "import sys, renderers.diffusion; sys.exit('torch' in sys.modules or 'diffusers' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1], check=False).returncode == 0


def test_text_to_image_writes_a_full_size_frame(backend: DiffusersBackend, tmp_path: Path) -> None:
    assert isinstance(backend, ImageBackend)
    assert backend.capabilities.img2img and backend.capabilities.deterministic
    assert not backend.capabilities.reference_images
    out = backend.render(_request(tmp_path / "frames" / "s01-sh01.png"))
    with Image.open(out) as image:
        assert image.format == "PNG" and image.mode == "RGB" and image.size == (WIDTH, HEIGHT)
    assert [p.name for p in out.parent.iterdir()] == ["s01-sh01.png"]  # no temporary file left behind


def test_same_seed_same_pixels_other_seed_differs(backend: DiffusersBackend, tmp_path: Path) -> None:
    first = backend.render(_request(tmp_path / "a.png", seed=5))
    again = backend.render(_request(tmp_path / "b.png", seed=5))
    other = backend.render(_request(tmp_path / "c.png", seed=6))
    assert _pixels(first) == _pixels(again)
    assert _pixels(first) != _pixels(other)


def test_image_to_image_follows_a_guide(backend: DiffusersBackend, tmp_path: Path) -> None:
    guide = tmp_path / "board.png"
    Image.new("RGB", (WIDTH, HEIGHT), (200, 40, 40)).save(guide)
    out = backend.render(_request(tmp_path / "guided.png", guide=guide))
    plain = backend.render(_request(tmp_path / "plain.png"))
    with Image.open(out) as image:
        assert image.size == (WIDTH, HEIGHT)
    assert _pixels(out) != _pixels(plain)
    with pytest.raises(RenderError, match="storyboard frame"):
        backend.render(_request(tmp_path / "x.png", guide=tmp_path / "missing.png"))


def test_cpu_is_chosen_without_cuda(tiny_sd: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    chosen = _backend(tiny_sd, device=None)
    chosen.render(_request(tmp_path / "cpu.png"))
    assert chosen.device == "cpu"


def test_missing_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"does not exist: download a diffusers-format model") as err:
        _backend(tmp_path / "nowhere").render(_request(tmp_path / "x.png"))
    assert str(tmp_path / "nowhere") in str(err.value)


def test_folder_without_model_index(tmp_path: Path) -> None:
    (tmp_path / "model.ckpt").write_bytes(b"\0" * 16)
    with pytest.raises(RenderError, match=r"no model_index\.json.*from_single_file"):
        _backend(tmp_path).render(_request(tmp_path / "x.png"))


def test_corrupt_weights(tiny_sd: Path, tmp_path: Path) -> None:
    broken = shutil.copytree(tiny_sd, tmp_path / "broken")
    (broken / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(RenderError, match=r"corrupt, copy or download the model folder again") as err:
        _backend(broken).render(_request(tmp_path / "x.png"))
    assert str(broken) in str(err.value)
    assert not (tmp_path / "x.png").exists()


def test_missing_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "diffusers", None)  # makes `import diffusers` raise ImportError
    with pytest.raises(RenderError) as err:
        _backend(tmp_path).render(_request(tmp_path / "x.png"))
    assert str(err.value) == INSTALL_HINT


def test_bad_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="multiples of 8"):
        DiffusersBackend(tmp_path, width=570, height=1024)


def test_ip_adapter_references_steer_the_frame(
    tiny_sd: Path, tiny_ip_adapter: Path, backend: DiffusersBackend, tmp_path: Path
) -> None:
    steered = _backend(tiny_sd, ip_adapter=tiny_ip_adapter)
    assert steered.capabilities.reference_images  # read from model_index.json, before loading anything
    refs = {"lin_wan": tmp_path / "lin.png", "marcus": tmp_path / "marcus.png"}
    Image.new("RGB", (48, 48), (20, 180, 20)).save(refs["lin_wan"])
    Image.new("RGB", (48, 48), (20, 20, 180)).save(refs["marcus"])
    alone = steered.render(_request(tmp_path / "none.png", cast=("lin_wan",)))
    one = steered.render(_request(tmp_path / "one.png", cast=("lin_wan",), references=refs))
    two = steered.render(_request(tmp_path / "two.png", cast=("lin_wan", "marcus"), references=refs))
    guided = steered.render(_request(tmp_path / "g.png", guide=one, cast=("lin_wan",), references=refs))
    assert steered.capabilities.reference_images
    # Without a reference for the shot's cast the adapter is off: the frame equals the plain backend's.
    assert _pixels(alone) == _pixels(backend.render(_request(tmp_path / "plain.png", cast=("lin_wan",))))
    assert len({_pixels(alone), _pixels(one), _pixels(two), _pixels(guided)}) == 4
