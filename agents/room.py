"""Per-run dependencies of the writers' room: models per role, the bible, limits, sinks.

Graphs receive this as their `context_schema`; nodes read it from
`Runtime[RoomContext]` and never from the environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel

from agents.messages import say, term, translate
from memory.schema import Language

if TYPE_CHECKING:
    from agents.llm import RoleModel
    from memory.bible import StoryBible

Role = Literal["showrunner", "screenwriter", "continuity", "ethics", "director"]
ROLES: tuple[Role, ...] = ("showrunner", "screenwriter", "continuity", "ethics", "director")
ApprovalMode = Literal["auto", "manual"]


@dataclass(frozen=True)
class RoomLimits:
    """Bounds on every loop in the graphs; the routers enforce them."""

    script_revisions: int = 2
    shot_revisions: int = 2
    plan_revisions: int = 1
    human_rejections: int = 3
    recall_k: int = 4


@dataclass(frozen=True)
class RoomEvent:
    """One thing worth showing a user while the room works."""

    kind: Literal["node", "verdict", "revision", "gate", "commit", "blocked", "plan"]
    message: str
    episode: int | None = None
    node: str = ""
    notes: tuple[str, ...] = ()  # ids of the review findings behind a revision or verdict

    def __str__(self) -> str:
        """Render the event as one progress line, e.g. 'ep003 draft: script drafted'."""
        return self.line("en")

    def line(self, language: Language) -> str:
        """Render the event as one progress line in the series' language, e.g. '第3集 起草：剧本初稿完成'.

        The graphs compose messages from fixed English phrases; known phrases are re-rendered
        from the message catalogue, anything else (a finding's own text) is shown as it is.
        """
        where = say(language, "room.where", episode=self.episode) if self.episode else ""
        node = term(language, "node", self.node or self.kind)
        return say(language, "room.line", where=where, node=node, message=translate(language, self.message, "event."))


class ArtifactSink(Protocol):
    """Where finished and in-progress artifacts are written (the workspace)."""

    def save_episode(self, episode: int, name: str, value: BaseModel) -> None:
        """Store one artifact of an episode (script, review, shotlist, brief)."""

    def save_series(self, name: str, value: BaseModel) -> None:
        """Store one series-level artifact (season plan, canon)."""


def _ignore(_: RoomEvent) -> None:
    return None


@dataclass(frozen=True)
class RoomContext:
    """Everything one run of the room needs, passed to the graphs as context."""

    models: Mapping[Role, RoleModel]
    bible: StoryBible
    artifacts: ArtifactSink
    language: Language
    seed: int
    target_seconds: int
    limits: RoomLimits = field(default_factory=RoomLimits)
    on_event: Callable[[RoomEvent], None] = _ignore

    def model(self, role: Role) -> RoleModel:
        """Return the model configured for a role."""
        return self.models[role]


def call_config(role: Role, episode: int | None, node: str, **extra: str) -> RunnableConfig:
    """Return the run config that tags a model call with who made it, for traces."""
    metadata: dict[str, object] = {"role": role, "node": node, **extra}
    if episode is not None:
        metadata["episode"] = episode
    return RunnableConfig(metadata=metadata, tags=[f"role:{role}"], run_name=f"{role}.{node}")
