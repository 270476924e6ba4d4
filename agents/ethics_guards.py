"""Deterministic ethics and compliance guards for premises, series bibles and scripts.

The guards are pure functions of the text: nothing in the text can switch one
off. A prompt injection is itself reported, and every other guard still runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agents import ethics_lexicon as lex
from agents.textmatch import Folded, Hit, find_terms, fold, has_cjk, regex_hits
from memory.schema import Canon, Character, Finding, Script, SeriesBible, Severity, Verdict

SAFE_MESSAGING = (
    "Show the person's pain and the help they find, never the method; add a crisis-helpline end card "
    "(e.g. 988 in the US, 12356 in China)."
)
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")


@dataclass(frozen=True)
class Unit:
    """One piece of text a guard reads, with where it lives."""

    location: str
    text: str
    is_title: bool = False


def _finding(
    check: str,
    category: str,
    severity: Severity,
    unit: Unit,
    message: str,
    quote: str,
    fix: dict[str, str] | None = None,
) -> Finding:
    return Finding(
        id=f"{check}:{unit.location}:0",
        reviewer="ethics",
        check=check,
        category=category,
        severity=severity,
        message=message,
        quote=quote,
        location=unit.location,
        fix=fix if fix is not None else {"action": "rewrite_text", "location": unit.location, "old": quote},
        source="rule",
    )


def _numbered(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    counts: dict[tuple[str, str], int] = {}
    out: list[Finding] = []
    for f in findings:
        if (f.check, f.location, f.quote) in seen:
            continue
        seen.add((f.check, f.location, f.quote))
        n = counts.get((f.check, f.location), 0)
        counts[(f.check, f.location)] = n + 1
        out.append(f.model_copy(update={"id": f"{f.check}:{f.location}:{n}"}))
    return out


def _hits(folded: Folded, terms: Sequence[str]) -> list[Hit]:
    hits = find_terms(folded, terms, lex.EXCLUSIONS)
    # "AI换脸" also holds "换脸": one occurrence, one finding.
    return [h for h in hits if not any(o.start <= h.start and h.end <= o.end and o != h for o in hits)]


def _real_person(unit: Unit, folded: Folded) -> list[Finding]:
    out: list[Finding] = []
    for hit in _hits(folded, lex.DEEPFAKE):
        out.append(
            _finding(
                "deepfake",
                "real_person",
                "block",
                unit,
                f"'{hit.quote}' asks for face or voice synthesis of a person; deep-synthesis rules need "
                "the person's separate consent, so drop it.",
                hit.quote,
            )
        )
    cues = _hits(folded, lex.LIKENESS_CUES)
    for hit in _hits(folded, lex.REAL_PEOPLE):
        if cues:
            out.append(
                _finding(
                    "real_person_likeness",
                    "real_person",
                    "block",
                    unit,
                    f"'{hit.quote}' is a real person, and the text uses their likeness or voice "
                    f"('{cues[0].quote}'); that needs their consent, so cut it.",
                    hit.quote,
                )
            )
        else:
            out.append(
                _finding(
                    "real_person_name",
                    "real_person",
                    "revise",
                    unit,
                    f"'{hit.quote}' is a real public figure; fictionalise the name.",
                    hit.quote,
                    {"action": "replace_text", "location": unit.location, "old": hit.quote, "new": ""},
                )
            )
    return out


def _minor_text(unit: Unit, folded: Folded) -> list[Finding]:
    out: list[Finding] = []
    for m in _SENTENCE.finditer(folded.text):
        sentence = fold(folded.quote(m.start(), m.end()))
        young = regex_hits(sentence, lex.MINOR_AGE_PATTERNS) + _hits(sentence, lex.MINOR_MARKERS)
        bad = _hits(sentence, lex.ROMANCE_VIOLENCE) + _hits(sentence, lex.SEXUAL)
        if young and bad:
            out.append(
                _finding(
                    "minor_content",
                    "minors",
                    "block",
                    unit,
                    f"A minor ('{young[0].quote}') is paired with '{bad[0].quote}'; minors must not be in "
                    "romance, sexual or violent content, so age the character up or cut it.",
                    sentence.source.strip(),
                )
            )
    return out


def _lexicon_guards(unit: Unit, folded: Folded) -> list[Finding]:
    out: list[Finding] = []
    for hit in _hits(folded, lex.SEXUAL):
        out.append(
            _finding(
                "sexual_content",
                "sexual",
                "block",
                unit,
                f"'{hit.quote}' is explicit sexual content; cut it or imply the moment off screen.",
                hit.quote,
            )
        )
    for hit in _hits(folded, lex.HATE):
        out.append(
            _finding(
                "hate_speech",
                "hate",
                "block",
                unit,
                f"'{hit.quote}' dehumanises a group of people; remove it.",
                hit.quote,
            )
        )
    methods = _hits(folded, lex.SELF_HARM_METHOD)
    for hit in methods:
        out.append(
            _finding(
                "self_harm_method",
                "self_harm",
                "block",
                unit,
                f"'{hit.quote}' asks for or gives a self-harm method; remove it. {SAFE_MESSAGING}",
                hit.quote,
            )
        )
    for hit in _hits(folded, lex.SELF_HARM_DEPICTION):
        if not any(m.start <= hit.start < m.end for m in methods):
            out.append(
                _finding(
                    "self_harm_depiction",
                    "self_harm",
                    "revise",
                    unit,
                    f"'{hit.quote}' depicts suicide or self-harm; follow safe-messaging guidance. {SAFE_MESSAGING}",
                    hit.quote,
                )
            )
    for hit in _hits(folded, lex.COPYRIGHTED):
        out.append(
            _finding(
                "copyrighted_character",
                "copyright",
                "block",
                unit,
                f"'{hit.quote}' is a copyrighted character; replace it with an original one.",
                hit.quote,
            )
        )
    return out


def _style_guards(unit: Unit, folded: Folded) -> list[Finding]:
    out: list[Finding] = []
    latin_cue = bool(_hits(folded, lex.STYLE_CUES))
    for hit in _hits(folded, lex.LIVING_ARTISTS):
        zh_cue = has_cjk(hit.quote) and lex.ZH_STYLE_AFTER.match(folded.text[hit.end :]) is not None
        if latin_cue or zh_cue:
            out.append(
                _finding(
                    "living_artist_style",
                    "living_artist",
                    "revise",
                    unit,
                    f"Imitating the style of the living artist '{hit.quote}' is high risk; describe the "
                    "look in your own words instead.",
                    hit.quote,
                )
            )
    artists = {a.casefold() for a in lex.LIVING_ARTISTS} | set(lex.PUBLIC_DOMAIN_ARTISTS)
    for m in lex.STYLE_OF_PATTERN.finditer(unit.text):
        name = m.group(1).strip().rstrip(".")
        if not any(a in name.casefold() for a in artists):
            out.append(
                _finding(
                    "style_of_name",
                    "living_artist",
                    "revise",
                    unit,
                    f"'in the style of {name}' may imitate a living artist; describe the look instead.",
                    m.group().strip(),
                )
            )
    return out


def _stereotype_guards(unit: Unit, folded: Folded) -> list[Finding]:
    out: list[Finding] = []
    if unit.is_title:
        for hit in _hits(folded, lex.BOSS_TITLE):
            out.append(
                _finding(
                    "boss_title",
                    "stereotype",
                    "revise",
                    unit,
                    f"'{hit.quote}' in a title is barred by NRTA guidance; retitle without it.",
                    hit.quote,
                )
            )
        for hit in _hits(folded, lex.CLICKBAIT_TITLE):
            out.append(
                _finding(
                    "clickbait_title",
                    "nrta",
                    "revise",
                    unit,
                    f"'{hit.quote}' makes the title vulgar or clickbait; retitle plainly.",
                    hit.quote,
                )
            )
    cinderella, rescuer = _hits(folded, lex.CINDERELLA), _hits(folded, lex.RICH_RESCUER)
    if cinderella and rescuer:
        out.append(
            _finding(
                "cinderella_rescue",
                "stereotype",
                "revise",
                unit,
                f"'{cinderella[0].quote}' rescued by '{rescuer[0].quote}' is the stereotype NRTA warns "
                "about; give the heroine her own agency.",
                cinderella[0].quote,
            )
        )
    for hit in _hits(folded, lex.MONEY_WORSHIP):
        out.append(
            _finding(
                "money_worship",
                "stereotype",
                "revise",
                unit,
                f"'{hit.quote}' makes money or social climbing the payoff; change the goal.",
                hit.quote,
            )
        )
    for hit in _hits(folded, lex.DISTORTED_CLASSICS):
        out.append(
            _finding(
                "distorted_classic",
                "nrta",
                "revise",
                unit,
                f"'{hit.quote}' signals an AI-distorted classic, which NRTA guidance bars; adapt "
                "respectfully or invent an original story.",
                hit.quote,
            )
        )
    for hit in regex_hits(folded, lex.INJECTION_PATTERNS):
        out.append(
            _finding(
                "prompt_injection",
                "prompt_injection",
                "revise",
                unit,
                f"'{hit.quote}' tries to instruct the reviewers; it was recorded and ignored, and every "
                "guard still ran. Remove it.",
                hit.quote,
            )
        )
    return out


def _scan(units: Iterable[Unit]) -> list[Finding]:
    out: list[Finding] = []
    for unit in units:
        if not unit.text.strip():
            continue
        folded = fold(unit.text)
        out += _real_person(unit, folded) + _minor_text(unit, folded) + _lexicon_guards(unit, folded)
        out += _style_guards(unit, folded) + _stereotype_guards(unit, folded)
    return out


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
        romantic = [r for r in ch.relationships if _hits(fold(r.kind), lex.ROMANTIC_RELATIONS)]
        if ch.age < 18 and romantic:
            out.append(
                _finding(
                    "minor_romance",
                    "minors",
                    "block",
                    unit,
                    f"{ch.name} is {ch.age} but has a romantic relationship ('{romantic[0].kind}'); "
                    "make them an adult or drop the romance.",
                    romantic[0].kind,
                    {"action": "set_age", "character_id": ch.id, "value": "18"},
                )
            )
        role_hits = _hits(fold(f"{ch.role} / {ch.occupation}"), lex.CHILD_BAD_ROLES)
        if ch.age < 14 and role_hits:
            out.append(
                _finding(
                    "child_role",
                    "minors",
                    "revise",
                    unit,
                    f"{ch.name} is a child ({ch.age}) cast as '{role_hits[0].quote}'; NRTA guidance bars "
                    "child schemers, CEOs and bullies, so change the role.",
                    role_hits[0].quote,
                    {"action": "set_role", "character_id": ch.id, "value": "family"},
                )
            )
    women = [c for c in canon.characters if c.gender == "female"]
    men = [c for c in canon.characters if c.gender == "male"]
    if (
        women
        and all(_hits(fold(c.occupation), lex.SUBSERVIENT_JOBS) for c in women)
        and any(_hits(fold(f"{c.role} {c.occupation}"), lex.POWER_JOBS) for c in men)
    ):
        jobs = ", ".join(f"{c.name}: {c.occupation}" for c in women)
        out.append(
            _finding(
                "gender_roles",
                "stereotype",
                "revise",
                Unit("canon.characters", jobs),
                "Every woman serves (secretary, housewife, maid) while men hold the power; give women "
                "roles with their own power and goals.",
                jobs,
                {"action": "set_occupation", "character_id": women[0].id, "value": ""},
            )
        )
    return out


def _minor_mentions(units: Iterable[Unit], canon: Canon) -> list[Finding]:
    minors = [c for c in canon.characters if c.age < 18]
    out: list[Finding] = []
    for unit in units:
        folded = fold(unit.text)
        for ch in minors:
            bad = _hits(folded, lex.ROMANCE_VIOLENCE) + _hits(folded, lex.SEXUAL)
            if bad and find_terms(folded, [ch.name, *ch.aliases]):
                out.append(
                    _finding(
                        "minor_content",
                        "minors",
                        "block",
                        unit,
                        f"{ch.name} is {ch.age} and this beat pairs them with '{bad[0].quote}'; keep "
                        "minors out of romance, sexual and violent beats.",
                        unit.text,
                    )
                )
    return out


def guard_premise(premise: str) -> list[Finding]:
    """Check a premise and return the ethics findings."""
    return _numbered(_scan([Unit("premise", premise)]))


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
    return _numbered(_scan(units) + _cast_guards(canon) + _minor_mentions(beats, canon))


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
            bad = _hits(folded, lex.ROMANCE_VIOLENCE) + _hits(folded, lex.SEXUAL)
            if bad:
                names = ", ".join(f"{c.name} ({c.age})" for c in minors)
                minors_in_scene.append(
                    _finding(
                        "minor_in_scene",
                        "minors",
                        "block",
                        Unit(line.id, line.text),
                        f"{names} in scene {scene.id}, which has '{bad[0].quote}'; keep minors out of romantic or "
                        "violent scenes, or move the moment to a scene without them.",
                        bad[0].quote,
                        {"action": "rewrite_line", "line_id": line.id},
                    )
                )
    return _numbered(_scan(units) + minors_in_scene + _minor_mentions([Unit("summary", script.summary)], canon))


def verdict_of(findings: Sequence[Finding]) -> Verdict:
    """Return block if any finding blocks, revise if any asks for revision, else approve."""
    severities = {f.severity for f in findings}
    if "block" in severities:
        return "block"
    return "revise" if "revise" in severities else "approve"
