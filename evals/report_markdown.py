"""Readable Markdown for a season evaluation: one season report and one page per episode."""

from __future__ import annotations

from collections.abc import Iterable

from evals.markdown_table import cell as _cell
from evals.markdown_table import counts as _counts
from evals.markdown_table import money as _money
from evals.markdown_table import pct as _pct
from evals.markdown_table import table as _table
from evals.report import EpisodeEval, EvalReport
from evals.report_markdown_listening import episode_sections, headline, sections

PLOT_CAPTIONS = {
    "runtime.png": "Runtime against target, and shots per minute",
    "continuity.png": "Continuity errors by ConStory category",
    "homogenisation.png": "Diversity, repetition and lexicon hits per episode",
    "repeats.png": "Dialogue sentences per episode: new, said before, stock lines",
    "similarity.png": "Embedding similarity between episodes",
    "screen_time.png": "Screen time per character",
    "cost.png": "Model tokens per episode",
    "judge.png": "LLM judge: mean scores",
}
EPISODE_HEAD = (
    "ep | title | outcome | hook in 3 s | cliffhanger | runtime | shots/min | scenes | dialogue | "
    "continuity: first draft | continuity: left | ethics | self-BLEU | lexicon hits/1k | said before | "
    "payoff next | stale | cost"
)
COST_HEAD = "scope | calls | tokens in | tokens out | cost | model time | room time | cost per finished min"


def season_table(report: EvalReport) -> list[tuple[str, str]]:
    """Return the season's headline figures as (measure, value) rows."""
    s = report.season
    st, co, ho, cost, chat = s.structure, s.continuity, s.homogenisation, s.cost.season, s.cost.chat
    sim, lex, judge = ho.similarity, ho.cliches, s.judge
    low, high = st.runtime_ratio_range
    similar = (
        sim.status if sim.mean_pairwise is None else f"mean {sim.mean_pairwise:.3f}, adjacent {sim.mean_adjacent:.3f}"
    )
    judged = ", ".join(f"{k} {v:.1f}" for k, v in judge.means.items()) if judge.means else judge.status
    room = cost.wall_s_per_finished_minute
    return [
        ("episodes evaluated", f"{st.episodes} of {report.meta.episodes_planned}"),
        ("hook in first 3 s", f"{_pct(st.hook_rate)} (the planned hook: {_pct(st.brief_hook_rate)})"),
        ("cliffhanger in last shot", _pct(st.cliffhanger_rate)),
        ("runtime vs target", f"{st.mean_runtime_ratio:.0%} mean ({low:.0%}–{high:.0%}); {st.runtime_s / 60:.1f} min"),
        ("shots per minute / mean shot", f"{st.shots_per_minute:.1f} / {st.mean_shot_s:.2f} s"),
        ("scenes per episode", f"{st.mean_scenes:.1f}"),
        ("dialogue share of screen time", _pct(st.dialogue_share)),
        (
            f"continuity errors per 10k {co.unit}",
            f"{co.first_draft_per_10k:.1f} first draft -> {co.remaining_per_10k:.1f}" + _left_out(report),
        ),
        (
            "continuity errors per episode",
            f"{co.per_episode_first_draft:.2f} first draft -> {co.per_episode_remaining:.2f}",
        ),
        ("ethics verdicts", _counts(s.ethics.verdicts)),
        ("ethics flags (any draft)", _counts(s.ethics.flags_all_drafts)),
        ("distinct-1 / distinct-2", f"{ho.distinct_1:.3f} / {ho.distinct_2:.3f}"),
        ("self-BLEU", f"{ho.self_bleu:.3f}"),
        ("gzip compression ratio", f"{ho.compression_ratio:.2f}"),
        ("embedding similarity", similar),
        (f"clichés / templated beats per 1k {ho.unit}", f"{lex.cliche_rate:.2f} / {lex.template_rate:.2f}"),
        ("lines with a lexicon hit", _pct(lex.lines_with_hit)),
        ("LLM judge", judged),
        *headline(report),
        ("model calls / tokens", f"{cost.calls:,} / {cost.tokens_in + cost.tokens_out:,}"),
        ("cost", cost.cost),
        ("cost per finished minute", "offline: $0" if s.cost.offline else _money(cost.cost_per_finished_minute)),
        ("room time per finished minute", "–" if room is None else f"{room:.1f} s"),
        ("chat (not production)", f"{chat.calls:,} calls, {chat.tokens_in + chat.tokens_out:,} tokens, {chat.cost}"),
    ]


def _left_out(report: EvalReport) -> str:
    excluded = report.season.stale.excluded
    return f" (stale reviews of episodes {', '.join(map(str, excluded))} left out)" if excluded else ""


