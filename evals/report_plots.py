"""Plots of a season evaluation as PNG bytes, drawn with matplotlib's Agg canvas (no pyplot, no display)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from evals.metrics_review import CONSTORY
from evals.report import EvalReport
from renderers.fonts import font_path
from renderers.protocols import RenderError

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

COLOURS = ("#3b6ea8", "#e07b39", "#5a9e5a", "#c44e52", "#8172b2", "#937860")
CATEGORY_COLOURS = dict(zip([*CONSTORY, "other"], COLOURS, strict=True))


def _figure(width: float = 7.0, height: float = 3.6) -> Figure:
    from matplotlib.figure import Figure  # deferred: matplotlib takes a second to import

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # No software/date metadata, so the same report gives the same bytes.
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _cjk_font(report: EvalReport) -> FontProperties | None:
    if report.meta.language != "zh":
        return None
    from matplotlib.font_manager import FontProperties

    try:
        return FontProperties(fname=str(font_path("zh")))
    except RenderError:  # no CJK font installed: names fall back to ids below
        return None


def _labels(report: EvalReport) -> list[str]:
    return [f"{n}" for n in report.meta.episodes_evaluated]


def runtime(report: EvalReport) -> bytes:
    """Plot each episode's runtime against its target, with shots per minute."""
    fig = _figure()
    ax = fig.add_subplot()
    eps = report.episodes
    ax.bar(_labels(report), [e.structure.runtime_s for e in eps], color=COLOURS[0], label="runtime (s)")
    targets = [e.structure.target_s for e in eps]
    ax.plot(_labels(report), targets, color="black", linestyle="--", marker="_", label="target (s)")
    ax.set_xlabel("episode")
    ax.set_ylabel("seconds")
    twin = ax.twinx()
    twin.plot(_labels(report), [e.structure.shots_per_minute for e in eps], color=COLOURS[1], marker="o")
    twin.set_ylabel("shots per minute", color=COLOURS[1])
    twin.set_ylim(bottom=0)
    ax.legend(loc="lower left")
    ax.set_title("Runtime against target, and cutting pace")
    return _png(fig)


def continuity(report: EvalReport) -> bytes:
    """Plot continuity errors per episode by ConStory category: first draft and remaining."""
    fig = _figure(width=8.0)
    axes = fig.subplots(1, 2, sharey=True)
    labels = _labels(report)
    for ax, title, key in ((axes[0], "first draft", "first_draft"), (axes[1], "remaining", "remaining")):
        bottom = [0.0] * len(labels)
        for cat, colour in CATEGORY_COLOURS.items():
            values = [float(getattr(e.continuity, key).get(cat, 0)) for e in report.episodes]
            if any(values):
                ax.bar(labels, values, bottom=bottom, color=colour, label=cat)
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_title(f"continuity errors: {title}")
        ax.set_xlabel("episode")
    axes[0].set_ylabel("errors")
    handles, names = axes[0].get_legend_handles_labels()
    if handles:
        axes[0].legend(handles, names, fontsize="small")
    return _png(fig)


def similarity(report: EvalReport) -> bytes | None:
    """Plot the episode-by-episode embedding similarity heatmap, if it was measured."""
    sim = report.season.homogenisation.similarity
    if not sim.matrix:
        return None
    fig = _figure(width=5.6, height=4.8)
    ax = fig.add_subplot()
    image = ax.imshow(sim.matrix, cmap="viridis", vmin=min(min(r) for r in sim.matrix), vmax=1.0)
    ticks = list(range(len(sim.matrix)))
    ax.set_xticks(ticks, _labels(report))
    ax.set_yticks(ticks, _labels(report))
    ax.set_xlabel("episode")
    ax.set_ylabel("episode")
    ax.set_title("Embedding similarity between episodes")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return _png(fig)


