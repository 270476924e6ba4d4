"""Deterministic ethics and compliance guards for premises, series bibles and scripts.

The guards are pure functions of the text: nothing in the text can switch one
off. A prompt injection is itself reported, and every other guard still runs.
The guards that read one piece of text live in ``ethics_scan``; this module
splits premises, bibles and scripts into units for them and adds the checks
that need canon (ages, relationships, roles).
"""

from __future__ import annotations

from collections.abc import Iterable

from agents import ethics_lexicon as lex
from agents.ethics_scan import Unit, finding, lexicon_hits, scan
from agents.findings import verdict_of as verdict_of  # part of this module's API
from agents.findings import with_ids
from agents.messages import say
from agents.textmatch import find_terms, fold, has_cjk
from memory.edits import RewriteLine
from memory.schema import Canon, Character, Finding, Script, SeriesBible


def _numbered(findings: Iterable[Finding]) -> list[Finding]:
    return with_ids(findings, lambda f: (f.check, f.location, f.quote))


def _character_units(ch: Character) -> list[Unit]:
    loc = f"character:{ch.id}"
    a = ch.appearance
    text = " / ".join(
        [
            ch.name,
            *ch.aliases,
            ch.role,
            ch.occupation,
            *ch.traits,
            a.hair,
            a.eyes,
            a.build,
            a.features,
            *(w.description for w in ch.wardrobe),
            *(r.kind for r in ch.relationships),
        ]
    )
    return [Unit(loc, text)]


def _cast_guards(canon: Canon) -> list[Finding]:
    out: list[Finding] = []
    for ch in canon.characters:
        unit = Unit(f"character:{ch.id}", ch.name)
        romantic = [r for r in ch.relationships if lexicon_hits(fold(r.kind), lex.ROMANTIC_RELATIONS)]
        if ch.age < 18 and romantic:
            out.append(
                finding(
                    "minor_romance",
                    "minors",
                    "block",
                    unit,
                    say(canon.language, "finding.minor_romance", name=ch.name, age=ch.age, relation=romantic[0].kind),
                    romantic[0].kind,
                    [],
                )
            )
        role_hits = lexicon_hits(fold(f"{ch.role} / {ch.occupation}"), lex.CHILD_BAD_ROLES)
        if ch.age < 14 and role_hits:
            out.append(
                finding(
                    "child_role",
                    "minors",
                    "revise",
                    unit,
                    say(canon.language, "finding.child_role", name=ch.name, age=ch.age, role=role_hits[0].quote),
                    role_hits[0].quote,
                    [],
                )
            )
    women = [c for c in canon.characters if c.gender == "female"]
    men = [c for c in canon.characters if c.gender == "male"]
    if (
        women
        and all(lexicon_hits(fold(c.occupation), lex.SUBSERVIENT_JOBS) for c in women)
        and any(lexicon_hits(fold(f"{c.role} {c.occupation}"), lex.POWER_JOBS) for c in men)
    ):
        jobs = ", ".join(f"{c.name}: {c.occupation}" for c in women)
        out.append(
            finding(
                "gender_roles",
                "stereotype",
                "revise",
                Unit("canon.characters", jobs),
                say(canon.language, "finding.gender_roles"),
                jobs,
                [],
            )
        )
    return out


def _minor_mentions(units: Iterable[Unit], canon: Canon) -> list[Finding]:
    minors = [c for c in canon.characters if c.age < 18]
    out: list[Finding] = []
    for unit in units:
        folded = fold(unit.text)
        for ch in minors:
            bad = lexicon_hits(folded, lex.ROMANCE_VIOLENCE) + lexicon_hits(folded, lex.SEXUAL)
            if bad and find_terms(folded, [ch.name, *ch.aliases]):
                out.append(
                    finding(
                        "minor_content",
                        "minors",
                        "block",
                        unit,
                        say(canon.language, "finding.minor_beat", name=ch.name, age=ch.age, bad=bad[0].quote),
                        unit.text,
                    )
                )
    return out


def guard_premise(premise: str, language: str | None = None) -> list[Finding]:
    """Check a premise and return the ethics findings, in the premise's language unless one is given."""
    lang = language or ("zh" if has_cjk(premise) else "en")
    return _numbered(scan([Unit("premise", premise)], lang))


def guard_series(series: SeriesBible) -> list[Finding]:
    """Check a series bible (titles, cast, plan and all bible text) and return the ethics findings."""
    plan, canon = series.plan, series.canon
    units = [
        Unit("plan.title", plan.title, True),
        Unit("plan.logline", plan.logline),
        Unit("plan.tone", f"{plan.genre} / {plan.tone}"),
        *(Unit(f"plan.arcs[{i}]", arc) for i, arc in enumerate(plan.arcs)),
    ]
    if canon.title.strip() != plan.title.strip():
        units.append(Unit("canon.title", canon.title, True))
    units += [Unit("canon.world", " / ".join([canon.genre, canon.tone, canon.world.era, *canon.world.rules]))]
    beats: list[Unit] = []
    for ep in plan.episodes:
        loc = f"ep{ep.number:02d}"
        units.append(Unit(f"{loc}.title", ep.title, True))
        beats += [
            Unit(f"{loc}.opening_hook", ep.opening_hook),
            Unit(f"{loc}.cliffhanger", ep.cliffhanger),
            Unit(f"{loc}.core_conflict", ep.core_conflict),
            *(Unit(f"{loc}.key_beats[{i}]", b) for i, b in enumerate(ep.key_beats)),
        ]
    units += beats
    for ch in canon.characters:
        units += _character_units(ch)
    units += [Unit(f"location:{loc.id}", f"{loc.name} / {loc.description}") for loc in canon.locations]
    units += [Unit(f"prop:{p.id}", f"{p.name} / {p.description}") for p in canon.props]
    units += [Unit(f"secret:{s.id}", s.description) for s in canon.secrets]
    return _numbered(scan(units, canon.language) + _cast_guards(canon) + _minor_mentions(beats, canon))


def guard_script(script: Script, canon: Canon) -> list[Finding]:
    """Check a script's title and every line, using canon for ages, and return the ethics findings."""
    units = [Unit("title", script.title, True), Unit("summary", script.summary)]
    minors_in_scene: list[Finding] = []
    for scene in script.scenes:
        units += [Unit(line.id, line.text) for line in scene.lines]
        minors = [c for c in (canon.character(cid) for cid in scene.character_ids) if c is not None and c.age < 18]
        if not minors:
            continue
        for line in scene.lines:
            folded = fold(line.text)
            bad = lexicon_hits(folded, lex.ROMANCE_VIOLENCE) + lexicon_hits(folded, lex.SEXUAL)
            if bad:
                names = say(canon.language, "sep.list").join(f"{c.name} ({c.age})" for c in minors)
                minors_in_scene.append(
                    finding(
                        "minor_in_scene",
                        "minors",
                        "block",
                        Unit(line.id, line.text),
                        say(canon.language, "finding.minor_in_scene", names=names, scene=scene.id, bad=bad[0].quote),
                        bad[0].quote,
                        [RewriteLine(line_id=line.id, reason=f"keep minors out of '{bad[0].quote}'")],
                    )
                )
    return _numbered(
        scan(units, canon.language) + minors_in_scene + _minor_mentions([Unit("summary", script.summary)], canon)
    )
