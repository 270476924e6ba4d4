"""The series bible in parts: what each planning call fills, so no single call carries the whole schema.

A season is planned cast first, then places, props and secrets (which name the cast), then the world's rules
and the season's arcs, then the episode briefs range by range (`BriefBatch`). A small model on a local server
can finish each part inside its output cap; a large one loses nothing, because every part sees the parts
before it. `assemble` joins the parts into the one `SeriesBible` the rest of the room uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from memory.schema import (
    Canon,
    Character,
    EpisodeBrief,
    Language,
    Location,
    Prop,
    SeasonPlan,
    Secret,
    SeriesBible,
    WorldRules,
)


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Identified(Protocol):
    id: str

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self: ...


Item = TypeVar("Item", bound=_Identified)


def distinct_ids(items: list[Item]) -> list[Item]:
    """Return the items with a repeated id numbered apart ('dock', 'dock_2'): a small model often repeats an id
    for two different places; every item is kept, and nothing has referred to these ids yet."""
    seen: set[str] = set()
    out: list[Item] = []
    for item in items:
        new, n = item.id, 1
        while new in seen:
            n += 1
            new = f"{item.id}_{n}"
        seen.add(new)
        out.append(item if new == item.id else item.model_copy(update={"id": new}))
    return out


class CastPart(_Part):
    """The first planning call: the series' identity and its characters."""

    title: str = Field(max_length=80, description="Series title; no '霸总', no clickbait.")
    logline: str = Field(max_length=300, description="One-sentence pitch.")
    genre: str = Field(
        max_length=40, description="One of: identity_reveal, revenge, rebirth, romance, family, workplace, period."
    )
    tone: str = Field(max_length=80, description="Tone in a few words.")
    characters: list[Character] = Field(
        min_length=1, max_length=10, description="Every named person of the premise, then the few the story needs."
    )

    def numbered_apart(self) -> CastPart:
        """Return the cast with repeated character ids numbered apart, and only relationships between its own
        people (a small model relates people to ids it never made: '.001-1'; nothing else refers to those)."""
        people = distinct_ids(self.characters)
        ids = {c.id for c in people}
        kept = [
            c.model_copy(update={"relationships": [r for r in c.relationships if r.other_id in ids - {c.id}]})
            for c in people
        ]
        return self.model_copy(update={"characters": kept})


class SettingPart(_Part):
    """The second planning call: where the story happens, what is held, and what is hidden."""

    locations: list[Location] = Field(min_length=1, max_length=10, description="Places the season uses.")
    props: list[Prop] = Field(default_factory=list, max_length=10, description="Objects that matter, with holders.")
    secrets: list[Secret] = Field(default_factory=list, max_length=6, description="Hidden truths the season reveals.")

    def numbered_apart(self) -> SettingPart:
        """Return the setting with repeated location, prop and secret ids numbered apart."""
        update = {"locations": distinct_ids(self.locations), "props": distinct_ids(self.props)}
        return self.model_copy(update=update | {"secrets": distinct_ids(self.secrets)})


class WorldPart(_Part):
    """The third planning call: the world's laws and the season's escalating arcs."""

    world: WorldRules
    arcs: list[str] = Field(min_length=1, max_length=6, description="Escalating arcs across the season, one line each.")


def assemble(
    cast: CastPart,
    setting: SettingPart,
    world: WorldPart,
    briefs: list[EpisodeBrief],
    *,
    language: Language,
    paywall_episode: int,
) -> SeriesBible:
    """Join the planned parts into one series bible."""
    canon = Canon(
        title=cast.title,
        language=language,
        genre=cast.genre,
        tone=cast.tone,
        world=world.world,
        characters=cast.characters,
        locations=setting.locations,
        props=setting.props,
        secrets=setting.secrets,
    )
    plan = SeasonPlan(
        title=cast.title,
        logline=cast.logline,
        genre=cast.genre,
        tone=cast.tone,
        paywall_episode=paywall_episode,
        arcs=world.arcs,
        episodes=briefs,
    )
    return SeriesBible(canon=canon, plan=plan)


def split(series: SeriesBible) -> tuple[CastPart, SettingPart, WorldPart]:
    """Return a whole bible's planning parts (the offline writer composes whole seasons and answers by part)."""
    canon, plan = series.canon, series.plan
    cast = CastPart(
        title=canon.title, logline=plan.logline, genre=canon.genre, tone=canon.tone, characters=canon.characters
    )
    setting = SettingPart(locations=canon.locations, props=canon.props, secrets=canon.secrets)
    return cast, setting, WorldPart(world=canon.world, arcs=plan.arcs or [plan.logline])
