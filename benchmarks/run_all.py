"""Run every benchmark and print one Markdown table; write it, with the machine, to benchmarks/results.md.

Run from the repo root: `python -m benchmarks.run_all [--quick]` (what `make bench` runs).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from benchmarks import bible_recall, engine_overhead, incremental_render, season_throughput
from benchmarks.bible_recall import Recall
from benchmarks.engine_overhead import Overhead
from benchmarks.season_throughput import PlanOverlap, Throughput
from evals import context_growth, render_benchmark
from evals.context_growth import PromptSize

Row = tuple[str, str, str]
T = TypeVar("T")
RESULTS = Path(__file__).with_name("results.md")


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark runs."""

    season_episodes: int = 20
    time_scale: float = 0.02
    plan_episodes: int = 80
    growth_episodes: int = 60
    growth_at: tuple[int, ...] = (1, 10, 30, 60)
    engine_episodes: int = 80
    bible_sizes: tuple[int, ...] = (1000, 10000)
    bible_queries: int = 200
    render_seconds: float = 60.0
    render_repeat: int = 2
    incremental_seconds: int = 60


FULL = Sizes()
QUICK = Sizes(
    season_episodes=6,
    time_scale=0.005,
    plan_episodes=40,
    growth_episodes=12,
    growth_at=(1, 6, 12),
    engine_episodes=12,
    bible_sizes=(200, 1000),
    bible_queries=50,
    render_seconds=15.0,
    render_repeat=1,
    incremental_seconds=20,
)


@dataclass
class Results:
    """Every benchmark's figures from one run, with the wall time of each section."""

    sizes: Sizes
    throughput: Throughput
    plan: PlanOverlap
    growth: list[PromptSize]
    overhead: Overhead
    recall: list[Recall]
    render: dict[str, float]
    incremental: dict[str, float]
    section_s: dict[str, float] = field(default_factory=dict)


def _timed(label: str, section_s: dict[str, float], progress: Callable[[str], None], work: Callable[[], T]) -> T:
    progress(f"{label} …")
    started = time.perf_counter()
    result = work()
    section_s[label] = time.perf_counter() - started
    progress(f"{label}: {section_s[label]:.1f} s")
    return result


def collect(sizes: Sizes, workdir: Path, progress: Callable[[str], None] = lambda _: None) -> Results:
    """Run every benchmark one after another (never side by side: they would slow each other)."""
    spent: dict[str, float] = {}
    behaviour = season_throughput.default_behaviour(sizes.time_scale)

    def folder(name: str) -> Path:
        path = workdir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    throughput = _timed(
        "season throughput",
        spent,
        progress,
        lambda: season_throughput.measure(sizes.season_episodes, folder("season"), behaviour),
    )
    plan = _timed(
        "plan overlap",
        spent,
        progress,
        lambda: season_throughput.measure_plan(sizes.plan_episodes, folder("plan"), behaviour),
    )
    growth = _timed(
        "context growth",
        spent,
        progress,
        lambda: asyncio.run(context_growth.measure(sizes.growth_episodes, workdir=folder("growth"))),
    )
    overhead = _timed(
        "engine overhead", spent, progress, lambda: engine_overhead.measure(sizes.engine_episodes, folder("engine"))
    )
    recall = _timed(
        "bible recall",
        spent,
        progress,
        lambda: bible_recall.measure(sizes.bible_sizes, folder("bible"), sizes.bible_queries),
    )
    render = _timed(
        "render benchmark",
        spent,
        progress,
        lambda: render_benchmark.run(sizes.render_seconds, repeat=sizes.render_repeat),
    )
    incremental = _timed(
        "incremental render",
        spent,
        progress,
        lambda: incremental_render.measure(sizes.incremental_seconds, folder("incremental")),
    )
    return Results(sizes, throughput, plan, growth, overhead, recall, render, incremental, spent)


def growth_rows(sizes: Sequence[PromptSize], episodes: int, at: Sequence[int]) -> list[Row]:
    """Return the context-growth rows: each role's first-call prompt at some episodes."""
    name = f"context growth: estimated prompt tokens of a role's first call, offline {episodes}-episode season"
    where = " / ".join(str(n) for n in at)
    out: list[Row] = []
    for role in context_growth.ROLES_SHOWN:
        values = context_growth.tokens_at(sizes, role, at)
        first, second, last = values[0], values[min(1, len(values) - 1)], values[-1]
        ratios = f"ep{at[-1]}/ep{at[0]} {last / first:.2f}" if first else "n/a"
        if len(at) > 2 and second:
            ratios += f", ep{at[-1]}/ep{at[1]} {last / second:.2f}"
        out.append((name, f"{role} at episode {where}", " / ".join(f"{v:,}" for v in values) + f" ({ratios})"))
    return out


