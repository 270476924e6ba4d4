"""OpenAI chat-completions wire format: bodies, errors, streamed chunks, and messages read back."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolCall, ToolMessage

from agents.offline.writer import estimate_tokens

JsonObject = dict[str, object]
MODEL_ID = "dramaroom-offline-writer"
_PIECE = re.compile(r"\S+\s*")


def error_body(message: str, *, param: str | None = None, code: str | None = None) -> JsonObject:
    """Return an OpenAI-shaped error body."""
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}


def chat_completion(
    model: str = MODEL_ID, *, content: str | None = None, tool_calls: list[JsonObject] | None = None
) -> JsonObject:
    """Return an OpenAI-shaped chat.completion body, for scripted replies."""
    message: JsonObject = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    completion_tokens = estimate_tokens(content or json.dumps(tool_calls or []))
    return {
        "id": f"chatcmpl-sim-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": "tool_calls" if tool_calls else "stop"}
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": completion_tokens, "total_tokens": completion_tokens},
    }


def _text(content: object) -> str:
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def to_message(raw: Mapping[str, object]) -> BaseMessage:
    """Turn one chat message of a request body into a LangChain message."""
    role, content = raw.get("role"), _text(raw.get("content"))
    if role in ("system", "developer"):
        return SystemMessage(content=content)
    if role == "tool":
        return ToolMessage(content=content, tool_call_id=str(raw.get("tool_call_id") or ""))
    if role != "assistant":
        return HumanMessage(content=content)
    calls: list[ToolCall] = []
    raw_calls = raw.get("tool_calls")
    for call in raw_calls if isinstance(raw_calls, list) else []:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            continue
        try:
            args = json.loads(str(function.get("arguments") or "{}"))
        except json.JSONDecodeError:
            content += str(function.get("arguments"))
            continue
        if isinstance(args, dict):
            calls.append(ToolCall(name=str(function.get("name")), args=args, id=str(call.get("id") or "")))
    return AIMessage(content=content, tool_calls=calls)


def wire_message(message: AIMessage) -> JsonObject:
    """Turn an AI message into the assistant message of a chat.completion body."""
    body: JsonObject = {"role": "assistant", "content": message.text or None}
    if message.tool_calls:
        body["tool_calls"] = [
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": json.dumps(call["args"], ensure_ascii=False)},
            }
            for call in message.tool_calls
        ]
    return body


def stream_chunks(head: JsonObject, message: JsonObject, finish: str, usage: JsonObject | None) -> Iterator[JsonObject]:
    """Yield the chat.completion.chunk objects of a streamed answer."""
    base = {**head, "object": "chat.completion.chunk"}

    def chunk(delta: JsonObject, finish_reason: str | None = None) -> JsonObject:
        return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}

    yield chunk({"role": "assistant", "content": ""})
    for piece in _PIECE.findall(str(message.get("content") or "")):
        yield chunk({"content": piece})
    calls = message.get("tool_calls")
    for index, call in enumerate(calls if isinstance(calls, list) else []):
        yield chunk({"tool_calls": [{"index": index, **call}]})
    yield chunk({}, finish)
    if usage is not None:
        yield {**base, "choices": [], "usage": usage}
