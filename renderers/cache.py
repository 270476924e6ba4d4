"""A content-addressed media cache: the same inputs never render twice.

A key is the SHA-256 of a canonical JSON of everything that shapes the media
(backend name and version, the shot or line, the canon it draws from, the
seed). After one shot is edited only that shot's key changes, so only its
media is made again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel


def content_key(*parts: object) -> str:
    """Hash the canonical JSON of the parts; pydantic models are dumped first."""

    def plain(value: object) -> object:
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json")
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    text = json.dumps([plain(p) for p in parts], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class RenderCache:
    """Files under root/ab/abcdef….ext, made at most once per key."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits = 0
        self.misses = 0

    def path(self, key: str, suffix: str) -> Path:
        """Return where the media for a key lives."""
        return self.root / key[:2] / f"{key}{suffix}"

    def get_or_make(self, key: str, suffix: str, make: Callable[[Path], object]) -> Path:
        """Return the cached file for a key, making it first (atomically) when missing."""
        target = self.path(key, suffix)
        if target.exists() and target.stat().st_size > 0:
            self.hits += 1
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.stem}.partial{suffix}")
        try:
            make(partial)
            if not partial.exists() or partial.stat().st_size == 0:
                raise FileNotFoundError(f"the renderer wrote nothing to {partial}")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        self.misses += 1
        return target
