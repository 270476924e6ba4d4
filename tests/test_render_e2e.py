"""Rendering through the CLI: labelled MP4s, exports that open in real tools, the cache, bad input."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import imageio_ffmpeg
import opentimelineio as otio
import pytest

from memory.bible import StoryBible
from renderers.labels import read_mp4_aigc, read_png_aigc
from renderers.subtitles import parse_srt

pytestmark = pytest.mark.slow

PREMISE = "A delivery rider named Maya Chen is secretly the heir to the logistics empire that fired her father."


def offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAMAROOM_"))}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def dramaroom(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "dramaroom", *args],
        capture_output=True,
        text=True,
        env=offline_env(),
        timeout=900,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"dramaroom {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def probe(path: Path) -> str:
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    )
    return result.stderr


def duration(info: str) -> float:
    found = re.search(r"Duration: (\d+):(\d+):([\d.]+)", info)
    assert found, info
    h, m, s = found.groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("render") / "series"
    dramaroom("new", str(path), "--premise", PREMISE, "--episodes", "2", "--seed", "7", "--target-seconds", "45")
    dramaroom("produce", str(path), "--render")
    return path


def test_rendered_episode_has_every_file_and_every_label(rendered: Path) -> None:
    folder = rendered / "episodes" / "ep001"
    for name in [
        "episode.mp4",
        "episode.srt",
        "timeline.otio",
        "script.fountain",
        "script.fdx",
        "script.pdf",
        "shotlist.csv",
        "contact_sheet.png",
        "render.json",
    ]:
        assert (folder / name).stat().st_size > 0, name
    info = probe(folder / "episode.mp4")
    assert "1080x1920" in info and "h264" in info and "aac" in info
    manifest = json.loads((folder / "render.json").read_text())
    assert abs(duration(info) - manifest["runtime_s"]) < 1.5
    meta = read_mp4_aigc(folder / "episode.mp4")
    assert meta is not None and meta["Label"] == "1" and meta["ContentProducer"] == "dramaroom"
    for png in [folder / "contact_sheet.png", *sorted((folder / "media" / "frames").glob("*.png"))[:3]]:
        png_meta = read_png_aigc(png)
        assert png_meta is not None and png_meta["Label"] == "1", png
    cues = parse_srt((folder / "episode.srt").read_text(encoding="utf-8"))
    script = json.loads((folder / "script.json").read_text())
    spoken = [line["text"] for scene in script["scenes"] for line in scene["lines"] if line["kind"] == "dialogue"]
    assert len(cues) == len(spoken)
    assert all(b.start >= a.end - 0.01 for a, b in itertools.pairwise(cues)), "subtitles never overlap"
    timeline = otio.adapters.read_from_file(str(folder / "timeline.otio"))
    video = timeline.video_tracks()[0]
    assert abs(video.duration().to_seconds() - manifest["runtime_s"]) < 0.1
    assert "<FinalDraft" in (folder / "script.fdx").read_text(encoding="utf-8")
    assert (folder / "script.pdf").read_bytes().startswith(b"%PDF")


def test_export_bundles_one_zip(rendered: Path) -> None:
    result = dramaroom("export", str(rendered), "--episode", "1", "--zip")
    archive = rendered / "exports" / "ep001.zip"
    assert str(archive) in result.stdout
    with zipfile.ZipFile(archive) as bundle:
        names = {Path(n).name for n in bundle.namelist()}
    assert {"episode.mp4", "episode.srt", "timeline.otio", "script.fdx", "README.txt"} <= names


def test_editing_one_shot_re_renders_only_that_shot(rendered: Path, tmp_path: Path) -> None:
    series = tmp_path / "copy"
    shutil.copytree(rendered, series)
    shotlist = series / "episodes" / "ep002" / "shotlist.json"
    data = json.loads(shotlist.read_text())
    data["shots"][3]["description"] += " Rain streaks the window."
    shotlist.write_text(json.dumps(data, ensure_ascii=False))
    result = dramaroom("render", str(series), "--episode", "2")
    made = int(re.search(r"(\d+) made", result.stdout).group(1))  # type: ignore[union-attr]
    assert made == 1, result.stdout


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda d: d["shots"][0]["characters"].append({"character_id": "ghost", "wardrobe_id": "x"}), "not in canon"),
        (lambda d: d["shots"][0].update(location_id="moon_base"), "not a canon location"),
        (lambda d: d["shots"][0].update(duration_s=999), "duration_s"),
    ],
)
def test_bad_shot_lists_fail_with_one_line_and_no_mp4(
    rendered: Path, tmp_path: Path, edit: object, needle: str
) -> None:
    series = tmp_path / "bad"
    shutil.copytree(rendered, series)
    folder = series / "episodes" / "ep002"
    (folder / "episode.mp4").unlink()
    data = json.loads((folder / "shotlist.json").read_text())
    edit(data)  # type: ignore[operator]
    (folder / "shotlist.json").write_text(json.dumps(data))
    result = dramaroom("render", str(series), "--episode", "2", check=False)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and needle in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not list(folder.glob("*.mp4"))


def test_missing_model_folder_and_unreachable_voices_are_clear(rendered: Path, tmp_path: Path) -> None:
    series = tmp_path / "cfg"
    shutil.copytree(rendered, series)
    config = series / "dramaroom.toml"
    original = config.read_text()
    config.write_text(
        original.replace('image = "storyboard"', 'image = "diffusers"').replace(
            'model_path = ""', 'model_path = "/nonexistent/sd-turbo"'
        )
    )
    result = dramaroom("render", str(series), "--episode", "1", check=False)
    assert result.returncode != 0 and "/nonexistent/sd-turbo" in result.stderr and "Traceback" not in result.stderr
    config.write_text(original)
    flagged = dramaroom(
        "render", str(series), "--episode", "1", "--image", "diffusers", "--model-path", "/no/model", check=False
    )
    assert flagged.returncode != 0 and "/no/model" in flagged.stderr, "CLI flags select the backend for one run"
    unknown = dramaroom("render", str(series), "--episode", "1", "--voice", "kazoo", check=False)
    assert unknown.returncode != 0 and "unknown voice backend 'kazoo': choose one of espeak, edge-tts" in unknown.stderr
    assert config.read_text() == original
    config.write_text(
        original.replace('voice = "espeak"', 'voice = "edge-tts"').replace(
            "edge_timeout_s = 10.0", "edge_timeout_s = 3.0"
        )
    )
    shutil.rmtree(series / "renders")
    result = dramaroom("render", str(series), "--episode", "1", check=False)
    assert result.returncode != 0 and "edge-tts" in result.stderr and "espeak" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_output_folder(rendered: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root ignores permission bits; make the output path unusable by putting a file where a folder must be.
        series = tmp_path / "ro"
        shutil.copytree(rendered, series)
        shutil.rmtree(series / "renders")
        (series / "renders").write_text("not a folder")
    else:
        series = tmp_path / "ro"
        shutil.copytree(rendered, series)
        shutil.rmtree(series / "renders")
        (series / "episodes" / "ep001").chmod(0o500)
    result = dramaroom("render", str(series), "--episode", "1", check=False)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr


def test_a_stale_episode_is_refused_unless_forced(rendered: Path, tmp_path: Path) -> None:
    series = tmp_path / "copy"
    shutil.copytree(rendered, series)
    video = series / "episodes" / "ep002" / "episode.mp4"
    before = video.read_bytes()
    bible = StoryBible(series / "bible")
    try:
        bible.mark_stale(2, "canon change #1: Maya renamed Mia")
    finally:
        bible.close()
    refused = dramaroom("render", str(series), "--episode", "2", check=False)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines() == [
        f"error: episode 2 is stale (canon change #1: Maya renamed Mia): fix it and run "
        f"`dramaroom review {series} --episode 2`, or render it as it is with --force"
    ]
    assert video.read_bytes() == before
    assert dramaroom("render", str(series), "--episode", "1").returncode == 0  # a fresh episode still renders
    forced = dramaroom("render", str(series), "--episode", "2", "--force")
    assert "rendered with --force although stale (canon change #1: Maya renamed Mia)" in forced.stdout


def test_render_never_overwrites_a_final_draft_edit(rendered: Path, tmp_path: Path) -> None:
    series = tmp_path / "copy"
    shutil.copytree(rendered, series)
    folder = series / "episodes" / "ep001"
    fdx = folder / "script.fdx"
    edited = fdx.read_text(encoding="utf-8").replace(
        "</Content>", '<Paragraph Type="Action"><Text>Rain.</Text></Paragraph></Content>', 1
    )
    fdx.write_text(edited, encoding="utf-8")
    refused = dramaroom("render", str(series), "--episode", "1", check=False)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "script.fdx was edited by hand and render would overwrite it" in refused.stderr
    assert "to take the edit in" in refused.stderr
    assert fdx.read_text(encoding="utf-8") == edited
    fdx.rename(folder / "script.mine.fdx")  # moved aside, as the message says: render writes a fresh one
    assert dramaroom("render", str(series), "--episode", "1").returncode == 0
    assert "Rain." not in fdx.read_text(encoding="utf-8") and (folder / "script.mine.fdx").read_text() == edited
    fountain = folder / "script.fountain"
    fountain.write_text(fountain.read_text(encoding="utf-8") + "\nA late note.\n", encoding="utf-8")
    stale_export = dramaroom("render", str(series), "--episode", "1", check=False)
    assert stale_export.returncode == 2 and "script.fountain was edited by hand" in stale_export.stderr


def _dialogue(fdx: Path) -> list[tuple[str, str]]:
    root = ET.fromstring(fdx.read_text(encoding="utf-8").encode("utf-8"))
    return [
        (p.get("DramaroomId") or "", "".join(t.text or "" for t in p.iter("Text")))
        for p in root.iter("Paragraph")
        if p.get("Type") == "Dialogue"
    ]


def test_a_final_draft_edit_is_read_back_by_review_and_kept(rendered: Path, tmp_path: Path) -> None:
    series = tmp_path / "copy"
    shutil.copytree(rendered, series)
    folder = series / "episodes" / "ep001"
    fdx = folder / "script.fdx"
    line_id, words = _dialogue(fdx)[1]
    assert line_id, "every dialogue paragraph carries its line id"
    fdx.write_text(fdx.read_text(encoding="utf-8").replace(f">{words}<", ">Not one more word.<", 1), encoding="utf-8")
    edited = fdx.read_bytes()
    reviewed = dramaroom("review", str(series), "--episode", "1")
    assert "continuity:" in reviewed.stdout and fdx.read_bytes() == edited, "review writes no file over the edit"
    script = json.loads((folder / "script.json").read_text(encoding="utf-8"))
    lines = {ln["id"]: ln["text"] for scene in script["scenes"] for ln in scene["lines"]}
    assert lines[line_id] == "Not one more word." and f"Not one more word. [[{line_id}]]" in (
        folder / "script.fountain"
    ).read_text(encoding="utf-8")
    why = dramaroom("traces", str(series), "why", "--episode", "1", "--line", line_id).stdout
    assert "edited by hand in script.fdx" in " ".join(why.split())
    assert dramaroom("render", str(series), "--episode", "1").returncode == 0, "the edit is taken in: render goes on"
    assert (line_id, "Not one more word.") in _dialogue(fdx)


def test_fountain_and_final_draft_edited_differently_stop_with_one_line(rendered: Path, tmp_path: Path) -> None:
    series = tmp_path / "copy"
    shutil.copytree(rendered, series)
    folder = series / "episodes" / "ep001"
    fdx, fountain = folder / "script.fdx", folder / "script.fountain"
    _, words = _dialogue(fdx)[0]
    fdx.write_text(fdx.read_text(encoding="utf-8").replace(f">{words}<", ">One way.<", 1), encoding="utf-8")
    fountain.write_text(fountain.read_text(encoding="utf-8").replace(words, "Another way.", 1), encoding="utf-8")
    before = {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    refused = dramaroom("review", str(series), "--episode", "1", check=False)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "script.fountain and" in refused.stderr and "script.fdx were both edited by hand" in refused.stderr
    assert {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} == before
