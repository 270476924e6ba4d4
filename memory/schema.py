"""Domain types shared by every layer: canon, plans, scripts, shot lists, reviews.

Descriptions are written for the model that fills them in: they are sent as
the JSON schema of structured output, so they say what a good value is.
Entities refer to each other by id, never by nested copies.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from memory.edits import EditRequest
from memory.vocab import Emotion, TimeOfDay

__all__ = ["Emotion", "TimeOfDay"]  # re-exported: most layers import the vocabularies from here

Language = Literal["en", "zh"]
GENRES: tuple[str, ...] = ("identity_reveal", "revenge", "rebirth", "romance", "family", "workplace", "period")
Framing = Literal["ECU", "CU", "MCU", "MS", "MWS", "WS", "EWS", "OTS", "POV", "INSERT", "TWO"]
Angle = Literal["eye", "high", "low", "dutch", "overhead"]
Movement = Literal[
    "static", "push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down", "handheld", "ken_burns"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- canon


class CharacterStatus(StrEnum):
    ALIVE = "alive"
    ABSENT = "absent"
    DEAD = "dead"


class Appearance(_Model):
    hair: str = Field(description="Hair colour and style, e.g. 'short black hair' / '黑色短发'.")
    eyes: str = Field(default="", description="Eye colour or notable eye detail; may be empty.")
    build: str = Field(description="Body type and height in a few words.")
    features: str = Field(default="", description="Distinguishing marks: scar, glasses, birthmark; may be empty.")
    palette: list[str] = Field(
        default_factory=list, description="Two or three signature colours as plain colour words, for visual identity."
    )


class WardrobeSet(_Model):
    id: str = Field(description="Stable id, unique within the character, e.g. 'work', 'gala'.")
    description: str = Field(description="What the character wears in this set, with colours.")
    colors: list[str] = Field(default_factory=list, description="The set's main colour words, e.g. ['grey', 'yellow'].")


class Voice(_Model):
    gender: Literal["female", "male", "neutral"] = Field(description="Voice gender for casting a TTS voice.")
    pitch: Literal["low", "mid", "high"] = Field(default="mid", description="Typical pitch.")
    rate: Literal["slow", "normal", "fast"] = Field(default="normal", description="Typical speaking rate.")
    texture: str = Field(default="", description="A few words on timbre and delivery, e.g. 'husky, clipped'.")


class Relationship(_Model):
    other_id: str = Field(description="Id of the other character.")
    kind: str = Field(description="Relationship in a word or two: 'ex-wife', 'rival', 'secret brother'.")


class Character(_Model):
    id: str = Field(description="Stable ascii id, lower_snake_case, e.g. 'lin_wan'.")
    name: str = Field(description="The name used in dialogue cues, in the series language.")
    aliases: list[str] = Field(
        default_factory=list, description="Other names canon allows: nicknames, titles, full name."
    )
    age: int = Field(ge=0, le=120, description="Age in years at the start of the season.")
    gender: Literal["female", "male", "nonbinary"] = Field(description="Gender.")
    role: str = Field(
        description="Dramatic function: protagonist, antagonist, love interest, ally, mentor, family, rival."
    )
    occupation: str = Field(default="", description="Job or station in the world.")
    appearance: Appearance
    wardrobe: list[WardrobeSet] = Field(min_length=1, description="Costume sets; the first is the default.")
    voice: Voice
    status: CharacterStatus = Field(default=CharacterStatus.ALIVE, description="Status at the start of the season.")
    relationships: list[Relationship] = Field(default_factory=list)
    traits: list[str] = Field(default_factory=list, description="Three or four personality traits.")


class Location(_Model):
    id: str = Field(description="Stable ascii id, lower_snake_case.")
    name: str = Field(description="Name in the series language.")
    aliases: list[str] = Field(default_factory=list)
    interior: bool = Field(default=True, description="True for INT., False for EXT.")
    description: str = Field(description="What it looks like: light, materials, colours, mood.")


class PropState(StrEnum):
    INTACT = "intact"
    DAMAGED = "damaged"
    DESTROYED = "destroyed"
    LOST = "lost"


class Prop(_Model):
    id: str = Field(description="Stable ascii id, lower_snake_case.")
    name: str = Field(description="Name in the series language, e.g. 'jade pendant' / '玉佩'.")
    aliases: list[str] = Field(default_factory=list)
    description: str = Field(description="What it looks like.")
    holder_id: str | None = Field(default=None, description="Character id of the current holder, or null.")
    state: PropState = Field(default=PropState.INTACT)


class Secret(_Model):
    id: str = Field(description="Stable ascii id.")
    description: str = Field(description="The hidden truth, in one sentence.")
    about_id: str | None = Field(default=None, description="Character id the secret concerns, if any.")
    keywords: list[str] = Field(
        default_factory=list,
        description="Two to four words or short phrases that a line revealing this secret would contain.",
    )
    known_by: list[str] = Field(default_factory=list, description="Character ids who know it at season start.")
    reveal_episode: int | None = Field(default=None, description="Episode planned for the big reveal, if any.")


class WorldRules(_Model):
    era: str = Field(description="Era and place, e.g. 'present-day Shanghai' or 'Tang dynasty Chang'an'.")
    technology: Literal["pre_industrial", "industrial", "modern", "near_future"] = Field(
        description="Technology level; pre_industrial forbids phones, cars, guns and electricity."
    )
    rules: list[str] = Field(default_factory=list, description="Other laws of the world the story must respect.")
    forbidden_terms: list[str] = Field(
        default_factory=list, description="Words that must not appear because they break the world (anachronisms)."
    )


class Canon(_Model):
    """Everything the story must stay consistent with, at one point of the season."""

    title: str
    language: Language
    genre: str
    tone: str
    world: WorldRules
    characters: list[Character]
    locations: list[Location]
    props: list[Prop] = Field(default_factory=list)
    secrets: list[Secret] = Field(default_factory=list)

    def character(self, character_id: str) -> Character | None:
        """Return the character with this id, if canon has one."""
        return next((c for c in self.characters if c.id == character_id), None)

    def location(self, location_id: str) -> Location | None:
        """Return the location with this id, if canon has one."""
        return next((loc for loc in self.locations if loc.id == location_id), None)

    def prop(self, prop_id: str) -> Prop | None:
        """Return the prop with this id, if canon has one."""
        return next((p for p in self.props if p.id == prop_id), None)

    def secret(self, secret_id: str) -> Secret | None:
        """Return the secret with this id, if canon has one."""
        return next((s for s in self.secrets if s.id == secret_id), None)


# ------------------------------------------------------------------ state changes


class StateChange(_Model):
    """One change to canon that an episode makes; folded in order to get canon at episode N."""

    entity_id: str = Field(description="Id of the character, prop or secret that changes.")
    field: Literal["status", "holder_id", "prop_state", "knows", "wardrobe"] = Field(
        description=(
            "status: character status (value alive/absent/dead); holder_id: prop holder (value a character id or "
            "'none'); prop_state: intact/damaged/destroyed/lost; knows: entity_id is a secret id and value the "
            "character id who learns it; wardrobe: entity_id is a character and value the wardrobe set id now worn."
        )
    )
    value: str = Field(description="The new value, as described for the field.")
    note: str = Field(default="", description="Why it changes, in a few words.")


class TimelineEvent(_Model):
    episode: int = Field(ge=1)
    story_day: int = Field(ge=1)
    description: str
    character_ids: list[str] = Field(default_factory=list)


class KeptWardrobe(_Model):
    """A lasting costume change: the set a wardrobe state change put a character in, and in which episode."""

    wardrobe_id: str
    since_episode: int = Field(ge=1)


class Carryover(_Model):
    """Where the story stood when the previous episode ended, for checks across the episode boundary."""

    last_story_day: int = Field(default=0, description="Story day of the last scene so far; 0 before episode 1.")
    last_clock: str = Field(default="", description="Clock time of the last scene so far.")
    wardrobe: dict[str, str] = Field(default_factory=dict, description="Character id -> wardrobe set id last worn.")
    kept_wardrobe: dict[str, KeptWardrobe] = Field(
        default_factory=dict,
        description="Character id -> the set an episode's wardrobe change put them in; worn until another change.",
    )
    cliffhanger: str = Field(default="", description="The line the previous episode cut on, as written; '' if none.")
    cliffhanger_ids: list[str] = Field(
        default_factory=list,
        description="Entity ids at the previous episode's cut: who speaks or is there, the location, props in play.",
    )

    def with_cliffhanger(self, script: Script | None) -> Carryover:
        """Return a copy that also says what the given (previous) episode cut on."""
        if script is None or not script.scenes:
            return self
        last = script.scenes[-1]
        line = last.lines[-1]
        ids = [line.speaker_id] if line.speaker_id else []
        ids += [c for c in last.character_ids if c not in ids]
        ids += [last.location_id, *(p.prop_id for p in last.props)]
        return self.model_copy(update={"cliffhanger": line.text, "cliffhanger_ids": ids})


# ------------------------------------------------------------------ season plan


class EpisodeBrief(_Model):
    number: int = Field(ge=1, description="Episode number, starting at 1.")
    title: str = Field(description="Episode title in the series language; no clickbait, no vulgarity.")
    opening_hook: str = Field(description="What grabs the viewer in the first three seconds.")
    key_beats: list[str] = Field(
        min_length=4,
        max_length=4,
        description="Four beats in qi-cheng-zhuan-he order: setup, development, turn, payoff.",
    )
    emotional_curve: list[int] = Field(
        min_length=4, max_length=4, description="Intensity 1-10 at each of the four beats, e.g. [2, 5, 9, 3]."
    )
    cliffhanger: str = Field(description="The unresolved moment the episode cuts on.")
    core_conflict: str = Field(description="Who wants what, and who stands in the way, in one sentence.")
    character_ids: list[str] = Field(min_length=1, description="Characters who appear; ids from canon.")
    location_ids: list[str] = Field(min_length=1, description="Locations used; ids from canon.")
    story_day: int = Field(ge=1, description="Story day on which the episode starts.")
    is_paywall: bool = Field(default=False, description="True for the first paid episode.")
    planned_changes: list[StateChange] = Field(
        default_factory=list, description="Canon changes this episode should make: deaths, reveals, prop transfers."
    )


class SeasonPlan(_Model):
    title: str = Field(description="Series title; no '霸总', no clickbait.")
    logline: str = Field(description="One-sentence pitch.")
    genre: str = Field(description="One of: identity_reveal, revenge, rebirth, romance, family, workplace, period.")
    tone: str = Field(description="Tone in a few words.")
    paywall_episode: int = Field(ge=1, description="First paid episode, placed at the first big turn.")
    arcs: list[str] = Field(default_factory=list, description="Escalating arcs across the season, one line each.")
    episodes: list[EpisodeBrief]


class BriefBatch(_Model):
    """Episode briefs for one range of a long season, planned after canon exists."""

    episodes: list[EpisodeBrief] = Field(min_length=1, description="Briefs for the requested range, in order.")


class SeriesBible(_Model):
    """The showrunner's answer to a premise: canon plus the season plan."""

    canon: Canon
    plan: SeasonPlan


