"""The small closed vocabularies that canon, scripts and edit requests share.

They live apart from memory.schema so that memory.edits (which Finding embeds) can use them without an
import cycle; memory.schema re-exports them.
"""

from __future__ import annotations

from typing import Literal

TimeOfDay = Literal["dawn", "morning", "day", "afternoon", "evening", "night"]
Emotion = Literal[
    "neutral", "calm", "tense", "angry", "afraid", "sad", "joyful", "shocked", "cold", "tender", "smug", "desperate"
]
