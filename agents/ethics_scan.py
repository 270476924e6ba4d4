"""The ethics guards that read one piece of text at a time.

Each guard takes a unit of text (a premise, a title, a beat, a line) folded for
matching and returns its findings; ``scan`` runs them all on every unit. The
guards are pure functions of the text: nothing in the text can switch one off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agents import ethics_lexicon as lex
from agents.messages import say
from agents.textmatch import Folded, Hit, find_terms, fold, has_cjk, regex_hits
from memory.edits import EditRequest, ReplaceText, RewriteLine
from memory.schema import Finding, Severity

_LINE_ID = re.compile(r"^s\d{2}-l\d{2}$")
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")


@dataclass(frozen=True)
class Unit:
    """One piece of text a guard reads, with where it lives."""

    location: str
    text: str
    is_title: bool = False


def finding(
    check: str,
    category: str,
    severity: Severity,
    unit: Unit,
    message: str,
    quote: str,
    requests: Sequence[EditRequest] | None = None,
) -> Finding:
    """Build an ethics finding; by default a script line's finding asks to rewrite the line.

    Text outside the script (premise, plan, canon) gets no request: no script edit can resolve it.
    """
    return Finding(
        id=f"{check}:{unit.location}:0",
        reviewer="ethics",
        check=check,
        category=category,
        severity=severity,
        message=message,
        quote=quote,
        location=unit.location,
        requests=list(requests) if requests is not None else line_requests(unit.location, quote),
        source="rule",
    )


def line_requests(location: str, quote: str, replacement: str | None = None) -> list[EditRequest]:
    """Ask for a script line to lose the quoted text: rewritten, or with the quote replaced."""
    if not _LINE_ID.match(location):
        return []
    if replacement is not None:
        return [ReplaceText(line_id=location, old=quote[:200], new=replacement)]
    return [RewriteLine(line_id=location, reason=f"drop '{quote[:150]}'")]


def lexicon_hits(folded: Folded, terms: Sequence[str]) -> list[Hit]:
    """Find a lexicon's terms outside their excluded phrases, keeping only the longest of nested hits."""
    hits = find_terms(folded, terms, lex.EXCLUSIONS)
    # "AI换脸" also holds "换脸": one occurrence, one finding. Spellings of one term ("face swap", "face-swap")
    # match the same span: the first is kept, not both dropped.
    return [
        h
        for i, h in enumerate(hits)
        if not any(
            o.start <= h.start and h.end <= o.end and ((o.start, o.end) != (h.start, h.end) or j < i)
            for j, o in enumerate(hits)
            if j != i
        )
    ]


def _real_person(unit: Unit, folded: Folded, lang: str) -> list[Finding]:
    out: list[Finding] = []
    for hit in lexicon_hits(folded, lex.DEEPFAKE):
        out.append(
            finding("deepfake", "real_person", "block", unit, say(lang, "finding.deepfake", quote=hit.quote), hit.quote)
        )
    cues = lexicon_hits(folded, lex.LIKENESS_CUES)
    for hit in lexicon_hits(folded, lex.REAL_PEOPLE):
        if cues:
            out.append(
                finding(
                    "real_person_likeness",
                    "real_person",
                    "block",
                    unit,
                    say(lang, "finding.real_person_likeness", quote=hit.quote, cue=cues[0].quote),
                    hit.quote,
                )
            )
        else:
            out.append(
                finding(
                    "real_person_name",
                    "real_person",
                    "revise",
                    unit,
                    say(lang, "finding.real_person_name", quote=hit.quote),
                    hit.quote,
                    line_requests(unit.location, hit.quote, ""),
                )
            )
    return out


def _minor_text(unit: Unit, folded: Folded, lang: str) -> list[Finding]:
    out: list[Finding] = []
    for m in _SENTENCE.finditer(folded.text):
        sentence = fold(folded.quote(m.start(), m.end()))
        young = regex_hits(sentence, lex.MINOR_AGE_PATTERNS) + lexicon_hits(sentence, lex.MINOR_MARKERS)
        bad = lexicon_hits(sentence, lex.ROMANCE_VIOLENCE) + lexicon_hits(sentence, lex.SEXUAL)
        if young and bad:
            out.append(
                finding(
                    "minor_content",
                    "minors",
                    "block",
                    unit,
                    say(lang, "finding.minor_text", young=young[0].quote, bad=bad[0].quote),
                    sentence.source.strip(),
                )
            )
    return out