# ------------------------------------------------------------------------- script


class PropUse(_Model):
    prop_id: str = Field(description="Prop id from canon.")
    holder_id: str | None = Field(default=None, description="Character id holding it in this scene, or null.")
    action: str = Field(default="", description="What happens to it, in a few words.")


class Line(_Model):
    id: str = Field(description="Stable id 'sNN-lNN' (scene, line), unique in the script.")
    kind: Literal["dialogue", "action"] = Field(description="dialogue for a spoken line, action for stage direction.")
    speaker_id: str | None = Field(default=None, description="Character id for dialogue; null for action.")
    cue: str = Field(
        default="", description="Character name as printed in the dialogue cue; must be a canon name or alias."
    )
    text: str = Field(description="The spoken words or the action description.")
    emotion: Emotion = Field(default="neutral", description="How it is delivered or played.")
    parenthetical: str = Field(default="", description="Short acting direction for dialogue, may be empty.")
    reveals: list[str] = Field(default_factory=list, description="Secret ids this line reveals to the listeners.")
    beat: int | None = Field(
        default=None,
        ge=0,
        le=8,
        description="Index (0-based) of the brief's key beat this line dramatises, if it plays one; null otherwise.",
    )


class Scene(_Model):
    id: str = Field(description="Stable id 'sNN', unique in the script.")
    location_id: str = Field(description="Location id from canon.")
    time_of_day: TimeOfDay
    story_day: int = Field(ge=1, description="Story day; never earlier than the previous scene unless flashback.")
    clock: str = Field(description="Story clock time at the scene's start, 24h 'HH:MM'.")
    flashback: bool = Field(default=False)
    character_ids: list[str] = Field(description="Every character present in the scene.")
    wardrobe: dict[str, str] = Field(
        default_factory=dict, description="Character id -> wardrobe set id worn in this scene."
    )
    props: list[PropUse] = Field(default_factory=list)
    lines: list[Line] = Field(min_length=1)