def homogenisation(report: EvalReport) -> bytes:
    """Plot per-episode distinct-2, self-BLEU and cliché rates."""
    fig = _figure(width=8.0)
    left, right = fig.subplots(1, 2)
    labels = _labels(report)
    eps = report.episodes
    left.plot(labels, [e.text.distinct_2 for e in eps], marker="o", color=COLOURS[0], label="distinct-2")
    left.plot(labels, [e.text.self_bleu for e in eps], marker="s", color=COLOURS[1], label="self-BLEU")
    if report.season.homogenisation.similarity.per_episode:
        values = report.season.homogenisation.similarity.per_episode
        left.plot(labels, values, marker="^", color=COLOURS[2], label="similarity to rest")
    left.set_ylim(0, 1)
    left.set_xlabel("episode")
    left.legend(fontsize="small")
    left.set_title("Diversity and repetition")
    unit = "1k characters" if report.meta.language == "zh" else "1k words"
    right.bar(labels, [e.text.cliches.cliche_rate for e in eps], color=COLOURS[3], label="clichés")
    right.bar(
        labels,
        [e.text.cliches.template_rate for e in eps],
        bottom=[e.text.cliches.cliche_rate for e in eps],
        color=COLOURS[4],
        label="templated beats",
    )
    right.set_ylabel(f"hits per {unit}")
    right.set_xlabel("episode")
    right.legend(fontsize="small")
    right.set_title("Lexicon hits")
    return _png(fig)


def screen_time(report: EvalReport) -> bytes:
    """Plot seconds on screen per character over the season."""
    times = report.season.structure.screen_time
    font = _cjk_font(report)
    names = [report.meta.names.get(cid, cid) if font or report.meta.language != "zh" else cid for cid in times]
    fig = _figure(height=max(2.4, 0.35 * len(times) + 1.0))
    ax = fig.add_subplot()
    ax.barh(names[::-1], list(times.values())[::-1], color=COLOURS[0])
    if font is not None:
        for label in ax.get_yticklabels():
            label.set_fontproperties(font)
    ax.set_xlabel("seconds in frame")
    ax.set_title("Screen time per character, season")
    return _png(fig)


def cost(report: EvalReport) -> bytes:
    """Plot tokens per episode (in and out) with the cost label of the season."""
    fig = _figure()
    ax = fig.add_subplot()
    lines = report.season.cost.episodes
    labels = [line.scope.removeprefix("ep").lstrip("0") for line in lines]
    ax.bar(labels, [line.tokens_in for line in lines], color=COLOURS[0], label="tokens in")
    ax.bar(
        labels,
        [line.tokens_out for line in lines],
        bottom=[line.tokens_in for line in lines],
        color=COLOURS[1],
        label="tokens out",
    )
    ax.set_xlabel("episode")
    ax.set_ylabel("tokens")
    ax.legend(fontsize="small")
    ax.set_title(f"Model tokens per episode (season cost {report.season.cost.season.cost})")
    return _png(fig)


def repeats(report: EvalReport) -> bytes:
    """Plot each episode's dialogue sentences: new, already said in an earlier episode, and stock lines."""
    fig = _figure()
    ax = fig.add_subplot()
    labels = _labels(report)
    said = [e.repeats.said_before for e in report.episodes]
    new = [e.repeats.sentences - s for e, s in zip(report.episodes, said, strict=True)]
    ax.bar(labels, new, color=COLOURS[0], label="new this season")
    ax.bar(labels, said, bottom=new, color=COLOURS[3], label="said in an earlier episode")
    ax.plot(labels, [e.repeats.stock_lines for e in report.episodes], color="black", marker="o", label="stock lines")
    ax.set_xlabel("episode")
    ax.set_ylabel("dialogue sentences")
    # Headroom above the tallest bar keeps the legend off the bars.
    ax.set_ylim(0, 1.35 * max([e.repeats.sentences for e in report.episodes] + [1]))
    ax.legend(fontsize="small", loc="upper right", ncols=3)
    rep = report.season.repeats
    ax.set_title(f"Repeated dialogue: {rep.distinct} of {rep.sentences} sentences distinct")
    return _png(fig)


def judge(report: EvalReport) -> bytes | None:
    """Plot the judge's mean score per dimension, if an LLM judged."""
    means = report.season.judge.means
    if not means:
        return None
    fig = _figure(height=3.0)
    ax = fig.add_subplot()
    ax.barh([d.replace("_", " ") for d in means][::-1], list(means.values())[::-1], color=COLOURS[2])
    ax.set_xlim(0, 10)
    ax.set_xlabel("mean score (1-10)")
    ax.set_title(f"LLM judge: {report.season.judge.model}")
    return _png(fig)


def plots(report: EvalReport) -> dict[str, bytes]:
    """Return every plot of a report as file name -> PNG bytes."""
    made: dict[str, bytes | None] = {
        "runtime.png": runtime(report),
        "continuity.png": continuity(report),
        "homogenisation.png": homogenisation(report),
        "repeats.png": repeats(report),
        "similarity.png": similarity(report),
        "screen_time.png": screen_time(report),
        "cost.png": cost(report),
        "judge.png": judge(report),
    }
    return {name: data for name, data in made.items() if data is not None}
