"""A local OpenAI-compatible chat endpoint that answers with the offline writer.

Tests drive the real openai SDK and ChatOpenAI against it; benchmarks use it
as a model server with configurable latency, concurrency and missing features
(no json_schema, no tools, an API key). Scripted one-shot replies inject
429s, 5xxs and malformed answers ahead of the default responder.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import cast

from langchain_core.messages import AIMessage, BaseMessage
from pydantic import BaseModel

from agents.notes import NoteAnswer
from agents.offline.chat import understand
from agents.offline.writer import OfflineWriter, estimate_tokens
from agents.prompting import read_context_block
from agents.showrunner_chat import read_result, summarise_results
from evals.openai_wire import MODEL_ID, JsonObject, chat_completion, error_body, stream_chunks, to_message, wire_message
from memory import schema as domain
from memory.plan_parts import CastPart, SettingPart, WorldPart

# json_object requests carry no schema name, so the context block's task picks one.
TASK_SCHEMAS: dict[str, str] = {
    "plan_season": "SeriesBible",
    "plan_cast": "CastPart",
    "plan_setting": "SettingPart",
    "plan_world": "WorldPart",
    "plan_briefs": "BriefBatch",
    "write_script": "Script",
    "shot_list": "ShotList",
    "review_continuity": "LlmFindings",
    "review_ethics": "LlmFindings",
    "interpret_note": "NoteAnswer",
}
# Agent-level answer schemas the endpoint also knows, beside memory.schema's domain models.
_AGENT_SCHEMAS: dict[str, type[BaseModel]] = {
    "NoteAnswer": NoteAnswer,
    "CastPart": CastPart,
    "SettingPart": SettingPart,
    "WorldPart": WorldPart,
}


@dataclass
class EndpointBehaviour:
    """What the simulated server supports and how fast it answers."""

    base_latency_s: float = 0.0
    per_token_latency_s: float = 0.0
    max_concurrency: int = 8
    # Benchmarks shrink every sleep by this factor; stats keep the unscaled simulated latency.
    time_scale: float = 1.0
    supports_json_schema: bool = True
    supports_tools: bool = True
    api_key: str | None = None
    slip_rate: float = 0.25
    # Like llama.cpp: a prompt over this many tokens is refused with its HTTP 400 (0: no limit).
    context_tokens: int = 0
    # Like a weak model under a JSON grammar: the answer never ends; it is cut at the request's max_tokens
    # (finish_reason "length"), and without one the server keeps generating for runaway_s first.
    runaway: bool = False
    runaway_s: float = 30.0
    # Like llama.cpp with a chat template that has no tool support: `tools` are silently dropped, and
    # /props says so (chat_template_caps.supports_tools false).
    drops_tools: bool = False
    # Like llama.cpp: a tool_choice naming one function is ignored, and the model writes its JSON as content.
    ignores_tool_choice: bool = False
    # False: like a server that reports nothing about itself (no /props), so clients must probe.
    self_reports: bool = True


@dataclass(frozen=True)
class EndpointStats:
    """Totals over the chat completions answered so far; scripted replies count as calls without tokens."""

    calls: int = 0
    prompt_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0
    peak_in_flight: int = 0


@dataclass(frozen=True)
class _Reply:
    status: int
    body: JsonObject | str
    headers: Mapping[str, str]


class _ApiError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.reply = _Reply(status, error_body(message, param=param, code=code), {})


class SimulatedEndpoint:
    """Serve `/v1/chat/completions` and `/v1/models` on 127.0.0.1 from a background thread."""

    def __init__(self, behaviour: EndpointBehaviour | None = None, seed: int = 0) -> None:
        self.behaviour = behaviour or EndpointBehaviour()
        self._seed = seed
        self._lock = threading.Lock()
        self._requests: list[JsonObject] = []
        self._scripted: deque[_Reply] = deque()
        self._stats = EndpointStats()
        self._slots = threading.BoundedSemaphore(max(1, self.behaviour.max_concurrency))
        self._ids = itertools.count(1)
        self._in_flight = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, e.g. http://127.0.0.1:PORT/v1."""
        if self._server is None:
            raise RuntimeError("the simulated endpoint is not started; call start() or use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def requests(self) -> list[JsonObject]:
        """The JSON bodies received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def stats(self) -> EndpointStats:
        """A snapshot of call, token and latency totals."""
        with self._lock:
            return self._stats

    def enqueue(self, status: int, body: JsonObject | str, headers: dict[str, str] | None = None) -> None:
        """Serve this reply to the next chat completion, ahead of the default responder."""
        with self._lock:
            self._scripted.append(_Reply(status, body, dict(headers or {})))

    def start(self) -> None:
        """Bind a free port and serve in a daemon thread."""
        if self._server is not None:
            return
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll keeps stop() fast; the default half second adds up over a test suite.
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.02), name="simulated-endpoint", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> SimulatedEndpoint:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ serving

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0].rstrip("/")
        if handler.command == "GET" and path == "/props" and self.behaviour.self_reports:
            caps = {"supports_tools": not self.behaviour.drops_tools, "supports_system_role": True}
            settings = {"n_ctx": self.behaviour.context_tokens or 131072}  # no limit set: a long-context model
            _send(handler, _Reply(200, {"default_generation_settings": settings, "chat_template_caps": caps}, {}))
            return
        if handler.command == "GET" and path == "/v1/models":
            model = {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "dramaroom"}
            _send(handler, _Reply(200, {"object": "list", "data": [model]}, {}))
            return
        if handler.command != "POST" or path != "/v1/chat/completions":
            _send(handler, _Reply(404, error_body(f"no route for {handler.command} {path}"), {}))
            return
        length = int(handler.headers.get("Content-Length") or 0)
        try:
            request = json.loads(handler.rfile.read(length) or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            _send(handler, _Reply(400, error_body("the request body is not valid JSON"), {}))
            return
        if not isinstance(request, dict):
            _send(handler, _Reply(400, error_body("the request body must be a JSON object"), {}))
            return
        with self._lock:
            self._requests.append(request)
            scripted = self._scripted.popleft() if self._scripted else None
        key = self.behaviour.api_key
        if key is not None and handler.headers.get("Authorization") != f"Bearer {key}":
            # Never echo the presented key: real servers mask it and tests assert it stays secret.
            _send(handler, _Reply(401, error_body("Incorrect API key provided.", code="invalid_api_key"), {}))
            return
        if scripted is not None:
            self._count(0, 0, 0.0)
            _send_scripted(handler, scripted, request, self.behaviour)
            return
        try:
            with self._slots:
                self._enter()
                try:
                    self._complete(handler, request)
                finally:
                    self._leave()
        except _ApiError as exc:
            _send(handler, exc.reply)
        except Exception as exc:  # a server must answer: an unanswered request looks like a network fault
            message = f"the simulated endpoint failed: {type(exc).__name__}: {exc}"
            _send(handler, _Reply(500, error_body(message, code="server_error"), {}))

    def _complete(self, handler: BaseHTTPRequestHandler, request: JsonObject) -> None:
        message, finish, prompt_tokens = self._answer(request)
        answer = str(message.get("content") or "") or json.dumps(message.get("tool_calls") or [])
        completion_tokens = estimate_tokens(answer)
        usage: JsonObject = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        model = str(request.get("model") or MODEL_ID)
        head: JsonObject = {"id": f"chatcmpl-sim-{next(self._ids)}", "created": int(time.time()), "model": model}
        behaviour = self.behaviour
        latency = behaviour.base_latency_s + behaviour.per_token_latency_s * completion_tokens
        self._count(prompt_tokens, completion_tokens, latency)
        if not request.get("stream"):
            time.sleep(latency * behaviour.time_scale)
            choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
            _send(handler, _Reply(200, {**head, "object": "chat.completion", "choices": [choice], "usage": usage}, {}))
            return
        options = request.get("stream_options")
        with_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        time.sleep(behaviour.base_latency_s * behaviour.time_scale)
        _send_stream(handler, stream_chunks(head, message, finish, usage if with_usage else None), behaviour)

    def _answer(self, request: JsonObject) -> tuple[JsonObject, str, int]:
        """Return the assistant message, finish reason and prompt tokens for a request."""
        raw_messages = request.get("messages")
        if not isinstance(raw_messages, list) or not raw_messages:
            raise _ApiError(400, "'messages' must be a non-empty array", param="messages")
        fmt = request.get("response_format")
        fmt_type = fmt.get("type") if isinstance(fmt, dict) else None
        tools = request.get("tools")
        if fmt_type == "json_schema" and not self.behaviour.supports_json_schema:
            raise _ApiError(400, "response_format json_schema is not supported", param="response_format")
        if (tools or request.get("tool_choice")) and not self.behaviour.supports_tools:
            raise _ApiError(400, "tools and tool_choice are not supported by this model", param="tools")
        if self.behaviour.drops_tools:
            tools = None
            request = {k: v for k, v in request.items() if k not in ("tools", "tool_choice")}
        messages = [to_message(m) for m in raw_messages if isinstance(m, dict)]
        prompt_tokens = estimate_tokens("\n".join(m.text for m in messages))
        limit = self.behaviour.context_tokens
        if limit and prompt_tokens > limit:
            message = (
                f"request ({prompt_tokens} tokens) exceeds the available context size ({limit} tokens), "
                "try increasing it"
            )
            raise _ApiError(400, message, code="exceed_context_size_error")
        if self.behaviour.runaway:
            return self._runaway(request, prompt_tokens)
        writer = OfflineWriter(seed=self._seed, slip_rate=self.behaviour.slip_rate)
        spec = fmt.get("json_schema") if isinstance(fmt, dict) else None
        if isinstance(spec, dict) and spec.get("name") == "ToolPick":  # the chat's step, picked as JSON
            return {"role": "assistant", "content": _tool_pick(messages)}, "stop", prompt_tokens
        if (read_context_block(messages) or {}).get("task") == "chat":
            # The showrunner's conversation: the offline showrunner picks a tool or replies, as a chat model would.
            answer = writer.invoke(messages, tools=tools if isinstance(tools, list) else [])
            return wire_message(answer), "tool_calls" if answer.tool_calls else "stop", prompt_tokens
        if isinstance(tools, list) and tools:
            name = _tool_name(tools, request.get("tool_choice"))
            if self.behaviour.ignores_tool_choice and isinstance(request.get("tool_choice"), dict) and _known(name):
                return {"role": "assistant", "content": _structured(writer, name, messages)}, "stop", prompt_tokens
            # A tool no room schema names (a client's probe) is called as a small model would: bare arguments.
            arguments = _structured(writer, name, messages) if _known(name) else "{}"
            call = {
                "id": f"call_sim_{next(self._ids)}",
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
            return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls", prompt_tokens
        if fmt_type == "json_schema" and isinstance(fmt, dict):
            spec = fmt.get("json_schema")
            name = str(spec.get("name")) if isinstance(spec, dict) else ""
            return {"role": "assistant", "content": _structured(writer, name, messages)}, "stop", prompt_tokens
        if fmt_type == "json_object":
            context = read_context_block(messages) or {}
            name = TASK_SCHEMAS.get(str(context.get("task")), "")
            if not name:
                raise _ApiError(400, "json_object needs a context block whose task names a schema", "response_format")
            return {"role": "assistant", "content": _structured(writer, name, messages)}, "stop", prompt_tokens
        return {"role": "assistant", "content": writer.invoke(messages).text}, "stop", prompt_tokens

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._stats = replace(self._stats, peak_in_flight=max(self._stats.peak_in_flight, self._in_flight))

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _runaway(self, request: JsonObject, prompt_tokens: int) -> tuple[JsonObject, str, int]:
        """An answer that never closes: cut at max_tokens, or after runaway_s when the request set none."""
        cap = request.get("max_completion_tokens") or request.get("max_tokens")
        if not isinstance(cap, int):
            time.sleep(self.behaviour.runaway_s * self.behaviour.time_scale)
            cap = 20000
        text = '{"title": "' + "and then " * (cap // 2)
        return {"role": "assistant", "content": text}, "length", prompt_tokens

    def _count(self, prompt_tokens: int, output_tokens: int, latency: float) -> None:
        with self._lock:
            s = self._stats
            self._stats = replace(
                s,
                calls=s.calls + 1,
                prompt_tokens=s.prompt_tokens + prompt_tokens,
                output_tokens=s.output_tokens + output_tokens,
                latency_s=s.latency_s + latency,
            )


def _handler_for(endpoint: SimulatedEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects
        timeout = 30  # an idle keep-alive socket must not pin a thread forever

        def do_GET(self) -> None:
            endpoint._serve(self)

        def do_POST(self) -> None:
            endpoint._serve(self)

        def log_message(self, format: str, *args: object) -> None:
            """Drop access logs: they would spill into test and CLI output."""

    return Handler


def _known(name: str) -> bool:
    found = getattr(domain, name, None)
    return name in _AGENT_SCHEMAS or (isinstance(found, type) and issubclass(found, BaseModel))


def _schema_class(name: str) -> type[BaseModel]:
    if name in _AGENT_SCHEMAS:
        return _AGENT_SCHEMAS[name]
    found = getattr(domain, name, None)
    if isinstance(found, type) and issubclass(found, BaseModel) and found.__module__ == domain.__name__:
        return found
    raise _ApiError(400, f"unknown schema {name!r}: this endpoint answers memory.schema models only", "response_format")


def _structured(writer: OfflineWriter, name: str, messages: list[BaseMessage]) -> str:
    """Run the offline writer for one schema and return its answer as JSON text.

    An answer that does not fit the schema is passed on as the writer gave it,
    as a real model's would be, so clients exercise their re-ask path.
    """
    cls = _schema_class(name)
    result = writer.with_structured_output(cls, method="function_calling", include_raw=True).invoke(messages)
    parsed = result.get("parsed") if isinstance(result, dict) else None
    if isinstance(parsed, BaseModel):
        return parsed.model_dump_json()
    raw = result.get("raw") if isinstance(result, dict) else None
    if isinstance(raw, AIMessage) and raw.tool_calls:
        return json.dumps(raw.tool_calls[0]["args"], ensure_ascii=False)
    return raw.text if isinstance(raw, BaseMessage) else ""


def _tool_pick(messages: list[BaseMessage]) -> str:
    """Pick the next chat step as JSON, as a model does when the server drops tools: the offline showrunner
    reads the user's last line; once a tool's result follows it, the reply sums the results up."""
    transcript = messages[-1].text.splitlines()
    asked = max((i for i, line in enumerate(transcript) if line.startswith("user: ")), default=-1)
    results = [line.split(": ", 1)[1] for line in transcript[asked + 1 :] if line.startswith("tool result (")]
    if results:
        return json.dumps({"tool": "reply", "reply": summarise_results([read_result(r) for r in results])})
    intent = understand(transcript[asked].removeprefix("user: ") if asked >= 0 else "")
    if isinstance(intent, str):
        return json.dumps({"tool": "reply", "reply": intent}, ensure_ascii=False)
    return json.dumps({"tool": intent[0], "arguments": intent[1]}, ensure_ascii=False)


def _tool_name(tools: list[object], choice: object) -> str:
    if isinstance(choice, dict):
        function = choice.get("function")
        if isinstance(function, dict) and function.get("name"):
            return str(function["name"])
    first = tools[0]
    function = first.get("function") if isinstance(first, dict) else None
    if not isinstance(function, dict) or not function.get("name"):
        raise _ApiError(400, "tools[0].function.name is required", param="tools")
    return str(function["name"])


def _send_scripted(
    handler: BaseHTTPRequestHandler, reply: _Reply, request: JsonObject, behaviour: EndpointBehaviour
) -> None:
    """Send a scripted reply; a successful completion asked for as a stream goes out as one (with its usage
    last, when the request asked for it, as real servers do)."""
    stream = bool(request.get("stream"))
    options = request.get("stream_options")
    with_usage = isinstance(options, dict) and bool(options.get("include_usage"))
    body = reply.body
    choices = body.get("choices") if isinstance(body, dict) else None
    if not (stream and reply.status == 200 and isinstance(body, dict) and isinstance(choices, list) and choices):
        _send(handler, reply)
        return
    choice = choices[0] if isinstance(choices[0], dict) else {}
    raw = choice.get("message")
    message: JsonObject = raw if isinstance(raw, dict) else {}
    head: JsonObject = {k: body[k] for k in ("id", "created", "model") if k in body}
    usage = body.get("usage") if with_usage and isinstance(body.get("usage"), dict) else None
    finish = str(choice.get("finish_reason") or "stop")
    _send_stream(handler, stream_chunks(head, message, finish, cast(JsonObject | None, usage)), behaviour)


def _send_stream(handler: BaseHTTPRequestHandler, chunks: Iterator[JsonObject], behaviour: EndpointBehaviour) -> None:
    # No Content-Length on a stream, so the connection closes at the end instead of chunked encoding.
    handler.close_connection = True
    try:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.send_header("Connection", "close")
        handler.end_headers()
        for item in chunks:
            delta = cast(list[JsonObject], item.get("choices") or [{}])[0].get("delta")
            if isinstance(delta, dict) and delta:
                text = str(delta.get("content") or "") or json.dumps(delta.get("tool_calls") or "")
                time.sleep(behaviour.per_token_latency_s * behaviour.time_scale * estimate_tokens(text))
            handler.wfile.write(f"data: {json.dumps(item, ensure_ascii=False)}\n\n".encode())
            handler.wfile.flush()
        handler.wfile.write(b"data: [DONE]\n\n")
        handler.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        return  # the client went away mid-stream; nothing to answer


def _send(handler: BaseHTTPRequestHandler, reply: _Reply) -> None:
    body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body, ensure_ascii=False)
    data = body.encode()
    try:
        handler.send_response(reply.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        return


__all__ = ["EndpointBehaviour", "SimulatedEndpoint", "chat_completion", "error_body"]