def _episode_row(e: EpisodeEval) -> list[object]:
    st, co, lex = e.structure, e.continuity, e.text.cliches
    return [
        f"[{e.episode}](episodes/ep{e.episode:03d}.md)",
        e.title,
        e.outcome,
        st.hook.kind,
        st.cliffhanger.present,
        f"{st.runtime_s:.0f}/{st.target_s} s",
        st.shots_per_minute,
        st.scenes,
        _pct(st.dialogue_share),
        sum(co.first_draft.values()),
        sum(co.remaining.values()),
        e.ethics.verdict,
        e.text.self_bleu,
        round(lex.cliche_rate + lex.template_rate, 2),
        e.repeats.said_before,
        e.payoff.status if e.payoff else "–",
        e.stale,
        e.cost.cost if e.cost else "–",
    ]


def season_markdown(report: EvalReport, plots: Iterable[str]) -> str:
    """Render the season report."""
    m = report.meta
    offline = " (offline: the figures describe the procedural writer)" if m.offline else ""
    out = [f"# Evaluation: {m.title}", ""]
    out.append(
        f"{m.language}, {m.genre}; {len(m.episodes_evaluated)} of {m.episodes_planned} episodes evaluated; "
        f"written by {m.writer}{offline}."
    )
    out.extend(["", "## Season", "", *_table("measure | value", season_table(report))])
    for name in plots:
        out.extend([f"![{PLOT_CAPTIONS.get(name, name)}](plots/{name})", ""])
    out.extend(["## Episodes", "", *_table(EPISODE_HEAD, (_episode_row(e) for e in report.episodes))])
    out.extend(_continuity(report) + _ethics(report) + _homogenisation(report) + sections(report))
    out.extend(_judge(report) + _cost(report))
    out.extend(["## Definitions", "", *(f"- **{k}**: {v}" for k, v in report.definitions.items())])
    out.extend(["", "## Limits", "", *(f"- {line}" for line in report.limits), ""])
    return "\n".join(out)


def _continuity(report: EvalReport) -> list[str]:
    co = report.season.continuity
    out = ["## Continuity (ConStory-Bench categories)", ""]
    cats = sorted({*co.first_draft, *co.remaining, *co.shots_first_draft, *co.shots_remaining})
    rows = [
        (
            c,
            co.first_draft.get(c, 0),
            co.remaining.get(c, 0),
            co.shots_first_draft.get(c, 0),
            co.shots_remaining.get(c, 0),
        )
        for c in cats
    ]
    head = "category | script, first draft | script, remaining | shot list, first cut | shot list, remaining"
    out.extend(_table(head, rows) if rows else ["No continuity errors found.", ""])
    return [*out, f"{co.revisions} script revision(s) over the season.", ""]


def _ethics(report: EvalReport) -> list[str]:
    eth = report.season.ethics
    return [
        "## Ethics",
        "",
        f"Plan review: {eth.plan_verdict} (flags: {_counts(eth.plan_flags)}).",
        f"Final verdicts: {_counts(eth.verdicts)}; outcomes: {_counts(eth.outcomes)}.",
        f"Flags in final reviews: {_counts(eth.flags)}; on any draft: {_counts(eth.flags_all_drafts)}.",
        "",
    ]


def _homogenisation(report: EvalReport) -> list[str]:
    ho = report.season.homogenisation
    sim = ho.similarity
    out = ["## Homogenisation", "", f"Embedding similarity: {sim.status}" + (f" ({sim.model})." if sim.model else ".")]
    if sim.most_similar:
        out.append(f"Most alike: episodes {sim.most_similar[0]} and {sim.most_similar[1]}.")
    out.extend(["", f"Lexicon {ho.cliches.lexicon_version} hits by category: {_counts(ho.cliches.by_category)}.", ""])
    if ho.cliches.exempt:
        out.extend([f"Not counted, since the premise itself uses them: {', '.join(ho.cliches.exempt)}.", ""])
    if ho.cliches.top_terms:
        out.extend(_table("term | hits", ho.cliches.top_terms))
    return out


def _judge(report: EvalReport) -> list[str]:
    j = report.season.judge
    out = ["## LLM judge", "", f"Status: {j.status}."]
    if j.model:
        out.append(f"Judge: {j.model}; {j.calls} calls, {j.tokens_in + j.tokens_out:,} tokens.")
    if j.means:
        out.extend(["", *_table("dimension | mean (1-10)", j.means.items())])
    if j.pairs:
        out.append(
            f"First draft vs final, judged twice with the order swapped: {j.pairs} pair(s); the two orders agreed "
            f"on {_pct(j.agreement)}; of agreed pairs the final was preferred in {_pct(j.final_preferred)}."
        )
    return [*out, ""]


