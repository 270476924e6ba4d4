"""Structure of an episode from its brief, final script and shot list: hook, cliffhanger, pacing, who is on screen.

Screen time is the shot list's: each shot starts where the previous one ended,
so "the first 3 s" means shots that start before 3.0 s of the shot list's
timeline. The renderer may stretch shots to fit the recorded voices; its
render.json has the measured timing.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from agents.textmatch import term_list
from evals.metrics_text import ngrams, tokens
from memory.schema import EpisodeBrief, Language, Line, Script, Shot, ShotList

HOOK_WINDOW_S = 3.0
# Share of a planned beat's content units that the covering line or shot must contain to count as carrying it.
BEAT_MATCH = 0.6
CONFLICT_EMOTIONS = frozenset({"tense", "angry", "afraid", "shocked", "cold", "desperate", "smug"})
_EN_STOP = frozenset(
    term_list(
        "a, an, the, and, or, but, of, to, in, on, at, by, for, with, from, into, as, is, are, was, were, be, it, its, "
        "this, that, his, her, their, them, he, she, they, you, your, i, me, my, we, our, not, no, so, then, than"
    )
)
# "Maya Chen: "..."" / "林晚：“……”": a brief may quote the hook line with its speaker's cue.
_CUE = re.compile(r"^\s*[^:：\"“”]{1,40}[:：]\s*")


def _content_units(text: str, language: Language) -> set[tuple[str, ...]]:
    units = tokens(text, language)
    if language == "zh":
        return set(ngrams(units, 2)) or {(u,) for u in units}
    return {(u,) for u in units if u not in _EN_STOP}


def beat_overlap(beat: str, text: str, language: Language) -> float:
    """Return the share of a planned beat's content units (English words, Chinese bigrams) found in a text."""
    wanted = _content_units(_CUE.sub("", beat, count=1), language)
    if not wanted:
        return 0.0
    return len(wanted & _content_units(text, language)) / len(wanted)


class HookCheck(BaseModel):
    """Whether the first 3 s of screen time carry the opening hook."""

    present: bool = Field(description="True when the window carries the brief's hook or, failing that, conflict.")
    kind: Literal["brief_hook", "conflict", "none"] = Field(
        description="brief_hook: a shot starting before 3 s covers the planned hook (overlap >= 0.6); "
        "conflict: it does not, but a line there is played with a conflict emotion; none: neither."
    )
    window_shots: list[str] = Field(description="Ids of shots starting before 3 s.")
    overlap: float = Field(description="Best overlap between the planned hook and a window shot's line + framing.")
    first_line: str = Field(default="", description="Text of the first line on screen.")


class CliffhangerCheck(BaseModel):
    """Whether the last shot carries the planned cliffhanger."""

    present: bool = Field(description="True when the last shot's line + framing overlap the plan by >= 0.6.")
    shot_id: str
    overlap: float
    cut_to_black: bool = Field(description="True when the last shot asks for a cut to black.")
    last_line: str = Field(default="")


class EpisodeStructure(BaseModel):
    """Structure figures of one episode."""

    episode: int
    hook: HookCheck
    cliffhanger: CliffhangerCheck
    runtime_s: float = Field(description="Sum of shot durations.")
    target_s: int
    runtime_ratio: float = Field(description="Runtime over target.")
    shots: int
    shots_per_minute: float
    mean_shot_s: float
    median_shot_s: float
    scenes: int
    lines: int
    dialogue_lines: int
    dialogue_share: float = Field(description="Share of screen time on shots that cover a dialogue line.")
    dialogue_line_share: float = Field(description="Share of script lines that are dialogue.")
    screen_time: dict[str, float] = Field(description="Character id -> seconds in frame (sum of their shots).")


def _shot_text(shot: Shot, lines: dict[str, Line]) -> str:
    line = lines.get(shot.line_id or "")
    return f"{line.text if line else ''} {shot.description}"


def hook_check(brief: EpisodeBrief, script: Script, shots: Sequence[Shot], language: Language) -> HookCheck:
    """Check that a shot starting before 3 s carries the brief's hook or a line of conflict."""
    lines = {line.id: line for line in script.lines()}
    window: list[Shot] = []
    start = 0.0
    for shot in shots:
        if start >= HOOK_WINDOW_S:
            break
        window.append(shot)
        start += shot.duration_s
    overlap = max((beat_overlap(brief.opening_hook, _shot_text(s, lines), language) for s in window), default=0.0)
    window_lines = [lines[s.line_id] for s in window if s.line_id in lines]
    kind: Literal["brief_hook", "conflict", "none"] = "none"
    if overlap >= BEAT_MATCH:
        kind = "brief_hook"
    elif any(line.emotion in CONFLICT_EMOTIONS for line in window_lines):
        kind = "conflict"
    return HookCheck(
        present=kind != "none",
        kind=kind,
        window_shots=[s.id for s in window],
        overlap=round(overlap, 3),
        first_line=window_lines[0].text if window_lines else "",
    )


