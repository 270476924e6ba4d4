"""Validate a model's structured answer and build the messages that re-ask for a better one.

Pure functions with no network: the model seam in `agents.llm` calls them
between attempts, whatever structured-output method produced the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

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
# Longest answer a re-ask quotes back whole; a longer one is represented by its failing fields only.
_MAX_QUOTED_ANSWER = 2000
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


# Bounds given to every list and string a schema leaves open, so a weak model under a server's JSON grammar
# cannot fill a list forever: a list field's name picks its bound (lines of a scene, shots of an episode),
# anything else gets the default. Enums and ids are short by construction.
_MAX_ITEMS = {
    **{"shots": 120, "lines": 40, "episodes": 120, "characters": 30, "locations": 30, "props": 30},
    # A character's own lists: a few of each is what a bible needs, and what keeps a cast answer short.
    **{"aliases": 4, "traits": 6, "palette": 6, "colors": 6, "wardrobe": 4, "relationships": 8, "keywords": 8},
}
_DEFAULT_MAX_ITEMS = 16
_MAX_LENGTH = {
    **{"text": 400, "description": 600, "summary": 600, "visual_prompt": 1200, "premise": 2000},
    **{"name": 80, "title": 120, "kind": 60, "occupation": 80, "texture": 80, "era": 120, "genre": 40, "tone": 80},
    **{"hair": 120, "eyes": 120, "build": 120, "features": 160, "role": 200},
}
_MAX_ID_LENGTH = 64  # `id` and every `…_id`
_DEFAULT_MAX_LENGTH = 300
# Rough tokens per JSON character, and the floor of any cap: small answers still need room for keys.
_TOKENS_PER_CHAR = 0.3
_MIN_CAP = 512


def bounded_schema(schema: type[BaseModel]) -> dict[str, object]:
    """Return the model's JSON schema with maxItems / maxLength on every list and string that lacks one."""
    bounded: dict[str, object] = _bound(schema.model_json_schema(), "")
    return bounded


def _bound(node: object, name: str) -> Any:
    if isinstance(node, list):
        return [_bound(item, name) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: _bound(value, key if key not in ("items", "anyOf", "allOf", "oneOf") else name)
        for key, value in node.items()
    }
    if isinstance(out.get("properties"), dict):
        out["properties"] = {key: _bound(value, key) for key, value in node["properties"].items()}
    if out.get("type") == "array" and "maxItems" not in out:
        out["maxItems"] = _MAX_ITEMS.get(name, _DEFAULT_MAX_ITEMS)
    if out.get("type") == "string" and "maxLength" not in out and "enum" not in out and "const" not in out:
        is_id = name == "id" or name.endswith("_id")
        out["maxLength"] = _MAX_LENGTH.get(name, _MAX_ID_LENGTH if is_id else _DEFAULT_MAX_LENGTH)
    return out


def output_cap(schema: type[BaseModel], ceiling: int) -> int:
    """Return the output-token cap for one answer of this schema: its bounded size, at most `ceiling`."""
    full = bounded_schema(schema)
    defs = full.get("$defs")
    size = _size(full, defs if isinstance(defs, dict) else {}, 0)
    return max(min(_MIN_CAP, ceiling), min(ceiling, int(size * _TOKENS_PER_CHAR)))


def _size(node: object, defs: dict[str, Any], depth: int) -> float:
    """Return the most characters an answer for this schema node can take (nested refs resolved, depth-capped)."""
    if not isinstance(node, dict) or depth > 12:
        return 8
    ref = node.get("$ref")
    if isinstance(ref, str):
        return _size(defs.get(ref.rsplit("/", 1)[-1], {}), defs, depth + 1)
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        if isinstance(options, list) and options:
            return max(_size(option, defs, depth + 1) for option in options)
    kind = node.get("type")
    if kind == "array":
        return 2 + float(node.get("maxItems", _DEFAULT_MAX_ITEMS)) * (_size(node.get("items"), defs, depth + 1) + 1)
    if kind == "string":
        return 2 + float(node.get("maxLength", 40 if "enum" in node else _DEFAULT_MAX_LENGTH))
    properties = node.get("properties")
    if isinstance(properties, dict):
        return 2 + sum(len(key) + 4 + _size(value, defs, depth + 1) for key, value in properties.items())
    return 12


FIELD_GUIDE = """

<fields>
The answer is one {name} object. What its fields mean:
{fields}
</fields>"""


# The blocks json_mode_system and field_guide append to a system prompt; what a prompt says apart from them is
# the same whichever method carries the schema.
_SCHEMA_NOTES = re.compile(r"\s*<(fields|output_format)>.*?</\1>", re.DOTALL)


def without_schema_notes(system: str) -> str:
    """Return a system prompt without the blocks that describe the answer's schema (added per method)."""
    return _SCHEMA_NOTES.sub("", system)


def field_guide(schema: type[BaseModel]) -> str:
    """Return a compact guide to a schema's fields, for servers that turn the schema into a grammar the model
    never reads (the descriptions would otherwise be lost): one line per described field."""
    full = bounded_schema(schema)
    defs = full.get("$defs")
    models: dict[str, object] = {schema.__name__: full, **(defs if isinstance(defs, dict) else {})}
    lines = []
    for model, node in models.items():
        properties = node.get("properties") if isinstance(node, dict) else None
        for field, spec in (properties or {}).items() if isinstance(properties, dict) else []:
            if not isinstance(spec, dict):
                continue
            about = _clip(str(spec.get("description", "")), 90)
            if about:  # the grammar already holds types, limits and enums: only meanings need saying
                lines.append(f"- {model}.{field}: {about}")
    return FIELD_GUIDE.format(name=schema.__name__, fields="\n".join(lines))


def prompt_tokens(messages: list[BaseMessage]) -> int:
    """Estimate a prompt's tokens on the safe side: ~3.5 ASCII characters a token (English and JSON run 3.5-4.5
    with common tokenizers), one token per other character (CJK runs under one)."""
    text = "".join(m.text for m in messages)
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    return int(ascii_chars / 3.5) + (len(text) - ascii_chars) + 4 * len(messages)


def json_mode_system(system: str, schema: type[BaseModel]) -> str:
    """Append the JSON schema to a system prompt, because json_object mode does not send it."""
    text = json.dumps(bounded_schema(schema), ensure_ascii=False, separators=(",", ":"))
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
        "schema": bounded_schema(schema),
        "strict": False,
    }


def tool_schema(schema: type[BaseModel]) -> dict[str, object]:
    """Return the function-calling tool for a pydantic model, with its bounded parameters."""
    return {
        "name": schema.__name__,
        "description": (schema.__doc__ or schema.__name__).strip().splitlines()[0],
        "parameters": bounded_schema(schema),
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
        given = item.get("input")
        # The failing value is quoted (short), so a re-ask need not carry the whole answer back.
        quoted = (
            ""
            if given is None or isinstance(given, dict)
            else f" (got {_clip(json.dumps(given, ensure_ascii=False, default=str))})"
        )
        parts.append(f"{where}: {item['msg']}{quoted}")
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
    """Return the messages that show the model its answer (when short) and the validation error.

    The answer goes back as plain assistant text, never as a tool call: an
    assistant tool call without a tool reply is rejected by OpenAI-style servers.
    A long answer is not sent back: the error names each failing field and quotes
    its value, and a whole season bible quoted again would crowd a small model's context.
    """
    text = answer_text(raw)
    ask = HumanMessage(content=REASK_PROMPT.format(error=error))
    return [AIMessage(content=text), ask] if len(text) <= _MAX_QUOTED_ANSWER else [ask]


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
