"""A scripted chat model: answers from a queue of prepared objects, then defers to another model.

It ships with the product (like httpx's MockTransport) so tests, demos and
evals can steer one role precisely while the rest of the room runs for real.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field


def _tool_name(kwargs: dict[str, Any]) -> str:
    tools = kwargs.get("tools") or []
    if not tools:
        return ""
    first = tools[0]
    return str(first.get("function", {}).get("name", "")) if isinstance(first, dict) else ""


class ScriptedModel(BaseChatModel):
    """Answer structured-output calls from queued objects keyed by schema name; otherwise ask `fallback`."""

    fallback: BaseChatModel
    queue: dict[str, list[dict[str, object]]] = Field(default_factory=dict)
    sticky: dict[str, dict[str, object]] = Field(default_factory=dict)
    calls: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "dramaroom-scripted"

    def enqueue(self, value: BaseModel, *, always: bool = False) -> None:
        """Queue one answer for the value's schema; `always` repeats it for every later call."""
        name = type(value).__name__
        dumped = value.model_dump(mode="json")
        if always:
            self.sticky[name] = dumped
        else:
            self.queue.setdefault(name, []).append(dumped)

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools the way OpenAI-style models do, so structured output works."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], tool_choice=tool_choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        name = _tool_name(kwargs)
        self.calls.append(name)
        queued = self.queue.get(name)
        answer = queued.pop(0) if queued else self.sticky.get(name)
        if answer is None:
            return self.fallback._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
        text = json.dumps(answer, ensure_ascii=False)
        message = AIMessage(
            content="",
            tool_calls=[{"name": name, "args": answer, "id": f"call_{uuid.uuid4().hex[:8]}", "type": "tool_call"}],
            usage_metadata={"input_tokens": 0, "output_tokens": len(text) // 4, "total_tokens": len(text) // 4},
            response_metadata={"model_name": "dramaroom-scripted"},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