def cliffhanger_check(
    brief: EpisodeBrief, script: Script, shots: Sequence[Shot], language: Language
) -> CliffhangerCheck:
    """Check that the last shot carries the brief's cliffhanger."""
    lines = {line.id: line for line in script.lines()}
    last = shots[-1]
    overlap = beat_overlap(brief.cliffhanger, _shot_text(last, lines), language)
    line = lines.get(last.line_id or "")
    return CliffhangerCheck(
        present=overlap >= BEAT_MATCH,
        shot_id=last.id,
        overlap=round(overlap, 3),
        cut_to_black=any("black" in cue.casefold() or "黑" in cue for cue in last.sound_cues),
        last_line=line.text if line else "",
    )


def episode_structure(brief: EpisodeBrief, script: Script, shot_list: ShotList, language: Language) -> EpisodeStructure:
    """Measure one episode's structure."""
    shots = shot_list.shots
    runtime = sum(s.duration_s for s in shots)
    lines = {line.id: line for line in script.lines()}
    dialogue_s = sum(s.duration_s for s in shots if (ln := lines.get(s.line_id or "")) and ln.kind == "dialogue")
    screen: dict[str, float] = {}
    for shot in shots:
        for cid in {c.character_id for c in shot.characters}:
            screen[cid] = screen.get(cid, 0.0) + shot.duration_s
    dialogue_lines = sum(1 for line in lines.values() if line.kind == "dialogue")
    durations = [s.duration_s for s in shots]
    return EpisodeStructure(
        episode=script.episode,
        hook=hook_check(brief, script, shots, language),
        cliffhanger=cliffhanger_check(brief, script, shots, language),
        runtime_s=round(runtime, 2),
        target_s=shot_list.target_seconds,
        runtime_ratio=round(runtime / shot_list.target_seconds, 3) if shot_list.target_seconds else 0.0,
        shots=len(shots),
        shots_per_minute=round(len(shots) * 60 / runtime, 2) if runtime else 0.0,
        mean_shot_s=round(runtime / len(shots), 2),
        median_shot_s=round(statistics.median(durations), 2),
        scenes=len(script.scenes),
        lines=len(lines),
        dialogue_lines=dialogue_lines,
        dialogue_share=round(dialogue_s / runtime, 3) if runtime else 0.0,
        dialogue_line_share=round(dialogue_lines / len(lines), 3) if lines else 0.0,
        screen_time=_by_time(screen),
    )


def _by_time(seconds: dict[str, float]) -> dict[str, float]:
    return {cid: round(sec, 2) for cid, sec in sorted(seconds.items(), key=lambda kv: (-kv[1], kv[0]))}


class SeasonStructure(BaseModel):
    """Structure figures over the evaluated episodes."""

    episodes: int
    hook_rate: float = Field(description="Share of episodes whose first 3 s carry the hook (brief or conflict).")
    brief_hook_rate: float = Field(description="Share whose first 3 s carry the brief's planned hook.")
    cliffhanger_rate: float = Field(description="Share whose last shot carries the planned cliffhanger.")
    runtime_s: float = Field(description="Total screen time.")
    mean_runtime_ratio: float
    runtime_ratio_range: tuple[float, float]
    shots_per_minute: float = Field(description="Shots over minutes, season-wide.")
    mean_shot_s: float
    mean_scenes: float
    dialogue_share: float = Field(description="Share of season screen time on dialogue shots.")
    screen_time: dict[str, float] = Field(description="Character id -> seconds in frame over the season.")


def season_structure(episodes: Sequence[EpisodeStructure]) -> SeasonStructure:
    """Total and average the structure of several episodes."""
    n = len(episodes)
    runtime = sum(e.runtime_s for e in episodes)
    shots = sum(e.shots for e in episodes)
    screen: dict[str, float] = {}
    for e in episodes:
        for cid, sec in e.screen_time.items():
            screen[cid] = screen.get(cid, 0.0) + sec
    ratios = [e.runtime_ratio for e in episodes]
    return SeasonStructure(
        episodes=n,
        hook_rate=round(sum(e.hook.present for e in episodes) / n, 3),
        brief_hook_rate=round(sum(e.hook.kind == "brief_hook" for e in episodes) / n, 3),
        cliffhanger_rate=round(sum(e.cliffhanger.present for e in episodes) / n, 3),
        runtime_s=round(runtime, 2),
        mean_runtime_ratio=round(sum(ratios) / n, 3),
        runtime_ratio_range=(min(ratios), max(ratios)),
        shots_per_minute=round(shots * 60 / runtime, 2) if runtime else 0.0,
        mean_shot_s=round(runtime / shots, 2) if shots else 0.0,
        mean_scenes=round(sum(e.scenes for e in episodes) / n, 2),
        dialogue_share=round(sum(e.dialogue_share * e.runtime_s for e in episodes) / runtime, 3) if runtime else 0.0,
        screen_time=_by_time(screen),
    )
