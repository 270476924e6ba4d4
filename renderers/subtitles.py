"""SubRip subtitles: cues, line wrapping for vertical video, atomic writing and tolerant parsing."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAX_LINES = 2
CJK_PER_LINE = 16  # a 1080-wide frame holds ~16 full-width characters at a readable size
LATIN_PER_LINE = 42
# Closing punctuation must not start a line (a light form of kinsoku shori).
_NO_LINE_START = set("，。！？、；：」』）》〉】…—,.!?;:)]}%")
_TIME = re.compile(r"(\d+):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?")


@dataclass(frozen=True)
class Cue:
    """One subtitle on screen from start to end (seconds)."""

    start: float
    end: float
    text: str


def srt_time(seconds: float) -> str:
    """Format seconds as an SRT timestamp HH:MM:SS,mmm."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def _char_width(ch: str) -> float:
    """Return a character's width in units of one full-width (CJK) character."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    return CJK_PER_LINE / LATIN_PER_LINE


def _width(text: str) -> float:
    return sum(_char_width(ch) for ch in text)


def _tokens(text: str) -> list[str]:
    """Split into wrap units: Latin words keep their trailing space, CJK characters stand alone."""
    out: list[str] = []
    for match in re.finditer(r"[^\s\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef\u3000-\u303f]+\s*|\S\s*|\s+", text):
        out.append(match.group(0))
    return out


def wrap(text: str, limit: float = CJK_PER_LINE) -> list[str]:
    """Wrap text into lines no wider than limit full-width characters (all lines, unbounded count)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for token in _tokens(paragraph.strip()):
            if current and _width((current + token).rstrip()) > limit and token.strip()[:1] not in _NO_LINE_START:
                lines.append(current.rstrip())
                current = token.lstrip()
            else:
                current += token
            # A single word longer than a line is cut hard rather than overflowing the frame.
            while _width(current.rstrip()) > limit * 1.5:
                cut = _cut_at(current, limit)
                lines.append(current[:cut].rstrip())
                current = current[cut:].lstrip()
        if current.strip():
            lines.append(current.rstrip())
    return lines


def _cut_at(text: str, limit: float) -> int:
    total = 0.0
    for index, ch in enumerate(text):
        total += _char_width(ch)
        if total > limit:
            return max(1, index)
    return len(text)


def fit(cue: Cue) -> list[Cue]:
    """Split a cue whose wrapped text exceeds two lines into consecutive cues, timed by text length."""
    lines = wrap(cue.text)
    if len(lines) <= MAX_LINES:
        return [Cue(cue.start, cue.end, "\n".join(lines))]
    chunks = ["\n".join(lines[i : i + MAX_LINES]) for i in range(0, len(lines), MAX_LINES)]
    weights = [max(_width(chunk), 1.0) for chunk in chunks]
    total = sum(weights)
    out: list[Cue] = []
    start = cue.start
    for chunk, weight in zip(chunks, weights, strict=True):
        end = start + (cue.end - cue.start) * weight / total
        out.append(Cue(round(start, 3), round(end, 3), chunk))
        start = end
    return out


def srt_text(cues: Iterable[Cue]) -> str:
    """Render cues (wrapped, long ones split) as SubRip text."""
    blocks: list[str] = []
    for cue in sorted(cues, key=lambda c: c.start):
        if not cue.text.strip() or cue.end <= cue.start:
            continue
        for part in fit(cue):
            blocks.append(f"{len(blocks) + 1}\n{srt_time(part.start)} --> {srt_time(part.end)}\n{part.text}\n")
    return "\n".join(blocks)


def write_srt(cues: Iterable[Cue], path: Path) -> Path:
    """Write cues as a UTF-8 SRT file via a temporary file renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".srt.part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(srt_text(cues))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _seconds(stamp: str) -> float:
    match = _TIME.fullmatch(stamp.strip())
    if not match:
        raise ValueError(f"not an SRT timestamp: {stamp!r}")
    hours, minutes, secs, frac = match.groups()
    millis = int((frac or "0").ljust(3, "0"))
    return int(hours) * 3600 + int(minutes) * 60 + int(secs) + millis / 1000


def parse_srt(text: str) -> list[Cue]:
    """Parse SubRip text (BOM, CRLF, missing indices and '.' decimals tolerated) into cues."""
    cues: list[Cue] = []
    blocks = re.split(r"\n\s*\n", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").strip())
    for block in blocks:
        lines = [line for line in block.split("\n") if line.strip()]
        arrow = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if arrow is None:
            continue
        left, right = lines[arrow].split("-->", 1)
        # Position hints ("X1:... Y1:...") may follow the end time.
        end_stamp = right.strip().split()[0] if right.strip() else ""
        cues.append(Cue(_seconds(left), _seconds(end_stamp), "\n".join(lines[arrow + 1 :])))
    return cues
