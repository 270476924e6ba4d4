"""The offline procedural writer: a LangChain chat model that answers agents' structured-output calls."""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, PrivateAttr, ValidationError

from agents.notes import NoteAnswer, answer_note
from agents.offline.chat import reply as chat_reply
from agents.offline.compose_extend import fit_briefs
from agents.offline.compose_plan import plan_season
from agents.offline.compose_revise import revise_script
from agents.offline.compose_script import DraftInput, draft_script
from agents.offline.compose_shots import compose_shots, revise_shots
from agents.offline.compose_slips import plant_slip
from agents.prompting import read_context_block
from agents.structured import without_schema_notes
from memory.edits import EditRequest
from memory.plan_parts import split
from memory.schema import (
    BriefBatch,
    Canon,
    Carryover,
    EpisodeBrief,
    Finding,
    LlmFindings,
    Script,
    SeriesBible,
    ShotList,
)

MODEL_NAME = "dramaroom-offline-writer"
DEFAULT_SLIP_RATE = 0.25

# A read-only view of the season so far: the committed scripts of the episodes before a number. The writer
# reads what was already said from it, so a crash and resume (which re-reads the same commits) writes the same.
ScriptHistory = Callable[[int], Sequence[Script]]
# Payload keys that shape a season plan. A range request (brief_range, previous_briefs, ...) is a slice of the same
# season, so it must draw the same per-call seed as the opening call.
# The planning parts in the order plan_series asks for them (memory.plan_parts.split returns them so).
_PLAN_PARTS = ("plan_cast", "plan_setting", "plan_world")
_PLAN_KEYS = ("premise", "language", "episodes", "target_seconds", "paywall_episode", "genre", "tone")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """Estimate tokens: one per CJK character, about one per four other characters."""
    cjk = len(_CJK.findall(text))
    rest = len(text) - cjk
    return cjk + math.ceil(rest / 4)


def _as_int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def call_seed(series_seed: int, task: str, inputs: object) -> int:
    """Derive a per-call seed from the series seed and a hash of what the call was asked (stable across runs)."""
    body = json.dumps(inputs, ensure_ascii=False, sort_keys=True, default=str)
    digest = hashlib.sha256(f"{series_seed}:{task}:{body}".encode()).hexdigest()
    return int(digest[:12], 16)


def _findings(raw: object) -> list[Finding]:
    """Read the notes of a revision with their typed edit requests, as the context block carries them.

    A request that does not validate is dropped, not its note: the note still counts (and the verifier still
    holds the revision to what the graph asked); a note that does not validate at all is skipped.
    """
    notes: list[Finding] = []
    for item in raw if isinstance(raw, list) else []:
        try:
            notes.append(Finding.model_validate(item))
            continue
        except ValidationError:
            pass
        if not isinstance(item, dict):
            continue
        requests = [r for r in item.get("requests") or [] if _valid_request(r)]
        try:
            notes.append(Finding.model_validate({**item, "requests": requests}))
        except ValidationError:
            continue
    return notes


class _OneRequest(BaseModel):
    request: EditRequest


def _valid_request(raw: object) -> bool:
    try:
        _OneRequest.model_validate({"request": raw})
    except ValidationError:
        return False
    return True


def _note(payload: Mapping[str, object]) -> NoteAnswer:
    """Answer a producer's note with the deterministic note parser, as the model would with typed requests."""
    shots = payload.get("shots")
    return answer_note(
        str(payload.get("note") or ""),
        script=Script.model_validate(payload.get("script")),
        canon=Canon.model_validate(payload.get("canon")),
        brief=EpisodeBrief.model_validate(payload.get("brief")),
        shots=ShotList.model_validate(shots) if shots else None,
    )