def _lexicon_guards(unit: Unit, folded: Folded, lang: str) -> list[Finding]:
    out: list[Finding] = []
    for hit in lexicon_hits(folded, lex.SEXUAL):
        out.append(
            finding(
                "sexual_content",
                "sexual",
                "block",
                unit,
                say(lang, "finding.sexual_content", quote=hit.quote),
                hit.quote,
            )
        )
    for hit in lexicon_hits(folded, lex.HATE):
        out.append(
            finding("hate_speech", "hate", "block", unit, say(lang, "finding.hate_speech", quote=hit.quote), hit.quote)
        )
    methods = lexicon_hits(folded, lex.SELF_HARM_METHOD)
    for hit in methods:
        out.append(
            finding(
                "self_harm_method",
                "self_harm",
                "block",
                unit,
                say(lang, "finding.self_harm_method", quote=hit.quote, safe=say(lang, "finding.safe_messaging")),
                hit.quote,
            )
        )
    for hit in lexicon_hits(folded, lex.SELF_HARM_DEPICTION):
        if not any(m.start <= hit.start < m.end for m in methods):
            out.append(
                finding(
                    "self_harm_depiction",
                    "self_harm",
                    "revise",
                    unit,
                    say(lang, "finding.self_harm_depiction", quote=hit.quote, safe=say(lang, "finding.safe_messaging")),
                    hit.quote,
                )
            )
    for hit in lexicon_hits(folded, lex.COPYRIGHTED):
        out.append(
            finding(
                "copyrighted_character",
                "copyright",
                "block",
                unit,
                say(lang, "finding.copyrighted_character", quote=hit.quote),
                hit.quote,
            )
        )
    return out


def _style_guards(unit: Unit, folded: Folded, lang: str) -> list[Finding]:
    out: list[Finding] = []
    latin_cue = bool(lexicon_hits(folded, lex.STYLE_CUES))
    for hit in lexicon_hits(folded, lex.LIVING_ARTISTS):
        zh_cue = has_cjk(hit.quote) and lex.ZH_STYLE_AFTER.match(folded.text[hit.end :]) is not None
        if latin_cue or zh_cue:
            out.append(
                finding(
                    "living_artist_style",
                    "living_artist",
                    "revise",
                    unit,
                    say(lang, "finding.living_artist_style", quote=hit.quote),
                    hit.quote,
                )
            )
    artists = {a.casefold() for a in lex.LIVING_ARTISTS} | set(lex.PUBLIC_DOMAIN_ARTISTS)
    for m in lex.STYLE_OF_PATTERN.finditer(unit.text):
        name = m.group(1).strip().rstrip(".")
        if not any(a in name.casefold() for a in artists):
            out.append(
                finding(
                    "style_of_name",
                    "living_artist",
                    "revise",
                    unit,
                    say(lang, "finding.style_of_name", name=name),
                    m.group().strip(),
                )
            )
    return out


def _stereotype_guards(unit: Unit, folded: Folded, lang: str) -> list[Finding]:
    out: list[Finding] = []
    if unit.is_title:
        for hit in lexicon_hits(folded, lex.BOSS_TITLE):
            out.append(
                finding(
                    "boss_title",
                    "stereotype",
                    "revise",
                    unit,
                    say(lang, "finding.boss_title", quote=hit.quote),
                    hit.quote,
                )
            )
        for hit in lexicon_hits(folded, lex.CLICKBAIT_TITLE):
            out.append(
                finding(
                    "clickbait_title",
                    "nrta",
                    "revise",
                    unit,
                    say(lang, "finding.clickbait_title", quote=hit.quote),
                    hit.quote,
                )
            )
    cinderella, rescuer = lexicon_hits(folded, lex.CINDERELLA), lexicon_hits(folded, lex.RICH_RESCUER)
    if cinderella and rescuer:
        out.append(
            finding(
                "cinderella_rescue",
                "stereotype",
                "revise",
                unit,
                say(lang, "finding.cinderella_rescue", heroine=cinderella[0].quote, rescuer=rescuer[0].quote),
                cinderella[0].quote,
            )
        )
    for hit in lexicon_hits(folded, lex.MONEY_WORSHIP):
        out.append(
            finding(
                "money_worship",
                "stereotype",
                "revise",
                unit,
                say(lang, "finding.money_worship", quote=hit.quote),
                hit.quote,
            )
        )
    for hit in lexicon_hits(folded, lex.DISTORTED_CLASSICS):
        out.append(
            finding(
                "distorted_classic",
                "nrta",
                "revise",
                unit,
                say(lang, "finding.distorted_classic", quote=hit.quote),
                hit.quote,
            )
        )
    for hit in regex_hits(folded, lex.INJECTION_PATTERNS):
        out.append(
            finding(
                "prompt_injection",
                "prompt_injection",
                "revise",
                unit,
                say(lang, "finding.prompt_injection", quote=hit.quote),
                hit.quote,
            )
        )
    return out


def scan(units: Iterable[Unit], language: str = "en") -> list[Finding]:
    """Run every text guard on every non-empty unit; messages are in ``language``."""
    out: list[Finding] = []
    for unit in units:
        if not unit.text.strip():
            continue
        folded = fold(unit.text)
        out += _real_person(unit, folded, language) + _minor_text(unit, folded, language)
        out += _lexicon_guards(unit, folded, language) + _style_guards(unit, folded, language)
        out += _stereotype_guards(unit, folded, language)
    return out
