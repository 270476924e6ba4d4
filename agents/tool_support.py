"""Find out whether an endpoint will honour tools in a chat, before a chat relies on them.

llama.cpp's server silently drops `tools` when the model's chat template has no tool support, and so do
servers built on it; a chat that assumed tools would then improvise with none. The server's own report is
asked first (llama.cpp `/props`: `chat_template_caps.supports_tools`; Ollama `/api/show`: `capabilities`);
a server that says nothing is taken at its word that it follows the OpenAI API.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

__all__ = ["ToolSupport", "tool_support"]


@dataclass(frozen=True)
class ToolSupport:
    """Whether the server honours tools, and where that was read (for the one line a chat prints)."""

    native: bool
    source: str


def _root(base_url: str) -> str:
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


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
    try:
        with httpx.Client(timeout=timeout_s) as client:
            props = client.get(f"{root}/props")
            if props.status_code == 200:
                caps = props.json().get("chat_template_caps")
                if isinstance(caps, dict) and "supports_tools" in caps:
                    return ToolSupport(bool(caps["supports_tools"]), f"{root}/props")
            show = client.post(f"{root}/api/show", json={"model": model})
            if show.status_code == 200:
                capabilities = show.json().get("capabilities")
                if isinstance(capabilities, list):
                    return ToolSupport("tools" in capabilities, f"{root}/api/show")
    except (httpx.HTTPError, ValueError, AttributeError):
        pass
    return ToolSupport(True, "no capability report")