def _cost(report: EvalReport) -> list[str]:
    c = report.season.cost
    out = ["## Cost", ""]
    if c.offline:
        out.append("Every call was the offline writer's: offline, $0. Token counts are the writer's estimates.")
    if c.unpriced:
        out.append(f"No price for {', '.join(c.unpriced)}: add it under [prices] in dramaroom.toml.")
    rows = [
        (
            x.scope,
            x.calls,
            x.tokens_in,
            x.tokens_out,
            x.cost,
            f"{x.model_time_s:.1f} s",
            f"{x.wall_s:.1f} s",
            "offline: $0" if c.offline else _money(x.cost_per_finished_minute),
        )
        for x in [c.season, c.planning, *c.episodes, c.chat]
    ]
    chat = (
        f"The chat line is the showrunner conversation ({c.chat.calls} calls): it is not production and is not in "
        "the season's figures."
    )
    return [*out, "", *_table(COST_HEAD, rows), chat, ""]


def episode_markdown(report: EvalReport, e: EpisodeEval) -> str:
    """Render one episode's page."""
    st, co, tx = e.structure, e.continuity, e.text
    names = report.meta.names
    hook, cliff = st.hook, st.cliffhanger
    black = ", cut to black" if cliff.cut_to_black else ""
    structure = [
        ("hook in first 3 s", f"{hook.kind} (overlap {hook.overlap:.2f}; shots {', '.join(hook.window_shots)})"),
        ("first line", hook.first_line),
        ("cliffhanger in last shot", f"{_cell(cliff.present)} (overlap {cliff.overlap:.2f}, {cliff.shot_id}{black})"),
        ("last line", cliff.last_line),
        ("runtime", f"{st.runtime_s:.1f} s of {st.target_s} s ({st.runtime_ratio:.0%})"),
        (
            "shots",
            f"{st.shots}: {st.shots_per_minute:.1f}/min, mean {st.mean_shot_s:.2f} s, median {st.median_shot_s:.2f} s",
        ),
        ("scenes / lines", f"{st.scenes} / {st.lines} ({st.dialogue_lines} dialogue)"),
        ("dialogue share", f"{_pct(st.dialogue_share)} of screen time, {_pct(st.dialogue_line_share)} of lines"),
    ]
    text = [
        ("distinct-2", tx.distinct_2),
        ("self-BLEU against the other episodes", tx.self_bleu),
        ("gzip compression ratio", tx.compression_ratio),
        ("embedding similarity to the rest", tx.similarity_to_rest),
        ("clichés / templated beats per 1k", f"{tx.cliches.cliche_rate:.2f} / {tx.cliches.template_rate:.2f}"),
        ("lexicon hits", ", ".join(f"{t} ×{n}" for t, n in tx.cliches.top_terms) or "none"),
    ]
    out = [f"# Episode {e.episode}: {e.title}", "", f"[Season report](../report.md) · outcome: {e.outcome}", ""]
    out.extend(["## Structure", "", *_table("measure | value", structure)])
    out.extend(_table("character | seconds in frame", ((names.get(c, c), s) for c, s in st.screen_time.items())))
    out.extend(
        [
            "## Continuity",
            "",
            f"First draft ({co.first_draft_units} {co.unit}): {_counts(co.first_draft)}, {co.first_draft_per_10k:.1f} "
            f"per 10k; checks: {_counts(co.checks)}.",
            f"Remaining ({co.final_units} {co.unit}): {_counts(co.remaining)}, {co.remaining_per_10k:.1f} per 10k.",
            f"Shot list: first cut {_counts(co.shots_first_draft)}; remaining {_counts(co.shots_remaining)}.",
            f"{co.script_revisions} script revision(s); {co.all_drafts} error(s) raised over all drafts.",
            "",
            "## Ethics",
            "",
            f"Verdict {e.ethics.verdict}; flags {_counts(e.ethics.flags)}; "
            f"on any draft {_counts(e.ethics.flags_all_drafts)}.",
            "",
            "## Text",
            "",
            *_table("measure | value", text),
        ]
    )
    out.extend(episode_sections(report, e))
    out.extend(_episode_judge(e) + _episode_cost(e))
    return "\n".join(out)


def _episode_judge(e: EpisodeEval) -> list[str]:
    if e.judge is None:
        return []
    out = ["## LLM judge", "", *_table("dimension | score", e.judge.scores.items())]
    if e.judge.rationale:
        out.extend([e.judge.rationale, ""])
    if e.judge.pairwise:
        p = e.judge.pairwise
        out.extend(
            [
                f"First draft vs final: {p.preferred} (first draft shown as A: {p.first_draft_as_a}; final shown as A: "
                f"{p.final_as_a}).",
                "",
            ]
        )
    return out + [f"Judge error: {err}" for err in e.judge.errors]


def _episode_cost(e: EpisodeEval) -> list[str]:
    if e.cost is None:
        return []
    c = e.cost
    return [
        "## Cost",
        "",
        f"{c.calls} calls, {c.tokens_in:,} tokens in, {c.tokens_out:,} out: {c.cost}; {c.wall_s:.1f} s of room time.",
        "",
    ]
