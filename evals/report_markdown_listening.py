"""Markdown for what the room kept and repeated: premise, notes, repeated dialogue, cast, payoff, stale reviews."""

from __future__ import annotations

from evals.markdown_table import counts, pct, table
from evals.metrics_notes import NoteAdherence
from evals.report import EpisodeEval, EvalReport

TOP_SHOWN = 10


def headline(report: EvalReport) -> list[tuple[str, str]]:
    """Return the season-table rows of the new measures."""
    s = report.season
    rep, cast, pay, pre = s.repeats, s.cast, s.payoff, s.premise
    premise = (
        f"plan or canon {pct(pre.plan_or_canon_ratio)}, scripts {pct(pre.scripts_ratio)}, "
        f"first two scripts {pct(pre.first_scripts_ratio)} ({len(pre.facts)} facts)"
        if pre.status == "measured"
        else pre.status
    )
    missing = ", ".join(report.meta.names.get(c, c) for c in cast.missing)
    return [
        ("distinct dialogue sentences", f"{rep.distinct} of {rep.sentences} ({pct(rep.distinct_ratio)})"),
        ("sentences said more than once", f"{rep.repeated} verbatim ({rep.repeat_occurrences} repeats)"),
        ("near-verbatim groups", f"{rep.near_groups} ({rep.near_sentences} sentences)"),
        ("stock lines (in 3+ episodes)", f"{rep.stock_lines} ({rep.stock_occurrences} occurrences)"),
        (
            "cast on screen",
            f"{cast.on_screen} of {cast.planned}" + (f"; never on screen: {missing}" if missing else ""),
        ),
        ("cliffhanger picked up next episode", f"{pct(pay.rate)} ({pay.picked_up} of {pay.pairs})"),
        ("premise facts kept", premise),
        ("note requests verified", _notes_line(s.notes)),
        ("stale reviews (canon changed since)", _stale_line(report)),
    ]


def _notes_line(n: NoteAdherence) -> str:
    unverified = f"; {n.unverified_revisions} producer revision(s) unverified" if n.unverified_revisions else ""
    if n.status != "measured":
        return n.status + unverified
    line = (
        f"{n.verified} of {n.requests} ({pct(n.verified_rate)}); unmet {n.unmet}, not actionable {n.not_actionable}, "
        f"free text {n.free_text}"
    )
    return line + unverified


def _stale_line(report: EvalReport) -> str:
    st = report.season.stale
    if not st.excluded:
        return f"none ({st.changes} canon change(s) logged)"
    parts = [f"stale: {', '.join(map(str, st.stale))}" if st.stale else "", ""]
    parts[1] = f"re-reviewed after the change: {', '.join(map(str, st.re_reviewed))}" if st.re_reviewed else ""
    return "; ".join(p for p in parts if p) + " (left out of the continuity rates)"


def sections(report: EvalReport) -> list[str]:
    """Return the season report's sections for the new measures."""
    return _repeats(report) + _cast(report) + _payoff(report) + _premise(report) + _notes(report) + _stale(report)


def _repeats(report: EvalReport) -> list[str]:
    rep = report.season.repeats
    out = [
        "## Repeated dialogue",
        "",
        f"{rep.sentences} dialogue sentences ({rep.unit}), {rep.distinct} distinct ({pct(rep.distinct_ratio)}); "
        f"{rep.repeated} said more than once, {rep.near_groups} near-verbatim group(s), {rep.stock_lines} stock "
        "line(s) said in three or more episodes.",
        "",
    ]
    if rep.top:
        out.extend(["Most repeated, verbatim:", ""])
        out.extend(table("sentence | times | episodes", ((r.text, r.count, _eps(r.episodes)) for r in rep.top)))
    if rep.top_near:
        out.extend(["Near-verbatim groups:", ""])
        rows = ((r.text, " / ".join(r.variants[:3]), r.count, _eps(r.episodes)) for r in rep.top_near[:TOP_SHOWN])
        out.extend(table("sentence | also as | times | episodes", rows))
    if not rep.top and not rep.top_near:
        out.extend(["No dialogue sentence is said twice.", ""])
    per = ((e.episode, e.repeats.sentences, e.repeats.said_before, e.repeats.stock_lines) for e in report.episodes)
    return out + table("ep | sentences | said in an earlier episode | stock lines", per)


def _eps(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers))


def _cast(report: EvalReport) -> list[str]:
    cast = report.season.cast
    out = ["## Cast coverage", ""]
    if cast.missing:
        status = {m.id: m.status for m in cast.members}
        names = ", ".join(_member(report.meta.names.get(c, c), c, status.get(c, "alive")) for c in cast.missing)
        out.extend([f"Never on screen: {names}.", ""])
    else:
        out.extend([f"Every one of the {cast.planned} canon characters is on screen at least once.", ""])
    rows = ((m.name, m.id, m.status, _eps(m.episodes) or "never", m.lines) for m in cast.members)
    return out + table("character | id | status at start | on screen in episodes | lines", rows)


