"""Typed edit requests: what a producer's note, a reviewer's finding or a chat instruction asks of an episode.

One discriminated union (`EditRequest`, on `kind`) replaces the untyped fix dictionaries. The offline writer
applies requests exactly; a real model receives them as stated requirements in its revision prompt; a
deterministic check verifies each one afterwards (agents/edit_verify.py). Ids refer to the script being revised
(`sNN` scenes, `sNN-lNN` lines, shot ids) and to canon (character, location, prop, secret, wardrobe ids).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from memory.vocab import Emotion, TimeOfDay


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ----------------------------------------------------------------- people


class CutCharacter(_Request):
    """Take a character out of the episode, or out of one scene: no lines, not present."""

    kind: Literal["cut_character"] = "cut_character"
    character_id: str = Field(max_length=64, description="Canon id of the character to cut.")
    scene_id: str | None = Field(default=None, max_length=16, description="Only this scene; null for the episode.")


class AddCharacter(_Request):
    """Bring a canon character into the episode (or one scene) with at least one line."""

    kind: Literal["add_character"] = "add_character"
    character_id: str = Field(max_length=64, description="Canon id of the character to add.")
    scene_id: str | None = Field(default=None, max_length=16, description="Into this scene; null for any scene.")


class Rename(_Request):
    """Call a character (or a thing) by another name within this episode: cues and mentions."""

    kind: Literal["rename"] = "rename"
    old: str = Field(max_length=80, description="The name as it appears now.")
    new: str = Field(max_length=80, description="The name to use instead.")
    character_id: str | None = Field(default=None, max_length=64, description="Canon id, when it is a character.")


# ----------------------------------------------------------------- scenes


class MoveScene(_Request):
    """Set a scene's place and/or time; fields left null stay as they are.

    A clock given without a time of day brings the time of day along with it, and a time of day given without
    a clock brings a typical clock, so the two never contradict each other.
    """

    kind: Literal["move_scene"] = "move_scene"
    scene_id: str | None = Field(default=None, max_length=16, description="The scene; null for the first scene.")
    location_id: str | None = Field(default=None, max_length=64, description="Canon location id to move it to.")
    time_of_day: TimeOfDay | None = Field(default=None, description="New time of day.")
    clock: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$", description="New story clock, 'HH:MM'.")
    story_day: int | None = Field(default=None, ge=1, description="New story day.")


class ResizeScene(_Request):
    """Make a scene (or the whole episode) shorter or longer, in lines."""

    kind: Literal["resize_scene"] = "resize_scene"
    scene_id: str | None = Field(default=None, max_length=16, description="The scene; null for the episode.")
    direction: Literal["shorter", "longer"]


# ------------------------------------------------------------------ lines


class ChangeLine(_Request):
    """Change one line: its words, who says it, or how; null fields stay as they are."""

    kind: Literal["change_line"] = "change_line"
    line_id: str = Field(max_length=16, description="Line id 'sNN-lNN'.")
    text: str | None = Field(default=None, max_length=400, description="The new words, verbatim.")
    speaker_id: str | None = Field(default=None, max_length=64, description="Canon id of the new speaker.")
    emotion: Emotion | None = Field(default=None, description="New delivery.")


class RewriteLine(_Request):
    """Rewrite one line's words (they must change), keeping speaker and purpose."""

    kind: Literal["rewrite_line"] = "rewrite_line"
    line_id: str = Field(max_length=16, description="Line id 'sNN-lNN'.")
    reason: str = Field(default="", max_length=200, description="What is wrong with the words now.")


class ReplaceText(_Request):
    """Replace a phrase in one line (or in every line when line_id is null)."""

    kind: Literal["replace_text"] = "replace_text"
    line_id: str | None = Field(default=None, max_length=16, description="Line id; null for every line.")
    old: str = Field(min_length=1, max_length=200, description="The text to replace, verbatim.")
    new: str = Field(default="", max_length=200, description="What to put instead; empty removes it.")


class SetCue(_Request):
    """Print a dialogue line's cue as the speaker's canon name."""

    kind: Literal["set_cue"] = "set_cue"
    line_id: str = Field(max_length=16)
    value: str = Field(max_length=80, description="The cue to print.")


class DropReveal(_Request):
    """Stop a line from revealing a secret."""

    kind: Literal["drop_reveal"] = "drop_reveal"
    line_id: str = Field(max_length=16)
    secret_id: str = Field(max_length=64)


# ------------------------------------------------------ props, wardrobe, clock


class DropProp(_Request):
    """Remove a prop from a scene (and from a line's mention, when line_id is given)."""

    kind: Literal["drop_prop"] = "drop_prop"
    prop_id: str = Field(max_length=64)
    scene_id: str | None = Field(default=None, max_length=16)
    line_id: str | None = Field(default=None, max_length=16)


