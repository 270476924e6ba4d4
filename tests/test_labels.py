"""AI-content labels: AIGC metadata in PNGs, the visible label's size and placement, the corner mark."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, PngImagePlugin

from memory.schema import Language
from renderers.labels import (
    MIN_TEXT_SHARE,
    _ffmetadata,
    aigc_json,
    aigc_metadata,
    corner_mark,
    label_overlay,
    read_png_aigc,
    visible_text,
    write_png_aigc,
)
from renderers.protocols import LabelSpec

SPEC = LabelSpec(text="AI生成", produce_id="ep001-abc", producer="dramaroom")
FIELDS = ["Label", "ContentProducer", "ProduceID", "ReservedCode1", "ContentPropagator", "PropagateID", "ReservedCode2"]


def _text_rows(image: Image.Image) -> list[tuple[int, int]]:
    """Return runs of rows (start, end) holding opaque near-white text pixels."""
    pixels: npt.NDArray[np.uint8] = np.asarray(image.convert("RGBA"))
    text = (pixels[..., 3] > 200) & np.all(pixels[..., :3] > 200, axis=-1)
    rows = np.flatnonzero(text.any(axis=1))
    runs: list[tuple[int, int]] = []
    for row in rows.tolist():
        if runs and row - runs[-1][1] <= 2:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


def test_aigc_object_has_every_field() -> None:
    meta = aigc_metadata(SPEC, "sha256:00")
    assert list(meta) == FIELDS
    assert meta["Label"] == "1" and meta["ProduceID"] == "ep001-abc" and meta["ReservedCode1"] == "sha256:00"
    wrapped = json.loads(aigc_json(SPEC))
    assert list(wrapped) == ["AIGC"] and wrapped["AIGC"]["ContentProducer"] == "dramaroom"
    assert " " not in aigc_json(SPEC)


def test_png_round_trip_keeps_pixels_and_other_text(tmp_path: Path) -> None:
    path = tmp_path / "frame.png"
    rng = np.random.default_rng(3)
    image = Image.fromarray(rng.integers(0, 255, (64, 36, 3), dtype=np.uint8))
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", "a test frame")
    image.save(path, pnginfo=info)
    assert read_png_aigc(path) is None
    write_png_aigc(path, SPEC)
    meta = read_png_aigc(path)
    assert meta is not None and meta["Label"] == "1" and meta["ProduceID"] == "ep001-abc"
    assert meta["ReservedCode1"].startswith("sha256:")
    with Image.open(path) as again:
        assert np.array_equal(np.asarray(again), np.asarray(image))
        assert getattr(again, "text", {})["Description"] == "a test frame"
    write_png_aigc(path, SPEC)  # idempotent: one AIGC chunk, not two
    assert read_png_aigc(path) == meta
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize(("language", "text"), [("zh", "AI生成"), ("en", "AI-generated"), ("zh", "")])
def test_visible_label_is_large_enough(language: Language, text: str) -> None:
    spec = LabelSpec(text=text)
    assert "AI" in visible_text(spec) and ("生成" in visible_text(spec) or "合成" in visible_text(spec))
    overlay = label_overlay(spec, language, 1080, 1920)
    assert overlay.size == (1080, 1920) and overlay.mode == "RGBA"
    runs = _text_rows(overlay)
    assert len(runs) >= 2  # the label and the filing-number slot
    first = runs[0][1] - runs[0][0] + 1
    assert first >= MIN_TEXT_SHARE * 1080, f"label glyphs {first} px < 5 % of the short side"
    box = overlay.getbbox()
    assert box is not None and box[0] >= 0 and box[2] <= 1080 and box[3] < 1920 * 0.4


def test_label_landscape_uses_the_short_side() -> None:
    runs = _text_rows(label_overlay(SPEC, "zh", 1920, 1080))
    assert runs[0][1] - runs[0][0] + 1 >= MIN_TEXT_SHARE * 1080


def test_filing_number_slot(tmp_path: Path) -> None:
    pending = label_overlay(SPEC, "zh", 1080, 1920)
    filed = label_overlay(LabelSpec(text="AI生成", filing_number="备案号：2026-001"), "zh", 1080, 1920)
    assert np.asarray(pending).tobytes() != np.asarray(filed).tobytes()
    assert len(_text_rows(pending)) == len(_text_rows(filed))


def test_corner_mark_is_small_and_clear_of_subtitles() -> None:
    mark = corner_mark(SPEC, 1080, 1920)
    box = mark.getbbox()
    assert box is not None
    assert box[0] > 1080 * 0.7 and box[3] < 1920 * 0.15
    assert (box[2] - box[0]) * (box[3] - box[1]) < 0.01 * 1080 * 1920


def test_ffmetadata_unescapes_values() -> None:
    text = ';FFMETADATA1\nAIGC={"Label":"1"\\=x\\;y}\ncomment=a\\\nb\n[STREAM]\nAIGC=ignored\n'
    tags = _ffmetadata(text)
    assert tags["AIGC"] == '{"Label":"1"=x;y}'
    assert tags["comment"] == "a\nb"
