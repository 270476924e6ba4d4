"""Writing PNGs atomically, so a reader never sees half a frame."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PIL import Image

from renderers.protocols import RenderError


def save_png(image: Image.Image, out: Path, *, what: str, compress_level: int = 1) -> Path:
    """Save without metadata (same pixels, same bytes) via a temporary name; fail with one actionable line."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(tmp, format="PNG", compress_level=compress_level)
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise RenderError(f"cannot write {what} {out}: {exc}; choose a writable output folder") from exc
    return out
