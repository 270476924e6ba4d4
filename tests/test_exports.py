"""Editor exports: OpenTimelineIO timeline, Final Draft XML, screenplay PDF, and the zipped bundle."""

from __future__ import annotations

import re
import wave
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import opentimelineio as otio
import pypdf
import pytest
from PIL import Image

from memory.schema import Canon, Script, Shot, ShotCharacter
from renderers.bundle import MANIFEST, bundle
from renderers.protocols import RenderError, TimedShot
from renderers.screenplay import _blocks, _parse, _wrap, heading_style, scene_heading, to_fdx, to_fountain, to_pdf
from renderers.timeline_export import export_otio, read_otio_durations
from tests.fixtures_canon import canon_en, canon_zh, script_en, script_zh

FPS = 24


def _wav(path: Path, seconds: float, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(b"\0\0" * round(seconds * rate))
    return path


def _timeline(script: Script, canon: Canon, folder: Path) -> list[TimedShot]:
    """Lay one shot per line end to end, with speech a little after each dialogue shot starts."""
    folder.mkdir(parents=True, exist_ok=True)
    timed: list[TimedShot] = []
    start = 0.0
    for scene in script.scenes:
        for index, line in enumerate(scene.lines):
            shot_id = f"{scene.id}-sh{index + 1:02d}"
            frame = folder / f"{shot_id}.png"
            Image.new("RGB", (36, 64), (40 * index, 90, 120)).save(frame)
            duration = 1.3 + 0.37 * index  # not whole frames: export must round without drifting
            speech = _wav(folder / f"{line.id}.wav", duration - 0.5) if line.kind == "dialogue" else None
            shot = Shot(
                id=shot_id,
                scene_id=scene.id,
                duration_s=duration,
                framing="CU",
                location_id=scene.location_id,
                time_of_day=scene.time_of_day,
                line_id=line.id,
                description=line.text,
                characters=[ShotCharacter(character_id=line.speaker_id, wardrobe_id="work")] if line.speaker_id else [],
            )
            cues = (_wav(folder / "sting.wav", 0.4),) if index == 0 else ()
            timed.append(
                TimedShot(
                    shot=shot,
                    start=round(start, 3),
                    duration=duration,
                    frame=frame,
                    subtitle=line.text if speech else "",
                    speech=speech,
                    speech_at=round(start + 0.2, 3) if speech else None,
                    cues=cues,
                )
            )
            start += duration
    return timed


@pytest.mark.parametrize(("script", "canon"), [(script_en(), canon_en()), (script_zh(), canon_zh())])
def test_otio_round_trip(script: Script, canon: Canon, tmp_path: Path) -> None:
    shots = _timeline(script, canon, tmp_path / "media")
    out = export_otio(shots, episode=script.episode, title=script.title, fps=FPS, out=tmp_path / "ep" / "timeline.otio")
    assert [p.name for p in out.parent.iterdir()] == ["timeline.otio"]  # written atomically, nothing left over

    durations = read_otio_durations(out)
    total = sum(s.duration for s in shots)
    assert abs(durations["total"] - total) <= 1 / FPS
    assert set(durations["shots"]) == {s.shot.id for s in shots}
    for item in shots:
        assert abs(durations["shots"][item.shot.id] - item.duration) <= 1 / FPS

    timeline = otio.adapters.read_from_file(str(out))
    assert script.title in timeline.name
    meta = timeline.metadata["dramaroom"]
    assert meta["title"] == script.title and meta["episode"] == script.episode and meta["fps"] == FPS
    assert list(meta["shots"]) == [s.shot.id for s in shots]
    assert list(meta["lines"]) == [line.id for line in script.lines()]

    video = timeline.video_tracks()[0]
    clips = list(video.find_clips())
    assert otio.url_utils.filepath_from_url(clips[0].media_reference.target_url) == str(shots[0].frame.resolve())
    assert clips[0].metadata["dramaroom"]["scene_id"] == script.scenes[0].id
    markers = [(clip.name, marker.name) for clip in clips for marker in clip.markers]
    first_shots = [next(s.shot.id for s in shots if s.shot.scene_id == scene.id) for scene in script.scenes]
    assert markers == [(shot_id, scene.id) for shot_id, scene in zip(first_shots, script.scenes, strict=True)]

    dialogue, cues = timeline.audio_tracks()
    spoken = [s for s in shots if s.speech is not None]
    assert [c.name for c in dialogue.find_clips()] == [s.shot.line_id for s in spoken]
    for clip, item in zip(dialogue.find_clips(), spoken, strict=True):
        placed = clip.range_in_parent()
        assert item.speech_at is not None
        assert abs(placed.start_time.to_seconds() - item.speech_at) <= 1 / FPS
        assert abs(placed.duration.to_seconds() - (item.duration - 0.5)) <= 1 / FPS
        assert abs(durations["speech"][clip.name] - placed.duration.to_seconds()) < 1e-9
    assert any(isinstance(child, otio.schema.Gap) for child in dialogue)
    assert cues.name == "Cues" and len(list(cues.find_clips())) == len(script.scenes)


def test_otio_keeps_cjk_text_and_refuses_a_bad_rate(tmp_path: Path) -> None:
    shots = _timeline(script_zh(), canon_zh(), tmp_path / "media")
    out = export_otio(shots, episode=2, title="玉佩记：账册", fps=25, out=tmp_path / "t.otio")
    assert "玉佩记：账册" in out.read_text(encoding="utf-8")  # stored as UTF-8, not \\u escapes only
    timeline = otio.adapters.read_from_file(str(out))
    assert timeline.name.startswith("玉佩记：账册")
    clip = next(iter(timeline.video_tracks()[0].find_clips()))
    assert clip.metadata["dramaroom"]["description"] == script_zh().scenes[0].lines[0].text
    with pytest.raises(RenderError, match="frame rate"):
        export_otio(shots, episode=2, title="x", fps=0, out=tmp_path / "bad.otio")


@pytest.mark.parametrize(("script", "canon"), [(script_en(), canon_en()), (script_zh(), canon_zh())])
def test_fdx_is_final_draft_xml_with_every_line(script: Script, canon: Canon) -> None:
    fountain = to_fountain(script, canon, credit="offline writer")
    root = ET.fromstring(to_fdx(fountain).encode("utf-8"))
    assert root.tag == "FinalDraft"
    paragraphs = [(p.get("Type"), "".join(t.text or "" for t in p.iter("Text"))) for p in root.iter("Paragraph")]
    dialogue = [text for kind, text in paragraphs if kind == "Dialogue"]
    cues = [text for kind, text in paragraphs if kind == "Character"]
    spoken = [line for line in script.lines() if line.kind == "dialogue"]
    assert dialogue == [line.text for line in spoken]
    expected = [line.cue if canon.language == "zh" else line.cue.upper() for line in spoken]
    assert cues == expected  # CJK cues were forced with "@" in Fountain; the "@" is not part of the name
    assert sum(kind == "Scene Heading" for kind, _ in paragraphs) == len(script.scenes)


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


@pytest.mark.parametrize(("script", "canon"), [(script_en(), canon_en()), (script_zh(), canon_zh())])
def test_pdf_has_pages(script: Script, canon: Canon, tmp_path: Path) -> None:
    out = to_pdf(to_fountain(script, canon, credit="offline writer"), tmp_path / "pdf" / "script.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert _pdf_pages(data) >= 2  # title page and at least one page of script
    assert [p.name for p in out.parent.iterdir()] == ["script.pdf"]
    if canon.language == "zh":
        # Courier has no hanzi: Chinese pages are drawn with a CJK font, with the text over them in a CJK font.
        assert b"Courier" not in data and b"STSong-Light" in data
    # A real text layer, read by an outside PDF reader: every line is selectable and searchable.
    reader = pypdf.PdfReader(out)
    text = "".join(page.extract_text() or "" for page in reader.pages)
    squeezed = "".join(text.split())
    for line in script.lines():
        assert "".join(line.text.split()) in squeezed, line.text
    if canon.language == "zh":  # the drawn PDF says what it is
        assert reader.metadata is not None and reader.metadata.subject == "AI-generated screenplay"


def test_pdf_pages_break_for_long_scripts(tmp_path: Path) -> None:
    body = "\n\n".join(
        f"@林婉\n这是第{i}句台词，很长很长，要换行才放得下，一行放不下的话就折到下一行。" for i in range(80)
    )
    out = to_pdf(f"Title: 长剧本\n\nINT. 书房 - 日\n\n{body}\n", tmp_path / "long.pdf")
    assert _pdf_pages(out.read_bytes()) >= 4


def test_wrap_breaks_cjk_by_character_and_keeps_punctuation_off_line_starts() -> None:
    text = "王磊，这本账册有问题。林子里的人都说，陈旧的账房早就空了。"
    lines = _wrap(text, lambda s: 10.0 * len(s), 100.0)
    assert "".join(lines) == text and len(lines) >= 3
    assert not any(line[0] in "，。" for line in lines)
    assert _wrap("these numbers don't add up", lambda s: 10.0 * len(s), 130.0) == ["these numbers", "don't add up"]


def test_bundle_writes_a_manifest_and_an_atomic_zip(tmp_path: Path) -> None:
    folder = tmp_path / "exports" / "ep001"
    folder.mkdir(parents=True)
    names = ["episode.mp4", "episode.srt", "timeline.otio", "script.fountain", "script.fdx", "shotlist.csv"]
    for name in names:
        (folder / name).write_text(f"{name} body\n", encoding="utf-8")
    assert bundle(folder) == folder
    readme = (folder / MANIFEST).read_text(encoding="utf-8")
    for name in names:
        assert name in readme
    for tool in ("Highland", "Final Draft", "DaVinci Resolve", "otioview", "spreadsheet", "AI-generated"):
        assert tool in readme

    archive = bundle(folder, tmp_path / "exports" / "ep001.zip")
    assert archive == tmp_path / "exports" / "ep001.zip"
    with zipfile.ZipFile(archive) as zipped:
        assert sorted(zipped.namelist()) == sorted(f"ep001/{n}" for n in [*names, MANIFEST])
        assert zipped.read("ep001/script.fdx") == b"script.fdx body\n"
    assert sorted(p.name for p in archive.parent.iterdir()) == ["ep001", "ep001.zip"]


def test_bundle_refuses_missing_or_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="render the episode first"):
        bundle(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RenderError, match="is empty"):
        bundle(tmp_path / "empty", tmp_path / "empty.zip")
    assert not (tmp_path / "empty.zip").exists()


# ------------------------------------------------------------------ scene headings: Fountain and 短剧


def _varied_zh() -> tuple[Script, Canon]:
    """The Chinese fixture with a night scene outdoors told as a flashback, and a scene at a place canon lacks."""
    script, canon = script_zh(), canon_zh()
    garden = canon.locations[1].model_copy(update={"interior": False})
    canon = canon.model_copy(update={"locations": [canon.locations[0], garden]})
    night = script.scenes[1].model_copy(update={"time_of_day": "evening", "flashback": True})
    dawn = script.scenes[0].model_copy(update={"id": "s03", "time_of_day": "dawn", "location_id": "ferry"})
    return script.model_copy(update={"scenes": [script.scenes[0], night, dawn]}), canon


def _slugs(fountain_text: str) -> list[tuple[str, str]]:
    from screenplain.types import Slug

    return [(str(p.line), str(p.scene_number)) for p in _parse(fountain_text) if isinstance(p, Slug)]


def test_duanju_headings_in_fountain_fdx_and_pdf(tmp_path: Path) -> None:
    script, canon = _varied_zh()
    expected = ["2-1 日 内 书房", "2-2 夜 外 后园（闪回）", "2-3 日 内 ferry"]
    fountain = to_fountain(script, canon, credit="offline writer", headings="duanju")
    # Forced with "." so a Fountain parser sees a heading that does not start with INT./EXT.
    assert [line for line in fountain.splitlines() if line.startswith(".")] == [
        f".{h} #{s.id}#" for h, s in zip(expected, script.scenes, strict=True)
    ]
    assert "INT." not in fountain and "EXT." not in fountain
    # The title page's keys are Fountain's; what they say is in the series' language.
    assert f"Credit: 第{script.episode}集" in fountain.splitlines()
    assert "Notes: AI生成剧本（dramaroom），由离线程序化写手生成" in fountain.splitlines()
    assert fountain.rstrip().endswith("> 黑场。") and "Episode" not in fountain
    root = ET.fromstring(to_fdx(fountain).encode("utf-8"))
    headings = [
        "".join(t.text or "" for t in p.iter("Text"))
        for p in root.iter("Paragraph")
        if p.get("Type") == "Scene Heading"
    ]
    assert headings == [h.upper() for h in expected]  # Fountain upper-cases headings: only the Latin place changes
    laid_out = [
        rows[0][1] for rows in _blocks(_parse(fountain), lambda s: 10.0 * len(s)) if rows and rows[0][0] == "heading"
    ]
    assert laid_out == [f"{h.upper()}  [{s.id.upper()}]" for h, s in zip(expected, script.scenes, strict=True)]
    assert to_pdf(fountain, tmp_path / "duanju.pdf").read_bytes().startswith(b"%PDF")


def test_both_heading_styles_parse_to_the_same_scenes() -> None:
    script, canon = _varied_zh()
    fountain = to_fountain(script, canon, credit="w", headings="fountain")
    duanju = to_fountain(script, canon, credit="w", headings="duanju")
    assert [h for h, _ in _slugs(fountain)] == ["INT. 书房 - 日", "EXT. 后园 - 傍晚 (FLASHBACK)", "INT. FERRY - 黎明"]
    assert [n for _, n in _slugs(duanju)] == [n for _, n in _slugs(fountain)] == ["S01", "S02", "S03"]

    def body(text: str) -> list[tuple[str | None, str]]:
        paragraphs = ET.fromstring(to_fdx(text).encode("utf-8")).iter("Paragraph")
        rows = [(p.get("Type"), "".join(t.text or "" for t in p.iter("Text"))) for p in paragraphs]
        return [row for row in rows if row[0] != "Scene Heading"]

    assert body(duanju) == body(fountain) and len(body(fountain)) > len(script.lines())  # every cue, line and action


@pytest.mark.parametrize(
    ("headings", "language", "first"),
    [
        ("auto", "zh", "2-1 日 内 书房"),
        ("auto", "en", "INT. the office - MORNING"),
        ("fountain", "zh", "INT. 书房 - 日"),
        ("duanju", "en", "3-1 日 内 the office"),
    ],
)
def test_heading_style_follows_the_setting_and_the_language(headings: str, language: str, first: str) -> None:
    script, canon = (script_zh(), canon_zh()) if language == "zh" else (script_en(), canon_en())
    assert scene_heading(script, 1, canon, headings) == first  # type: ignore[arg-type]
    assert heading_style("auto", language) == ("duanju" if language == "zh" else "fountain")


def test_the_scene_headings_setting_reaches_the_workspace_export(tmp_path: Path) -> None:
    from dramaroom.config import SeriesConfig, SeriesSection, load_config
    from dramaroom.errors import UserError
    from dramaroom.workspace import Workspace

    section = SeriesSection(premise="林婉查账。", language="zh")
    ws = Workspace.create(tmp_path / "series", SeriesConfig(series=section))
    ws.save_series("canon", canon_zh())
    ws.save_episode(2, "script", script_zh())
    assert ".2-1 日 内 书房 #s01#" in (ws.episode_dir(2) / "script.fountain").read_text(encoding="utf-8")
    config = ws.root / "dramaroom.toml"
    text = config.read_text(encoding="utf-8")
    assert 'scene_headings = "auto"' in text  # spelled out for hand editing
    config.write_text(text.replace('scene_headings = "auto"', 'scene_headings = "fountain"'), encoding="utf-8")
    ws = Workspace.open(ws.root)
    ws.save_episode(2, "script", script_zh())
    assert "\nINT. 书房 - 日 #s01#" in (ws.episode_dir(2) / "script.fountain").read_text(encoding="utf-8")
    config.write_text(text.replace('scene_headings = "auto"', 'scene_headings = "short"'), encoding="utf-8")
    with pytest.raises(UserError, match=r"render.scene_headings"):
        load_config(config)
