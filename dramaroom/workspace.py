"""A series on disk: config, bible, checkpoints, traces and episode folders, with one writer at a time."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TypeVar

from pydantic import BaseModel, ValidationError

from dramaroom.config import CONFIG_NAME, SeriesConfig, dump_config, load_config
from dramaroom.errors import UserError
from memory.safe_files import TMP_SUFFIX, UnsafePathError, inside, write_atomic, write_atomic_bytes
from memory.schema import Canon, Script, ShotList
from renderers.screenplay import to_fountain
from renderers.shotlist_table import to_csv

ModelT = TypeVar("ModelT", bound=BaseModel)
__all__ = ["TMP_SUFFIX", "UnsafePathError", "Workspace", "inside", "write_atomic", "write_atomic_bytes"]

# Which role's model wrote each kind of artifact, for its provenance record.
AUTHORS = {"script": "screenwriter", "shotlist": "director", "season_plan": "showrunner", "canon": "showrunner"}


def episode_dir_name(episode: int) -> str:
    """Return the folder name of an episode, e.g. ep003."""
    return f"ep{episode:03d}"


class WrittenScript(BaseModel):
    """The digests of an episode's script files as dramaroom last wrote them."""

    script_sha256: str = ""
    fountain_sha256: str = ""
    fdx_sha256: str = ""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def script_digest(script: Script) -> str:
    """Return the digest of a script's content (independent of how its JSON file is laid out)."""
    return _digest(script.model_dump_json())


