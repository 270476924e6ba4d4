"""The machine-readable context block every agent puts in its prompt.

Real models read it as structured input; the offline writer parses it to know
what to compose. One format for both keeps the agents on one code path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Literal

from langchain_core.messages import BaseMessage
from pydantic import BaseModel

Task = Literal[
    "plan_season",
    "plan_cast",
    "plan_setting",
    "plan_world",
    "plan_briefs",
    "write_script",
    "review_continuity",
    "review_ethics",
    "shot_list",
    "chat",
    "interpret_note",
]

_OPEN = "<context>"
_CLOSE = "</context>"
_BLOCK = re.compile(re.escape(_OPEN) + r"\s*(\{.*\})\s*" + re.escape(_CLOSE), re.DOTALL)


def _plain(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_plain(v) for v in value]
    return value


def context_block(task: Task, payload: Mapping[str, object]) -> str:
    """Render the task and its inputs as a tagged JSON block for the prompt."""
    body = {"task": task, **{k: _plain(v) for k, v in payload.items()}}
    # Escaped angle brackets keep user text (a premise holding "</context>") from closing the block early.
    text = json.dumps(body, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e")
    return f"{_OPEN}\n{text}\n{_CLOSE}"


def read_context_block(messages: Sequence[BaseMessage]) -> dict[str, object] | None:
    """Return the last context block found in the messages, or None."""
    for message in reversed(messages):
        text = message.content if isinstance(message.content, str) else json.dumps(message.content)
        found = _BLOCK.findall(text)
        if found:
            parsed = json.loads(found[-1])
            if isinstance(parsed, dict):
                return parsed
    return None
