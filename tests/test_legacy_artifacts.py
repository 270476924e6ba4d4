"""A season made before typed edit requests still opens: old review records' untyped fix hints are dropped."""

from __future__ import annotations

from graphs.state import EpisodeReview


def test_an_old_review_record_with_fix_hints_still_loads() -> None:
    finding = {
        "id": "continuity:1",
        "reviewer": "continuity",
        "check": "cue_name",
        "category": "characterization",
        "message": "Cue 'Mayaa' is not a canon name.",
        "fix": {"action": "set_cue", "line_id": "s01-l02", "value": "Maya"},
    }
    old = {
        "episode": 1,
        "continuity": {"reviewer": "continuity", "verdict": "revise", "findings": [finding]},
        "history": [{"artifact": "script", "revision": 1, "caused_by": [finding], "reviewer": "continuity"}],
    }
    review = EpisodeReview.model_validate(old)
    assert review.continuity is not None and review.continuity.findings[0].requests == []
    assert review.history[0].caused_by[0].message == "Cue 'Mayaa' is not a canon name."
    assert "fix" not in review.model_dump()["history"][0]["caused_by"][0]
