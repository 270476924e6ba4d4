"""The screenwriter's prompt must not grow with the season: it recalls, it does not replay history."""

from __future__ import annotations

from pathlib import Path

from evals.context_growth import measure


async def test_prompt_size_is_flat_across_a_season(tmp_path: Path) -> None:
    sizes = {(s.role, s.episode): s.tokens for s in await measure(16, workdir=tmp_path)}
    for role in ("screenwriter", "continuity", "director"):
        early, late = sizes[(role, 6)], sizes[(role, 16)]
        # Episode 6 already has a full recall window; ten episodes later the prompt is the same size.
        assert late <= early * 1.15, (role, early, late)
    assert sizes[("screenwriter", 16)] < 4000
