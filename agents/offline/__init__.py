"""Offline procedural writer: a deterministic stand-in for an LLM when no endpoint is configured."""

from __future__ import annotations

from agents.offline.writer import MODEL_NAME, OfflineWriter, estimate_tokens

__all__ = ["MODEL_NAME", "OfflineWriter", "estimate_tokens"]