class Script(_Model):
    episode: int = Field(ge=1)
    title: str
    target_seconds: int = Field(ge=10, le=600, description="Planned runtime in seconds.")
    scenes: list[Scene] = Field(min_length=1, max_length=6)
    state_changes: list[StateChange] = Field(default_factory=list, description="Canon changes this episode makes.")
    summary: str = Field(description="Two or three sentences on what happens, for the story bible.")

    def lines(self) -> list[Line]:
        """Return every line of every scene in order."""
        return [line for scene in self.scenes for line in scene.lines]


# ---------------------------------------------------------------------- shot list


class ShotCharacter(_Model):
    character_id: str
    wardrobe_id: str = Field(description="Wardrobe set id worn in this shot.")


class Shot(_Model):
    id: str = Field(description="Stable id 'sNN-shNN'.")
    scene_id: str
    duration_s: float = Field(
        gt=0, le=30, description="Seconds on screen; micro-drama shots are 0.8-3 s, dialogue longer."
    )
    framing: Framing
    angle: Angle = "eye"
    movement: Movement = "static"
    characters: list[ShotCharacter] = Field(default_factory=list)
    location_id: str
    time_of_day: TimeOfDay
    line_id: str | None = Field(default=None, description="Dialogue or action line this shot covers.")
    description: str = Field(description="What the frame shows, in one sentence.")
    on_screen_text: str = Field(default="", description="Caption or title burned into the frame, if any.")
    sound_cues: list[str] = Field(default_factory=list)
    visual_prompt: str = Field(default="", description="Image prompt assembled from canon; filled by the director.")


