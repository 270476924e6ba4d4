"""Key frames from a local diffusers model folder: text-to-image, or image-to-image over a storyboard frame.

torch and diffusers are imported on the first render, never at import time, so the
rest of dramaroom runs without the diffusion extra. Weights only ever come from a
folder the user points at: nothing is downloaded.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PIL import Image, ImageOps

from renderers.protocols import HEIGHT, WIDTH, ImageCapabilities, RenderError, ShotImageRequest

if TYPE_CHECKING:
    import torch

NEGATIVE_PROMPT = (
    "blurry, low quality, jpeg artifacts, deformed face, distorted hands, extra fingers, extra limbs, "
    "text, caption, watermark, logo, signature, frame border, nsfw"
)
INSTALL_HINT = "the diffusers backend needs the diffusion extra: pip install 'dramaroom[diffusion]'"
# Pipelines whose load_ip_adapter takes (folder, subfolder, weight_name): diffusers' IPAdapterMixin.
IP_ADAPTER_PIPELINES = frozenset({"StableDiffusionPipeline", "StableDiffusionXLPipeline"})
IP_ADAPTER_SCALE = 0.6
IP_ADAPTER_WEIGHTS = (".safetensors", ".bin")


class _Pipeline(Protocol):
    """The part of a diffusers pipeline this backend uses (diffusers' own classes are lazily typed)."""

    def __call__(self, **kwargs: Any) -> Any: ...

    def to(self, device: str) -> _Pipeline: ...

    def set_progress_bar_config(self, **kwargs: Any) -> None: ...

    def set_ip_adapter_scale(self, scale: float) -> None: ...


def _pipeline_class(model_path: Path) -> str:
    """Return the pipeline class named in a folder's model_index.json, or "" when it cannot be read."""
    try:
        index = json.loads((model_path / "model_index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    name = index.get("_class_name", "") if isinstance(index, dict) else ""
    return name if isinstance(name, str) else ""


def _fit_frame(image: Image.Image) -> Image.Image:
    """Scale an image to fit WIDTH x HEIGHT and letterbox the rest black, so every frame is exactly 9:16."""
    image = image.convert("RGB")
    scale = min(WIDTH / image.width, HEIGHT / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    resized = image.resize(size, Image.Resampling.LANCZOS)
    if size == (WIDTH, HEIGHT):
        return resized
    frame = Image.new("RGB", (WIDTH, HEIGHT), (0, 0, 0))
    frame.paste(resized, ((WIDTH - size[0]) // 2, (HEIGHT - size[1]) // 2))
    return frame


def _write_png(image: Image.Image, out: Path) -> Path:
    """Write a PNG under a temporary name and rename it, so a crash never leaves half a frame."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".png", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            # Frames are intermediate assets: fast compression (3x quicker than the default, ~15% larger).
            image.save(handle, format="PNG", compress_level=1)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


class DiffusersBackend:
    """Draw shot frames with a diffusers text-to-image model loaded from a local folder."""

    name = "diffusers"

    def __init__(
        self,
        model_path: Path,
        *,
        device: str | None = None,
        steps: int = 20,
        guidance: float = 6.0,
        strength: float = 0.55,
        width: int = 576,
        height: int = 1024,
        ip_adapter: Path | None = None,
    ) -> None:
        if width % 8 or height % 8 or width <= 0 or height <= 0:
            raise RenderError(f"diffusers size {width}x{height} is invalid: use multiples of 8, e.g. 576x1024 (9:16)")
        if steps < 1 or not 0.0 < strength <= 1.0:
            raise RenderError(f"diffusers steps={steps}, strength={strength}: use steps >= 1 and 0 < strength <= 1")
        self.model_path = Path(model_path).expanduser()
        self.device = device  # the requested device until the first render, then the one in use
        self.steps = steps
        self.guidance = guidance
        self.strength = strength
        self.width = width
        self.height = height
        self.ip_adapter = Path(ip_adapter).expanduser() if ip_adapter is not None else None
        # Read from model_index.json without importing torch; corrected once the pipeline is loaded.
        self.capabilities = ImageCapabilities(
            text_to_image=True,
            img2img=True,
            reference_images=self.ip_adapter is not None and _pipeline_class(self.model_path) in IP_ADAPTER_PIPELINES,
            needs_gpu=False,
            deterministic=True,
        )
        self._text2img: _Pipeline | None = None
        self._img2img: _Pipeline | None = None
        self._ip_loaded = False

    # ------------------------------------------------------------------ loading

    def _check_folder(self) -> None:
        """Fail early, with what to do, on a folder that cannot be a diffusers model."""
        folder = self.model_path
        if not folder.is_dir():
            raise RenderError(
                f"diffusers model folder {folder} does not exist: download a diffusers-format model "
                "(e.g. Stable Diffusion 1.5) to a local folder and pass its path"
            )
        if not (folder / "model_index.json").is_file():
            raise RenderError(
                f"{folder} is not a diffusers model folder (no model_index.json): point at the folder that holds "
                "model_index.json, or convert a single-file checkpoint with diffusers' from_single_file and "
                "save_pretrained"
            )

    def _load(self) -> _Pipeline:
        """Import torch and diffusers and load the text-to-image pipeline once."""
        if self._text2img is not None:
            return self._text2img
        try:
            import torch
            from diffusers import AutoPipelineForText2Image
        except ImportError as exc:
            raise RenderError(INSTALL_HINT) from exc
        self._check_folder()
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        # Half precision halves GPU memory; CPU kernels for fp16 are slow or missing, so CPU stays fp32.
        dtype = torch.float16 if device.startswith("cuda") else torch.float32
        try:
            pipe: _Pipeline = AutoPipelineForText2Image.from_pretrained(  # type: ignore[no-untyped-call]
                str(self.model_path), torch_dtype=dtype, local_files_only=True
            )
            pipe = pipe.to(device)
        except Exception as exc:  # diffusers raises OSError, ValueError, SafetensorError… for a bad folder
            raise RenderError(
                f"could not load the diffusers model in {self.model_path} ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}): it must be a complete text-to-image "
                "diffusers model; if its weights are incomplete or corrupt, copy or download the model folder again"
            ) from exc
        pipe.set_progress_bar_config(disable=True)
        self.device = device
        self._text2img = pipe
        self._load_ip_adapter(pipe)
        return pipe

    def _ip_adapter_file(self) -> Path:
        """Find the IP-Adapter weight file: the configured file, or the only weight file in a folder."""
        path = self.ip_adapter
        assert path is not None
        if path.is_file():
            return path
        found = sorted(p for p in path.glob("*") if p.suffix in IP_ADAPTER_WEIGHTS) if path.is_dir() else []
        if len(found) != 1:
            raise RenderError(
                f"IP-Adapter {path}: expected a weight file such as ip-adapter_sd15.safetensors (or a folder with "
                "exactly one) next to an image_encoder folder; pass the weight file itself"
            )
        return found[0]

    def _load_ip_adapter(self, pipe: _Pipeline) -> None:
        """Load the configured IP-Adapter so character reference images steer the look."""
        from diffusers.loaders.ip_adapter import IPAdapterMixin

        if self.ip_adapter is None:
            return
        if not isinstance(pipe, IPAdapterMixin):
            self.capabilities = replace(self.capabilities, reference_images=False)
            return
        weights = self._ip_adapter_file()
        try:
            pipe.load_ip_adapter(
                str(weights.parent),
                subfolder="",
                weight_name=weights.name,
                image_encoder_folder="image_encoder",
                local_files_only=True,
            )
        except Exception as exc:  # same grab-bag of loader errors as the main weights
            raise RenderError(
                f"could not load the IP-Adapter {weights} ({type(exc).__name__}): it must match the base model "
                f"and have its image_encoder folder beside it in {weights.parent}"
            ) from exc
        self._ip_loaded = True
        self.capabilities = replace(self.capabilities, reference_images=True)

    def _image_to_image(self) -> _Pipeline:
        """Return an img2img pipeline that shares the loaded weights."""
        if self._img2img is None:
            from diffusers import AutoPipelineForImage2Image

            self._img2img = AutoPipelineForImage2Image.from_pipe(self._load())
            self._img2img.set_progress_bar_config(disable=True)
        return self._img2img

    # ---------------------------------------------------------------- rendering

    def _guide(self, guide: Path) -> Image.Image:
        """Open a storyboard frame and crop it to the generation size."""
        try:
            with Image.open(guide) as image:
                return ImageOps.fit(image.convert("RGB"), (self.width, self.height), Image.Resampling.LANCZOS)
        except OSError as exc:
            raise RenderError(
                f"storyboard frame {guide} cannot be read ({exc}): render the storyboard again or drop the guide"
            ) from exc

    def _references(self, request: ShotImageRequest) -> list[Image.Image]:
        """Open the reference images of the characters in this shot, in shot order."""
        images: list[Image.Image] = []
        for cast in request.shot.characters:
            path = request.references.get(cast.character_id)
            if path is None or not path.is_file():
                continue
            with Image.open(path) as image:
                images.append(image.convert("RGB"))
        return images

    def _ip_arguments(self, pipe: _Pipeline, request: ShotImageRequest) -> dict[str, Any]:
        """Build the IP-Adapter arguments; a loaded adapter always needs an image, so none means scale 0."""
        if not self._ip_loaded:
            return {}
        images = self._references(request)
        pipe.set_ip_adapter_scale(IP_ADAPTER_SCALE if images else 0.0)
        if not images:
            return {"ip_adapter_image": Image.new("RGB", (224, 224))}
        # One adapter takes a list of images as a nested list: several characters steer one shot.
        return {"ip_adapter_image": images[0] if len(images) == 1 else [images]}

    def _generator(self, seed: int) -> torch.Generator:
        """Seed a generator on the render device so a seed gives the same frame every time."""
        import torch

        return torch.Generator(device=self.device or "cpu").manual_seed(seed & 0xFFFF_FFFF_FFFF_FFFF)

    def render(self, request: ShotImageRequest) -> Path:
        """Generate the shot's key frame and write it to request.out as a WIDTH x HEIGHT PNG."""
        shot = request.shot
        prompt = shot.visual_prompt.strip() or shot.description
        pipe = self._load()
        arguments: dict[str, Any] = {
            "prompt": prompt,
            "negative_prompt": NEGATIVE_PROMPT,
            "guidance_scale": self.guidance,
            "generator": self._generator(request.seed),
            "output_type": "pil",
        }
        if request.guide is not None:
            runner = self._image_to_image()
            # img2img runs steps * strength steps: keep at least one.
            arguments |= {
                "image": self._guide(request.guide),
                "strength": self.strength,
                "num_inference_steps": max(self.steps, math.ceil(1 / self.strength)),
            }
        else:
            runner = pipe
            arguments |= {"width": self.width, "height": self.height, "num_inference_steps": self.steps}
        arguments |= self._ip_arguments(pipe, request)
        try:
            result = runner(**arguments)
        except RuntimeError as exc:  # out of memory, dtype or device mismatches
            raise RenderError(
                f"diffusers failed on shot {shot.id} ({str(exc).splitlines()[0] if str(exc) else exc!r}): "
                f"try a smaller size than {self.width}x{self.height}, fewer steps, or device='cpu'"
            ) from exc
        flagged = getattr(result, "nsfw_content_detected", None)
        if flagged and any(flagged):
            raise RenderError(
                f"the model's safety checker blanked shot {shot.id}: revise the shot description or prompt"
            )
        image: Image.Image = result.images[0]
        return _write_png(_fit_frame(image), request.out)
