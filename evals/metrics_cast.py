"""Cast coverage: is every planned cast member on screen, and does each episode show whom its brief planned?

A character is on screen in an episode when they speak a line, are listed
as present in a scene, or are framed in a shot. The planned cast is the
canon's characters; an episode's planned cast is its brief's character ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from memory.schema import EpisodeBrief, Script, ShotList


def on_screen(script: Script, shots: ShotList | None = None) -> set[str]:
    """Return the ids of the characters who speak, are present in a scene, or are framed in a shot."""
    present = {cid for scene in script.scenes for cid in scene.character_ids}
    present |= {line.speaker_id for line in script.lines() if line.kind == "dialogue" and line.speaker_id}
    if shots is not None:
        present |= {c.character_id for shot in shots.shots for c in shot.characters}
    return present


class EpisodeCast(BaseModel):
    """Who is on screen in one episode."""

    episode: int
    on_screen: list[str] = Field(description="Character ids on screen (speak, present, or framed).")
    speaking: list[str] = Field(description="Character ids with at least one dialogue line.")
    planned_missing: list[str] = Field(description="Ids the brief planned for the episode who never appear in it.")


class CastMember(BaseModel):
    """One canon character over the season."""

    id: str
    name: str
    episodes: list[int] = Field(description="Evaluated episodes they are on screen in.")
    lines: int = Field(description="Dialogue lines they speak over the season.")
    status: str = Field(default="alive", description="Canon status at season start (a dead one can still speak).")


class SeasonCast(BaseModel):
    """Cast coverage over the evaluated episodes."""

    planned: int = Field(description="Canon characters.")
    on_screen: int = Field(description="Canon characters on screen at least once.")
    coverage: float = Field(description="on_screen / planned.")
    missing: list[str] = Field(description="Canon character ids never on screen in any evaluated episode.")
    unknown: list[str] = Field(description="Ids on screen that canon does not know (not counted as cast).")
    members: list[CastMember]


def cast_coverage(
    names: Mapping[str, str],
    episodes: Sequence[tuple[EpisodeBrief, Script, ShotList | None]],
    statuses: Mapping[str, str] | None = None,
) -> tuple[SeasonCast, list[EpisodeCast]]:
    """Measure who is on screen per episode and whether every canon character appears in the season.

    A character dead at season start still counts: a flashback, a voice or a photograph puts them on screen,
    and a premise built on them (a drowned brother's voice) needs them.

    Args:
        names: Canon character id -> name, in canon order.
        episodes: (brief, script, shot list) per evaluated episode.
        statuses: Canon character id -> status at season start, reported with each member.
    """
    per_episode: list[EpisodeCast] = []
    seen: dict[str, list[int]] = {cid: [] for cid in names}
    lines: dict[str, int] = dict.fromkeys(names, 0)
    unknown: set[str] = set()
    status = statuses or {}
    for brief, script, shots in episodes:
        present = on_screen(script, shots)
        speaking = {line.speaker_id for line in script.lines() if line.kind == "dialogue" and line.speaker_id}
        for line in script.lines():
            if line.kind == "dialogue" and line.speaker_id in lines:
                lines[line.speaker_id] += 1
        for cid in present:
            if cid in seen:
                seen[cid].append(script.episode)
            else:
                unknown.add(cid)
        per_episode.append(
            EpisodeCast(
                episode=script.episode,
                on_screen=sorted(present),
                speaking=sorted(speaking),
                planned_missing=[cid for cid in brief.character_ids if cid not in present],
            )
        )
    covered = [cid for cid, eps in seen.items() if eps]
    season = SeasonCast(
        planned=len(names),
        on_screen=len(covered),
        coverage=round(len(covered) / len(names), 4) if names else 1.0,
        missing=[cid for cid, eps in seen.items() if not eps],
        unknown=sorted(unknown),
        members=[
            CastMember(id=cid, name=name, episodes=seen[cid], lines=lines[cid], status=status.get(cid, "alive"))
            for cid, name in names.items()
        ],
    )
    return season, per_episode
