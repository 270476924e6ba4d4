"""Find fonts that work offline: DejaVu Sans for Latin text, a free CJK font for Chinese.

Never SimHei: the mplfonts wheel ships it, but it is proprietary. Fonts are
looked up on first use, never at import time.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont

from memory.schema import Language
from renderers.protocols import RenderError

_SYSTEM_LATIN = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
# (regular, bold, face index): in Debian's Noto CJK collections face 2 is Simplified Chinese.
_SYSTEM_CJK: tuple[tuple[str, str, int], ...] = (
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        2,
    ),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 2),
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
        "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Bold.otf",
        0,
    ),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "", 0),
)
_FORBIDDEN = ("simhei",)


@dataclass(frozen=True)
class FontChoice:
    """One font file (and face index) chosen for a language, with its bold sibling when there is one."""

    regular: Path
    bold: Path | None
    index: int = 0


def _package_dir(name: str) -> Path | None:
    """Return a package's folder without importing it (matplotlib is slow to import)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _latin() -> FontChoice:
    for path in _SYSTEM_LATIN:
        if path.is_file():
            bold = path.with_name("DejaVuSans-Bold.ttf")
            return FontChoice(path, bold if bold.is_file() else None)
    mpl = _package_dir("matplotlib")
    if mpl is not None:
        path = mpl / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.is_file():
            bold = path.with_name("DejaVuSans-Bold.ttf")
            return FontChoice(path, bold if bold.is_file() else None)
    raise RenderError(
        "no Latin font found: DejaVuSans.ttf is neither installed nor in matplotlib; "
        "install fonts-dejavu-core or `pip install matplotlib`"
    )


def _cjk() -> FontChoice:
    for regular, bold, index in _SYSTEM_CJK:
        path = Path(regular)
        if path.is_file():
            bold_path = Path(bold) if bold and Path(bold).is_file() else None
            return FontChoice(path, bold_path, index)
    pkg = _package_dir("mplfonts")
    if pkg is not None:
        path = pkg / "fonts" / "NotoSansCJKsc-Regular.otf"
        if path.is_file():
            return FontChoice(path, None)
    raise RenderError(
        "no Chinese font found: install fonts-noto-cjk or fonts-wqy-microhei, or `pip install mplfonts` "
        "(its NotoSansCJKsc-Regular.otf is used; never SimHei)"
    )


@cache
def choice(language: Language) -> FontChoice:
    """Return the font file chosen for a language."""
    found = _cjk() if language == "zh" else _latin()
    if any(bad in found.regular.name.lower() for bad in _FORBIDDEN):
        raise RenderError(f"refusing proprietary font {found.regular.name}; install fonts-noto-cjk")
    return found


def font_path(language: Language) -> Path:
    """Return the path of the regular font used for a language."""
    return choice(language).regular


@cache
def font(size: int, language: Language, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Return a Pillow font at a pixel size, loaded once per (size, language, bold)."""
    chosen = choice(language)
    path = chosen.bold if bold and chosen.bold is not None else chosen.regular
    try:
        # Basic layout: the same glyph placement whether or not libraqm is installed, so frames stay reproducible.
        return ImageFont.truetype(str(path), size, index=chosen.index, layout_engine=ImageFont.Layout.BASIC)
    except OSError as exc:
        raise RenderError(f"cannot load font {path}: {exc}; reinstall the font package") from exc


@cache
def font_family(language: Language) -> str:
    """Return the family name libass should request for a language's font."""
    family, _style = font(32, language).getname()
    return family or ("Noto Sans CJK SC" if language == "zh" else "DejaVu Sans")


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dramaroom" / "fonts"


@cache
def fonts_dir(language: Language) -> Path:
    """Return a folder holding only the chosen font file(s), for libass `fontsdir=`."""
    chosen = choice(language)
    folder = _cache_root() / language
    try:
        folder.mkdir(parents=True, exist_ok=True)
        wanted = [path for path in (chosen.regular, chosen.bold) if path is not None]
        for stale in folder.iterdir():
            # libass would pick up any font left here by an earlier choice.
            if stale.name not in {path.name for path in wanted}:
                stale.unlink()
        for path in wanted:
            link = folder / path.name
            if link.is_symlink() or link.exists():
                if link.resolve() == path.resolve():
                    continue
                link.unlink()
            try:
                link.symlink_to(path)
            except OSError:
                # Filesystems without symlinks (some mounts): copy instead.
                shutil.copyfile(path, link)
    except OSError as exc:
        raise RenderError(
            f"cannot prepare font folder {folder}: {exc}; set XDG_CACHE_HOME to a writable folder"
        ) from exc
    return folder