def render_rows(r: dict[str, float], seconds: float, repeat: int) -> list[Row]:
    """Return the rows of evals.render_benchmark: full assembly against a plain ffmpeg slideshow."""
    name = (
        f"render: {seconds:g} s episode, {int(r['shots'])} storyboard shots, 24 fps, 1080×1920, x264 veryfast "
        f"(`evals.render_benchmark`, best of {repeat})"
    )
    return [
        (
            name,
            "(a) full assembly: wall / × real time / CPU",
            f"{r['full_wall_s']:.1f} s / {r['full_realtime_x']:.2f}× / {r['full_cpu_s']:.1f} s",
        ),
        (
            name,
            "(b) plain ffmpeg zoompan slideshow: wall / × real time / CPU",
            f"{r['plain_wall_s']:.1f} s / {r['plain_realtime_x']:.2f}× / {r['plain_cpu_s']:.1f} s",
        ),
        (name, "(a) ÷ (b): wall / CPU", f"{r['ratio_full_to_plain']:.2f} / {r['cpu_ratio_full_to_plain']:.2f}"),
    ]


def incremental_rows(r: dict[str, float], seconds: int) -> list[Row]:
    """Return the rows of benchmarks.incremental_render: re-render after one shot's edit."""
    name = f"re-render after editing one shot: {seconds} s target episode (`benchmarks.incremental_render`)"
    return [
        (name, "full render / after the edit", f"{r['full_render_s']:.1f} s / {r['incremental_s']:.1f} s"),
        (name, "fraction / media made again", f"{r['fraction']:.3f} / {int(r['media_made_again'])}"),
    ]


def rows(results: Results) -> list[Row]:
    """Return every benchmark's rows, in table order."""
    s = results.sizes
    behaviour = results.throughput.behaviour
    return [
        *season_throughput.rows(results.throughput),
        *season_throughput.plan_rows(results.plan, behaviour),
        *growth_rows(results.growth, s.growth_episodes, s.growth_at),
        *engine_overhead.rows(results.overhead),
        *bible_recall.rows(results.recall),
        *render_rows(results.render, s.render_seconds, s.render_repeat),
        *incremental_rows(results.incremental, s.incremental_seconds),
    ]


def markdown(table: Sequence[Row]) -> str:
    """Render rows as one Markdown table, naming each benchmark on its first row only."""
    lines = ["| benchmark | figure | value |", "|---|---|---|"]
    previous = None
    for name, figure, value in table:
        cells = [name if name != previous else "", figure, value]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        previous = name
    return "\n".join(lines)


def machine() -> dict[str, str]:
    """Describe the machine: cores, RAM, CPU model, OS, Python, torch."""
    cpu, ram = platform.processor() or platform.machine(), "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass  # not Linux: keep what platform says
    try:
        torch = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch = "not installed"
    return {
        "cores": str(os.cpu_count()),
        "RAM": ram,
        "CPU": cpu,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "torch": torch,
    }


def load() -> str:
    """Return the 1/5/15-minute load averages: other work on a shared machine shows here."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def report(table: str, quick: bool, wall_s: float, section_s: dict[str, float], load_start: str) -> str:
    """Return results.md: when, on what, how long, and the table."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sizes = "quick sizes (`--quick`): a smoke run, not figures to quote" if quick else "full sizes"
    spec = "\n".join(f"- {key}: {value}" for key, value in machine().items())
    spec += f"\n- load average (1/5/15 min): {load_start} at the start, {load()} at the end"
    sections = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in section_s.items())
    return f"# Benchmarks (`make bench`)\n\n{when}; {sizes}; {wall_s:.0f} s in all ({sections}).\n\n{spec}\n\n{table}\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmarks, print the table and write results.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in about two minutes")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"where to write the report (default {RESULTS})")
    args = parser.parse_args(argv)
    started, load_start = time.perf_counter(), load()
    with tempfile.TemporaryDirectory(prefix="dramaroom-bench-") as tmp:
        results = collect(QUICK if args.quick else FULL, Path(tmp), lambda line: print(line, file=sys.stderr))
    table = markdown(rows(results))
    wall = time.perf_counter() - started
    args.out.write_text(report(table, args.quick, wall, results.section_s, load_start), encoding="utf-8")
    print(table)
    print(f"\n{wall:.0f} s in all; written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
