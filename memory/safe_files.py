"""Writing files safely: names from validated ids, paths checked to stay inside their folder, atomic writes.

Shot, line and scene ids come from a model or a hand-edited file; they become file names in renders and
exports. A name is accepted only when it is a plain safe id, and the final path must resolve inside the
folder it was meant for, so neither `../../x`, `/abs/path` nor a symlink planted in the workspace can send a
write elsewhere. Writes go to a temporary file that replaces the target: a symlink at the target is replaced,
never followed. This module is the lowest layer so renderers and the front door share one writer.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

TMP_SUFFIX = ".partial"
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")
SAFE_ID_PATTERN = SAFE_ID.pattern


class UnsafePathError(ValueError):
    """A name or path would write outside the folder it belongs to."""


def safe_name(value: str, what: str = "id") -> str:
    """Return an id unchanged if it is safe as a file name, or raise saying what is wrong with it."""
    if not SAFE_ID.fullmatch(value) or ".." in value:
        raise UnsafePathError(
            f"{what} {value[:60]!r} cannot be used as a file name: ids are letters, digits, '_', '-' and '.', "
            "up to 80 characters, with no '..' or '/'; fix the id in the file that defines it"
        )
    return value


def inside(root: Path, path: Path) -> Path:
    """Return `path` if it resolves inside `root` (symlinks followed), else raise."""
    base = root.resolve()
    # The parent must resolve inside; the final component may be a symlink, which an atomic write replaces.
    resolved = path.parent.resolve() / path.name
    if resolved != base and base not in resolved.parents:
        raise UnsafePathError(f"{path} lies outside {root}: refusing to write there")
    return path


def write_atomic_bytes(path: Path, data: bytes, *, root: Path | None = None) -> None:
    """Write a file so readers see the old or the new content, never half; inside `root` when given."""
    if root is not None:
        inside(root, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if root is not None:
        inside(root, path)  # mkdir may have walked through a symlinked folder
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str, *, root: Path | None = None) -> None:
    """Write a UTF-8 text file atomically; inside `root` when given."""
    write_atomic_bytes(path, text.encode("utf-8"), root=root)
