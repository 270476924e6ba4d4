"""Validate a model's structured answer and build the messages that re-ask for a better one.

Pure functions with no network: the model seam in `agents.llm` calls them
between attempts, whatever structured-output method produced the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Literal, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)

Method = Literal["json_schema", "function_calling", "json_mode"]

JSON_MODE_INSTRUCTIONS = """

<output_format>
Answer with one JSON object only: no prose, no markdown, no code fences.
The object must validate against this JSON schema for {name}:
{schema}
</output_format>"""

REASK_PROMPT = "Your answer did not validate: {error}. Answer again with valid JSON for the schema."

_MAX_ERRORS_SHOWN = 8
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def json_mode_system(system: str, schema: type[BaseModel]) -> str:
    """Append the JSON schema to a system prompt, because json_object mode does not send it."""
    text = json.dumps(schema.model_json_schema(), ensure_ascii=False, separators=(",", ":"))
    return system + JSON_MODE_INSTRUCTIONS.format(name=schema.__name__, schema=text)


def response_format_schema(schema: type[BaseModel]) -> dict[str, object]:
    """Return the json_schema response format for a pydantic model, non-strict.

    Strict mode is off on purpose: OpenAI's strict subset rejects open maps
    (`dict[str, str]` fields such as Scene.wardrobe) and fields with defaults,
    and a pydantic class here would make the SDK validate client-side and
    raise before we can see the raw answer to re-ask with.
    """
    return {
        "name": schema.__name__,
        "description": (schema.__doc__ or schema.__name__).strip().splitlines()[0],
        "schema": schema.model_json_schema(),
        "strict": False,
    }


def answer_text(raw: BaseMessage | None) -> str:
    """Return the model's answer as text: tool-call arguments if it called a tool, else its content."""
    if not isinstance(raw, AIMessage):
        return ""
    if raw.tool_calls:
        return json.dumps(raw.tool_calls[0]["args"], ensure_ascii=False)
    if raw.invalid_tool_calls:
        return raw.invalid_tool_calls[0].get("args") or ""
    return raw.text


def describe_error(error: ValidationError) -> str:
    """Summarise a pydantic validation error on one line, field path first."""
    parts = []
    for item in error.errors(include_url=False)[:_MAX_ERRORS_SHOWN]:
        where = ".".join(str(p) for p in item["loc"]) or "<root>"
        parts.append(f"{where}: {item['msg']}")
    hidden = error.error_count() - _MAX_ERRORS_SHOWN
    if hidden > 0:
        parts.append(f"and {hidden} more")
    return "; ".join(parts)


def validate_answer(schema: type[T], parsed: object, raw: BaseMessage | None, method: Method) -> T | str:
    """Return the validated answer, or a one-line description of why it is invalid.

    LangChain's parsers are tried first; when they fail we parse the raw answer
    ourselves, so the re-ask carries a precise error and a model that answered
    in content instead of calling the tool still counts when its JSON is valid.
    """
    if isinstance(parsed, schema):
        return parsed
    if isinstance(parsed, Mapping):
        try:
            return schema.model_validate(parsed)
        except ValidationError as exc:
            return describe_error(exc)
    text = answer_text(raw)
    if not text.strip():
        if method == "function_calling":
            return f"you did not call the {schema.__name__} tool with the answer as its arguments"
        return "the answer was empty; expected one JSON object"
    fenced = _FENCE.match(text)
    try:
        data = json.loads(fenced.group(1) if fenced else text)
    except json.JSONDecodeError as exc:
        return f"the answer is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        return describe_error(exc)


def reask_messages(raw: BaseMessage | None, error: str) -> list[BaseMessage]:
    """Return the messages that show the model its answer and the validation error.

    The answer goes back as plain assistant text, never as a tool call: an
    assistant tool call without a tool reply is rejected by OpenAI-style servers.
    """
    return [AIMessage(content=answer_text(raw)), HumanMessage(content=REASK_PROMPT.format(error=error))]
