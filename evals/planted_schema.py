"""The planted-continuity dataset's schema: series records, cases with JSON-Patch plants, labels, manifest.

A case is a clean offline episode plus a patch (and, when a plant needs it,
history added to canon before the episode); ``situation`` rebuilds what the
continuity editor reviews. See evals/datasets/README.md for the format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from memory.canon_fold import carryover_from, fold_changes
from memory.schema import Canon, Carryover, ConStoryCategory, Language, Script, StateChange

DATASET = "dramaroom-planted-continuity"
VERSION = "1.0.0"
DATASET_DIR = Path(__file__).parent / "datasets" / "continuity"
GENERATED = "generated"
HANDWRITTEN = ("handwritten_en.json", "handwritten_zh.json")
MANIFEST = "manifest.json"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatchOp(_Model):
    """One JSON-Patch (RFC 6902) operation on the clean script."""

    op: Literal["add", "remove", "replace"] = Field(description="What to do at the path.")
    path: str = Field(description="JSON Pointer into the script, e.g. '/scenes/1/wardrobe/lin_wan'.")
    value: object = Field(default=None, description="The new value for add and replace.")


class PlantedLabel(_Model):
    """One finding the continuity editor should report for a planted error."""

    category: ConStoryCategory = Field(description="ConStory category of the error.")
    check: str = Field(description="The deterministic check expected to catch it, e.g. 'wardrobe_drift'.")
    subtype: str = Field(description="Kind of plant, e.g. 'wardrobe_switch'; see the dataset README.")
    location: str = Field(description="Scene id ('s02') or line id ('s02-l03') where the error is.")
    canon_fact: str = Field(description="The canon fact the planted text contradicts.")
    quote: str = Field(default="", description="The planted text, for readers.")


class ContinuityCase(_Model):
    """One script to review: a clean episode, or the same episode with one planted error or decoy."""

    id: str = Field(description="Unique case id.")
    series: str = Field(description="Id of the series record the case builds on.")
    episode: int = Field(ge=1, description="Episode whose clean script the patch applies to.")
    kind: Literal["planted", "clean", "decoy"] = Field(
        description="planted: labels expected; clean: the clean script; decoy: a near miss that must pass."
    )
    canon_changes: list[StateChange] = Field(
        default_factory=list,
        description="History added before the episode (a death, a lost prop) that the plant needs.",
    )
    patch: list[PatchOp] = Field(default_factory=list, description="Edits that turn the clean script into the case.")
    labels: list[PlantedLabel] = Field(
        default_factory=list, description="Expected findings; empty for clean and decoy."
    )
    note: str = Field(default="", description="What was planted, in a few words.")


class SeriesRecord(_Model):
    """A season's canon and its clean scripts; canon at episode N folds the scripts before N."""

    id: str
    language: Language
    genre: str
    seed: int
    premise: str
    canon: Canon
    scripts: list[Script]


class ContinuityFile(_Model):
    """One file of the dataset: series records and the cases built on them."""

    dataset: str = DATASET
    version: str = VERSION
    source: Literal["generated", "handwritten"]
    series: list[SeriesRecord]
    cases: list[ContinuityCase]


class Manifest(_Model):
    """The dataset's version, how it was made, and a hash of every file."""

    dataset: str = DATASET
    version: str = VERSION
    seed: int = Field(description="Seed the generated files were planted with.")
    command: str = Field(description="Command that rebuilds the generated files.")
    files: dict[str, str] = Field(description="Relative path -> sha256 of the file's bytes.")
    content_hash: str = Field(description="sha256 over the sorted 'path sha256' lines.")
    counts: dict[str, int] = Field(description="Cases by kind, and labels.")


# ------------------------------------------------------------------ patches


def _pointer(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def _child(node: object, part: str, path: str) -> object:
    if isinstance(node, list):
        return node[int(part)]
    if isinstance(node, dict):
        return node[part]
    raise ValueError(f"patch path {path!r} does not point into an object or array")


def apply_patch(document: object, ops: Sequence[PatchOp]) -> object:
    """Apply JSON-Patch operations to a JSON document in place and return it."""
    for op in ops:
        *parents, last = _pointer(op.path)
        target = document
        for part in parents:
            target = _child(target, part, op.path)
        if isinstance(target, list):
            index = len(target) if last == "-" else int(last)
            if op.op == "add":
                target.insert(index, op.value)
            elif op.op == "remove":
                del target[index]
            else:
                target[index] = op.value
        elif isinstance(target, dict):
            if op.op == "remove":
                del target[last]
            else:
                target[last] = op.value
        else:
            raise ValueError(f"patch path {op.path!r} does not point into an object or array")
    return document


def diff(old: object, new: object, path: str = "") -> list[PatchOp]:
    """Return patch operations that turn one JSON document into another."""
    if isinstance(old, dict) and isinstance(new, dict):
        ops: list[PatchOp] = []
        for key in old:
            at = f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"
            ops += diff(old[key], new[key], at) if key in new else [PatchOp(op="remove", path=at)]
        ops += [PatchOp(op="add", path=f"{path}/{k}", value=new[k]) for k in new if k not in old]
        return ops
    if isinstance(old, list) and isinstance(new, list):
        shared = min(len(old), len(new))
        ops = [op for i in range(shared) for op in diff(old[i], new[i], f"{path}/{i}")]
        ops += [PatchOp(op="add", path=f"{path}/{i}", value=new[i]) for i in range(shared, len(new))]
        ops += [PatchOp(op="remove", path=f"{path}/{i}") for i in reversed(range(shared, len(old)))]
        return ops
    return [] if old == new else [PatchOp(op="replace", path=path, value=new)]


# ------------------------------------------------------------------ situations


@dataclass(frozen=True)
class Situation:
    """What a case is reviewed against: canon and carryover at its episode, and the script."""

    canon: Canon
    carryover: Carryover
    script: Script


def situation(series: SeriesRecord, case: ContinuityCase) -> Situation:
    """Rebuild a case: canon folded to its episode plus its history, the carryover, the patched script."""
    before = [s for s in series.scripts if s.episode < case.episode]
    canon = fold_changes(series.canon, [c for s in before for c in s.state_changes])
    canon = fold_changes(canon, case.canon_changes, strict=True)
    clean = next(s for s in series.scripts if s.episode == case.episode)
    script = Script.model_validate(apply_patch(clean.model_dump(mode="json"), case.patch))
    return Situation(canon=canon, carryover=carryover_from(before), script=script)


def load_file(path: Path) -> ContinuityFile:
    """Read and validate one dataset file."""
    return ContinuityFile.model_validate_json(path.read_text(encoding="utf-8"))


def dataset_files(root: Path = DATASET_DIR) -> list[Path]:
    """Return every data file of the dataset: generated seasons first, then the hand-written ones."""
    return sorted((root / GENERATED).glob("*.json")) + [root / name for name in HANDWRITTEN]