class Workspace:
    """One series folder."""

    def __init__(self, root: Path, config: SeriesConfig) -> None:
        self.root = root
        self.config = config
        self.models: Mapping[str, str] = {}
        self._lock_handle: IO[str] | None = None

    # ------------------------------------------------------------------ layout
    @property
    def bible_dir(self) -> Path:
        return self.root / "bible"

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    @property
    def checkpoints_path(self) -> Path:
        return self.state_dir / "checkpoints.sqlite"

    @property
    def traces_path(self) -> Path:
        return self.state_dir / "traces.sqlite"

    def episode_dir(self, episode: int) -> Path:
        """Return the folder of one episode."""
        return self.root / "episodes" / episode_dir_name(episode)

    # --------------------------------------------------------------- lifecycle
    @classmethod
    def create(cls, root: Path, config: SeriesConfig) -> Workspace:
        """Create a new workspace folder; refuse to touch an existing one."""
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise UserError(f"{root} already exists: choose another name or remove it first (nothing was changed)")
        try:
            (root / "state").mkdir(parents=True, exist_ok=True)
            (root / "episodes").mkdir(exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create {root}: {exc.strerror}; choose a writable folder") from exc
        write_atomic(root / CONFIG_NAME, dump_config(config))
        return cls(root, config)

    @classmethod
    def open(cls, root: Path) -> Workspace:
        """Open an existing workspace, validating its config."""
        if not root.is_dir():
            raise UserError(f"{root} does not exist: create the series with `dramaroom new {root} --premise ...`")
        return cls(root, load_config(root / CONFIG_NAME))

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the workspace's writer lock; fail at once with a clear line if another process has it."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.state_dir / "lock", "a+", encoding="utf-8")  # noqa: SIM115 - held for the block
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise UserError(
                f"{self.root} is being written by {holder}: wait for it to finish (one writer per workspace)", code=3
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"dramaroom pid {os.getpid()}")
        handle.flush()
        self._lock_handle = handle
        self._remove_partial_writes()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
            self._lock_handle = None

    def _remove_partial_writes(self) -> None:
        # A killed process can leave a temporary file behind; with the lock held, none is in use.
        for leftover in self.root.rglob(f".*{TMP_SUFFIX}"):
            leftover.unlink(missing_ok=True)

    # --------------------------------------------------------------- artifacts
    def _meta(self, kind: str) -> dict[str, object]:
        role = AUTHORS.get(kind.split("/")[-1].split(".")[0], "")
        model = self.models.get(role, "") if role else ", ".join(sorted(set(self.models.values())))
        return {"generated_by": model, "offline": "offline" in model, "tool": "dramaroom"}

    def _write_json(self, path: Path, kind: str, value: BaseModel) -> None:
        body = {"meta": self._meta(kind), **value.model_dump(mode="json")}
        write_atomic(path, json.dumps(body, ensure_ascii=False, indent=2) + "\n", root=self.root)

    def save_episode(self, episode: int, name: str, value: BaseModel) -> None:
        """Write an episode artifact as JSON, plus its editor-friendly export where there is one.

        For a script, the digests of what was written (the script and its Fountain file) are
        kept under state/written/, so a later command can tell which file a writer edited by hand.
        """
        folder = self.episode_dir(episode)
        if isinstance(value, Script) and name == "script":
            credit = str(self._meta("script")["generated_by"])
            headings = self.config.render.scene_headings
            fountain = to_fountain(value, self.canon(), credit=credit, headings=headings)
            self._write_json(folder / "script.json", name, value)
            write_atomic(folder / "script.fountain", fountain)
            self._record_written(episode, script_sha256=script_digest(value), fountain_sha256=_digest(fountain))
            return
        self._write_json(folder / f"{name}.json", name, value)
        if isinstance(value, ShotList) and name == "shotlist":
            write_atomic(
                folder / "shotlist.csv", to_csv(value, generated_by=str(self._meta("shotlist")["generated_by"]))
            )

    def save_series(self, name: str, value: BaseModel) -> None:
        """Write a series-level artifact (season plan, canon, plan review)."""
        self._write_json(self.root / f"{name}.json", name, value)

    def written_record(self, episode: int) -> Path:
        """Return where the digests of what dramaroom last wrote for an episode's script files are kept."""
        return self.state_dir / "written" / f"{episode_dir_name(episode)}.json"

    def _written(self, episode: int) -> WrittenScript:
        try:
            return WrittenScript.model_validate_json(self.written_record(episode).read_text(encoding="utf-8"))
        except (OSError, ValidationError):
            return WrittenScript()

    def _record_written(self, episode: int, **digests: str) -> None:
        written = self._written(episode).model_copy(update=digests)
        write_atomic(self.written_record(episode), written.model_dump_json() + "\n", root=self.root)

    def write_fdx(self, episode: int, text: str) -> None:
        """Write an episode's script.fdx and record what was written, so a Final Draft edit is noticed."""
        write_atomic(self.episode_dir(episode) / "script.fdx", text, root=self.root)
        self._record_written(episode, fdx_sha256=_digest(text))

    def take_in_fdx(self, episode: int) -> None:
        """Record script.fdx as it is now as read: its edit was taken into the script by `review`."""
        path = self.episode_dir(episode) / "script.fdx"
        if path.exists():
            self._record_written(episode, fdx_sha256=hashlib.sha256(path.read_bytes()).hexdigest())

    def hand_edits(self, episode: int) -> list[str]:
        """Return which of an episode's script files were changed since dramaroom last wrote them.

        Each file is compared with the digest recorded when it was written; a file without a
        record (written by an older version) has nothing to compare with and counts as unedited.
        """
        folder = self.episode_dir(episode)
        script = self.load_artifact(folder / "script.json", Script)
        written = self._written(episode)
        edited: list[str] = []
        if written.script_sha256 and script_digest(script) != written.script_sha256:
            edited.append("script.json")
        for name, recorded in (("script.fountain", written.fountain_sha256), ("script.fdx", written.fdx_sha256)):
            path = folder / name
            on_disk = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
            if recorded and on_disk and on_disk != recorded:
                edited.append(name)
        return edited

    @staticmethod
    def generated_by(path: Path) -> str:
        """Return who wrote an artifact, from its meta record ("" when it has none or is unreadable)."""
        try:
            meta = json.loads(path.read_text(encoding="utf-8")).get("meta") or {}
        except (OSError, json.JSONDecodeError, AttributeError):
            return ""
        return str(meta.get("generated_by") or "") if isinstance(meta, dict) else ""

    def load_artifact(self, path: Path, model: type[ModelT]) -> ModelT:
        """Read an artifact written by `save_*` (or edited by hand), failing with one clear line."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise UserError(f"{path} does not exist: produce that episode first") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UserError(f"{path} is not valid JSON ({exc}): fix the edit or restore the file") from exc
        if isinstance(data, dict):
            data.pop("meta", None)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise UserError(f"{path}: `{where}` {first['msg'].lower()}: fix the edit and run again") from exc

    def canon(self) -> Canon:
        """Return the season's base canon as planned."""
        return self.load_artifact(self.root / "canon.json", Canon)

    def save_config(self, config: SeriesConfig) -> None:
        """Rewrite dramaroom.toml."""
        self.config = config
        write_atomic(self.root / CONFIG_NAME, dump_config(config))
