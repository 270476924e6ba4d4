"""Ask an endpoint about itself before relying on it: will it honour tools in a chat, how long is its context.

llama.cpp's server silently drops `tools` when the model's chat template has no tool support, and so do
servers built on it; a chat that assumed tools would then improvise with none. The server's own report is
asked first (llama.cpp `/props`: `chat_template_caps.supports_tools`; Ollama `/api/show`: `capabilities`);
a server that says nothing is taken at its word that it follows the OpenAI API.
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


def tool_support(base_url: str | None, model: str, timeout_s: float = 3.0) -> ToolSupport:
    """Ask the server at `base_url` whether `model`'s chat honours tools.

    Args:
        base_url: The OpenAI-compatible base URL (None: api.openai.com, which does).
        model: The model name, for servers that report per model (Ollama).
        timeout_s: How long each report may take; an unanswered report counts as no report.
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
    return ToolSupport(True, "no capability report")


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
