"""`dramaroom eval` on real offline seasons: the report, its figures against the artifacts, and bad input."""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dramaroom.cli import main
from dramaroom.config import load_config
from evals.cliches import scan
from evals.metrics_cost import cost_report
from evals.metrics_structure import episode_structure
from evals.metrics_text import compression_ratio, distinct_n, self_bleu, sentence_bleu, tokens
from evals.pricing import call_cost, price_for, price_table
from graphs.tracing import RunRecord, TraceEvent
from memory.schema import EpisodeBrief, Script, SeasonPlan, Shot, ShotList
from tests.test_cli import assert_one_line_error, cli

PREMISE_EN = "A delivery rider named Maya Chen is secretly the heir to the logistics empire that fired her father."
PREMISE_ZH = "外卖员林晚其实是物流集团的真正继承人，她要查清父亲被开除的真相。"
OFFLINE_ENV = ("OPENAI_BASE_URL", "OPENAI_API_KEY", "DRAMAROOM_MODEL", "DRAMAROOM_STRUCTURED_METHOD")


def run_cli(*argv: str) -> None:
    """Run the CLI in-process and fail the test on a non-zero exit."""
    old = sys.argv
    sys.argv = ["dramaroom", *argv]
    try:
        main()
    except SystemExit as exc:
        assert not exc.code, f"dramaroom {' '.join(argv)} exited {exc.code}"
    finally:
        sys.argv = old


def produce_season(root: Path, premise: str, language: str, episodes: int, slip_rate: float) -> Path:
    """Create and produce an offline season, with first-draft slips at `slip_rate`."""
    with pytest.MonkeyPatch.context() as mp:
        for name in OFFLINE_ENV:
            mp.delenv(name, raising=False)
        run_cli(
            "new", str(root), "--episodes", str(episodes), "--language", language, "--seed", "7", "--premise", premise
        )
        config = root / "dramaroom.toml"
        text, count = re.subn(r"(?m)^slip_rate = .*$", f"slip_rate = {slip_rate}", config.read_text(encoding="utf-8"))
        assert count == 1
        config.write_text(text, encoding="utf-8")
        run_cli("produce", str(root))
    return root


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return produce_season(tmp_path_factory.mktemp("eval") / "en", PREMISE_EN, "en", 3, 1.0)