def _member(name: str, cid: str, status: str) -> str:
    return f"{name} ({cid})" if status == "alive" else f"{name} ({cid}, {status} at season start)"


def _payoff(report: EvalReport) -> list[str]:
    pay = report.season.payoff
    out = ["## Cliffhanger payoff", ""]
    if not pay.pairs:
        return [*out, "No pair of consecutive episodes was evaluated.", ""]
    out.extend(
        [
            f"{pay.picked_up} of {pay.pairs} cliffhangers picked up by the next episode's opening "
            f"({pct(pay.rate)}); by status: {counts(pay.by_status)}. Lead left out of the match: "
            f"{', '.join(pay.leads) or 'none'}.",
            "",
        ]
    )
    rows = [
        (f"{p.episode} → {p.next_episode}", p.status, ", ".join(p.raised), ", ".join(p.shared) or "–")
        for e in report.episodes
        if (p := e.payoff) is not None
    ]
    return out + table("episodes | status | cliffhanger raised | shared with the opening", rows)


def _premise(report: EvalReport) -> list[str]:
    pre = report.season.premise
    out = ["## Premise coverage", ""]
    if pre.status != "measured":
        return [*out, f"{pre.status[0].upper()}{pre.status[1:]}.", ""]
    out.extend(
        [
            f"Of {len(pre.facts)} premise facts: plan {pct(pre.plan_ratio)}, canon {pct(pre.canon_ratio)}, plan or "
            f"canon {pct(pre.plan_or_canon_ratio)}, any script {pct(pre.scripts_ratio)}, the first two scripts "
            f"{pct(pre.first_scripts_ratio)}.",
            "",
        ]
    )
    if pre.missing_plan_canon:
        out.extend([f"Dropped from plan and canon: {', '.join(pre.missing_plan_canon)}.", ""])
    if pre.missing_scripts:
        out.extend([f"In no script: {', '.join(pre.missing_scripts)}.", ""])
    rows = ((f.label, f.kind, f.plan, f.canon, _eps(f.episodes) or "none") for f in pre.facts)
    return out + table("fact | kind | plan | canon | scripts", rows)


def _notes(report: EvalReport) -> list[str]:
    n = report.season.notes
    out = ["## Note adherence", "", f"{_notes_line(n)}.", ""]
    out.append(
        f"Producer rejection notes: {n.producer_notes}; revisions with no typed requests recorded: "
        f"{n.revisions_without_record}."
    )
    out.append("")
    if n.by_kind:
        out.extend(table("request kind | final status", ((k, counts(v)) for k, v in n.by_kind.items())))
    if n.open:
        out.extend(["Not verified:", ""])
        out.extend(table("status | kind | note | detail", ((o.status, o.kind, o.note, o.detail) for o in n.open)))
    return out


def _stale(report: EvalReport) -> list[str]:
    st = report.season.stale
    out = ["## Stale reviews", "", f"{st.changes} canon change(s) logged after planning.", ""]
    if not st.episodes:
        return [*out, "No evaluated episode was contradicted by a canon change.", ""]
    out.extend(
        [
            "These episodes were reviewed against canon that has changed since; their continuity errors are shown "
            "here and left out of the season's rates.",
            "",
        ]
    )
    rows = ((e.episode, e.status, e.first_draft_errors, e.remaining_errors, "; ".join(e.changes)) for e in st.episodes)
    return out + table("ep | status | first-draft errors | remaining errors | changes", rows)


def episode_sections(report: EvalReport, e: EpisodeEval) -> list[str]:
    """Return an episode page's sections for the new measures."""
    names = report.meta.names
    rows: list[tuple[str, str]] = [
        (
            "dialogue sentences",
            f"{e.repeats.sentences}; {e.repeats.said_before} said in an earlier episode, {e.repeats.said_elsewhere} "
            f"said in another, {e.repeats.near_elsewhere} near-verbatim elsewhere",
        ),
        ("stock lines", ", ".join(f"{t} ×{c}" for t, c in e.repeats.stock.items()) or "none"),
        ("on screen", ", ".join(names.get(c, c) for c in e.cast.on_screen)),
        ("planned but absent", ", ".join(names.get(c, c) for c in e.cast.planned_missing) or "none"),
    ]
    if e.payoff is not None:
        p = e.payoff
        rows.append(("cliffhanger payoff", f"{p.status} in episode {p.next_episode} ({', '.join(p.shared) or '–'})"))
    rows.append(
        (
            "premise facts in the script",
            f"{len(e.premise.covered)} ({pct(e.premise.ratio)}); missing {', '.join(e.premise.missing) or 'none'}"
            if e.premise
            else report.season.premise.status,
        )
    )
    rows.append(("note requests", _notes_line(e.notes)))
    rows.append(("reviews", e.stale if e.stale != "current" else "current (no canon change since)"))
    return ["## What the room kept", "", *table("measure | value", rows)]
