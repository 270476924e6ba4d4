"""The series configuration file, dramaroom.toml: what a user may edit by hand."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dramaroom.errors import UserError
from memory.embeddings import EmbeddingConfig
from memory.schema import Language

CONFIG_NAME = "dramaroom.toml"
MAX_PREMISE_CHARS = 4000
MAX_EPISODES = 200


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeriesSection(_Section):
    premise: str
    language: Language = "en"
    episodes: int = Field(default=6, ge=1, le=MAX_EPISODES)
    target_seconds: int = Field(default=90, ge=20, le=300)
    genre: str = Field(default="", description="identity_reveal, revenge, rebirth, romance, family, workplace, period.")
    tone: str = Field(default="", description="Tone in a few words, e.g. 'tense, bittersweet'.")
    seed: int = 0
    paywall_episode: int = Field(default=0, ge=0, description="0 places it about 12 % in.")


class RoomSection(_Section):
    script_revisions: int = Field(default=2, ge=0, le=10)
    shot_revisions: int = Field(default=2, ge=0, le=10)
    plan_revisions: int = Field(default=1, ge=0, le=5)
    human_rejections: int = Field(default=3, ge=0, le=20)
    paywall_fraction: float = Field(default=0.12, gt=0, lt=1)
    slip_rate: float = Field(default=0.25, ge=0, le=1, description="Offline writer's first-draft slip rate.")


class ModelsSection(_Section):
    default: str = Field(default="", description="Model for every role; DRAMAROOM_MODEL overrides.")
    method: Literal["auto", "json_schema", "function_calling", "json_mode"] = "auto"
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    max_reasks: int = Field(default=2, ge=0, le=5)
    temperature: float = Field(default=0.7, ge=0, le=2)
    roles: dict[Literal["showrunner", "screenwriter", "continuity", "ethics", "director"], str] = Field(
        default_factory=dict, description="Per-role model names."
    )


class SeriesConfig(_Section):
    series: SeriesSection
    room: RoomSection = Field(default_factory=RoomSection)
    models: ModelsSection = Field(default_factory=ModelsSection)
    embeddings: EmbeddingConfig = Field(default_factory=EmbeddingConfig)


def load_config(path: Path) -> SeriesConfig:
    """Read and validate dramaroom.toml, failing with one clear line."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserError(
            f"{path} is missing: this folder is not a dramaroom workspace (create one with `dramaroom new`)"
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} is not valid TOML ({exc}): fix the file or restore it from a backup") from exc
    try:
        return SeriesConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserError(f"{path}: `{where}` {first['msg'].lower()}: fix that setting and run again") from exc


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(str(value), ensure_ascii=False)


def dump_config(config: SeriesConfig) -> str:
    """Render the config as TOML with every section spelled out for hand editing."""
    out = ["# dramaroom series configuration; edit by hand, then run `dramaroom produce`.", ""]
    for section, model in config.model_dump(mode="json").items():
        out.append(f"[{section}]")
        for key, value in model.items():
            if value is None:
                continue
            out.append(f"{key} = {_toml_value(value)}")
        out.append("")
    return "\n".join(out)
