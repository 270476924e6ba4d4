"""Ask an endpoint about itself before relying on it: will it honour tools in a chat, how long is its context.

llama.cpp's server silently drops `tools` when the model's chat template has no tool support, and so do
servers built on it; a chat that assumed tools would then improvise with none. The server's own report is
asked first (llama.cpp `/props`: `chat_template_caps.supports_tools`; Ollama `/api/show`: `capabilities`);
a server that says nothing is asked one tiny probe call with a tool it must call (`tool_choice: "required"`,
a few output tokens): an answer without the tool call means tools would be dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

__all__ = ["ToolSupport", "context_window", "tool_support"]


@dataclass(frozen=True)
class ToolSupport:
    """Whether the server honours tools, and where that was read (for the one line a chat prints)."""

    native: bool
    source: str


def _root(base_url: str) -> str:
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def _report(client: httpx.Client, url: str, model: str) -> dict[str, object]:
    """Return one of the server's self-reports as JSON (GET, or POST with the model for Ollama), {} if none."""
    try:
        answer = client.post(url, json={"model": model}) if url.endswith("/api/show") else client.get(url)
        data = answer.json() if answer.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def tool_support(
    base_url: str | None, model: str, timeout_s: float = 3.0, *, api_key: str | None = None, probe_s: float = 60.0
) -> ToolSupport:
    """Ask the server at `base_url` whether `model`'s chat honours tools.

    Args:
        base_url: The OpenAI-compatible base URL (None: api.openai.com, which does).
        model: The model name, for servers that report per model (Ollama).
        timeout_s: How long each report may take; an unanswered report counts as no report.
        api_key: Sent with the probe call (the self-reports need none).
        probe_s: How long the probe call may take (a local model may be loading); no answer counts as no tools.
    """
    if not base_url:
        return ToolSupport(True, "api.openai.com")
    root = _root(base_url)
    with httpx.Client(timeout=timeout_s) as client:
        caps = _report(client, f"{root}/props", model).get("chat_template_caps")
        if isinstance(caps, dict) and "supports_tools" in caps:
            return ToolSupport(bool(caps["supports_tools"]), f"{root}/props")
        capabilities = _report(client, f"{root}/api/show", model).get("capabilities")
        if isinstance(capabilities, list):
            return ToolSupport("tools" in capabilities, f"{root}/api/show")
    return _probe(base_url.rstrip("/"), model, api_key, probe_s)


PROBE_TOOL = {
    "type": "function",
    "function": {
        "name": "ping",
        "description": "Say that you are ready.",
        "parameters": {"type": "object", "properties": {"ready": {"type": "boolean"}}, "required": ["ready"]},
    },
}


def _probe(base_url: str, model: str, api_key: str | None, timeout_s: float) -> ToolSupport:
    """Send one tiny chat completion that must call a tool; the server honours tools if the answer does."""
    url = f"{base_url}/chat/completions"
    body = {
        "model": model,
        "messages": [{"role": "user", "content": "Call the ping tool with ready true."}],
        "tools": [PROBE_TOOL],
        "tool_choice": "required",
        "max_tokens": 48,
    }
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        with httpx.Client(timeout=timeout_s) as client:
            answer = client.post(url, json=body, headers=headers)
        choices = answer.json().get("choices") if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        choices = None
    message = (
        choices[0].get("message") if isinstance(choices, list) and choices and isinstance(choices[0], dict) else None
    )
    called = isinstance(message, dict) and bool(message.get("tool_calls"))
    return ToolSupport(called, f"a probe call to {url}")


def context_window(base_url: str | None, model: str, timeout_s: float = 3.0) -> int:
    """Return the model's context window in tokens as the server reports it, or 0 when it does not say.

    llama.cpp: `/props` `default_generation_settings.n_ctx`; Ollama: `/api/show` `model_info.*.context_length`;
    vLLM: `/v1/models` `max_model_len`.
    """
    if not base_url:
        return 0
    root = _root(base_url)
    with httpx.Client(timeout=timeout_s) as client:
        settings = _report(client, f"{root}/props", model).get("default_generation_settings")
        if isinstance(settings, dict) and isinstance(settings.get("n_ctx"), int):
            return int(settings["n_ctx"])
        info = _report(client, f"{root}/api/show", model).get("model_info")
        lengths = [v for k, v in info.items() if k.endswith(".context_length")] if isinstance(info, dict) else []
        if lengths and isinstance(lengths[0], int):
            return int(lengths[0])
        listed = _report(client, f"{root}/v1/models", model).get("data")
        for item in listed if isinstance(listed, list) else []:
            if isinstance(item, dict) and item.get("id") == model and isinstance(item.get("max_model_len"), int):
                return int(item["max_model_len"])
    return 0