def cover_cast(series: SeriesBible, most: int = 4) -> SeriesBible:
    """Give every canon character at least one episode: one the plan never cast joins the smallest later brief.

    A character in the bible whom no episode shows is a promise the season never keeps.
    """
    briefs = [b.model_copy(deep=True) for b in series.plan.episodes]
    cast = {c for b in briefs for c in b.character_ids}
    # One who is dead before the season starts is still a person the premise named: a flashback shows them.
    missing = [c.id for c in series.canon.characters if c.id not in cast]
    if not missing or len(briefs) < 2:
        return series
    for index, char_id in enumerate(missing):
        # Spread the newcomers over the season rather than crowding one episode.
        start = 1 + (index * max(1, (len(briefs) - 1) // len(missing))) % (len(briefs) - 1)
        order = briefs[start:] + briefs[1:start]
        # A child joins a quiet episode: never one with an exit, a reveal or a handover planned.
        minor = any(c.id == char_id and c.age < 18 for c in series.canon.characters)
        target = min(order, key=lambda b: (minor and bool(b.planned_changes), len(b.character_ids)))
        if len(target.character_ids) < most:
            target.character_ids.append(char_id)
    plan = series.plan.model_copy(update={"episodes": briefs})
    return series.model_copy(update={"plan": plan})


class OfflineWriter(BaseChatModel):
    """Deterministic story composer standing in for an LLM when no endpoint is configured."""

    seed: int = 0
    slip_rate: float = DEFAULT_SLIP_RATE
    _history: ScriptHistory | None = PrivateAttr(default=None)

    def __init__(
        self, seed: int = 0, slip_rate: float = DEFAULT_SLIP_RATE, history: ScriptHistory | None = None, **kwargs: Any
    ) -> None:
        super().__init__(seed=seed, slip_rate=slip_rate, **kwargs)
        self._history = history

    @property
    def _llm_type(self) -> str:
        return "dramaroom-offline"

    @property
    def _identifying_params(self) -> Mapping[str, Any]:
        return {"model_name": MODEL_NAME, "seed": self.seed, "slip_rate": self.slip_rate}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools as OpenAI-style function schemas; the first one names the answer's tool call."""
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    # ----------------------------------------------------------------- dispatch

    def compose(self, payload: Mapping[str, object], system: str = "") -> BaseModel | None:
        """Return the structured answer for a context-block payload, or None for a task it cannot do.

        The seed never comes from the prompt: each call's seed is derived from the series seed and the call's
        inputs. A plan's inputs include the system prompt, which carries the reviewers' notes, so a re-plan
        after notes is a different plan.
        """
        task = payload.get("task")
        if task in ("plan_season", "plan_briefs", *_PLAN_PARTS):
            inputs = {k: payload.get(k) for k in _PLAN_KEYS}
            # What the method appends about the answer's schema differs part by part; the plan's inputs do not.
            room = without_schema_notes(system)
            return self._plan(payload, str(task), call_seed(self.seed, "plan", [inputs, room]))
        if task == "write_script":
            brief = payload.get("brief")
            number = brief.get("number") if isinstance(brief, dict) else None
            return self._script(payload, call_seed(self.seed, "write_script", number))
        if task == "shot_list":
            script = payload.get("script")
            episode = script.get("episode") if isinstance(script, dict) else None
            return self._shots(payload, call_seed(self.seed, "shot_list", episode))
        if task == "interpret_note":
            return _note(payload)
        if task in ("review_continuity", "review_ethics"):
            # The deterministic checks run elsewhere; without judgement there is nothing honest to add.
            return LlmFindings(findings=[])
        return None

    def _plan(self, payload: Mapping[str, object], task: str, seed: int) -> BaseModel:
        # The whole season is composed deterministically from the payload; a range request gets its slice,
        # so a chunked plan is identical to a plan made in one call.
        series = cover_cast(plan_season({**payload, "seed": seed}))
        tone = payload.get("tone")
        if isinstance(tone, str) and tone.strip():
            series = series.model_copy(update={"canon": series.canon.model_copy(update={"tone": tone.strip()})})
        bounds = payload.get("brief_range")
        first, last = (bounds[0], bounds[1]) if isinstance(bounds, list) and len(bounds) == 2 else (1, 10**6)
        briefs = [b for b in series.plan.episodes if _as_int(first, 1) <= b.number <= _as_int(last, 10**6)]
        if task in _PLAN_PARTS:
            return split(series)[_PLAN_PARTS.index(str(task))]
        if task == "plan_briefs":
            given = payload.get("canon")
            if isinstance(given, dict):  # canon exists: the briefs are cast from it, not from the composed season
                previous = payload.get("previous_briefs")
                days = (
                    [_as_int(b.get("story_day"), 1) for b in previous if isinstance(b, dict)]
                    if isinstance(previous, list)
                    else []
                )
                briefs = fit_briefs(briefs, series.canon, Canon.model_validate(given), max(days, default=0))
            return BriefBatch(episodes=briefs)
        return series.model_copy(update={"plan": series.plan.model_copy(update={"episodes": briefs})})

    def _script(self, payload: Mapping[str, object], seed: int) -> Script:
        brief = EpisodeBrief.model_validate(payload.get("brief"))
        canon = Canon.model_validate(payload.get("canon"))
        carry = Carryover.model_validate(payload.get("carryover") or {})
        revision = _as_int(payload.get("revision"), 0)
        target = min(600, max(10, _as_int(payload.get("target_seconds"), 90)))
        earlier = tuple(self._history(brief.number)) if self._history is not None else ()
        data = DraftInput(canon=canon, brief=brief, carryover=carry, target_seconds=target, seed=seed, earlier=earlier)
        previous = payload.get("previous_draft")
        if revision > 0 and previous:
            return revise_script(Script.model_validate(previous), _findings(payload.get("notes")), data, revision)
        script = draft_script(data, revision, offset=revision)
        if revision == 0:
            roll = random.Random(f"{seed}:slip:{brief.number}")
            if roll.random() < self.slip_rate:
                script = plant_slip(script, canon, roll)
        return script

    def _shots(self, payload: Mapping[str, object], seed: int) -> ShotList:
        script = Script.model_validate(payload.get("script"))
        canon = Canon.model_validate(payload.get("canon"))
        revision = _as_int(payload.get("revision"), 0)
        target = _as_int(payload.get("target_seconds"), script.target_seconds)
        rng = random.Random(f"{seed}:shot_list:{script.episode}:{revision}")
        previous = payload.get("previous_shots")
        if revision > 0 and previous:
            revised = revise_shots(
                ShotList.model_validate(previous), _findings(payload.get("notes")), script, canon, rng
            )
            if revised is not None:
                return revised
        return compose_shots(script, canon, target, rng)

    # --------------------------------------------------------------- langchain

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt = "\n".join(m.content if isinstance(m.content, str) else json.dumps(m.content) for m in messages)
        input_tokens = estimate_tokens(prompt)
        payload = read_context_block(messages)
        task = str(payload.get("task")) if payload else ""
        if payload is not None and task == "chat":
            return self._chat(messages, payload, input_tokens)
        try:
            system = "\n".join(m.content for m in messages if m.type == "system" and isinstance(m.content, str))
            result = self.compose(payload, system) if payload is not None else None
        except (ValidationError, ValueError, KeyError, TypeError) as error:
            return self._text(f"The offline writer could not compose '{task}': {error}", input_tokens)
        if result is None:
            return self._text(
                "This is the dramaroom offline writer. It composes only season plans, scripts, shot lists and "
                "review stubs from a <context> block, and cannot handle this request.",
                input_tokens,
            )
        args: dict[str, Any] = result.model_dump(mode="json")
        body = json.dumps(args, ensure_ascii=False, sort_keys=True)
        output_tokens = estimate_tokens(body)
        usage = {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        }
        tools = kwargs.get("tools") or []
        name = ""
        if tools and isinstance(tools[0], dict):
            name = str(tools[0].get("function", {}).get("name", "")) or str(tools[0].get("name", ""))
        if not name:
            message = AIMessage(content=body, usage_metadata=usage, response_metadata={"model_name": MODEL_NAME})
            return ChatResult(generations=[ChatGeneration(message=message)])
        call_id = "offline-" + hashlib.sha256(f"{name}:{body}".encode()).hexdigest()[:16]
        message = AIMessage(
            content="",
            tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}],
            usage_metadata=usage,
            response_metadata={"model_name": MODEL_NAME},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop=stop, **kwargs)

    def _chat(self, messages: list[BaseMessage], payload: Mapping[str, object], input_tokens: int) -> ChatResult:
        message = chat_reply(messages, payload)
        body = message.text or json.dumps([c["args"] for c in message.tool_calls], ensure_ascii=False)
        output_tokens = estimate_tokens(body)
        message.usage_metadata = {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        }
        message.response_metadata = {"model_name": MODEL_NAME}
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # Text streams word by word, as a served model's would; a tool call arrives whole.
        message = self._generate(messages, stop=stop, **kwargs).generations[0].message
        assert isinstance(message, AIMessage)
        for chunk in _chunks(message):
            if run_manager is not None and chunk.text:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        message = self._generate(messages, stop=stop, **kwargs).generations[0].message
        assert isinstance(message, AIMessage)
        for chunk in _chunks(message):
            if run_manager is not None and chunk.text:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    def _text(self, text: str, input_tokens: int) -> ChatResult:
        output_tokens = estimate_tokens(text)
        message = AIMessage(
            content=text,
            usage_metadata={
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
            },
            response_metadata={"model_name": MODEL_NAME},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


_PIECE = re.compile(r"\S+\s*|\s+")


def _chunks(message: AIMessage) -> Iterator[ChatGenerationChunk]:
    """Split a finished answer into stream chunks: text piece by piece, tool calls in one chunk."""
    meta = {"response_metadata": message.response_metadata}
    if message.tool_calls:
        calls = [
            {"name": c["name"], "args": json.dumps(c["args"], ensure_ascii=False), "id": c["id"], "index": i}
            for i, c in enumerate(message.tool_calls)
        ]
        chunk = AIMessageChunk(content="", tool_call_chunks=calls, usage_metadata=message.usage_metadata, **meta)
        yield ChatGenerationChunk(message=chunk)
        return
    pieces = _PIECE.findall(message.text) or [""]
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        usage = message.usage_metadata if last else None
        yield ChatGenerationChunk(message=AIMessageChunk(content=piece, usage_metadata=usage, **(meta if last else {})))
