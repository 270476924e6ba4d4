"""Nodes bound to a room: the served graph's runtime context names only a workspace, so a graph built for one
run passes each node (and router) the room that run opened, through the same `runtime.context` the CLI fills.

The graph's structure is the CLI's, node for node; only the context each node sees differs, and a model
failure reaches the server's client as a ValueError with the same one line.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from langgraph.runtime import Runtime

from agents.llm import LlmError
from agents.room import RoomContext

Fn = TypeVar("Fn", bound=Callable[..., Any])
# Builds the run's room on first use, so a node before it (the served intake) can still change what it reads.
RoomSource = Callable[[], RoomContext]


def bound(fn: Fn, room: RoomSource | None) -> Fn:
    """Return `fn` itself, or, for a served run, `fn` seeing the run's room as its runtime context."""
    if room is None or "runtime" not in inspect.signature(fn).parameters:
        return fn
    source = room
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def node(state: Any, runtime: Runtime[Any]) -> Any:
            try:
                return await fn(state, runtime.override(context=source()))
            except LlmError as exc:  # a server shows a client the text of builtin errors only
                raise ValueError(str(exc)) from exc

        return node  # type: ignore[return-value]

    @functools.wraps(fn)
    def router(state: Any, runtime: Runtime[Any]) -> Any:
        return fn(state, runtime.override(context=source()))

    return router  # type: ignore[return-value]
