"""The served threads' checkpoints, each kept in its workspace's own checkpoint database, the one the CLI reads.

`langgraph.json` names `checkpoints` as the server's checkpointer. When the season graph factory starts a run
it claims the run's thread for its workspace (`claim`); from then on every checkpoint of that thread, the
episode subgraph's included, is read and written in `state/checkpoints.sqlite` of that workspace, so
`dramaroom status`, `approve` and `reject` see the gate a served run stopped at, and a served run continues
where a CLI run stopped. Threads no workspace claimed (the chat's, or a read before any run) stay in memory.
The claims are kept in `.langgraph_api/dramaroom_threads.json`, beside the dev server's own files.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiosqlite
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from graphs.checkpoint import state_serializer
from memory.safe_files import write_atomic

CLAIMS = Path(".langgraph_api") / "dramaroom_threads.json"


def _claims() -> dict[str, str]:
    try:
        found = json.loads(CLAIMS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def claim(thread_id: str, checkpoints: Path) -> None:
    """Keep a served thread's checkpoints in this workspace checkpoint database from now on."""
    claims = _claims()
    if claims.get(thread_id) != str(checkpoints):
        CLAIMS.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(CLAIMS, json.dumps(claims | {thread_id: str(checkpoints)}, indent=1))


class WorkspaceCheckpoints(BaseCheckpointSaver[str]):
    """Routes each thread's checkpoints to the workspace database that claimed it, or to memory."""

    def __init__(self) -> None:
        super().__init__(serde=state_serializer())
        self._memory = InMemorySaver(serde=state_serializer())
        self._open: dict[str, tuple[aiosqlite.Connection, AsyncSqliteSaver]] = {}

    async def _saver(self, config: RunnableConfig) -> BaseCheckpointSaver[Any]:
        thread = str(config.get("configurable", {}).get("thread_id", ""))
        path = _claims().get(thread)
        if path is None:
            return self._memory
        if path not in self._open:
            conn = await aiosqlite.connect(path)
            await conn.execute("PRAGMA journal_mode=WAL")
            saver = AsyncSqliteSaver(conn, serde=state_serializer())
            await saver.setup()
            self._open[path] = (conn, saver)
        return self._open[path][1]

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await (await self._saver(config)).aget_tuple(config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        saver = await self._saver(config) if config is not None else self._memory
        async for item in saver.alist(config, filter=filter, before=before, limit=limit):
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return await (await self._saver(config)).aput(config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        await (await self._saver(config)).aput_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        saver = await self._saver(RunnableConfig(configurable={"thread_id": thread_id}))
        await saver.adelete_thread(thread_id)

    def get_next_version(self, current: str | None, channel: None) -> str:
        return self._memory.get_next_version(current, channel)


def checkpoints() -> WorkspaceCheckpoints:
    """The server's checkpointer (langgraph.json `checkpointer.path`)."""
    return WorkspaceCheckpoints()
