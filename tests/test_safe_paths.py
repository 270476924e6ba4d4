"""Nothing is written outside the workspace: unsafe ids refused, planted symlinks replaced, never followed."""

from __future__ import annotations

from pathlib import Path

import pytest

from dramaroom.config import SeriesConfig, SeriesSection
from dramaroom.errors import UserError
from dramaroom.rendering import EXPORT_FILES, export_episode
from dramaroom.workspace import Workspace
from memory.safe_files import UnsafePathError, inside, safe_name, write_atomic
from memory.schema import Shot, ShotList
from renderers.cache import RenderCache
from renderers.episode import RenderJob, _publish, validate
from renderers.labels import LabelSpec
from renderers.protocols import RenderError
from tests.fixtures_canon import canon_en, script_en

BAD_IDS = ["/etc/passwd", "../../outside/x", "a/b", "..", ".hidden", "", "x" * 200, "s01\nsh01", "s01 sh01", "段落"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_unsafe_ids_are_refused_as_file_names(bad: str) -> None:
    with pytest.raises(UnsafePathError, match="cannot be used as a file name"):
        safe_name(bad, "shot id")


def test_safe_ids_pass_unchanged() -> None:
    for good in ("s01-sh01", "s01-l02", "ep003", "shot_7.b"):
        assert safe_name(good) == good


def test_a_write_through_a_symlinked_folder_is_refused(tmp_path: Path) -> None:
    outside, root = tmp_path / "outside", tmp_path / "ws"
    outside.mkdir()
    root.mkdir()
    (root / "media").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePathError, match="outside"):
        write_atomic(root / "media" / "x.txt", "data", root=root)
    assert list(outside.iterdir()) == []


def test_a_planted_symlink_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    root = tmp_path / "ws"
    root.mkdir()
    (root / "render.json").symlink_to(victim)
    write_atomic(root / "render.json", "{}", root=root)
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not (root / "render.json").is_symlink() and (root / "render.json").read_text(encoding="utf-8") == "{}"
    assert inside(root, root / "render.json") == root / "render.json"


def _job(tmp_path: Path, shot_id: str, line_id: str = "") -> RenderJob:
    canon, script = canon_en(), script_en()
    scene = script.scenes[0]
    if line_id:
        scene.lines[0].id = line_id
    shot = Shot(
        id=shot_id,
        scene_id=scene.id,
        line_id=scene.lines[0].id,
        duration_s=2.0,
        framing="CU",
        location_id=scene.location_id,
        time_of_day=scene.time_of_day,
        description="Close on her face.",
        visual_prompt="close-up",
    )
    return RenderJob(
        script=script,
        shots=ShotList(episode=script.episode, target_seconds=script.target_seconds, shots=[shot]),
        canon=canon,
        folder=tmp_path / "episodes" / "ep001",
        cache=RenderCache(tmp_path / "cache"),
        labels=LabelSpec(text="AI生成"),
        seed=1,
    )


@pytest.mark.parametrize("bad", ["/tmp/evil", "../../../../outside/x", "a/../../b"])
def test_render_refuses_a_shot_or_line_id_that_is_a_path_before_drawing(tmp_path: Path, bad: str) -> None:
    with pytest.raises(RenderError, match="cannot be used as a file name"):
        validate(_job(tmp_path, bad))
    with pytest.raises(RenderError, match="line id"):
        validate(_job(tmp_path, "s01-sh01", line_id=bad))


def test_publishing_media_never_writes_through_a_planted_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.png"
    victim.write_bytes(b"20 bytes of victim..")
    cached = tmp_path / "cache.png"
    cached.write_bytes(b"frame")
    frames = tmp_path / "media" / "frames"
    frames.mkdir(parents=True)
    (frames / "s01-sh01.png").symlink_to(victim)
    _publish({"s01-sh01": cached}, frames)
    assert victim.read_bytes() == b"20 bytes of victim.."
    assert (frames / "s01-sh01.png").read_bytes() == b"frame"
    with pytest.raises(UnsafePathError):
        _publish({"../../victim": cached}, frames)
    assert victim.read_bytes() == b"20 bytes of victim.."


def test_export_replaces_planted_links_and_refuses_a_linked_export_folder(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "series", SeriesConfig(series=SeriesSection(premise="A courier finds a key.")))
    folder = ws.episode_dir(1)
    folder.mkdir(parents=True, exist_ok=True)
    for name in EXPORT_FILES:
        (folder / name).write_bytes(f"made {name}".encode())
    victim = tmp_path / "victim.srt"
    victim.write_text("precious", encoding="utf-8")
    target = ws.root / "exports" / "ep001"
    target.mkdir(parents=True)
    (target / "episode.srt").symlink_to(victim)
    export_episode(ws, 1, zip_it=False)
    assert victim.read_text(encoding="utf-8") == "precious"
    assert (target / "episode.srt").read_bytes() == b"made episode.srt"
    # The whole export folder planted as a link to somewhere else: refused, nothing written there.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for child in target.iterdir():
        child.unlink()
    target.rmdir()
    target.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises((UnsafePathError, UserError)):
        export_episode(ws, 1, zip_it=False)
    assert list(elsewhere.iterdir()) == []
