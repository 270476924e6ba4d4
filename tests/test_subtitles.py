"""SRT timestamps, wrapping for vertical video, splitting long cues, atomic writes and tolerant parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from renderers.subtitles import CJK_PER_LINE, LATIN_PER_LINE, Cue, fit, parse_srt, srt_time, wrap, write_srt


@pytest.mark.parametrize(
    ("seconds", "stamp"), [(0, "00:00:00,000"), (3725.5, "01:02:05,500"), (1.9996, "00:00:02,000")]
)
def test_srt_time(seconds: float, stamp: str) -> None:
    assert srt_time(seconds) == stamp


def test_cjk_wraps_at_sixteen_and_keeps_punctuation_off_line_starts() -> None:
    text = "我知道你昨天晚上去了哪里，也知道你见了谁。"
    lines = wrap(text)
    assert "".join(lines) == text
    assert all(len(line) <= CJK_PER_LINE + 1 for line in lines)
    assert not any(line[0] in "，。！？" for line in lines)


def test_latin_wraps_on_words() -> None:
    text = "I know exactly where you were last night and who you met at the harbour before dawn."
    lines = wrap(text)
    assert " ".join(lines) == text
    assert all(len(line) <= LATIN_PER_LINE for line in lines)


def test_long_cue_splits_into_timed_two_line_cues() -> None:
    text = "这件事情" * 12  # 48 characters: three lines, so two cues
    parts = fit(Cue(1.0, 5.0, text))
    assert len(parts) == 2
    assert all(len(p.text.split("\n")) <= 2 for p in parts)
    assert parts[0].start == 1.0 and parts[-1].end == 5.0 and parts[0].end == parts[1].start
    assert "".join(p.text.replace("\n", "") for p in parts) == text


def test_write_and_parse_round_trip(tmp_path: Path) -> None:
    cues = [Cue(1.3, 2.5, "你好，世界！"), Cue(0.2, 1.0, "Hello"), Cue(3.0, 3.0, "empty span"), Cue(4, 5, "  ")]
    path = write_srt(cues, tmp_path / "sub" / "ep.srt")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("1\n00:00:00,200 --> 00:00:01,000\nHello\n")
    assert parse_srt(text) == [Cue(0.2, 1.0, "Hello"), Cue(1.3, 2.5, "你好，世界！")]
    assert not list(path.parent.glob("*.part"))


def test_parse_tolerates_bom_crlf_and_missing_indices() -> None:
    text = (
        "\ufeff1\r\n00:00:01,000 --> 00:00:02.5 X1:10\r\nline one\r\nline two\r\n\r\n"
        "00:00:03,000 --> 00:00:04,000\r\nthree\r\n"
    )
    assert parse_srt(text) == [Cue(1.0, 2.5, "line one\nline two"), Cue(3.0, 4.0, "three")]
