"""Assemble a short real episode with the bundled ffmpeg and read every promised property back from the MP4."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw

from memory.schema import Movement, Shot
from renderers.assembly import FfmpegAssembly, libass_family, motion, subtitle_em
from renderers.audio import read_wav, tone, write_wav
from renderers.labels import ffmpeg_exe, read_mp4_aigc
from renderers.mixdown import DUCK_DB, MIX_RATE, duck_gain, mix
from renderers.music import detect_ai_audio_cue
from renderers.protocols import AssemblyBackend, AssemblyPlan, LabelSpec, RenderError, TimedShot
from renderers.subtitles import Cue, write_srt

W, H, FPS = 1080, 1920, 24
ZH_LINE = "你好，世界！"
SUB_TOP, SUB_BOTTOM = 1250, 1560  # the lower-third band where subtitles sit (MarginV = 20 % of the height)
Pixels = npt.NDArray[np.uint8]


def _shot(index: int, movement: Movement, seconds: float = 2.0) -> Shot:
    return Shot(
        id=f"s01-sh{index:02d}",
        scene_id="s01",
        duration_s=seconds,
        framing="MS",
        movement=movement,
        location_id="loc",
        time_of_day="day",
        description="test frame",
    )


def _frame(path: Path, shade: int) -> Path:
    """Draw a mid-grey striped still with no near-white pixels, so text pixels stand out."""
    image = Image.new("RGB", (W, H), (60 + shade, 70, 90))
    draw = ImageDraw.Draw(image)
    for x in range(0, W, 120):
        draw.rectangle((x, 300, x + 60, 1700), fill=(30, 30, 30))
    image.save(path)
    return path


def _timeline(folder: Path) -> list[TimedShot]:
    moves: list[Movement] = ["push_in", "pan_left", "handheld"]
    # Spaces and a "%d" in names must reach ffmpeg as plain file names.
    frames = [_frame(folder / f"frame {i} %d.png", 40 * i) for i in range(3)]
    speech = [
        write_wav(folder / "line1.wav", tone(300, 0.6), 22050),
        write_wav(folder / "line2.wav", tone(220, 0.9), 22050),
    ]
    return [
        TimedShot(shot=_shot(1, moves[0]), start=0.0, duration=2.0, frame=frames[0], speech=speech[0], speech_at=1.3),
        TimedShot(shot=_shot(2, moves[1]), start=2.0, duration=2.0, frame=frames[1], speech=speech[1], speech_at=2.2),
        TimedShot(shot=_shot(3, moves[2]), start=4.0, duration=2.0, frame=frames[2]),
    ]


def _plan(folder: Path, shots: list[TimedShot], out: Path | None = None) -> AssemblyPlan:
    srt = write_srt([Cue(1.3, 1.9, "第一句"), Cue(2.2, 3.2, ZH_LINE)], folder / "ep.srt")
    music = write_wav(folder / "music.wav", tone(110, 1.5, 22050, 0.3), 22050)
    return AssemblyPlan(
        shots=shots,
        out=out or folder / "out" / "ep.mp4",
        labels=LabelSpec(text="AI生成", produce_id="ep-test-1"),
        language="zh",
        fps=FPS,
        music=music,
        subtitles=srt,
    )


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, AssemblyPlan]:
    folder = tmp_path_factory.mktemp("assembly")
    plan = _plan(folder, _timeline(folder))
    return FfmpegAssembly().assemble(plan), plan


def _probe(path: Path) -> str:
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, timeout=30, check=False
    )
    return result.stderr.decode("utf-8", "replace")


def _frame_at(video: Path, seconds: float, out: Path) -> Pixels:
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-ss", f"{seconds}", "-i", str(video)]
    subprocess.run([*cmd, "-frames:v", "1", "-update", "1", str(out)], check=True, timeout=30)
    return np.asarray(Image.open(out).convert("RGB"))


def _white(pixels: Pixels) -> npt.NDArray[np.bool_]:
    mask: npt.NDArray[np.bool_] = np.all(pixels > 225, axis=-1)
    return mask


def test_backend_satisfies_the_protocol() -> None:
    backend = FfmpegAssembly()
    assert isinstance(backend, AssemblyBackend)
    assert backend.name == "ffmpeg"
    assert backend.capabilities.camera_moves and backend.capabilities.burned_subtitles
    assert motion("static", 48, FPS) is None
    assert all(motion(m, 48, FPS) for m in ("push_in", "pull_out", "pan_left", "tilt_down", "ken_burns", "handheld"))


def test_episode_format_duration_and_metadata(episode: tuple[Path, AssemblyPlan]) -> None:
    video, plan = episode
    assert video == plan.out and video.is_file()
    assert not list(video.parent.glob("*.partial*"))
    info = _probe(video)
    assert re.search(r"Video: h264 .*yuv420p.*1080x1920", info), info
    assert re.search(r"Audio: aac .*48000 Hz", info), info
    match = re.search(r"Duration: (\d+):(\d+):([\d.]+)", info)
    assert match is not None
    seconds = int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])
    assert abs(seconds - (6.0 + plan.black_tail)) <= 0.1
    meta = read_mp4_aigc(video)
    assert meta is not None
    assert meta["Label"] == "1" and meta["ProduceID"] == "ep-test-1" and meta["ContentProducer"] == "dramaroom"
    assert set(meta) >= {"ReservedCode1", "ContentPropagator", "PropagateID", "ReservedCode2"}


def test_visible_label_at_start_and_black_tail(episode: tuple[Path, AssemblyPlan], tmp_path: Path) -> None:
    video, _ = episode
    plate = (slice(200, 420), slice(300, 780))  # top centre, where label_overlay puts the plate
    early = _frame_at(video, 1.0, tmp_path / "early.png")
    late = _frame_at(video, 4.5, tmp_path / "late.png")
    assert _white(early[plate]).sum() > 800
    assert _white(late[plate]).sum() == 0
    # The corner mark stays for the whole picture, top right.
    assert np.all(late[40:200, 880:1080] > 180, axis=-1).sum() > 50
    last = _frame_at(video, 6.7, tmp_path / "last.png")
    assert last.max() < 40 and last.mean() < 5


def test_chinese_subtitles_render_in_the_lower_third(episode: tuple[Path, AssemblyPlan], tmp_path: Path) -> None:
    video, _ = episode
    with_sub = _white(_frame_at(video, 2.7, tmp_path / "sub.png")[SUB_TOP:SUB_BOTTOM])
    without = _white(_frame_at(video, 2.05, tmp_path / "none.png")[SUB_TOP:SUB_BOTTOM])
    assert without.sum() == 0
    assert with_sub.sum() > 600
    columns = np.flatnonzero(with_sub.any(axis=0))
    # Real CJK glyphs are a full em wide; a missing font draws narrow "tofu" boxes (about half an em).
    assert columns[-1] - columns[0] >= 0.8 * len(ZH_LINE) * subtitle_em(W)
    assert libass_family("zh")


def test_audio_opens_with_the_ai_cue(episode: tuple[Path, AssemblyPlan], tmp_path: Path) -> None:
    video, _ = episode
    wav = tmp_path / "audio.wav"
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(video), "-ac", "1", "-ar", "22050"]
    subprocess.run([*cmd, str(wav)], check=True, timeout=30)
    samples, rate = read_wav(wav)
    assert detect_ai_audio_cue(samples, rate)
    assert abs(samples.size / rate - 6.8) < 0.1
    assert np.abs(samples).max() < 1.0


def test_ducking_and_mix_levels(tmp_path: Path) -> None:
    size = MIX_RATE * 2
    gain = duck_gain([(MIX_RATE // 2, MIX_RATE)], size)
    assert gain[0] == pytest.approx(1.0) and gain[-1] == pytest.approx(1.0)
    assert gain[MIX_RATE // 2] == pytest.approx(10 ** (DUCK_DB / 20), abs=1e-3)
    assert gain[round(MIX_RATE * 0.34)] == pytest.approx(1.0)  # the 0.15 s ramp ends as the line starts
    loud = write_wav(tmp_path / "loud.wav", tone(200, 1.0, 22050, 1.0), 22050)
    cue = write_wav(tmp_path / "cue.wav", tone(880, 0.2, 22050, 0.5), 22050)
    out = mix(2.0, [(0.5, loud), (0.6, loud)], [], loud, cue, tmp_path / "mix.wav")
    samples, rate = read_wav(out)
    assert rate == MIX_RATE and samples.size == 2 * MIX_RATE
    assert np.abs(samples).max() <= 0.9


def _assert_nothing_written(folder: Path) -> None:
    assert not list(folder.glob("*.mp4")) if folder.is_dir() else True


def test_missing_frame_fails_cleanly(tmp_path: Path) -> None:
    shots = _timeline(tmp_path)
    shots[1] = replace(shots[1], frame=tmp_path / "nope.png")
    with pytest.raises(RenderError, match="s01-sh02"):
        FfmpegAssembly().assemble(_plan(tmp_path, shots))
    _assert_nothing_written(tmp_path / "out")


def test_zero_duration_shot_fails_cleanly(tmp_path: Path) -> None:
    shots = _timeline(tmp_path)
    shots[0] = replace(shots[0], duration=0.0)
    with pytest.raises(RenderError, match=r"s01-sh01.*duration"):
        FfmpegAssembly().assemble(_plan(tmp_path, shots))
    _assert_nothing_written(tmp_path / "out")


def test_unwritable_folder_fails_cleanly(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    out = blocker / "sub" / "ep.mp4"
    with pytest.raises(RenderError, match=r"cannot write to .*choose another output folder"):
        FfmpegAssembly().assemble(_plan(tmp_path, _timeline(tmp_path), out=out))


def test_ffmpeg_failure_leaves_no_partial(tmp_path: Path) -> None:
    shots = _timeline(tmp_path)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png at all")
    shots[2] = replace(shots[2], frame=broken)
    with pytest.raises(RenderError) as caught:
        FfmpegAssembly(preset="ultrafast").assemble(_plan(tmp_path, shots))
    assert "\n" not in str(caught.value) and "ffmpeg" in str(caught.value)
    assert not list((tmp_path / "out").glob("*"))


def test_second_assembly_encodes_only_the_changed_shot(tmp_path: Path) -> None:
    cache = tmp_path / "segments"
    shots = _timeline(tmp_path)
    first = FfmpegAssembly(preset="ultrafast").assemble(replace(_plan(tmp_path, shots), segment_cache=cache))
    before = {path: path.stat().st_mtime_ns for path in cache.rglob("*.mp4")}
    assert len(before) == len(shots) + 1  # one segment per shot and the black tail
    shots[1] = replace(shots[1], frame=_frame(tmp_path / "edited.png", 200))
    out = tmp_path / "out" / "ep2.mp4"
    again = FfmpegAssembly(preset="ultrafast").assemble(replace(_plan(tmp_path, shots, out=out), segment_cache=cache))
    after = {path: path.stat().st_mtime_ns for path in cache.rglob("*.mp4")}
    assert len(set(after) - set(before)) == 1
    assert all(after[path] == mtime for path, mtime in before.items())
    assert not list(cache.rglob("*partial*"))
    # The joined picture keeps every frame: 3 shots of 48 frames and a 19-frame black tail.
    for video in (first, again):
        cmd = [ffmpeg_exe(), "-hide_banner", "-i", str(video), "-map", "0:v", "-c", "copy", "-f", "null", "-"]
        log = subprocess.run(cmd, capture_output=True, timeout=30, check=False).stderr.decode("utf-8", "replace")
        assert re.findall(r"frame=\s*(\d+)", log)[-1] == str(3 * 48 + round(0.8 * FPS))
