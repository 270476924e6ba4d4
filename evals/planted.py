"""Generate the planted-continuity dataset from the offline stack.

`python -m evals.planted build` plans a few seasons with the offline writer,
drafts clean scripts, plants one error (or one decoy) per case, deterministic
per seed (``evals.planted_plants`` and its siblings), and writes one JSON
file per season plus a manifest with the dataset version and a content hash.
`python -m evals.planted check` says whether the committed files still match a
rebuild. Hand-written cases live next to the generated ones in the same format.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from agents import screenwriter, showrunner
from agents.llm import offline_model
from agents.room import ROLES, RoomContext
from evals import planted_looks, planted_plants, planted_props, planted_time
from evals.planted_plants import Plant, Planter, Spot
from evals.planted_schema import (
    DATASET,
    DATASET_DIR,
    GENERATED,
    HANDWRITTEN,
    MANIFEST,
    ContinuityCase,
    ContinuityFile,
    Manifest,
    SeriesRecord,
    dataset_files,
    diff,
    load_file,
    situation,
)
from memory.bible import StoryBible
from memory.canon_fold import carryover_from, fold_changes
from memory.schema import Language, Script

DEFAULT_SEED = 7
EPISODES = 6
# How many episodes of each season receive each kind of plant (or decoy).
PLANTS_PER_KIND = 2
# Era plants only fit pre-industrial seasons, so those get one in every episode.
PLANTS_OF_KIND = {"anachronism": EPISODES, "era_decoy": 3}
PLANTERS: dict[str, Planter] = {
    **planted_plants.PLANTERS,
    **planted_looks.PLANTERS,
    **planted_props.PLANTERS,
    **planted_time.PLANTERS,
}
DECOYS: dict[str, Planter] = {
    **planted_plants.DECOYS,
    **planted_looks.DECOYS,
    **planted_props.DECOYS,
    **planted_time.DECOYS,
}


@dataclass(frozen=True)
class SeriesSpec:
    """One season the generator plans: language, genre, writer seed and premise."""

    id: str
    language: Language
    genre: str
    seed: int
    premise: str


SERIES: tuple[SeriesSpec, ...] = (
    SeriesSpec(
        "en-revenge", "en", "revenge", 7, "Framed for her mentor's fraud, an analyst returns to take back her name."
    ),
    SeriesSpec(
        "en-period",
        "en",
        "period",
        11,
        "In an imperial palace, a disgraced scribe uncovers a plot against the empress.",
    ),
    SeriesSpec(
        "en-family", "en", "family", 13, "Three estranged siblings come home when their grandmother's house is sold."
    ),
    SeriesSpec("en-romance", "en", "romance", 17, "A pastry chef falls for the landlord who wants her café's lease."),
    SeriesSpec("zh-revenge", "zh", "revenge", 7, "被闺蜜陷害入狱的她，三年后回到公司复仇。"),
    SeriesSpec("zh-period", "zh", "period", 11, "王朝深宫里，一个被贬的女史查出了谋害太后的阴谋。"),
    SeriesSpec("zh-family", "zh", "family", 13, "奶奶的老房子要卖了，失散多年的兄妹终于回家。"),
    SeriesSpec("zh-workplace", "zh", "workplace", 17, "实习生发现上司在公司里抄袭了她的设计。"),
)


# ------------------------------------------------------------------ generation


class _NullSink:
    def save_episode(self, episode: int, name: str, value: BaseModel) -> None:
        return None

    def save_series(self, name: str, value: BaseModel) -> None:
        return None


async def draft_series(spec: SeriesSpec, workdir: Path, episodes: int = EPISODES) -> SeriesRecord:
    """Plan a season with the offline writer and draft clean scripts for its first episodes."""
    writer = offline_model(seed=spec.seed, slip_rate=0.0)
    ctx = RoomContext(
        models=dict.fromkeys(ROLES, writer),
        bible=StoryBible(workdir / "bible"),  # never opened: canon is folded here, not recalled
        artifacts=_NullSink(),
        language=spec.language,
        seed=spec.seed,
        target_seconds=90,
    )
    paywall = showrunner.paywall_for(episodes, 0.5)
    series = await showrunner.plan_series(
        ctx, premise=spec.premise, episodes=episodes, paywall_episode=paywall, genre=spec.genre, notes=[]
    )
    scripts: list[Script] = []
    for brief in series.plan.episodes:
        script = await screenwriter.write_script(
            ctx,
            brief=brief,
            canon=fold_changes(series.canon, [c for s in scripts for c in s.state_changes]),
            carryover=carryover_from(scripts),
            previous_summary=scripts[-1].summary if scripts else "",
            recall=[],
            revision=0,
            previous_draft=None,
            notes=[],
        )
        scripts.append(script)
    return SeriesRecord(
        id=spec.id,
        language=spec.language,
        genre=spec.genre,
        seed=spec.seed,
        premise=spec.premise,
        canon=series.canon,
        scripts=scripts,
    )


def plant_series(record: SeriesRecord, seed: int) -> list[ContinuityCase]:
    """Return the clean, planted and decoy cases of one season, deterministic per seed."""
    cases = [
        ContinuityCase(id=f"{record.id}-ep{s.episode:02d}-clean", series=record.id, episode=s.episode, kind="clean")
        for s in record.scripts
    ]
    for kind, planter in sorted({**PLANTERS, **DECOYS}.items()):
        rng = random.Random(f"{seed}:{record.id}:{kind}")
        episodes = [s.episode for s in record.scripts]
        rng.shuffle(episodes)
        made = 0
        for episode in episodes:
            if made == PLANTS_OF_KIND.get(kind, PLANTS_PER_KIND):
                break
            base = situation(record, ContinuityCase(id="", series=record.id, episode=episode, kind="clean"))
            spot = Spot(
                canon=base.canon,
                carryover=base.carryover,
                script=base.script.model_copy(deep=True),
                language=record.language,
                rng=random.Random(f"{seed}:{record.id}:{kind}:{episode}"),
            )
            plant: Plant | None = planter(spot)
            if plant is None:
                continue
            made += 1
            cases.append(
                ContinuityCase(
                    id=f"{record.id}-ep{episode:02d}-{kind}",
                    series=record.id,
                    episode=episode,
                    kind="decoy" if kind in DECOYS else "planted",
                    canon_changes=plant.canon_changes,
                    patch=diff(base.script.model_dump(mode="json"), plant.script.model_dump(mode="json")),
                    labels=plant.labels,
                    note=plant.note,
                )
            )
    return cases


def _dump(model: BaseModel) -> bytes:
    text = json.dumps(model.model_dump(mode="json"), ensure_ascii=False, indent=1)
    return (text + "\n").encode("utf-8")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_manifest(root: Path, seed: int) -> Manifest:
    """Hash every data file under root and write the manifest."""
    files = {p.relative_to(root).as_posix(): _sha(p.read_bytes()) for p in dataset_files(root) if p.exists()}
    counts: dict[str, int] = {"planted": 0, "clean": 0, "decoy": 0, "labels": 0}
    for path in dataset_files(root):
        if path.exists():
            for case in load_file(path).cases:
                counts[case.kind] += 1
                counts["labels"] += len(case.labels)
    manifest = Manifest(
        seed=seed,
        command=f"python -m evals.planted build --seed {seed}",
        files=files,
        content_hash=_sha("".join(f"{k} {v}\n" for k, v in sorted(files.items())).encode()),
        counts=counts,
    )
    (root / MANIFEST).write_bytes(_dump(manifest))
    return manifest


async def build(out: Path, seed: int = DEFAULT_SEED, specs: Sequence[SeriesSpec] = SERIES) -> Manifest:
    """Generate every season's file under out/generated and write the manifest."""
    (out / GENERATED).mkdir(parents=True, exist_ok=True)
    for stale in (out / GENERATED).glob("*.json"):
        stale.unlink()
    with tempfile.TemporaryDirectory() as work:
        for spec in specs:
            record = await draft_series(spec, Path(work))
            data = ContinuityFile(source="generated", series=[record], cases=plant_series(record, seed))
            (out / GENERATED / f"{spec.id}.json").write_bytes(_dump(data))
    return write_manifest(out, seed)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the generated files, or check that the committed ones match a rebuild."""
    parser = argparse.ArgumentParser(prog="python -m evals.planted", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build", "check"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DATASET_DIR, help="dataset folder (default: the committed one)")
    args = parser.parse_args(argv)
    if args.command == "build":
        manifest = asyncio.run(build(args.out, args.seed))
        print(f"{DATASET} {manifest.version}: {manifest.counts} content hash {manifest.content_hash[:16]}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        for name in HANDWRITTEN:
            (fresh / name).write_bytes((args.out / name).read_bytes())
        rebuilt = asyncio.run(build(fresh, args.seed))
    committed = Manifest.model_validate_json((args.out / MANIFEST).read_text(encoding="utf-8"))
    stale = sorted(
        k for k in rebuilt.files.keys() | committed.files.keys() if rebuilt.files.get(k) != committed.files.get(k)
    )
    if stale:
        print(f"stale: {', '.join(stale)}; run `{committed.command}` and bump VERSION", file=sys.stderr)
        return 1
    print(f"{DATASET} {committed.version} matches a rebuild (content hash {committed.content_hash[:16]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
