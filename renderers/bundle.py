"""Bundle an episode's exports: a README.txt manifest saying what opens each file, optionally zipped."""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from renderers.protocols import RenderError

MANIFEST = "README.txt"
OPENS_WITH: dict[str, str] = {
    ".mp4": "the finished episode (H.264/AAC, 1080x1920): any video player or editor",
    ".srt": "subtitles: any video player or editor (VLC, DaVinci Resolve, Premiere, CapCut)",
    ".otio": "OpenTimelineIO timeline: DaVinci Resolve (File > Import > Timeline), otioview, or any OTIO adapter",
    ".fountain": "Fountain screenplay: Highland, Slugline, Fade In, Final Draft 12+, or any text editor",
    ".fdx": "Final Draft screenplay: Final Draft, Fade In, WriterDuet",
    ".pdf": "paginated screenplay: any PDF viewer",
    ".csv": "shot list, one row per shot: any spreadsheet (LibreOffice, Excel, Numbers)",
    ".png": "image: any image viewer",
    ".json": "render manifest (backends, runtime, AI labels): any text editor",
    ".wav": "audio: any audio player or editor",
    ".txt": "plain text: any text editor",
}
# Already compressed: deflating them again costs time and saves nothing.
STORED = frozenset({".mp4", ".png", ".jpg", ".zip", ".pdf", ".otioz"})


def _files(folder: Path, skip: set[Path]) -> list[Path]:
    """List the bundle's files, skipping the manifest, hidden temporaries and the zip being written."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.name != MANIFEST
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.resolve() not in skip
    )


def _size(count: int) -> str:
    """Format a byte count for people."""
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / (1024 * 1024):.1f} MB"


def manifest(folder: Path, files: list[Path]) -> str:
    """Describe each file of a bundle and the tools that open it."""
    lines = [
        f"dramaroom export: {folder.name}",
        "",
        "AI-generated content: the script, images and voices were made by AI models (dramaroom).",
        "Keep the visible AI label and the embedded metadata when you publish.",
        "",
        "Files:",
    ]
    width = max((len(path.relative_to(folder).as_posix()) for path in files), default=0)
    for path in files:
        name = path.relative_to(folder).as_posix()
        opens = OPENS_WITH.get(path.suffix.lower(), "")
        lines.append(f"  {name:<{width}}  {_size(path.stat().st_size):>9}  {opens}".rstrip())
    if any(path.suffix.lower() == ".otio" for path in files):
        lines += [
            "",
            "The .otio timeline points at frames and audio by absolute path on the machine that rendered them;",
            "relink media in your editor if you open it elsewhere.",
        ]
    return "\n".join(lines) + "\n"


def _atomic_temp(target: Path, suffix: str) -> Path:
    """Create an empty temporary file beside target, to be renamed over it when complete."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    return Path(tmp)


def bundle(folder: Path, out_zip: Path | None = None) -> Path:
    """Write README.txt into an export folder and, with out_zip, zip the folder; return the folder or the zip."""
    if not folder.is_dir():
        raise RenderError(f"export folder {folder} does not exist: render the episode first")
    skip = {out_zip.resolve()} if out_zip is not None else set()
    files = _files(folder, skip)
    if not files:
        raise RenderError(f"export folder {folder} is empty: render the episode first")
    readme = folder / MANIFEST
    tmp = _atomic_temp(readme, ".tmp")
    try:
        tmp.write_text(manifest(folder, files), encoding="utf-8")
        os.replace(tmp, readme)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if out_zip is None:
        return folder
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    tmp = _atomic_temp(out_zip, ".zip")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in [readme, *files]:
                stored = path.suffix.lower() in STORED
                archive.write(
                    path,
                    arcname=f"{folder.name}/{path.relative_to(folder).as_posix()}",
                    compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
                )
        os.replace(tmp, out_zip)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out_zip