class SetPropHolder(_Request):
    """Set who holds a prop in a scene."""

    kind: Literal["set_prop_holder"] = "set_prop_holder"
    scene_id: str = Field(max_length=16)
    prop_id: str = Field(max_length=64)
    holder_id: str | None = Field(default=None, max_length=64, description="Character id, or null for nobody.")


class SetWardrobe(_Request):
    """Dress a character in a wardrobe set in a scene."""

    kind: Literal["set_wardrobe"] = "set_wardrobe"
    scene_id: str = Field(max_length=16)
    character_id: str = Field(max_length=64)
    wardrobe_id: str = Field(max_length=64)


# -------------------------------------------------------------- story shape


class ChangeMoment(_Request):
    """Change the episode's opening hook, its ending, or its cliffhanger to what the text describes."""

    kind: Literal["change_moment"] = "change_moment"
    moment: Literal["hook", "ending", "cliffhanger"]
    text: str = Field(min_length=1, max_length=400, description="What it should be, in the series language.")


class AddBeat(_Request):
    """Dramatise a new beat (an event) in the episode."""

    kind: Literal["add_beat"] = "add_beat"
    text: str = Field(min_length=1, max_length=400, description="The beat, one sentence.")
    position: int | None = Field(default=None, ge=0, le=8, description="Before this beat index; null at the end.")


class DropBeat(_Request):
    """Take a beat out of the episode."""

    kind: Literal["drop_beat"] = "drop_beat"
    index: int | None = Field(default=None, ge=0, le=8, description="Beat index in the brief, 0-based.")
    text: str = Field(default="", max_length=400, description="The beat's words, when the index is not known.")


class ReorderBeats(_Request):
    """Play the brief's beats in another order."""

    kind: Literal["reorder_beats"] = "reorder_beats"
    order: list[int] = Field(min_length=2, max_length=8, description="Beat indexes (0-based) in the new order.")


class ChangeTone(_Request):
    """Shift the episode's tone, e.g. lighter, darker, more tender."""

    kind: Literal["change_tone"] = "change_tone"
    tone: str = Field(min_length=1, max_length=80)


# -------------------------------------------------------------------- shots


class AddShotForLine(_Request):
    """Give a line that no shot covers a shot of its own."""

    kind: Literal["add_shot_for_line"] = "add_shot_for_line"
    line_id: str = Field(max_length=16)


class SetShotField(_Request):
    """Set one field of a shot."""

    kind: Literal["set_shot_field"] = "set_shot_field"
    shot_id: str = Field(max_length=32)
    field: Literal["scene_id", "line_id", "location_id", "time_of_day", "duration"]
    value: str = Field(max_length=64)


class SetShotWardrobe(_Request):
    """Dress a character in one shot in a wardrobe set (the scene's, usually)."""

    kind: Literal["set_shot_wardrobe"] = "set_shot_wardrobe"
    shot_id: str = Field(max_length=32)
    character_id: str = Field(max_length=64)
    wardrobe_id: str = Field(max_length=64)


class CutShotCharacter(_Request):
    """Take a character out of one shot."""

    kind: Literal["cut_shot_character"] = "cut_shot_character"
    shot_id: str = Field(max_length=32)
    character_id: str = Field(max_length=64)


ScriptRequest = (
    CutCharacter
    | AddCharacter
    | Rename
    | MoveScene
    | ResizeScene
    | ChangeLine
    | RewriteLine
    | ReplaceText
    | SetCue
    | DropReveal
    | DropProp
    | SetPropHolder
    | SetWardrobe
    | ChangeMoment
    | AddBeat
    | DropBeat
    | ReorderBeats
    | ChangeTone
)
ShotRequest = AddShotForLine | SetShotField | SetShotWardrobe | CutShotCharacter
EditRequest = Annotated[ScriptRequest | ShotRequest, Field(discriminator="kind")]
SHOT_KINDS: frozenset[str] = frozenset(
    {"add_shot_for_line", "set_shot_field", "set_shot_wardrobe", "cut_shot_character"}
)


def is_shot_request(request: ScriptRequest | ShotRequest) -> bool:
    """Tell whether a request is for the director (the shot list) rather than the screenwriter."""
    return request.kind in SHOT_KINDS


RequestStatus = Literal["verified", "unmet", "not_actionable", "free_text"]


class RequestOutcome(BaseModel):
    """What became of one request after a revision: checked, not met, or never actionable."""

    model_config = ConfigDict(extra="forbid")

    request: EditRequest | None = Field(default=None, description="The typed request; null for an unparsed note.")
    status: RequestStatus = Field(
        description=(
            "verified: applied and checked; unmet: the check failed after the revision; not_actionable: the room "
            "could not turn the note into a request (offline); free_text: passed to the model as free text."
        )
    )
    note: str = Field(default="", max_length=2000, description="The note's words this request came from.")
    detail: str = Field(default="", max_length=400, description="Why a check failed, or what could not be acted on.")
