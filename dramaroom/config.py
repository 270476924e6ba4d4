"""The series configuration file, dramaroom.toml: what a user may edit by hand."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, ValidationError

from dramaroom.errors import UserError
from memory.embeddings import EmbeddingConfig
from memory.schema import GENRES, Language

CONFIG_NAME = "dramaroom.toml"
MAX_PREMISE_CHARS = 8000
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
    slip_rate: float | None = Field(
        default=None, ge=0, le=1, description="Old place of [offline] slip_rate; still read when set."
    )


class OfflineSection(_Section):
    """Settings of the offline procedural writer only; an endpoint run ignores them."""

    slip_rate: float = Field(default=0.25, ge=0, le=1, description="Share of first drafts given one planted slip.")


class ModelsSection(_Section):
    default: str = Field(default="", description="Model for every role; DRAMAROOM_MODEL overrides.")
    method: Literal["auto", "json_schema", "function_calling", "json_mode"] = "auto"
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    max_reasks: int = Field(default=2, ge=0, le=5)
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int = Field(
        default=8192, ge=256, le=131072, description="Most output tokens of one call; each is capped by its schema."
    )
    concurrency: int = Field(
        default=0, ge=0, le=64, description="Calls in flight per endpoint; 0: 1 for a local server, 8 for OpenAI."
    )
    context: int = Field(
        default=0, ge=0, le=10_000_000, description="The model's context window in tokens; 0: ask the server."
    )
    roles: dict[Literal["showrunner", "screenwriter", "continuity", "ethics", "director"], str] = Field(
        default_factory=dict, description="Per-role model names."
    )


class RenderSection(_Section):
    image: str = Field(default="storyboard", description="storyboard (offline) or diffusers, or a plugin.")
    voice: str = Field(default="espeak", description="espeak (offline) or edge-tts (needs the internet).")
    music: str = Field(default="procedural", description="Music bed and sound cues backend.")
    music_bed: bool = True
    annotate: bool = Field(default=True, description="Storyboard panel annotations.")
    fps: Literal[24, 30] = 24
    model_path: str = Field(default="", description="diffusers: a local model folder (model_index.json).")
    device: str = Field(default="", description="diffusers: cuda or cpu; empty picks CUDA when present.")
    steps: int = Field(default=20, ge=1, le=200)
    guidance: float = Field(default=6.0, ge=0, le=30, description="diffusers: 0 for SD-Turbo.")
    strength: float = Field(default=0.55, gt=0, le=1, description="diffusers img2img strength over the storyboard.")
    width: int = Field(default=576, ge=64, le=2048, multiple_of=8)
    height: int = Field(default=1024, ge=64, le=4096, multiple_of=8)
    storyboard_guide: bool = Field(default=True, description="diffusers: follow the storyboard frame's composition.")
    references: str = Field(default="", description="Folder of <character_id>.png reference images (IP-Adapter).")
    edge_timeout_s: float = Field(default=10.0, gt=0)
    label_seconds: float = Field(default=3.0, ge=2.0, le=10.0, description="Visible AI label at the start, >= 2 s.")
    filing_number: str = Field(default="", description="Distribution filing number for the opening credits.")
    scene_headings: Literal["auto", "fountain", "duanju"] = Field(
        default="auto",
        description="Script exports' scene headings: fountain (INT. PLACE - DAY), duanju (1-1 日 内 地点), "
        "auto: duanju for Chinese series, fountain for English ones.",
    )


class TracingSection(_Section):
    otlp_endpoint: str = Field(
        default="",
        pattern=r"^(https?://[^\s]+)?$",
        description="OTLP/HTTP collector, e.g. http://127.0.0.1:4318; empty: off.",
    )
    otel: bool = Field(default=False, description="Export to OTEL_EXPORTER_OTLP_ENDPOINT (default localhost:4318).")
    content: bool = Field(default=False, description="Also export prompts and outputs (redacted).")


class SeriesConfig(_Section):
    series: SeriesSection
    room: RoomSection = Field(default_factory=RoomSection)
    models: ModelsSection = Field(default_factory=ModelsSection)
    offline: OfflineSection = Field(default_factory=OfflineSection)
    render: RenderSection = Field(default_factory=RenderSection)
    embeddings: EmbeddingConfig = Field(default_factory=EmbeddingConfig)
    tracing: TracingSection = Field(default_factory=TracingSection)
    prices: dict[str, tuple[NonNegativeFloat, NonNegativeFloat]] = Field(
        default_factory=dict,
        description="Model name -> [input, output] USD per 1M tokens; overrides or extends evals.pricing.PRICES.",
    )

    @property
    def slip_rate(self) -> float:
        """The offline writer's slip rate: [offline] slip_rate, or the old [room] slip_rate when a file sets it."""
        return self.room.slip_rate if self.room.slip_rate is not None else self.offline.slip_rate


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
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
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
            # Model names such as "qwen2.5:14b" are not bare TOML keys.
            name = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)
            out.append(f"{name} = {_toml_value(value)}")
        out.append("")
    return "\n".join(out)


# Genre names a user may type, in either language; each maps to one of memory.schema.GENRES.
GENRE_NAMES: dict[str, str] = {
    **{g: g for g in GENRES},
    "identity": "identity_reveal",
    "identity-reveal": "identity_reveal",
    "reveal": "identity_reveal",
    "身份反转": "identity_reveal",
    "身份": "identity_reveal",
    "真假千金": "identity_reveal",
    "隐藏身份": "identity_reveal",
    "复仇": "revenge",
    "逆袭": "revenge",
    "报仇": "revenge",
    "重生": "rebirth",
    "穿越": "rebirth",
    "甜宠": "romance",
    "爱情": "romance",
    "恋爱": "romance",
    "言情": "romance",
    "romantic": "romance",
    "家庭": "family",
    "亲情": "family",
    "伦理": "family",
    "职场": "workplace",
    "商战": "workplace",
    "office": "workplace",
    "古装": "period",
    "宫斗": "period",
    "宅斗": "period",
    "历史": "period",
    "historical": "period",
}


def genre_choices() -> str:
    """Return the genre choices for --help: each key with its first Chinese name."""
    zh = {key: next((n for n, k in GENRE_NAMES.items() if k == key and not n.isascii()), "") for key in GENRES}
    listed = ", ".join(f"{key} ({name})" for key, name in zh.items())
    return f"{listed}; 逆袭, 宫斗, 商战 … work too"


def genre_key(name: str) -> str | None:
    """Return the genre key a typed name stands for ('复仇' -> 'revenge'), or None when it names none."""
    cleaned = name.strip().lower().replace(" ", "_")
    return GENRE_NAMES.get(cleaned) or GENRE_NAMES.get(name.strip())
