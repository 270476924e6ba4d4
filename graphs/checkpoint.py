"""The checkpointer: SQLite in the workspace, allowed to restore exactly our state types."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import Enum
from pathlib import Path
from types import ModuleType

import aiosqlite
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from pydantic import BaseModel

import graphs.state
import memory.bible_marks
import memory.edits
import memory.premise
import memory.schema


def _models_of(*modules: ModuleType) -> list[tuple[str, str]]:
    return [
        (module.__name__, name)
        for module in modules
        for name, value in vars(module).items()
        if inspect.isclass(value) and issubclass(value, BaseModel | Enum) and value.__module__ == module.__name__
    ]


def state_serializer() -> JsonPlusSerializer:
    """Return a serializer that restores our domain types and refuses any other class."""
    return JsonPlusSerializer(
        allowed_msgpack_modules=_models_of(
            memory.schema, memory.edits, memory.premise, memory.bible_marks, graphs.state
        )
    )


@asynccontextmanager
async def sqlite_checkpointer(path: Path) -> AsyncIterator[AsyncSqliteSaver]:
    """Open the workspace's checkpoint database (WAL) for the length of a run."""
    async with aiosqlite.connect(str(path)) as conn:
        await conn.execute("PRAGMA journal_mode=WAL")
        saver = AsyncSqliteSaver(conn, serde=state_serializer())
        await saver.setup()
        yield saver