@pytest.fixture(scope="module")
def report(season: Path) -> Iterator[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as mp:
        for name in OFFLINE_ENV:
            mp.delenv(name, raising=False)
        yield _eval_json(season)


def _eval_json(root: Path) -> dict[str, Any]:
    # Module scope has no capsys, so stdout is captured by hand.
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        run_cli("eval", str(root), "--json")
    data = json.loads(buffer.getvalue())
    assert isinstance(data, dict)
    return data


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_eval_writes_markdown_plots_and_json_matching_stdout(season: Path, report: dict[str, Any]) -> None:
    folder = season / "eval"
    assert _load(folder / "eval.json") == report, "stdout carries exactly the figures written to eval.json"
    text = (folder / "report.md").read_text(encoding="utf-8")
    for needle in (
        "hook in first 3 s",
        "cliffhanger in last shot",
        "self-BLEU",
        "ConStory",
        "cost per finished minute",
    ):
        assert needle in text
    for n in (1, 2, 3):
        page = (folder / "episodes" / f"ep{n:03d}.md").read_text(encoding="utf-8")
        assert page.startswith(f"# Episode {n}:")
    plots = sorted(p.name for p in (folder / "plots").glob("*.png"))
    assert {"runtime.png", "continuity.png", "similarity.png", "screen_time.png", "cost.png"} <= set(plots)
    for name in plots:
        assert (folder / "plots" / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert f"(plots/{name})" in text, "every plot is shown in the report"


def test_structure_figures_agree_with_the_shot_lists(season: Path, report: dict[str, Any]) -> None:
    episodes = report["episodes"]
    assert isinstance(episodes, list) and len(episodes) == 3
    total = 0.0
    for ep in episodes:
        shots = _load(season / "episodes" / f"ep{ep['episode']:03d}" / "shotlist.json")["shots"]
        script = _load(season / "episodes" / f"ep{ep['episode']:03d}" / "script.json")
        assert isinstance(shots, list) and isinstance(script["scenes"], list)
        runtime = sum(s["duration_s"] for s in shots)
        total += runtime
        st = ep["structure"]
        assert st["runtime_s"] == pytest.approx(runtime, abs=0.01)
        assert st["shots"] == len(shots)
        assert st["shots_per_minute"] == pytest.approx(len(shots) * 60 / runtime, abs=0.01)
        assert st["scenes"] == len(script["scenes"])
        maya = [s for s in shots if any(c["character_id"] == "maya_chen" for c in s["characters"])]
        assert st["screen_time"].get("maya_chen", 0) == pytest.approx(sum(s["duration_s"] for s in maya), abs=0.01)
        # The window is the shots that start before 3 s; the first shot always starts at 0.
        assert st["hook"]["window_shots"][0] == shots[0]["id"]
        assert st["cliffhanger"]["shot_id"] == shots[-1]["id"]
    season_st = report["season"]["structure"]
    assert season_st["runtime_s"] == pytest.approx(total, abs=0.05)


def test_hook_and_cliffhanger_fail_when_the_shots_do_not_carry_them(season: Path) -> None:
    folder = season / "episodes" / "ep001"
    plan = SeasonPlan.model_validate({k: v for k, v in _load(season / "season_plan.json").items() if k != "meta"})
    script = Script.model_validate({k: v for k, v in _load(folder / "script.json").items() if k != "meta"})
    shots = ShotList.model_validate({k: v for k, v in _load(folder / "shotlist.json").items() if k != "meta"})
    brief: EpisodeBrief = plan.episodes[0]
    carried = episode_structure(brief, script, shots, "en")
    assert carried.hook.kind == "brief_hook" and carried.cliffhanger.present
    first, last = shots.shots[0], shots.shots[-1]
    establishing = first.model_copy(
        update={"id": "s01-sh00", "duration_s": 3.5, "line_id": None, "description": "Rain on an empty street."}
    )
    unrelated: Shot = last.model_copy(update={"line_id": None, "description": "A cup of tea on a table."})
    moved = shots.model_copy(update={"shots": [establishing, *shots.shots[:-1], unrelated]})
    missed = episode_structure(brief, script, moved, "en")
    assert missed.hook.window_shots == ["s01-sh00"] and missed.hook.kind == "none" and not missed.hook.present
    assert not missed.cliffhanger.present


def test_continuity_counts_first_draft_errors_from_the_review_record(season: Path, report: dict[str, Any]) -> None:
    first_total = 0
    for ep in report["episodes"]:
        review = _load(season / "episodes" / f"ep{ep['episode']:03d}" / "review.json")
        history = review["history"]
        assert isinstance(history, list)
        r1 = [h for h in history if h["artifact"] == "script" and h["revision"] == 1]
        expected = [f for f in r1[0]["caused_by"] if f["reviewer"] == "continuity"] if r1 else []
        co = ep["continuity"]
        assert sum(co["first_draft"].values()) == len(expected)
        assert set(co["first_draft"]) <= {
            "characterization",
            "factual_detail",
            "narrative_style",
            "timeline_plot",
            "world_building",
            "other",
        }
        words = co["first_draft_units"]
        assert co["first_draft_per_10k"] == pytest.approx(len(expected) * 10_000 / words, abs=0.01)
        first_total += len(expected)
    assert first_total > 0, "slip_rate 1.0 makes first drafts with continuity errors"
    assert report["season"]["continuity"]["first_draft_total"] == first_total


def test_judge_is_skipped_offline_and_cost_is_offline(season: Path, report: dict[str, Any]) -> None:
    s = report["season"]
    assert isinstance(s, dict)
    assert s["judge"]["status"].startswith("skipped: no endpoint configured")
    assert not s["judge"]["episodes"] and not s["judge"]["means"], "nothing is faked offline"
    assert "skipped: no endpoint configured" in (season / "eval" / "report.md").read_text(encoding="utf-8")
    with sqlite3.connect(season / "state" / "traces.sqlite") as db:
        calls = db.execute("SELECT count(*) FROM events WHERE kind = 'llm'").fetchone()[0]
        per_ep = dict(db.execute("SELECT episode, count(*) FROM events WHERE kind = 'llm' GROUP BY episode").fetchall())
    cost = s["cost"]
    assert cost["offline"] and cost["season"]["cost"] == "offline: $0" and cost["season"]["cost_usd"] == 0
    assert cost["season"]["calls"] == calls
    assert [line["calls"] for line in cost["episodes"]] == [per_ep[n] for n in (1, 2, 3)]
    assert cost["planning"]["calls"] == per_ep[None]


def test_homogenisation_figures_are_measured_from_the_scripts(season: Path, report: dict[str, Any]) -> None:
    ho = report["season"]["homogenisation"]
    lines = []
    for n in (1, 2, 3):
        script = _load(season / "episodes" / f"ep{n:03d}" / "script.json")
        lines.append([tokens(line["text"], "en") for scene in script["scenes"] for line in scene["lines"]])
    flat = [seq for ep in lines for seq in ep]
    assert ho["distinct_2"] == pytest.approx(distinct_n(flat, 2), abs=1e-4)
    assert ho["self_bleu"] == pytest.approx(sum(self_bleu(lines)) / 3, abs=1e-4)
    sim = ho["similarity"]
    assert sim["status"] == "done" and sim["model"] == "minilm:all-MiniLM-L6-v2"
    matrix = sim["matrix"]
    assert all(matrix[i][i] == pytest.approx(1.0, abs=1e-3) for i in range(3))
    assert all(matrix[i][j] == matrix[j][i] and -1 <= matrix[i][j] <= 1 for i in range(3) for j in range(3))


def test_self_bleu_distinct_and_compression_on_known_text() -> None:
    hyp = ["the", "cat", "sat", "on", "the", "mat"]
    ref = ["the", "cat", "sat", "on", "a", "mat"]
    counts: dict[tuple[str, ...], int] = {}
    for n in range(1, 5):
        for i in range(len(ref) - n + 1):
            gram = tuple(ref[i : i + n])
            counts[gram] = counts.get(gram, 0) + 1
    # Clipped precisions 5/6, 3/5, 2/4, 1/3; equal lengths, so no brevity penalty.
    assert sentence_bleu(hyp, counts, [len(ref)]) == pytest.approx((5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25)
    same = [["a", "b", "c", "d", "e"]]
    assert self_bleu([same, same]) == pytest.approx([1.0, 1.0])
    # No shared n-gram: only the smoothing floor (0.1 matches per order) is left.
    floor = (0.1 / 4 * 0.1 / 3 * 0.1 / 2 * 0.1 / 1) ** 0.25
    assert self_bleu([[["a", "b", "c", "d"]], [["w", "x", "y", "z"]]]) == pytest.approx([floor, floor])
    assert distinct_n([["a", "b", "a", "b"]], 2) == pytest.approx(2 / 3)
    varied = [f"line {i} says {i * 7919 % 1000} things about {i * 31 % 97}" for i in range(200)]
    assert compression_ratio(["the same line again"] * 200) > 3 * compression_ratio(varied)
    assert tokens("林晚说：你好！OK", "zh") == ["林", "晚", "说", "你", "好", "ok"]


def test_cliche_lexicons_count_terms_once_on_word_boundaries() -> None:
    en = scan(["Elara climbs to the lighthouses.", "An alphabet soup.", "You'll regret this!"], "en", given="")
    assert en.cliche_hits == 2 and en.template_hits == 1 and en.lines_with_hit == pytest.approx(2 / 3, abs=1e-4)
    assert en.by_category == {"stock_names": 1, "stock_settings": 1, "templated_beats": 1}
    zh = scan(["真千金回来了，总裁签了离婚协议。", "今天天气很好。"], "zh", given="")
    assert dict(zh.top_terms) == {"真千金": 1, "总裁": 1, "离婚协议": 1}, "千金 inside 真千金 is not counted again"
    assert zh.cliche_rate == pytest.approx(3 * 1000 / zh.units)


def test_what_the_premise_itself_says_is_not_counted_as_a_cliche() -> None:
    lines = ["Elias climbs the lighthouse stairs.", "The lighthouse lamp is dark.", "Elara waits below."]
    own = scan(lines, "en", given="A lighthouse keeper named Elias Crane hears his drowned brother on the radio.")
    assert own.by_category == {"stock_names": 1} and own.exempt == ["lighthouse"]
    assert scan(lines, "en", given="").by_category == {"stock_names": 1, "stock_settings": 2}
    zh = scan(["总裁把离婚协议放在桌上。"], "zh", given="总裁沈川的离婚协议被人调了包。")
    assert zh.cliche_hits == 0 and zh.exempt == ["总裁", "离婚协议"]


def test_prices_come_from_config_and_override_the_defaults(tmp_path: Path) -> None:
    assert price_for("gpt-4o-mini-2024-07-18") == price_for("gpt-4o-mini")
    assert price_for("dramaroom-offline-writer") == (0.0, 0.0)
    assert price_for("qwen2.5:14b") is None
    root = tmp_path / "s"
    run_cli("new", str(root), "--premise", PREMISE_EN)
    config = root / "dramaroom.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("[prices]", '[prices]\n"qwen2.5:14b" = [0.5, 2.0]\ngpt-4o = [1, 4]'),
        encoding="utf-8",
    )
    prices = price_table(load_config(config).prices)
    assert price_for("qwen2.5:14b", prices) == (0.5, 2.0) and price_for("gpt-4o-2024-08-06", prices) == (1.0, 4.0)
    assert price_for("gpt-4o-mini", prices) == price_for("gpt-4o-mini"), "unlisted models keep their defaults"
    events = [
        TraceEvent(i, "r", "t", "llm", "screenwriter", ep, "draft", "qwen2.5:14b", "", "", 1000, 500, 10.0, "ok", {})
        for i, ep in enumerate([None, 1, 1, 2])
    ]
    run = RunRecord("r", "season", "produce", "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00", "done", {}, "")
    report = cost_report(events, [run], {1: 90.0, 2: 60.0}, prices, [1, 2])
    one_call = call_cost("qwen2.5:14b", 1000, 500, prices)
    assert one_call == pytest.approx((1000 * 0.5 + 500 * 2.0) / 1e6)
    assert report.episodes[0].cost_usd == pytest.approx(2 * one_call)
    assert report.episodes[0].cost_per_finished_minute == pytest.approx(2 * one_call / 1.5)
    assert report.season.cost_usd == pytest.approx(4 * one_call) and report.planning.calls == 1
    assert report.season.wall_s_per_finished_minute == pytest.approx(60 / 2.5)
    assert not report.offline and not report.unpriced and math.isclose(report.season.finished_minutes, 2.5)


def test_eval_prints_a_table_and_a_chinese_season_is_measured_in_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in OFFLINE_ENV:
        monkeypatch.delenv(name, raising=False)
    root = produce_season(tmp_path / "zh", PREMISE_ZH, "zh", 2, 0.25)
    capsys.readouterr()
    code, out, _ = cli(["eval", str(root)], capsys)
    assert code == 0
    assert "hook in first 3 s" in out and "continuity errors per 10k characters" in out
    data = _load(root / "eval" / "eval.json")
    ho = data["season"]["homogenisation"]
    assert ho["unit"] == "characters"
    script = _load(root / "episodes" / "ep001" / "script.json")
    chars = sum(len(tokens(line["text"], "zh")) for scene in script["scenes"] for line in scene["lines"])
    assert data["episodes"][0]["continuity"]["final_units"] == chars
    canon = _load(root / "canon.json")
    names = {c["id"]: c["name"] for c in canon["characters"]}
    assert data["meta"]["names"] == names
    assert set(data["season"]["structure"]["screen_time"]) <= set(names)


def test_eval_rejects_what_is_not_a_produced_workspace(
    season: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(["eval", str(tmp_path / "missing")], capsys)
    assert_one_line_error(code, err, "does not exist")
    (tmp_path / "plain").mkdir()
    code, _, err = cli(["eval", str(tmp_path / "plain")], capsys)
    assert_one_line_error(code, err, "not a dramaroom workspace")
    fresh = tmp_path / "fresh"
    cli(["new", str(fresh), "--premise", PREMISE_EN], capsys)
    code, out, err = cli(["eval", str(fresh), "--json"], capsys)
    assert_one_line_error(code, err, "nothing to evaluate yet", "dramaroom produce")
    assert out == "", "--json prints nothing but JSON"
    for name in ("season_plan.json", "canon.json"):
        (fresh / name).write_bytes((season / name).read_bytes())
    code, _, err = cli(["eval", str(fresh)], capsys)
    assert_one_line_error(code, err, "no episode", "has a script")
    assert not (fresh / "eval").exists(), "nothing is written for a season with nothing to measure"


def test_a_season_still_in_the_room_is_measured_as_far_as_it_goes(
    season: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    partial = tmp_path / "partial"
    cli(["new", str(partial), "--premise", PREMISE_EN], capsys)
    for name in ("season_plan.json", "canon.json", "plan_review.json"):
        (partial / name).write_bytes((season / name).read_bytes())
    for source in (season / "episodes" / "ep001").glob("*.json"):
        (partial / "episodes" / "ep001").mkdir(parents=True, exist_ok=True)
        (partial / "episodes" / "ep001" / source.name).write_bytes(source.read_bytes())
    # Episode 2 has a reviewed script but no shot list yet: its ethics review counts, its structure cannot.
    (partial / "episodes" / "ep002").mkdir(parents=True)
    for name in ("script.json", "review.json"):
        (partial / "episodes" / "ep002" / name).write_bytes((season / "episodes" / "ep002" / name).read_bytes())
    code, out, err = cli(["eval", str(partial), "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["meta"]["episodes_evaluated"] == [1] and data["meta"]["episodes_planned"] == 3
    assert sum(data["season"]["ethics"]["verdicts"].values()) == 2
    assert data["season"]["homogenisation"]["similarity"]["status"].startswith("skipped: one episode")
    assert data["season"]["cost"]["season"]["calls"] == 0, "no trace store, no calls counted"
    assert "1 of 3" in (partial / "eval" / "report.md").read_text(encoding="utf-8")
