"""Measure an incremental re-render after one shot is edited, as a fraction of a full render.

Run from the repo root: `python -m benchmarks.incremental_render [--seconds 60]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from dramaroom.config import SeriesConfig, SeriesSection
from dramaroom.production import run_season
from dramaroom.rendering import render_workspace
from dramaroom.settings import Settings
from dramaroom.workspace import Workspace

PREMISE = "A delivery rider named Maya Chen is secretly the heir to the logistics empire that fired her father."


def _quiet(*_: object) -> None:
    return None


def measure(seconds: int, workdir: Path) -> dict[str, float]:
    """Produce and render one episode, edit one shot, re-render; return timings and the fraction."""
    config = SeriesConfig(series=SeriesSection(premise=PREMISE, episodes=1, target_seconds=seconds, seed=7))
    ws = Workspace.create(workdir / "series", config)
    asyncio.run(run_season(ws, Settings(), approval="auto", command="produce"))
    started = time.perf_counter()
    full = render_workspace(ws, [1], progress=_quiet, on_episode=_quiet)[0].result
    full_s = time.perf_counter() - started
    shotlist = ws.episode_dir(1) / "shotlist.json"
    data = json.loads(shotlist.read_text(encoding="utf-8"))
    data["shots"][len(data["shots"]) // 2]["description"] += " A door slams somewhere below."
    shotlist.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    started = time.perf_counter()
    again = render_workspace(ws, [1], progress=_quiet, on_episode=_quiet)[0].result
    incremental_s = time.perf_counter() - started
    return {
        "episode_s": full.runtime_s,
        "shots": float(len(full.timeline)),
        "full_render_s": round(full_s, 2),
        "incremental_s": round(incremental_s, 2),
        "fraction": round(incremental_s / full_s, 3),
        "media_made_again": float(again.cache_misses),
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Print the incremental re-render measurement."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        figures = measure(args.seconds, Path(tmp))
    for key, value in figures.items():
        print(f"{key:<18}{value}")


if __name__ == "__main__":
    main()
