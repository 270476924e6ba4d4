"""The model seam's errors: what went wrong with a call, as one line saying what, why and what to do."""

from __future__ import annotations

from typing import Literal

import openai

__all__ = ["ErrorKind", "LlmError", "one_line", "translate"]

ErrorKind = Literal[
    "unreachable", "auth", "rate_limit", "server", "invalid_output", "bad_request", "timeout", "context"
]
# How servers say a prompt is longer than the model's context: llama.cpp, OpenAI / vLLM, Ollama.
_CONTEXT_HINTS = (
    "exceeds the available context size",
    "maximum context length",
    "context_length_exceeded",
    "context window",
)


class LlmError(Exception):
    """A model call failed; the message is one line saying what, why and what to do."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind

    def __repr__(self) -> str:
        return f"LlmError(kind={self.kind!r}, message={str(self)!r})"


def translate(exc: openai.OpenAIError, *, base_url: str, label: str, timeout_s: float, retries: int) -> LlmError:
    """Translate an openai SDK error into one actionable line (the caller redacts any secret)."""
    where = f"the model endpoint at {base_url}"
    tries = f"after {retries} retries" if retries else "with retries off"
    detail = one_line(exc.message if isinstance(exc, openai.APIError) else str(exc))
    status = exc.status_code if isinstance(exc, openai.APIStatusError) else 0
    kind: ErrorKind
    if isinstance(exc, openai.APITimeoutError):  # a subclass of APIConnectionError: test it first
        kind = "timeout"
        text = f"{where} did not answer within {timeout_s:g}s; raise timeout_s or use a faster model"
    elif isinstance(exc, openai.APIConnectionError):
        reason = one_line(str(exc.__cause__)) if exc.__cause__ else detail
        kind = "unreachable"
        text = f"cannot reach {where}: {reason}; check OPENAI_BASE_URL or unset it to use the offline writer"
    elif isinstance(exc, openai.AuthenticationError):
        kind, text = "auth", f"{where} rejected the API key (401); check OPENAI_API_KEY"
    elif isinstance(exc, openai.PermissionDeniedError):
        kind, text = "auth", f"{where} refused access (403): {detail}; check the key's access to this model"
    elif isinstance(exc, openai.RateLimitError):
        kind = "rate_limit"
        text = f"{where} is rate limiting (429) {tries}: {detail}; wait, lower concurrency, or raise max_retries"
    elif status >= 500:
        kind = "server"
        text = f"{where} failed (HTTP {status}) {tries}: {detail}; try again later or check the server's logs"
    elif status == 400 and any(hint in detail.lower() for hint in _CONTEXT_HINTS):
        kind = "context"
        text = (
            f"{where} says the prompt does not fit the model's context window: {detail}; start the server "
            "with a larger context (llama-server -c 16384, Ollama num_ctx), or use a model with a longer one"
        )
    elif status == 404:
        kind = "bad_request"
        text = f"{where} does not know this model or path (404): {detail}; check the model name and base URL"
    elif status:
        kind = "bad_request"
        text = f"{where} rejected the request (HTTP {status}): {detail}; check the model name, or set method"
    elif isinstance(exc, openai.LengthFinishReasonError | openai.ContentFilterFinishReasonError):
        kind, text = "invalid_output", f"{label} stopped before finishing its answer: {detail}"
    else:
        kind, text = "bad_request", f"{label} failed: {detail}"
    return LlmError(kind, text)


def one_line(text: str, limit: int = 240) -> str:
    """Flatten text to one line of at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
