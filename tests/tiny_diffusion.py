"""A tiny random-weight Stable Diffusion folder, built from configs, so the real diffusers loading code runs."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

# Plain imports, not importorskip: the dev extra installs diffusers, and a missing one must fail loudly.
import diffusers as _diffusers
import torch as _torch
import transformers as _transformers

diffusers: Any = _diffusers
transformers: Any = _transformers
torch: Any = _torch


def _tokenizer_files(folder: Path) -> tuple[Path, Path]:
    """Write a tiny CLIP BPE vocabulary: single characters, word-final forms and the two special tokens."""
    folder.mkdir(parents=True, exist_ok=True)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in string.ascii_lowercase + string.digits + ",.;:-()'":
        vocab.setdefault(ch, len(vocab))
        vocab.setdefault(ch + "</w>", len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    return folder / "vocab.json", folder / "merges.txt"


def build_tiny_sd(root: Path) -> Path:
    """Build a random-weight Stable Diffusion pipeline from configs and save it as a diffusers folder."""
    vocab, merges = _tokenizer_files(root / "tok")
    tokenizer = transformers.CLIPTokenizer(vocab_file=str(vocab), merges_file=str(merges), model_max_length=77)
    torch.manual_seed(0)
    text_encoder = transformers.CLIPTextModel(
        transformers.CLIPTextConfig(
            vocab_size=len(tokenizer) + 2,
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            max_position_embeddings=77,
            projection_dim=32,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
        )
    )
    unet = diffusers.UNet2DConditionModel(
        sample_size=16,
        in_channels=4,
        out_channels=4,
        layers_per_block=1,
        block_out_channels=(32, 64),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=8,
    )
    # Four blocks: an 8x downsampling VAE like real Stable Diffusion, with toy channel counts.
    vae = diffusers.AutoencoderKL(
        block_out_channels=(8, 8, 8, 8),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=4,
        sample_size=64,
    )
    scheduler = diffusers.DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    pipe = diffusers.StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        image_encoder=None,
        requires_safety_checker=False,
    )
    folder = root / "tiny-sd"
    pipe.save_pretrained(folder)
    return folder
