"""The LLM seam: one structured-output call that works on any OpenAI-compatible endpoint or offline.

Agents call `RoleModel.structured(schema, system=..., user=...)` and get a
validated pydantic object back. Behind it: the structured-output method the
server supports (json_schema, degrading to function_calling, then json_mode),
a bounded re-ask that carries the validation error, and errors a user can act
on. Transport retries (429, 5xx, connection) belong to the openai SDK alone,
so retries are never stacked.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar, cast

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, SecretStr

from agents.llm_errors import ErrorKind as ErrorKind
from agents.llm_errors import LlmError as LlmError  # re-exported: callers catch it from the seam
from agents.llm_errors import one_line, translate
from agents.structured import (
    Method,
    field_guide,
    json_mode_system,
    output_cap,
    prompt_tokens,
    reask_messages,
    response_format_schema,
    tool_schema,
    validate_answer,
)
from memory.schema import Script

T = TypeVar("T", bound=BaseModel)
# What with_structured_output(..., include_raw=True) returns: {"raw", "parsed", "parsing_error"}.
_Structured = Runnable[list[BaseMessage], Mapping[str, object]]

StructuredMethod = Literal["auto", "json_schema", "function_calling", "json_mode"]
OFFLINE_LABEL = "dramaroom-offline-writer (offline)"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Local servers (Ollama, vLLM, llama.cpp) need no key, but the SDK refuses to start without one.
_NO_KEY = "no-key"

# Words a 400 uses when a server lacks a feature; matched only in "auto" mode, and
# only against the feature the failed method needs, so a context-length 400 never degrades.
_UNSUPPORTED_HINTS: dict[Method, tuple[str, ...]] = {
    "json_schema": ("response_format", "response format", "json_schema", "structured output", "guided"),
    "function_calling": ("tool", "function"),
    "json_mode": (),
}
_NEXT_METHOD: dict[Method, Method | None] = {
    "json_schema": "function_calling",
    "function_calling": "json_mode",
    "json_mode": None,
}


# Calls in flight per endpoint and event loop: a one-slot local server queues here, in the client, so the
# read timeout never counts time spent waiting behind another call on the server.
_LIMITS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)
# A prompt's tokens are estimated (a template adds a few per message); an answer needs at least this much room.
_PROMPT_MARGIN = 64
_MIN_ROOM = 256
CUT_OFF = "the answer was cut off at the output cap ({cap} tokens) before it was complete; answer more briefly"


@dataclass(frozen=True)
class ModelSpec:
    """How to reach one model: endpoint, credentials, structured-output method and limits."""

    model: str
    base_url: str | None = None
    api_key: SecretStr | None = field(default=None, repr=False)
    method: StructuredMethod = "auto"
    timeout_s: float = 60.0
    max_retries: int = 2
    max_reasks: int = 2
    temperature: float = 0.7
    max_tokens: int = 8192
    concurrency: int = 0
    context: int = 0  # the model's context window in tokens; 0: unknown (the server's own limit applies)


class RoleModel:
    """A chat model for one role that answers with validated pydantic objects."""

    def __init__(
        self,
        chat: BaseChatModel,
        *,
        label: str,
        offline: bool,
        method: StructuredMethod,
        max_reasks: int = 2,
        base_url: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 2,
        secret: SecretStr | None = None,
        max_tokens: int = 8192,
        concurrency: int = 0,
        name: str = "",
        context: int = 0,
    ) -> None:
        self.label = label
        self.name = name or label
        self.offline = offline
        self._chat = chat
        self._auto = method == "auto"
        self._method: Method = "json_schema" if method == "auto" else method
        self._max_reasks = max_reasks
        self._base_url = base_url or DEFAULT_BASE_URL
        self._timeout_s = timeout_s
        self._max_retries = max_retries
        self._secret = secret
        self._max_tokens = max_tokens
        self._context = context
        self._concurrency = concurrency or (8 if self._base_url == DEFAULT_BASE_URL else 1)
        self._lock = threading.Lock()
        self._runnables: dict[tuple[type[BaseModel], Method, int], _Structured] = {}

    @property
    def concurrency(self) -> int:
        """Calls this model's endpoint takes at once; more wait in the client."""
        return self._concurrency

    @property
    def method(self) -> str:
        """The structured-output method in use now, after any degradation."""
        return self._method

    def __repr__(self) -> str:
        return f"RoleModel(label={self.label!r}, method={self._method!r}, offline={self.offline})"

    @property
    def max_tokens(self) -> int:
        """The output cap of every call to this model ([models] max_tokens)."""
        return self._max_tokens

    @property
    def chat_model(self) -> BaseChatModel:
        """The underlying chat model, for free-form conversation with tools."""
        return self._chat

    def explain(self, exc: openai.OpenAIError) -> LlmError:
        """Translate an openai SDK error from a direct call into one actionable line."""
        return self._error(exc)

    async def structured(
        self,
        schema: type[T],
        *,
        system: str,
        user: str,
        config: RunnableConfig | None = None,
        check: Callable[[T], str | None] | None = None,
    ) -> T:
        """Ask for one `schema` object, degrading the method and re-asking as needed.

        Args:
            check: A rule the schema cannot state (ids that must exist in canon): it returns what is wrong,
                or None, and an answer it faults is re-asked with that error like a validation failure.
        """
        while True:
            method = self._method
            try:
                return await self._attempts(schema, method, system, user, config, check)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                fallback = self._fallback(method, exc)
                if fallback is None:
                    raise self._error(exc) from exc
                with self._lock:
                    # Concurrent calls may have degraded already; never climb back up.
                    if _rank(self._method) < _rank(fallback):
                        self._method = fallback
            except openai.OpenAIError as exc:
                raise self._error(exc) from (None if isinstance(exc, openai.AuthenticationError) else exc)
            except TimeoutError as exc:  # the stream went silent between tokens
                where = f"the model endpoint at {self._base_url}"
                raise LlmError(
                    "timeout",
                    f"{where} sent no token for {self._timeout_s:g}s in the middle of an answer; raise timeout_s, "
                    "use a faster model, or check that the server is not busy with other work",
                ) from exc

    async def _attempts(
        self,
        schema: type[T],
        method: Method,
        system: str,
        user: str,
        config: RunnableConfig | None,
        check: Callable[[T], str | None] | None,
    ) -> T:
        messages = self._messages(schema, method, system, user)
        error = ""
        cut = False
        for _ in range(self._max_reasks + 1):
            cap = self._fit(schema, messages)  # again each time: a re-ask makes the prompt longer
            runnable = self._runnable(schema, method, cap)
            try:
                async with self._limit():
                    result = await runnable.ainvoke(messages, config=config)
            except openai.LengthFinishReasonError:  # json_schema's parser refuses a cut-off answer itself
                result = {"raw": None, "parsed": None, "cut": True}
            raw = result.get("raw")
            reply = raw if isinstance(raw, BaseMessage) else None
            cut = bool(result.get("cut")) or (
                reply is not None and reply.response_metadata.get("finish_reason") == "length"
            )
            if cut:  # the answer is not quoted back: it is as long as the cap, and what is wrong is its length
                error = CUT_OFF.format(cap=cap)
                messages = [*messages, *reask_messages(None, error)[1:]]
                continue
            answer = validate_answer(schema, result.get("parsed"), reply, method)
            fault = check(answer) if check is not None and isinstance(answer, schema) else None
            if isinstance(answer, schema) and fault is None:
                return answer
            error = fault or str(answer)
            messages = [*messages, *reask_messages(reply, error)]
        attempts = self._max_reasks + 1
        advice = (
            "raise [models] max_tokens, or use a model that answers more concisely"
            if cut
            else "try a stronger model, another method, or more max_reasks"
        )
        raise LlmError(
            "invalid_output",
            self._redact(
                f"{self.label} gave no valid {schema.__name__} in {attempts} attempts via {method} "
                f"(last error: {one_line(error)}); {advice}"
            ),
        )

    def _messages(self, schema: type[BaseModel], method: Method, system: str, user: str) -> list[BaseMessage]:
        prompt = json_mode_system(system, schema) if method == "json_mode" else system
        if method == "json_schema" and self._base_url != DEFAULT_BASE_URL:
            # A local server makes the schema a grammar: valid JSON, but the model never reads what fields mean.
            prompt += field_guide(schema)
        return [SystemMessage(content=prompt), HumanMessage(content=user)]

    def leaves_room(self, schema: type[BaseModel], *, system: str, user: str) -> bool:
        """Say whether this prompt leaves the answer its room in the model's context: its whole output cap, or
        half the window when the cap is larger (always True when the window is unknown). Agents drop their
        least needed context (recall first) until it does."""
        if not self._context:
            return True
        prompt = prompt_tokens(self._messages(schema, self._method, system, user)) + _PROMPT_MARGIN
        return prompt + min(output_cap(schema, self._max_tokens), self._context // 2) <= self._context

    def _fit(self, schema: type[BaseModel], messages: list[BaseMessage]) -> int:
        """Return the output cap for this call: the schema's, shrunk to what the context leaves after the prompt.

        Raises:
            LlmError: The prompt alone leaves no room for an answer in the model's context.
        """
        cap = output_cap(schema, self._max_tokens)
        if not self._context:
            return cap
        prompt = prompt_tokens(messages) + _PROMPT_MARGIN
        room = self._context - prompt
        if room < _MIN_ROOM:
            raise LlmError(
                "context",
                f"the prompt for {schema.__name__} (about {prompt} tokens) leaves no room for an answer in "
                f"{self.label}'s {self._context}-token context; start the server with a larger context "
                "(llama-server -c 16384, Ollama num_ctx) or set [models] context to what it has",
            )
        # Rounded down to 256 so the runnables cached per cap stay few.
        return max(_MIN_ROOM, min(cap, room) // 256 * 256)

    def _limit(self) -> asyncio.Semaphore:
        """Return this endpoint's limit on calls in flight, shared by every role model on the same server."""
        loop = asyncio.get_running_loop()
        limits = _LIMITS.setdefault(loop, {})
        found = limits.get(self._base_url)
        if found is None:
            found = limits[self._base_url] = asyncio.Semaphore(self._concurrency)
        return found

    def _runnable(self, schema: type[BaseModel], method: Method, cap: int) -> _Structured:
        # Cached because building the JSON schema of a SeriesBible on every call is wasted work.
        found = self._runnables.get((schema, method, cap))
        if found is None:
            # Every list and string bounded, so a server's JSON grammar cannot let a weak model loop.
            target: type[BaseModel] | dict[str, object] = schema
            if method == "json_schema":
                target = response_format_schema(schema)
            elif method == "function_calling" and not self.offline:
                target = tool_schema(schema)
            chat = self._chat
            if isinstance(chat, ChatOpenAI):  # the output cap this schema needs, within [models] max_tokens
                chat = chat.model_copy(update={"max_tokens": cap})
            runnable = chat.with_structured_output(target, method=method, include_raw=True)
            found = self._runnables[(schema, method, cap)] = cast(_Structured, runnable)
        return found

    def _fallback(self, method: Method, exc: openai.APIStatusError) -> Method | None:
        if not self._auto:
            return None
        text = f"{exc.message} {exc.body}".lower()
        if any(hint in text for hint in _UNSUPPORTED_HINTS[method]):
            return _NEXT_METHOD[method]
        return None

    def _error(self, exc: openai.OpenAIError) -> LlmError:
        """Translate an openai SDK error into one actionable line, the key redacted."""
        found = translate(
            exc, base_url=self._base_url, label=self.label, timeout_s=self._timeout_s, retries=self._max_retries
        )
        return LlmError(found.kind, self._redact(str(found)))

    def _redact(self, text: str) -> str:
        secret = self._secret.get_secret_value() if self._secret else ""
        return text.replace(secret, "***") if len(secret) >= 4 else text


def offline_model(
    seed: int = 0, slip_rate: float = 0.25, history: Callable[[int], Sequence[Script]] | None = None
) -> RoleModel:
    """Return the offline procedural writer as a role model.

    Args:
        seed: The series seed; the writer derives each call's seed from it and the call's inputs.
        slip_rate: Share of first drafts given one deliberate continuity slip (the [offline] section).
        history: Read-only view of the committed scripts before an episode, so a season never says a line twice.
    """
    from agents.offline.writer import OfflineWriter  # deferred: only offline runs pay for the writer's grammar

    return RoleModel(
        OfflineWriter(seed=seed, slip_rate=slip_rate, history=history),
        label=OFFLINE_LABEL,
        offline=True,
        method="function_calling",
    )


def endpoint_model(spec: ModelSpec) -> RoleModel:
    """Return a role model that talks to an OpenAI-compatible endpoint."""
    key = spec.api_key or SecretStr(_NO_KEY)
    chat = ChatOpenAI(
        model=spec.model,
        base_url=spec.base_url,
        api_key=key,
        timeout=spec.timeout_s,
        max_retries=spec.max_retries,
        temperature=spec.temperature,
        max_tokens=spec.max_tokens,  # a cap on every call (chat turns too); structured calls size their own
        # Streamed, so the timeout is the longest silence between tokens, not the time a slow model needs for
        # a whole answer; a silence ends the call (it is not retried from scratch).
        streaming=True,
        stream_usage=True,
        stream_chunk_timeout=spec.timeout_s,
    )
    return RoleModel(
        chat,
        label=f"{spec.model} @ {spec.base_url or DEFAULT_BASE_URL}",
        offline=False,
        method=spec.method,
        max_reasks=spec.max_reasks,
        base_url=spec.base_url,
        timeout_s=spec.timeout_s,
        max_retries=spec.max_retries,
        secret=spec.api_key,
        max_tokens=spec.max_tokens,
        concurrency=spec.concurrency,
        name=spec.model,
        context=spec.context,
    )


def _rank(method: Method) -> int:
    return ("json_schema", "function_calling", "json_mode").index(method)
