"""Every benchmark runs at a tiny size and returns well-formed figures; no timing is asserted."""

from __future__ import annotations

import math
import re
from pathlib import Path

from benchmarks import run_all

TINY = run_all.Sizes(
    season_episodes=1,
    time_scale=0.001,
    plan_episodes=26,
    growth_episodes=2,
    growth_at=(1, 2),
    engine_episodes=1,
    bible_sizes=(60,),
    bible_queries=10,
    render_seconds=2.5,
    render_repeat=1,
    incremental_seconds=20,
)


def positive(*values: float) -> bool:
    return all(math.isfinite(v) and v > 0 for v in values)


def test_every_benchmark_at_a_tiny_size(tmp_path: Path) -> None:
    results = run_all.collect(TINY, tmp_path)

    t = results.throughput
    assert t.episodes == t.committed == 1
    assert t.calls >= 4 + 4, "four planning calls (cast, setting, world, briefs), then draft, reviews, shot list"
    assert positive(t.wall_s, t.prompt_tokens, t.output_tokens, t.simulated_s, t.call_s, t.in_flight_s)
    assert math.isclose(t.slept_s, t.simulated_s * TINY.time_scale)
    assert t.in_flight_s <= t.call_s + 1e-6 and positive(t.wall_to_calls, t.overlap, t.projected_wall_s)

    p = results.plan
    assert p.calls == 3 + 3 and p.same_plan, "cast, setting, world, then three brief ranges; the same plan either way"
    assert positive(p.sequential_s, p.concurrent_s, p.speedup)

    growth = {(s.role, s.episode): s.tokens for s in results.growth}
    assert all(growth[(role, n)] > 0 for role in ("screenwriter", "continuity") for n in TINY.growth_at)

    o = results.overhead
    assert o.episodes == o.committed == 1
    assert {"draft", "review_continuity", "review_ethics", "shot_list", "review_shots", "commit"} <= set(o.stage_s)
    assert "episode" not in o.stage_s, "the subgraph's own run would count its stages twice"
    assert positive(o.wall_s, o.episode_s) and 0 <= sum(o.stage_s.values()) <= o.wall_s

    (r,) = results.recall
    assert r.entries == 60 and r.episodes == 5 and len(r.latencies_ms) == 10
    assert positive(r.build_s, r.p50_ms, r.p95_ms) and r.p50_ms <= r.p95_ms

    render, incremental = results.render, results.incremental
    assert positive(render["full_wall_s"], render["plain_wall_s"], render["ratio_full_to_plain"])
    assert positive(incremental["full_render_s"], incremental["incremental_s"], incremental["fraction"])

    table = run_all.markdown(run_all.rows(results))
    lines = table.splitlines()
    assert lines[:2] == ["| benchmark | figure | value |", "|---|---|---|"]
    assert all(line.startswith("| ") and line.count(" | ") == 2 and line.endswith(" |") for line in lines[2:])
    for needle in ("season throughput", "season plan", "context growth", "engine overhead", "story bible", "render"):
        assert needle in table, needle
    assert not re.search(r"\bnan\b", table), "a figure came out undefined"

    report = run_all.report(table, quick=True, wall_s=1.0, section_s=results.section_s, load_start=run_all.load())
    assert all(f"- {key}: " in report for key in ("cores", "RAM", "CPU", "Python", "torch"))
