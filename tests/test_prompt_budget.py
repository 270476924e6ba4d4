"""A prompt is budgeted against the model's context window: the screenwriter drops recall (least relevant
first) until the answer has its room, and keeps all of it when the window is large.

Against the simulated endpoint, which reports its window at /props as llama.cpp's server does.
"""

from __future__ import annotations

import asyncio
import json

from agents import screenwriter
from agents.llm import ModelSpec, endpoint_model
from evals.simulated_endpoint import EndpointBehaviour, SimulatedEndpoint
from memory.bible import StoryBible
from memory.recall import Recollection
from memory.schema import Carryover
from tests.conftest import make_context
from tests.fixtures_offline import plan_season

PREMISE = "A night-shift pharmacist finds her late father's ledger in the shop's safe."


def _recall(n: int) -> list[Recollection]:
    memo = "In an earlier scene the ledger passed from hand to hand under the shop's flickering sign. " * 6
    return [
        Recollection(episode=1, kind="scene", text=f"{i}: {memo}", distance=i / 10, ref=f"ep1-s{i}") for i in range(n)
    ]


def _sent_recall(bible: StoryBible, context: int) -> list[str]:
    series = plan_season(PREMISE, episodes=2, seed=3)
    with SimulatedEndpoint(EndpointBehaviour(context_tokens=context, slip_rate=0.0), seed=3) as server:
        spec = ModelSpec(model="sim", base_url=server.base_url, method="json_schema", max_retries=0, context=context)
        ctx = make_context(bible, models={"screenwriter": endpoint_model(spec)})
        coro = screenwriter.write_script(
            ctx,
            brief=series.plan.episodes[1],
            canon=series.canon,
            carryover=Carryover(),
            previous_summary="",
            recall=_recall(12),
            revision=0,
            previous_draft=None,
            notes=[],
        )
        asyncio.run(coro)
        (request,) = server.requests
    user = request["messages"][-1]["content"]  # type: ignore[index]
    block = json.loads(user.split("<context>", 1)[1].split("</context>", 1)[0])
    return [str(r) for r in block["recall"]]


def test_a_small_context_drops_the_least_relevant_recall_first(bible: StoryBible) -> None:
    roomy = _sent_recall(bible, 131072)
    tight = _sent_recall(bible, 9000)
    assert len(roomy) == 12, "a large window keeps all of it"
    assert 0 < len(tight) < 12
    assert tight == roomy[: len(tight)], "what is kept is the most relevant, in order"
