"""Cliffhanger payoff: does episode N+1's opening involve what episode N's cliffhanger raised?

Judged by canon entities, never by the plan's wording, so a model that
paraphrases its plan is judged on what it put on screen. The cliffhanger's
entities come from the last shot and the last line of episode N: characters
framed, the speaker, characters, props and secrets named or revealed in the
line or the shot, and the place. The opening's come from the first scene of
episode N+1 and its first `OPENING_LINES` lines: characters present, speakers,
props used or named, secrets revealed or named, and the place.

The protagonist is in nearly every scene, so sharing them proves nothing and
is not counted; sharing only the place is reported as `place_only` and not
counted as a payoff either. A cliffhanger that names no entity but the lead
and the place is `nothing_raised`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, Field

from memory.schema import Canon, Language, Line, Script, Shot, ShotList

OPENING_LINES = 6
LEAD_ROLE = "protagonist"
PayoffStatus = Literal["picked_up", "place_only", "dropped", "nothing_raised"]


class _Names:
    """Find canon entities named in free text: characters, props and secrets (by their keywords)."""

    def __init__(self, canon: Canon, language: Language) -> None:
        self.language = language
        self.entries: list[tuple[str, str]] = []
        for c in canon.characters:
            self.entries += [(f"character:{c.id}", n) for n in (c.name, *c.aliases)]
        for p in canon.props:
            self.entries += [(f"prop:{p.id}", n) for n in (p.name, *p.aliases)]
        for s in canon.secrets:
            self.entries += [(f"secret:{s.id}", k) for k in s.keywords]
        # A one-character alias (晚 for 林晚) would be found in 今晚.
        self.entries = [(ref, term.casefold()) for ref, term in self.entries if len(term.strip()) >= 2]

    def found(self, texts: Iterable[str]) -> set[str]:
        folded = " ".join(texts).casefold()
        refs: set[str] = set()
        for ref, term in self.entries:
            if self.language == "zh":
                hit = term in folded
            else:
                hit = re.search(rf"(?<![\w']){re.escape(term)}(?:s|es|'s)?(?![\w'])", folded) is not None
            if hit:
                refs.add(ref)
        return refs


def _line_refs(line: Line) -> set[str]:
    refs = {f"secret:{s}" for s in line.reveals}
    if line.kind == "dialogue" and line.speaker_id:
        refs.add(f"character:{line.speaker_id}")
    return refs


def cliffhanger_entities(script: Script, shots: ShotList | None, names: _Names) -> set[str]:
    """Return the entities the last shot and the last line of an episode put in play."""
    lines = {line.id: line for line in script.lines()}
    last_line = script.scenes[-1].lines[-1]
    shot: Shot | None = shots.shots[-1] if shots is not None and shots.shots else None
    covered = [last_line] + ([lines[shot.line_id]] if shot and shot.line_id in lines else [])
    refs = set().union(*(_line_refs(line) for line in covered))
    texts = [line.text for line in covered]
    if shot is not None:
        refs |= {f"character:{c.character_id}" for c in shot.characters}
        refs.add(f"location:{shot.location_id}")
        texts += [shot.description, shot.on_screen_text]
    else:
        refs.add(f"location:{script.scenes[-1].location_id}")
    return refs | names.found(texts)


def opening_entities(script: Script, names: _Names, k: int = OPENING_LINES) -> set[str]:
    """Return the entities of an episode's opening: its first scene and first `k` lines."""
    first = script.scenes[0]
    opening = script.lines()[:k]
    refs = {f"character:{c}" for c in first.character_ids} | {f"location:{first.location_id}"}
    refs |= {f"prop:{p.prop_id}" for p in first.props}
    refs |= set().union(*(_line_refs(line) for line in opening))
    return refs | names.found(line.text for line in opening)


class EpisodePayoff(BaseModel):
    """Whether the next episode's opening picks up this episode's cliffhanger."""

    episode: int
    next_episode: int
    status: PayoffStatus = Field(
        description="picked_up: a character (not the lead), prop or secret carries over; place_only: only the "
        "place does; dropped: nothing does; nothing_raised: the cliffhanger names no entity but the lead and place."
    )
    raised: list[str] = Field(description="Entities of the cliffhanger, as 'kind:id' (the lead left out).")
    opening: list[str] = Field(description="Entities of the next episode's opening, as 'kind:id'.")
    shared: list[str] = Field(description="Entities in both (the lead left out).")


class SeasonPayoff(BaseModel):
    """Cliffhanger payoff over consecutive evaluated episodes."""

    pairs: int = Field(description="Episodes whose next episode was evaluated too.")
    picked_up: int
    rate: float | None = Field(description="picked_up / pairs; null with no pair.")
    by_status: dict[str, int]
    not_picked_up: list[int] = Field(description="Episodes whose cliffhanger the next episode's opening ignores.")
    leads: list[str] = Field(description="Character ids left out of the match as the season's lead.")


def payoff(
    canon: Canon, language: Language, episodes: Sequence[tuple[Script, ShotList | None]]
) -> tuple[SeasonPayoff, list[EpisodePayoff]]:
    """Judge, for each pair of consecutive evaluated episodes, whether the cliffhanger is picked up."""
    names = _Names(canon, language)
    leads = {f"character:{c.id}" for c in canon.characters if c.role.strip().casefold() == LEAD_ROLE}
    ordered = sorted(episodes, key=lambda e: e[0].episode)
    out: list[EpisodePayoff] = []
    for (script, shots), (following, _) in pairwise(ordered):
        if following.episode != script.episode + 1:
            continue
        raised = cliffhanger_entities(script, shots, names) - leads
        opening = opening_entities(following, names)
        shared = raised & opening
        status: PayoffStatus
        if not {r for r in raised if not r.startswith("location:")}:
            status = "nothing_raised"
        elif any(not r.startswith("location:") for r in shared):
            status = "picked_up"
        else:
            status = "place_only" if shared else "dropped"
        out.append(
            EpisodePayoff(
                episode=script.episode,
                next_episode=following.episode,
                status=status,
                raised=sorted(raised),
                opening=sorted(opening),
                shared=sorted(shared),
            )
        )
    picked = sum(1 for p in out if p.status == "picked_up")
    by_status: dict[str, int] = {}
    for p in out:
        by_status[p.status] = by_status.get(p.status, 0) + 1
    season = SeasonPayoff(
        pairs=len(out),
        picked_up=picked,
        rate=round(picked / len(out), 4) if out else None,
        by_status=by_status,
        not_picked_up=[p.episode for p in out if p.status != "picked_up"],
        leads=sorted(ref.split(":", 1)[1] for ref in leads),
    )
    return season, out
