"""Shared fixtures: a room on the offline stack with an in-memory artifact sink."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from agents.llm import RoleModel, offline_model
from agents.room import ROLES, Role, RoomContext, RoomLimits
from memory.bible import StoryBible

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class MemorySink:
    """Keeps artifacts in dicts so tests can look at every draft the room saved."""

    def __init__(self) -> None:
        self.episode: dict[tuple[int, str], BaseModel] = {}
        self.series: dict[str, BaseModel] = {}
        self.writes: list[tuple[int, str]] = []

    def save_episode(self, episode: int, name: str, value: BaseModel) -> None:
        self.episode[(episode, name)] = value
        self.writes.append((episode, name))

    def save_series(self, name: str, value: BaseModel) -> None:
        self.series[name] = value


def make_context(
    bible: StoryBible,
    *,
    models: dict[Role, RoleModel] | None = None,
    language: str = "en",
    seed: int = 7,
    slip_rate: float = 0.0,
    limits: RoomLimits | None = None,
    sink: MemorySink | None = None,
) -> RoomContext:
    writer = offline_model(seed=seed, slip_rate=slip_rate)
    chosen: dict[Role, RoleModel] = {role: writer for role in ROLES}
    chosen.update(models or {})
    return RoomContext(
        models=chosen,
        bible=bible,
        artifacts=sink or MemorySink(),
        language="zh" if language == "zh" else "en",
        seed=seed,
        target_seconds=90,
        limits=limits or RoomLimits(),
    )


@pytest.fixture
def bible(tmp_path: Path) -> Iterator[StoryBible]:
    store = StoryBible(tmp_path / "bible")
    yield store
    store.close()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Block outbound connections in-process; loopback stays open for local test servers."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and host not in {"127.0.0.1", "localhost", "::1"} and not host.startswith("/"):
            raise OSError(f"network blocked in tests: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