class ShotList(_Model):
    episode: int = Field(ge=1)
    target_seconds: int
    shots: list[Shot] = Field(min_length=1)

    @property
    def total_seconds(self) -> float:
        """Sum of shot durations."""
        return round(sum(s.duration_s for s in self.shots), 2)


# ------------------------------------------------------------------------ reviews

ConStoryCategory = Literal["characterization", "factual_detail", "narrative_style", "timeline_plot", "world_building"]
EthicsCategory = Literal[
    "real_person",
    "minors",
    "sexual",
    "hate",
    "self_harm",
    "copyright",
    "living_artist",
    "stereotype",
    "prompt_injection",
    "nrta",
]
Severity = Literal["info", "revise", "block"]
Verdict = Literal["approve", "revise", "block"]


class Finding(_Model):
    """One problem a reviewer found; deterministic checks and LLM judges both produce these."""

    id: str = Field(description="Stable id within the review.")
    reviewer: Literal["continuity", "ethics", "human"]
    check: str = Field(description="Name of the check or 'llm_review'.")
    category: str = Field(description="ConStory category for continuity, ethics category for ethics.")
    severity: Severity = "revise"
    message: str = Field(description="What is wrong and what to do, in one or two sentences.")
    quote: str = Field(default="", description="The offending text, verbatim.")
    location: str = Field(default="", description="Line, scene or shot id where it occurs.")
    canon_fact: str = Field(default="", description="The canon fact contradicted, if any.")
    requests: list[EditRequest] = Field(
        default_factory=list,
        description="Typed edit requests that would resolve it (memory/edits.py); empty when none can be stated.",
    )
    source: Literal["rule", "llm"] = "rule"

    @model_validator(mode="before")
    @classmethod
    def _drop_legacy_fix(cls, data: object) -> object:
        # review.json files written before typed requests carry an untyped `fix` hint; it was advice to the
        # offline writer only, so reading an old season drops it rather than refusing the whole file.
        if isinstance(data, dict) and "fix" in data:
            return {k: v for k, v in data.items() if k != "fix"}
        return data


class Review(_Model):
    reviewer: Literal["continuity", "ethics"]
    verdict: Verdict
    findings: list[Finding] = Field(default_factory=list)
    model: str = Field(default="", description="Model that did the LLM part, or 'rules-only'.")


class LlmFindings(_Model):
    """What an LLM reviewer adds to the deterministic checks."""

    findings: list[LlmFinding] = Field(
        default_factory=list, description="Problems the rules could not see; empty if none."
    )


class LlmFinding(_Model):
    category: str = Field(description="ConStory category (continuity) or ethics category (ethics).")
    severity: Severity = Field(default="revise")
    message: str = Field(description="What is wrong and how to fix it.")
    quote: str = Field(default="", description="The offending text, verbatim.")
    location: str = Field(default="", description="Line or scene id.")
    requests: list[EditRequest] = Field(
        default_factory=list,
        description=(
            "The edits that would fix it, when you can state them exactly (ids from the script and canon); the "
            "revision is checked against each one. Leave empty rather than guess."
        ),
    )


LlmFindings.model_rebuild()
